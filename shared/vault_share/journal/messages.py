"""French wording of journal entries, notifications and owner e-mails."""

from __future__ import annotations

from vault_share import clock
from vault_share.adapters.mailer import Email
from vault_share.i18n import date_time_fr, plural
from vault_share.journal.events import DomainEvent
from vault_share.pages import e

_CHANNELS = {"email": "par e-mail", "postal": "par courrier", "none": "", None: ""}


def _file_name(event: DomainEvent) -> str:
    wanted = event.details.get("documentId")
    return next((d["fileName"] for d in event.context.get("documents", []) if d["documentId"] == wanted), "")


def message(event: DomainEvent) -> str:
    ctx = event.context
    documents = plural(len(ctx.get("documents", [])), "document")
    recipient = f" pour {ctx['recipientEmail']}" if ctx.get("recipientEmail") else ""
    when = date_time_fr(clock.parse_iso(event.at))
    texts = {
        "link.created": f"Lien de téléchargement créé{recipient} ({documents}).",
        "link.used": f"Lien de téléchargement utilisé : le bon code a été saisi le {when}.",
        "link.document_downloaded": f"Document « {_file_name(event)} » téléchargé le {when}.",
        "link.locked": f"Lien de téléchargement bloqué après {ctx.get('failedAttempts', 5)} codes erronés.",
        "link.revoked": (
            "Lien de téléchargement révoqué : les téléchargements en cours ne sont plus possibles."
            if ctx.get("status") == "used"
            else "Lien de téléchargement révoqué."
        ),
        "link.expired": "Lien de téléchargement expiré sans avoir été utilisé.",
        "invitation.sent": f"Invitation envoyée {_CHANNELS.get(ctx.get('linkChannel'), '')}".rstrip() + ".",
        "invitation.not_sent": "Invitation créée mais non envoyée : ni e-mail ni adresse postale connus.",
        "invitation.relaunched": f"Invitation relancée (relance n° {ctx.get('relaunchCount', 0)}).",
        "invitation.accepted": "Invitation acceptée : l'invité a accès au coffre.",
        "invitation.locked": "Invitation bloquée après trop de codes erronés.",
        "invitation.expired": "Invitation expirée sans avoir été acceptée.",
        "invitation.cancelled": "Invitation annulée.",
        "access.granted": "Accès accordé directement grâce au code personnel de la personne.",
    }
    return texts.get(event.type, event.type)


def owner_email(event: DomainEvent) -> Email | None:
    """The e-mail the owner gets for the events that warrant one."""
    if not event.email or not event.notify_email:
        return None
    text_message = message(event)
    lines: list[str] = []
    if event.type == "link.used":
        subject = "Votre lien de téléchargement a été utilisé"
        lines = [f"- {d['fileName']}" for d in event.context.get("documents", [])]
        intro = "Le destinataire a saisi le bon code et peut télécharger pendant 30 minutes :"
    elif event.type == "link.locked":
        subject = "Votre lien de téléchargement a été bloqué"
        intro = "Trop de codes erronés ont été saisis : le lien ne fonctionne plus. Créez-en un nouveau si besoin."
    elif event.type == "invitation.accepted":
        subject = "Votre invitation a été acceptée"
        intro = "La personne invitée a créé son accès au coffre."
    else:
        subject = "Votre invitation a été bloquée"
        intro = "Trop de codes erronés ont été saisis : l'invitation ne fonctionne plus."
    text = f"Bonjour,\n\n{text_message}\n{intro}\n" + "".join(f"{line}\n" for line in lines)
    text += "\nLe détail figure dans le journal du dossier.\n"
    items = "".join(f"<li>{e(line[2:])}</li>" for line in lines)
    html = (
        '<!doctype html><html lang="fr"><body style="font-family:Arial,sans-serif;line-height:1.5">'
        f"<p>Bonjour,</p><p>{e(text_message)}</p><p>{e(intro)}</p>"
        + (f"<ul>{items}</ul>" if items else "")
        + "<p>Le détail figure dans le journal du dossier.</p></body></html>"
    )
    return Email(to=[event.notify_email], subject=subject, text=text, html=html)
