"""What the MAC of an invitation's code covers (vault_share.guard.secrets.code_mac, keyed by the
token's hash). Acceptance forms it from what the person submitted, before reading anything, so
that one conditional write judges it (recipient.accept):

- the link went by e-mail: the validation code alone (the account's address is the invitation's);
- invited by letter with no e-mail on file: the validation code's own MAC, the code e-mailed and
  that address together, once the person gave an address (recipient.send_email_code). Until then
  the MAC covers a secret that no submission can form (`awaiting_email`): the validation code
  alone never accepts such an invitation. The item keeps the validation code's MAC
  (`validationMac`, as secret as `codeMac`) so that sending the e-mail code needs no decryption:
  the recipients' function holds no key (KMS decrypt stays the owner side's).
"""

from __future__ import annotations

from vault_share.guard import secrets
from vault_share.invitations.store import email_required


def at_invitation(link_channel: str, email: str | None, code: str) -> str:
    """What the MAC covers when the invitation is made."""
    return awaiting_email(code) if email_required(link_channel, email) else validation_code(code)


def validation_mac(pepper: bytes, token_hash: str, link_channel: str, email: str | None, code: str) -> str | None:
    """What the invitation keeps for the letter path (`validationMac`); None on the others."""
    if not email_required(link_channel, email):
        return None
    return secrets.code_mac(pepper, token_hash, validation_code(code))


def validation_code(code: str) -> str:
    return code


def awaiting_email(code: str) -> str:
    return f"{code}:awaiting-email"  # never a submission's: an e-mail code is 6 digits


def with_email(validation_mac: str, email_code: str, address: str) -> str:
    """`validation_mac`: the MAC of `validation_code(code)`."""
    return f"{validation_mac}:{email_code}:{address}"
