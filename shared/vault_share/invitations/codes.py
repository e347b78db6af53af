"""What the MAC of an invitation's code covers (vault_share.guard.secrets.code_mac, keyed by the
token's hash). Acceptance forms it from what the person submitted, before reading anything, so
that one conditional write judges it (recipient.accept):

- the link went by e-mail: the validation code alone (the account's address is the invitation's);
- invited by letter with no e-mail on file: the validation code, the code e-mailed and that
  address together, once the person gave an address (recipient.send_email_code). Until then the
  MAC covers a secret that no submission can form (`awaiting_email`): the validation code alone
  never accepts such an invitation.
"""

from __future__ import annotations

from vault_share.invitations.store import email_required


def at_invitation(link_channel: str, email: str | None, code: str) -> str:
    """What the MAC covers when the invitation is made."""
    return awaiting_email(code) if email_required(link_channel, email) else validation_code(code)


def validation_code(code: str) -> str:
    return code


def awaiting_email(code: str) -> str:
    return f"{code}:awaiting-email"  # never a submission's: an e-mail code is 6 digits


def with_email(code: str, email_code: str, address: str) -> str:
    return f"{code}:{email_code}:{address}"
