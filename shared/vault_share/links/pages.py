"""What the recipient of a link sees in a browser (French, no JavaScript)."""

from __future__ import annotations

from vault_share import clock
from vault_share.errors import DomainError, Gone, Unavailable
from vault_share.guard.attempts import WrongCode
from vault_share.i18n import date_time_fr, plural
from vault_share.links.rules import InvalidCode, file_url
from vault_share.links.store import Link
from vault_share.pages import e

TITLE = "Documents transmis"

_GONE_TEXT = {
    "used": ("Lien déjà utilisé", "Ce lien a déjà servi : il ne fonctionne qu'une seule fois."),
    "revoked": ("Lien révoqué", "L'expéditeur a révoqué ce lien."),
    "expired": ("Lien expiré", "La date limite de ce lien est passée."),
    "locked": ("Lien bloqué", "Trop de codes erronés ont été saisis : le lien est bloqué par sécurité."),
}


def _when(iso_text: str) -> str:
    return date_time_fr(clock.parse_iso(iso_text))


def code_form(link: Link, error: str | None = None, attempts_left: int | None = None) -> str:
    count = plural(len(link.document_order), "document")
    alert = ""
    if error:
        left = f" Il vous reste {plural(attempts_left, 'essai')}." if attempts_left is not None else ""
        alert = f'<div class="alert" role="alert" id="code-error">{e(error)}{e(left)}</div>'
    message = f'<p class="muted">Message :</p><p class="blockquote">{e(link.message)}</p>' if link.message else ""
    # One aria-describedby (a repeated attribute is dropped by the parser): the help, then the error.
    described = (
        'aria-describedby="code-help code-error" aria-invalid="true"' if error else 'aria-describedby="code-help"'
    )
    return (
        f"<h1>{e(link.vault_name)} vous transmet {e(count)}</h1>"
        f"<p>Lien valable une seule fois, jusqu'au {e(_when(link.expires_at))}.</p>"
        f"{message}{alert}"
        '<form method="post">'
        '<label for="code">Code à 6 chiffres</label>'
        '<p class="muted" id="code-help">Communiqué par l\'expéditeur, par un autre moyen que ce lien.</p>'
        '<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" '
        f'pattern="[0-9]{{6}}" maxlength="6" required {described} autofocus>'
        '<div><button type="submit">Accéder aux documents</button></div>'
        "</form>"
    )


def downloads(token: str, link: Link) -> str:
    """The unlocked link's files. The URLs hold no grant (it rides in an HttpOnly cookie), so
    a URL copied from this page opens nothing on its own."""
    items = "".join(
        "<li>"
        f'<span>{e(doc["fileName"])} <span class="muted">({e(_size(int(doc["size"])))})</span></span>'
        f'<a class="button" href="{e(file_url(token, doc_id))}" download>Télécharger'
        f'<span class="visually-hidden"> {e(doc["fileName"])}</span></a>'
        "</li>"
        for doc_id, doc in link.ordered_documents()
    )
    return (
        "<h1>Vos documents</h1>"
        '<div class="success" role="status">Code accepté. Ce lien est maintenant utilisé.</div>'
        f"<p>Téléchargez chaque document avant le {e(_when(str(link.downloads_expire_at)))} "
        "(30 minutes) : vous pouvez relancer un téléchargement interrompu jusque-là, "
        "mais pas recharger cette page.</p>"
        f'<ul class="files">{items}</ul>'
    )


def gone(status: str) -> str:
    title, text = _GONE_TEXT.get(status, ("Lien indisponible", "Ce lien n'est plus disponible."))
    return f"<h1>{e(title)}</h1><p>{e(text)}</p><p>Demandez un nouveau lien à l'expéditeur si besoin.</p>"


def not_found() -> str:
    return (
        "<h1>Lien introuvable</h1>"
        "<p>Ce lien n'existe pas. Vérifiez qu'il a été copié en entier, ou demandez-en un nouveau à l'expéditeur.</p>"
    )


def download_unavailable() -> str:
    return (
        "<h1>Téléchargement indisponible</h1>"
        "<p>Le délai de 30 minutes après la saisie du code est passé, "
        "ou ce lien de téléchargement n'est pas valide.</p>"
    )


def unavailable() -> str:
    return (
        "<h1>Service momentanément indisponible</h1>"
        "<p>Rien n'a été perdu : réessayez dans un instant, en renvoyant ce formulaire "
        "ou en rouvrant le lien reçu.</p>"
    )


def error_page(exc: DomainError) -> str:
    """The page a browser gets for an error of the /share routes."""
    if isinstance(exc, Unavailable):
        return unavailable()
    if isinstance(exc, WrongCode):
        return code_form(exc.item, "Code incorrect.", exc.extra.get("attemptsLeft"))
    if isinstance(exc, InvalidCode):
        return code_form(exc.link, exc.message)
    if isinstance(exc, Gone):
        return gone(exc.extra["status"]) if "status" in exc.extra else download_unavailable()
    return not_found()


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} octets"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} Ko".replace(".", ",")
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")
