"""Invitations into the vault over two channels (link by e-mail or letter, code by SMS or phone),
direct access by personal code, scheduled reminders."""
