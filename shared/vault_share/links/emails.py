"""The e-mail that carries a link to its recipient: the link, never the code."""

from __future__ import annotations

from vault_share import clock
from vault_share.adapters.mailer import Email
from vault_share.i18n import date_time_fr, plural
from vault_share.links.store import Link
from vault_share.pages import e


def from_name(link: Link) -> str:
    """The sender's display name; the mailer keeps it from reading as an address."""
    return f"{link.vault_name} via vault-share"


def link_email(link: Link, url: str) -> Email:
    sender = link.vault_name
    count = plural(len(link.document_order), "document")
    expires = date_time_fr(clock.parse_iso(link.expires_at))
    subject = f"{sender} vous transmet {count}"  # the mailer makes header text one plain line
    message_text = f"\nMessage de {sender} :\n{link.message}\n" if link.message else ""
    text = (
        f"Bonjour,\n\n{sender} vous transmet {count} par un lien de téléchargement sécurisé.\n"
        f"{message_text}\n"
        f"Ouvrir le lien : {url}\n\n"
        f"Le lien fonctionne une seule fois, jusqu'au {expires}.\n"
        f"Un code à 6 chiffres vous sera demandé : {sender} vous le communique par un autre moyen "
        "(il ne figure jamais dans ce message).\n\n"
        "Si vous n'attendiez pas ces documents, ignorez ce message.\n"
    )
    message_html = (
        f'<p>Message de {e(sender)} :</p><blockquote style="border-left:4px solid #c9d1d9;margin:0;'
        f'padding-left:12px;white-space:pre-line">{e(link.message)}</blockquote>'
        if link.message
        else ""
    )
    html = (
        '<!doctype html><html lang="fr"><body style="font-family:Arial,sans-serif;color:#1b1f24;line-height:1.5">'
        f"<p>Bonjour,</p><p><strong>{e(sender)}</strong> vous transmet {e(count)} "
        "par un lien de téléchargement sécurisé.</p>"
        f"{message_html}"
        f'<p><a href="{e(url)}" style="display:inline-block;background:#0b57d0;color:#fff;padding:12px 20px;'
        'border-radius:8px;text-decoration:none;font-weight:bold">Ouvrir le lien</a></p>'
        f"<p>Le lien fonctionne une seule fois, jusqu'au {e(expires)}.<br>"
        f"Un code à 6 chiffres vous sera demandé : {e(sender)} vous le communique par un autre moyen "
        "(il ne figure jamais dans ce message).</p>"
        '<p style="color:#4a5561;font-size:13px">Si vous n\'attendiez pas ces documents, ignorez ce message.</p>'
        "</body></html>"
    )
    return Email(to=[link.recipient_email or ""], subject=subject, text=text, html=html)
