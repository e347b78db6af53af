"""What happened, read from a shares-table stream record (old and new images).

Every state change of a link, an invitation or a direct access is a write to
the shares table; this module turns one such change into zero or more domain
events. It reads nothing else: the images carry what the journal needs.

Items it understands (attribute `kind`):
- `link`: see vault_share.links.store.
- `invitation`: invitationId, vaultId, personId, dossierIds, status
  (pending, not_sent, accepted, expired, cancelled, locked), relaunchCount,
  createdBy, creatorEmail, createdAt, lastSentAt, acceptedAt, lockedAt,
  expiredAt, cancelledAt, linkChannel, codeChannel.
- `access`: accessId, vaultId, personId, dossierIds, createdBy, createdAt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vault_share.guard.states import state
from vault_share.invitations.store import INVITATION
from vault_share.links.store import LINK

# The journal reads the same truth from the images as requests do from the item
# (vault_share.guard.states).

LINK_STATUS_EVENTS = {
    "used": ("link.used", "usedAt"),
    "locked": ("link.locked", "lockedAt"),
    "revoked": ("link.revoked", "revokedAt"),
    "expired": ("link.expired", "expiredAt"),
}
INVITATION_STATUS_EVENTS = {
    "accepted": ("invitation.accepted", "acceptedAt"),
    "locked": ("invitation.locked", "lockedAt"),
    "expired": ("invitation.expired", "expiredAt"),
    "cancelled": ("invitation.cancelled", "cancelledAt"),
    "pending": ("invitation.sent", "lastSentAt"),
}


@dataclass(frozen=True)
class DomainEvent:
    type: str
    at: str
    vault_id: str
    # Whose journals get the entry: ("DOSSIER", id) or ("PERSON", id).
    journals: tuple[tuple[str, str], ...]
    # Who is notified (user ids), and the e-mail to send them, if any.
    notify_user: str
    notify_email: str | None
    details: dict[str, Any]
    # Set when the owner must also hear about it by e-mail.
    email: bool = False
    # Data for the message and the e-mail; never a secret.
    context: dict[str, Any] = field(default_factory=dict)
    # Distinguishes several events of one stream record (one per downloaded document).
    discriminator: str = ""


def events_of(
    event_name: str, old: dict[str, Any] | None, new: dict[str, Any] | None, fallback_at: str
) -> list[DomainEvent]:
    """The domain events of one stream record; TTL deletions and unknown kinds give none."""
    if event_name == "REMOVE" or not new:
        return []
    kind = new.get("kind")
    if kind == "link":
        return _link_events(old, new, fallback_at)
    if kind == "invitation":
        return _invitation_events(old, new, fallback_at)
    if kind == "access" and event_name == "INSERT":
        return [_access_granted(new, fallback_at)]
    return []


# ------------------------------------------------------------------ links


def _link_event(new: dict[str, Any], type_: str, at: str, email: bool = False, **details: Any) -> DomainEvent:
    order = list(new.get("documentOrder") or [])
    documents = new.get("documents") or {}
    return DomainEvent(
        type=type_,
        at=at,
        vault_id=new["vaultId"],
        journals=(("DOSSIER", new["dossierId"]),),
        notify_user=new["createdBy"],
        notify_email=new.get("creatorEmail"),
        details={"linkId": new["linkId"], **details},
        email=email,
        context={
            "documents": [
                {
                    "documentId": d,
                    "fileName": documents.get(d, {}).get("fileName", ""),
                    "downloadedAt": documents.get(d, {}).get("downloadedAt"),
                }
                for d in order
            ],
            "recipientEmail": new.get("recipientEmail"),
            "failedAttempts": int(new.get("failedAttempts") or 0),
            "expiresAt": new.get("expiresAt"),
            "status": state(LINK, new),
            "dossierId": new["dossierId"],
        },
        discriminator=details.get("documentId", ""),
    )


def _link_events(old: dict[str, Any] | None, new: dict[str, Any], fallback_at: str) -> list[DomainEvent]:
    if not old:  # INSERT
        return [_link_event(new, "link.created", new.get("createdAt") or fallback_at)]
    found: list[DomainEvent] = []
    before, after = state(LINK, old), state(LINK, new)
    if before != after and after in LINK_STATUS_EVENTS:
        type_, at_attribute = LINK_STATUS_EVENTS[after]
        found.append(_link_event(new, type_, new.get(at_attribute) or fallback_at, email=after in ("used", "locked")))
    elif after == "used" and new.get("revokedAt") and not old.get("revokedAt"):
        # The owner ended a used link's download window.
        found.append(_link_event(new, "link.revoked", new["revokedAt"]))
    old_docs, new_docs = old.get("documents") or {}, new.get("documents") or {}
    for document_id in new.get("documentOrder") or []:
        first_fetch = (new_docs.get(document_id) or {}).get("downloadedAt")
        if first_fetch and not (old_docs.get(document_id) or {}).get("downloadedAt"):
            found.append(_link_event(new, "link.document_downloaded", first_fetch, documentId=document_id))
    return found


# ------------------------------------------------------------------ invitations and access


def _person_event(new: dict[str, Any], type_: str, at: str, email: bool = False, **details: Any) -> DomainEvent:
    # dict.fromkeys: a dossier named twice gets one entry (and one batch write never holds a key twice).
    dossiers = tuple(("DOSSIER", d) for d in dict.fromkeys(new.get("dossierIds") or []))
    return DomainEvent(
        type=type_,
        at=at,
        vault_id=new["vaultId"],
        journals=(("PERSON", new["personId"]), *dossiers),
        notify_user=new["createdBy"],
        notify_email=new.get("creatorEmail"),
        details={**details, "personId": new["personId"]},
        email=email,
        context={
            "personName": new.get("personName"),
            "linkChannel": new.get("linkChannel"),
            "codeChannel": new.get("codeChannel"),
            "relaunchCount": int(new.get("relaunchCount") or 0),
        },
    )


def _invitation_events(old: dict[str, Any] | None, new: dict[str, Any], fallback_at: str) -> list[DomainEvent]:
    ids = {"invitationId": new["invitationId"]}
    if not old:  # INSERT
        type_ = "invitation.not_sent" if new.get("status") == "not_sent" else "invitation.sent"
        return [_person_event(new, type_, new.get("createdAt") or fallback_at, **ids)]
    found: list[DomainEvent] = []
    before, after = state(INVITATION, old), state(INVITATION, new)
    if before == INVITATION.success and after == INVITATION.open:
        return []  # an acceptance that could not finish, reopened: nothing happened for the journal
    if before != after and after in INVITATION_STATUS_EVENTS:
        type_, at_attribute = INVITATION_STATUS_EVENTS[after]
        email = after in ("accepted", "locked")
        found.append(_person_event(new, type_, new.get(at_attribute) or fallback_at, email=email, **ids))
    elif int(new.get("relaunchCount") or 0) > int(old.get("relaunchCount") or 0):
        at = new.get("lastSentAt") or fallback_at
        found.append(_person_event(new, "invitation.relaunched", at, relaunchCount=int(new["relaunchCount"]), **ids))
    return found


def _access_granted(new: dict[str, Any], fallback_at: str) -> DomainEvent:
    return _person_event(new, "access.granted", new.get("createdAt") or fallback_at, accessId=new["accessId"])
