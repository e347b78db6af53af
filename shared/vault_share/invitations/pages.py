"""What the invited person sees in a browser (French, no JavaScript)."""

from __future__ import annotations

from vault_share import clock
from vault_share.errors import DomainError, Gone
from vault_share.guard.attempts import WrongCode
from vault_share.i18n import date_time_fr
from vault_share.invitations.store import Invitation
from vault_share.pages import e

TITLE = "Invitation"

_GONE_TEXT = {
    "accepted": ("Invitation déjà acceptée", "Cette invitation a déjà servi : connectez-vous à votre compte."),
    "expired": ("Invitation expirée", "La date limite de cette invitation est passée."),
    "cancelled": ("Invitation annulée", "L'expéditeur a annulé cette invitation."),
    "not_sent": ("Invitation indisponible", "Cette invitation n'a pas été envoyée."),
    "locked": ("Invitation bloquée", "Trop de codes erronés ont été saisis : l'invitation est bloquée par sécurité."),
}


def _code_field(name: str, label: str, help_text: str, error: str | None) -> str:
    described = f'aria-describedby="{name}-help{" form-error" if error else ""}"'
    invalid = ' aria-invalid="true"' if error else ""
    return (
        f'<label for="{name}">{e(label)}</label>'
        f'<p class="muted" id="{name}-help">{e(help_text)}</p>'
        f'<input id="{name}" name="{name}" type="text" inputmode="numeric" autocomplete="one-time-code" '
        f'pattern="[0-9]{{6}}" maxlength="6" required {described}{invalid}>'
    )


def accept_form(
    invitation: Invitation, account_exists: bool, error: str | None = None, token: str = "", at_email: bool = False
) -> str:
    """The page of a pending invitation: what the person must give to accept it. Invited by letter
    with no e-mail on file, it first asks for an address (posted to `<token>/email`), then for both
    codes, with a way to have the code sent again. `at_email`: the page answers `<token>/email`
    (forms' actions are relative, so that they keep the stage prefix of the deployed API)."""
    heading = f"<h1>{e(invitation.vault_name)} vous invite dans son coffre</h1>"
    expires = date_time_fr(clock.parse_iso(invitation.expires_at))
    intro = f"<p>Invitation valable jusqu'au {e(expires)}.</p>"
    comment = f'<p class="blockquote">{e(invitation.comment)}</p>' if invitation.comment else ""
    alert = f'<div class="alert" role="alert" id="form-error">{e(error)}</div>' if error else ""
    top = f"{heading}{intro}{comment}{alert}"
    if account_exists:
        return (
            f"{top}<p>Un compte vault-share existe déjà pour votre adresse e-mail. Connectez-vous à votre compte, "
            "puis acceptez l'invitation avec le code de validation : votre mot de passe ne change pas.</p>"
        )
    email_action = "email" if at_email else f"{token}/email"
    address = str(invitation.extra.get("confirmEmail") or "")
    if invitation.email_required and not address:
        return (
            f'{top}<form method="post" action="{e(email_action)}">'
            '<label for="email">Votre adresse e-mail</label>'
            '<p class="muted" id="email-help">Un code de confirmation à 6 chiffres vous y sera envoyé.</p>'
            '<input id="email" name="email" type="email" autocomplete="email" required '
            'aria-describedby="email-help">'
            '<div><button type="submit">Recevoir le code</button></div></form>'
        )
    sent = email_fields = send_again = ""
    if invitation.email_required:
        sent = f'<div class="success" role="status">Un code de confirmation a été envoyé à {e(address)}.</div>'
        email_fields = f'<input type="hidden" name="email" value="{e(address)}">' + _code_field(
            "emailCode", "Code reçu par e-mail", f"Envoyé à {address}.", error
        )
        send_again = (
            f'<form method="post" action="{e(email_action)}" class="again">'
            '<label for="new-email">Pas reçu, ou une autre adresse ?</label>'
            '<p class="muted" id="new-email-help">Un nouveau code y sera envoyé ; le précédent ne vaudra plus.</p>'
            f'<input id="new-email" name="email" type="email" autocomplete="email" required value="{e(address)}" '
            'aria-describedby="new-email-help">'
            '<div><button type="submit" class="secondary">Renvoyer un code</button></div></form>'
        )
    action = f' action="../{e(token)}"' if at_email else ""
    return (
        f"{top}{sent}"
        f'<form method="post"{action}>'
        + _code_field(
            "code",
            "Code de validation à 6 chiffres",
            "Reçu par SMS, ou communiqué par l'expéditeur par téléphone.",
            error,
        )
        + email_fields
        + '<label for="password">Choisissez un mot de passe</label>'
        '<p class="muted" id="password-help">'
        "Au moins 10 caractères, dont une majuscule, une minuscule et un chiffre.</p>"
        '<input id="password" name="password" type="password" autocomplete="new-password" minlength="10" required '
        'aria-describedby="password-help">'
        '<div><button type="submit">Accepter l\'invitation</button></div></form>' + send_again
    )


# What a form can be refused for, shown above the form again (anything else is an error page).
FORM_ERRORS = frozenset({400, 403, 409, 422})


def form_again(invitation: Invitation, exc: DomainError, token: str, at_email: bool = False) -> str:
    """The form of a pending invitation refused for what was typed: the error above it."""
    if isinstance(exc, WrongCode):
        message = f"Code incorrect. Il vous reste {exc.extra['attemptsLeft']} essai(s)."
    else:
        message = exc.message
    return accept_form(invitation, exc.code == "account_exists", message, token=token, at_email=at_email)


def accepted(vault_name: str) -> str:
    return (
        f"<h1>Bienvenue dans le coffre {e(vault_name)}</h1>"
        '<div class="success" role="status">Invitation acceptée.</div>'
        "<p>Connectez-vous à vault-share avec votre adresse e-mail et votre mot de passe pour voir "
        "les dossiers qui vous sont ouverts.</p>"
    )


def gone(status: str) -> str:
    title, text = _GONE_TEXT.get(status, ("Invitation indisponible", "Cette invitation n'est plus disponible."))
    return f"<h1>{e(title)}</h1><p>{e(text)}</p><p>Demandez une nouvelle invitation à l'expéditeur si besoin.</p>"


def not_found() -> str:
    return (
        "<h1>Invitation introuvable</h1>"
        "<p>Cette invitation n'existe pas. Vérifiez que le lien a été copié en entier.</p>"
    )


def error_page(exc: DomainError) -> str:
    if isinstance(exc, Gone) and "status" in exc.extra:
        return gone(exc.extra["status"])
    if exc.status == 404:
        return not_found()
    return f'<h1>{e(TITLE)}</h1><div class="alert" role="alert">{e(exc.message)}</div>'
