"""The minimal vault: vaults and their members, dossiers, documents, persons, profiles."""
