"""The e-mails of invitations, in French, text and HTML (every value escaped in the HTML).

- `invitation_email`: the access link, never the validation code (it travels on another channel).
- `confirmation_email`: the letter path's 6-digit code that proves an address the guest typed; no link.
- `access_granted_email`: to an account holder given direct access; a sign-in hint, no code.

A vault's name is chosen by its owner: it goes through `unlinked` so that no mail client shows it
as a link of the owner's choosing. The owner's comment is what the owner wrote to the person they
invite, shown as written (escaped), as a quotation.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from vault_share.adapters.mailer import Email
from vault_share.i18n import date_time_fr
from vault_share.invitations.sms import unlinked
from vault_share.pages import e

CodeChannel = Literal["sms", "phone"]
_CODE = re.compile(r"[0-9]{6}")

_BODY = '<!doctype html><html lang="fr"><body style="font-family:Arial,sans-serif;color:#1b1f24;line-height:1.5">'
_QUOTE = 'style="border-left:4px solid #c9d1d9;margin:0;padding-left:12px;white-space:pre-line"'
_BUTTON = (
    'style="display:inline-block;background:#0b57d0;color:#fff;padding:12px 20px;'
    'border-radius:8px;text-decoration:none;font-weight:bold"'
)
_SMALL = 'style="color:#4a5561;font-size:13px"'


def _html(*parts: str) -> str:
    """A whole HTML e-mail from parts already escaped."""
    return _BODY + "".join(parts) + "</body></html>"


def _code_line(vault: str, code_channel: CodeChannel) -> str:
    if code_channel == "sms":
        return "Un code de validation à 6 chiffres vous sera demandé : vous le recevez séparément, par SMS."
    return (
        f"Un code de validation à 6 chiffres vous sera demandé : {vault} vous le communique séparément, par téléphone."
    )


def invitation_email(
    *,
    to: str,
    vault_name: str,
    url: str,
    expires_at: datetime,
    code_channel: CodeChannel,
    comment: str | None = None,
    reminder: bool = False,
) -> Email:
    """The invitation's link (a reminder says so); the code is never an argument, so never in it."""
    vault = unlinked(vault_name)
    expires = date_time_fr(expires_at)
    code_line = _code_line(vault, code_channel)
    subject = f"{'Rappel : ' if reminder else ''}{vault} vous invite à rejoindre son coffre sur vault-share"
    opening = f"{vault} vous invite à rejoindre son coffre de documents sur vault-share"
    comment_text = f"\nMessage de {vault} :\n{comment}\n" if comment else ""
    text = (
        f"Bonjour,\n\n{'Rappel : ' if reminder else ''}{opening}.\n"
        f"{comment_text}\n"
        f"Accepter l'invitation : {url}\n\n"
        f"L'invitation est valable jusqu'au {expires}.\n"
        f"{code_line} Il ne figure jamais dans ce message.\n\n"
        "Si vous n'attendiez pas cette invitation, ignorez ce message.\n"
    )
    comment_html = f"<p>Message de {e(vault)} :</p><blockquote {_QUOTE}>{e(comment)}</blockquote>" if comment else ""
    html = _html(
        f"<p>Bonjour,</p><p>{'Rappel : ' if reminder else ''}<strong>{e(vault)}</strong> vous invite à rejoindre "
        "son coffre de documents sur vault-share.</p>",
        comment_html,
        f'<p><a href="{e(url)}" {_BUTTON}>Accepter l\'invitation</a></p>',
        f"<p>L'invitation est valable jusqu'au {e(expires)}.<br>"
        f"{e(code_line)} Il ne figure jamais dans ce message.</p>",
        f"<p {_SMALL}>Si vous n'attendiez pas cette invitation, ignorez ce message.</p>",
    )
    return Email(to=[to], subject=subject, text=text, html=html)


def confirmation_email(*, to: str, vault_name: str, code: str) -> Email:
    """The letter path: the code that proves `to` is the guest's address. No link: the guest types it
    on the invitation page they already have open."""
    if not _CODE.fullmatch(code):
        raise ValueError("a confirmation code is 6 digits")
    vault = unlinked(vault_name)
    text = (
        f"Bonjour,\n\nVous acceptez l'invitation de {vault} sur vault-share. "
        "Pour confirmer que cette adresse e-mail est la vôtre, saisissez ce code sur la page de l'invitation :\n\n"
        f"{code}\n\n"
        "Ne le communiquez à personne. Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n"
    )
    html = _html(
        f"<p>Bonjour,</p><p>Vous acceptez l'invitation de <strong>{e(vault)}</strong> sur vault-share. "
        "Pour confirmer que cette adresse e-mail est la vôtre, saisissez ce code sur la page de l'invitation :</p>",
        f'<p style="font-size:28px;font-weight:bold;letter-spacing:6px">{e(code)}</p>',
        f"<p {_SMALL}>Ne le communiquez à personne. "
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.</p>",
    )
    return Email(to=[to], subject="Confirmez votre adresse e-mail sur vault-share", text=text, html=html)


def access_granted_email(*, to: str, vault_name: str, sign_in_url: str) -> Email:
    """To an account holder whose personal code the owner entered: access is open already."""
    vault = unlinked(vault_name)
    text = (
        f"Bonjour,\n\n{vault} vous a donné accès à son coffre de documents sur vault-share.\n\n"
        f"Connectez-vous avec votre compte vault-share ({to}) pour le consulter : {sign_in_url}\n\n"
        "Aucun code n'est nécessaire. Si vous ne connaissez pas ce coffre, ignorez ce message.\n"
    )
    html = _html(
        f"<p>Bonjour,</p><p><strong>{e(vault)}</strong> vous a donné accès à son coffre de documents "
        "sur vault-share.</p>",
        f"<p>Connectez-vous avec votre compte vault-share ({e(to)}) pour le consulter.</p>",
        f'<p><a href="{e(sign_in_url)}" {_BUTTON}>Se connecter</a></p>',
        f"<p {_SMALL}>Aucun code n'est nécessaire. Si vous ne connaissez pas ce coffre, ignorez ce message.</p>",
    )
    return Email(to=[to], subject=f"{vault} vous a donné accès à son coffre sur vault-share", text=text, html=html)
