"""Invitations into a vault: two channels (link and code), direct access, reminders."""
