"""The owner's use cases: create (then e-mail), list, revoke.

Stores and channels come in as arguments; the function's handler builds them once per container.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger

from vault_share import clock, ids, observability, quotas
from vault_share.adapters.mailer import Mailer
from vault_share.errors import Conflict, NotFound
from vault_share.guard import secrets
from vault_share.idempotency import Staged
from vault_share.links import emails
from vault_share.links.rules import share_url
from vault_share.links.schemas import CreateLink
from vault_share.links.store import NOT_REQUESTED, PENDING, RETENTION_SECONDS, Link, LinkStore, link_pk
from vault_share.shares import PartRefused
from vault_share.vault.access import Caller, ensure_editor, readable_dossier, require_editor, role_in
from vault_share.vault.sharing import load_shareable

logger = Logger(child=True)


@dataclass(frozen=True)
class CreateRequest:
    caller: Caller
    vault_id: str
    dossier_id: str
    body: CreateLink


@dataclass(frozen=True)
class Sharing:
    """What creating a link needs, built once per container by the handler."""

    links: LinkStore
    mailer: Mailer
    pepper: Callable[[], bytes]
    dynamodb: Any  # the vault table is read in one BatchGetItem (vault.sharing)
    vault_table: str


def create(request: CreateRequest, sharing: Sharing) -> Staged:
    """The link and its answer, then (once that answer can be kept for a retry) the effects: store
    the link, e-mail it, record how the e-mail went. The answer is the only place the code ever
    appears; the e-mail's status is in the answer and in the owner's list."""
    body, store, mailer, pepper = request.body, sharing.links, sharing.mailer, sharing.pepper
    shareable = load_shareable(
        sharing.dynamodb, sharing.vault_table, request.caller, request.vault_id, request.dossier_id, body.document_ids
    )
    creator_email = request.caller.notification_email()
    token = secrets.new_token()
    code = body.code or secrets.new_code()
    hashed = secrets.token_hash(token)
    now = clock.now()
    expires = now + timedelta(hours=body.expires_in_hours)
    link = Link(
        pk=link_pk(hashed),
        link_id=ids.new_id(),
        vault_id=request.vault_id,
        dossier_id=request.dossier_id,
        vault_name=shareable.member.vault_name,
        created_by=request.caller.user_id,
        creator_email=creator_email,
        created_at=clock.iso(now),
        expires_at=clock.iso(expires),
        status="active",
        code_mac=secrets.code_mac(pepper(), hashed, code),
        documents={
            d.document_id: {
                "fileName": d.file_name,
                "contentType": d.content_type,
                "size": int(d.size),
                "s3Key": d.s3_key,
                # The version checked at `complete`: a later upload to the same key is never served.
                "versionId": d.version_id,
                "fetchCount": 0,
            }
            for d in shareable.documents
        },
        document_order=[d.document_id for d in shareable.documents],
        recipient_email=body.recipient_email,
        message=body.message,
        email_status=PENDING if body.recipient_email else NOT_REQUESTED,
    )
    url = share_url(token)
    answer = {
        "linkId": link.link_id,
        "url": url,
        "code": code,
        "status": "active",
        "expiresAt": link.expires_at,
        "recipientEmail": link.recipient_email,
        "email": {"status": link.email_status},
        "documents": [{"documentId": d_id, "fileName": d["fileName"]} for d_id, d in link.ordered_documents()],
    }

    # The e-mail counts against the vault's and the caller's quotas, in the link's own write: a
    # refused one (429) writes and sends nothing. Without a recipient nothing is sent or counted.
    emailed = {quotas.EMAIL: 1} if body.recipient_email else {}
    charged = quotas.counters(request.vault_id, request.caller.user_id, emailed, now)
    quotas.check_room(charged, now)

    def effects() -> dict[str, Any]:
        try:
            store.insert(
                link,
                ttl=int(expires.timestamp()) + RETENTION_SECONDS,
                together=quotas.parts(sharing.vault_table, charged),
            )
        except PartRefused as refused:
            raise quotas.exceeded(charged[refused.index], clock.now()) from None
        observability.link_created()
        return {**answer, "email": {"status": _send(link, url, store, mailer)}}

    return Staged(answer, effects)


def _send(link: Link, url: str, store: LinkStore, mailer: Mailer) -> str:
    """E-mail the stored link and record how it went: the link exists either way (the owner can
    copy it), and a failure of either step is the owner's to see, never lost in a 5xx."""
    if not link.recipient_email:
        return NOT_REQUESTED
    try:
        mailer.send(emails.link_email(link, url), from_name=emails.from_name(link))
        status = "sent"
    except Exception as exc:
        logger.warning("link e-mail failed", extra={"link_id": link.link_id, "error_type": type(exc).__name__})
        status = "failed"
    try:
        store.set_email_status(link.pk, status)
    except Exception as exc:  # the list says "pending": the answer says what happened
        logger.warning(
            "link e-mail status not recorded", extra={"link_id": link.link_id, "error_type": type(exc).__name__}
        )
    return status


def list_links(
    caller: Caller, vault_id: str, dossier_id: str, store: LinkStore, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A dossier's links, newest first, a page at a time."""
    require_editor(vault_id, caller)
    readable_dossier(vault_id, dossier_id, caller)
    now = clock.iso(clock.now())
    links, next_cursor = store.for_dossier(vault_id, dossier_id, limit, cursor)
    return {
        "links": [
            {
                "linkId": link.link_id,
                "status": link.state(now),
                "createdAt": link.created_at,
                "createdBy": link.created_by,
                "expiresAt": link.expires_at,
                "usedAt": link.used_at if link.status == "used" else None,
                "recipientEmail": link.recipient_email,
                "email": {"status": link.email_status},
                "failedAttempts": link.failed_attempts,
                "documents": [
                    {"documentId": d_id, "fileName": d["fileName"], "downloadedAt": d.get("downloadedAt")}
                    for d_id, d in link.ordered_documents()
                ],
            }
            for link in links
        ],
        "nextCursor": next_cursor,
    }


def revoke_link(caller: Caller, vault_id: str, link_id: str, store: LinkStore) -> None:
    """An active link is revoked; a used one has its download window ended at once."""
    role = role_in(vault_id, caller)
    link = store.by_id(vault_id, link_id)
    if link is None:
        raise NotFound("Lien introuvable.", code="link_not_found")
    ensure_editor(role)
    now = clock.iso(clock.now())
    change = store.revoke(link.pk, caller.user_id, now)
    if not change.applied and change.item is not None and change.item.downloads_open(now):
        change = store.end_downloads(link.pk, caller.user_id, now)
    if not change.applied and _revoked_by(change.item, caller.user_id, now):
        return  # this very request's write, sent again by botocore after its answer was lost
    if not change.applied:
        status = change.item.state(now) if change.item else "unknown"
        raise Conflict("Ce lien n'est plus actif.", code="link_not_active", status=status)


def _revoked_by(link: Link | None, user_id: str, now: str) -> bool:
    return link is not None and link.revoked_at == now and link.revoked_by == user_id
