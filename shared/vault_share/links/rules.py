"""Rules of a link shared by the owner's and the recipient's sides."""

from __future__ import annotations

from datetime import timedelta

from vault_share.errors import BadRequest, Gone, NotFound
from vault_share.links.store import Link
from vault_share.settings import get_settings

# After the unlock, each document can be fetched again for this long (an interrupted download is not lost).
DOWNLOAD_WINDOW = timedelta(minutes=30)


class InvalidCode(BadRequest):
    """Not six digits: nothing judged, nothing written."""

    code = "invalid_code"
    message = "Le code doit comporter exactement 6 chiffres."

    def __init__(self, link: Link) -> None:
        super().__init__()
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


def download_unavailable() -> Gone:
    return Gone("Ce téléchargement n'est plus disponible : ouvrez à nouveau le lien reçu.", code="download_unavailable")


def share_url(token: str) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/share/{token}"


def file_url(token: str, document_id: str) -> str:
    return f"{share_url(token)}/files/{document_id}"
