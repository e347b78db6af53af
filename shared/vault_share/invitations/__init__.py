"""Invitations: the owner and recipient use cases, their store and the messages of each channel."""
