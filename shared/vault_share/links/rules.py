"""Rules of a link shared by the owner's and the recipient's sides."""

from __future__ import annotations

from datetime import timedelta

from vault_share.errors import DomainError, Gone, NotFound
from vault_share.links.store import Link
from vault_share.settings import get_settings

# After the unlock, each document can be fetched again for this long (an interrupted download is not lost).
DOWNLOAD_WINDOW = timedelta(minutes=30)


class WrongCode(DomainError):
    status = 403
    code = "wrong_code"
    message = "Code incorrect."

    def __init__(self, link: Link, attempts_left: int) -> None:
        super().__init__(attemptsLeft=attempts_left)
        # The link as the attempt left it, for the page that asks again (never serialised).
        self.link = link


def link_gone(status: str) -> Gone:
    messages = {
        "used": "Ce lien a déjà été utilisé.",
        "revoked": "Ce lien a été révoqué par son expéditeur.",
        "expired": "Ce lien a expiré.",
        "locked": "Ce lien est bloqué après trop de codes erronés.",
    }
    return Gone(messages.get(status, "Ce lien n'est plus disponible."), code=f"link_{status}", status=status)


def link_not_found() -> NotFound:
    return NotFound("Ce lien n'existe pas.", code="link_not_found")


def effective_status(link: Link, now: str) -> str:
    """An active link past its expiry is expired, even before the sweep marks it."""
    if link.status == "active" and link.expires_at <= now:
        return "expired"
    return link.status


def share_url(token: str) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/share/{token}"
