"""Dossier and person journals, and owner notifications (written from the shares stream)."""
