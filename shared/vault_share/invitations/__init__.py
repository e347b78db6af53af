"""Invitations into a vault over two channels: store, owner and recipient use cases, messages, reminders."""
