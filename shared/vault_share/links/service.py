"""Use cases of one-time links: the owner's (create, list, revoke) and the recipient's
(view, unlock, fetch). Every decision that must hold under concurrency is a
condition of a single DynamoDB write in `store`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger

from vault_share import clock, ids
from vault_share.adapters.documents import DocumentStore
from vault_share.adapters.mailer import Mailer
from vault_share.api.auth import Caller
from vault_share.errors import Conflict, DomainError, Forbidden, Gone, NotFound
from vault_share.links import codes, emails
from vault_share.links.schemas import CreateLink
from vault_share.links.store import MAX_ATTEMPTS, RETENTION_SECONDS, Link, LinkStore, link_pk
from vault_share.settings import get_settings
from vault_share.vault.service import EDITORS, readable_dossier, role_in
from vault_share.vault.sharing import load_shareable

logger = Logger(child=True)

DOWNLOAD_WINDOW = timedelta(minutes=30)
# Bounded retries when concurrent wrong codes race on the attempt counter.
_MAX_COUNT_RETRIES = 2 * MAX_ATTEMPTS


class WrongCode(DomainError):
    status = 403
    code = "wrong_code"
    message = "Code incorrect."


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


# ------------------------------------------------------------------ owner side


@dataclass(frozen=True)
class CreateRequest:
    caller: Caller
    vault_id: str
    dossier_id: str
    body: CreateLink


def share_url(token: str) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/share/{token}"


def create_sealed(request: CreateRequest, seed: str, store: LinkStore, mailer: Mailer) -> dict[str, Any]:
    """Store the link, then e-mail it. The answer holds the seed, never the token
    or the code: it is what the idempotency record keeps."""
    body, pepper = request.body, codes.pepper()
    shareable = load_shareable(request.caller, request.vault_id, request.dossier_id, body.document_ids)
    token = codes.derive_token(pepper, seed)
    code = body.code or codes.derive_code(pepper, seed)
    hashed = codes.token_hash(token)
    now = clock.now()
    expires = now + timedelta(hours=body.expires_in_hours)
    link = Link(
        pk=link_pk(hashed),
        link_id=ids.new_id(),
        vault_id=request.vault_id,
        dossier_id=request.dossier_id,
        vault_name=shareable.member.vault_name,
        created_by=request.caller.user_id,
        creator_email=request.caller.email,
        created_at=clock.iso(now),
        expires_at=clock.iso(expires),
        status="active",
        code_mac=codes.code_mac(pepper, hashed, code),
        documents={
            d.document_id: {
                "fileName": d.file_name,
                "contentType": d.content_type,
                "size": int(d.size),
                "s3Key": d.s3_key,
                "fetchCount": 0,
            }
            for d in shareable.documents
        },
        document_order=[d.document_id for d in shareable.documents],
        recipient_email=body.recipient_email,
        message=body.message,
    )
    store.insert(link, ttl=int(expires.timestamp()) + RETENTION_SECONDS)

    email_status = "not_requested"
    if body.recipient_email:
        try:
            mailer.send(emails.link_email(link, share_url(token)), from_name=emails.from_name(link))
            email_status = "sent"
        except Exception as exc:  # the link exists either way; the owner can copy it
            logger.warning("link e-mail failed", extra={"link_id": link.link_id, "error_type": type(exc).__name__})
            email_status = "failed"
    return {
        "seed": seed,
        "linkId": link.link_id,
        "status": "active",
        "expiresAt": link.expires_at,
        "recipientEmail": link.recipient_email,
        "email": {"status": email_status},
        "documents": [{"documentId": d_id, "fileName": d["fileName"]} for d_id, d in link.ordered_documents()],
    }


def unseal(sealed: dict[str, Any], body: CreateLink) -> dict[str, Any]:
    """The contract's answer, rebuilt from the seed: the only place the code appears."""
    pepper = codes.pepper()
    answer = {k: v for k, v in sealed.items() if k != "seed"}
    answer["url"] = share_url(codes.derive_token(pepper, sealed["seed"]))
    answer["code"] = body.code or codes.derive_code(pepper, sealed["seed"])
    return answer


def list_links(caller: Caller, vault_id: str, dossier_id: str, store: LinkStore) -> dict[str, Any]:
    role = role_in(vault_id, caller)
    if role not in EDITORS:
        raise Forbidden("Réservé au propriétaire et aux membres du coffre.")
    readable_dossier(vault_id, dossier_id, caller)
    now = clock.iso(clock.now())
    return {
        "links": [
            {
                "linkId": link.link_id,
                "status": effective_status(link, now),
                "createdAt": link.created_at,
                "createdBy": link.created_by,
                "expiresAt": link.expires_at,
                "usedAt": link.used_at,
                "recipientEmail": link.recipient_email,
                "failedAttempts": link.failed_attempts,
                "documents": [
                    {"documentId": d_id, "fileName": d["fileName"], "downloadedAt": d.get("downloadedAt")}
                    for d_id, d in link.ordered_documents()
                ],
            }
            for link in store.for_dossier(vault_id, dossier_id)
        ]
    }


def revoke_link(caller: Caller, vault_id: str, link_id: str, store: LinkStore) -> None:
    role = role_in(vault_id, caller)
    link = store.by_id(vault_id, link_id)
    if link is None:
        raise NotFound("Lien introuvable.", code="link_not_found")
    if role not in EDITORS:
        raise Forbidden("Réservé au propriétaire et aux membres du coffre.")
    revoked, old = store.revoke(link.pk, caller.user_id, clock.iso(clock.now()))
    if revoked is None:
        status = effective_status(old, clock.iso(clock.now())) if old else "unknown"
        raise Conflict("Ce lien n'est plus actif.", code="link_not_active", status=status)


# ------------------------------------------------------------------ recipient side


def find(token: str, store: LinkStore) -> Link:
    """The link behind a token, read-only (GET and HEAD never change anything)."""
    link = store.get(link_pk(codes.token_hash(token)))
    if link is None:
        raise link_not_found()
    return link


def view(token: str, store: LinkStore) -> tuple[Link, str]:
    link = find(token, store)
    status = effective_status(link, clock.iso(clock.now()))
    return link, status


def summary(link: Link, status: str) -> dict[str, Any]:
    return {
        "status": status,
        "sender": link.vault_name,
        "documentCount": len(link.document_order),
        "expiresAt": link.expires_at,
        "message": link.message,
    }


@dataclass(frozen=True)
class Unlocked:
    link: Link
    grant: str


def unlock(token: str, code: str, store: LinkStore) -> Unlocked:
    """Consume the link with its code: one conditional UpdateItem decides.

    A wrong code costs one more conditional update (the attempt counter);
    the MAX_ATTEMPTS-th wrong code locks the link.
    """
    hashed = codes.token_hash(token)
    pk = link_pk(hashed)
    mac = codes.code_mac(codes.pepper(), hashed, code)
    now_dt = clock.now()
    now = clock.iso(now_dt)
    grant = secrets.token_urlsafe(32)
    used, old = store.unlock(pk, mac, now, codes.grant_hash(grant), clock.iso(now_dt + DOWNLOAD_WINDOW))
    if used is not None:
        return Unlocked(used, grant)
    for _ in range(_MAX_COUNT_RETRIES):
        if old is None:
            raise link_not_found()
        status = effective_status(old, now)
        if status != "active":
            raise link_gone(status)
        if codes.same(old.code_mac, mac):
            # Right code, yet the condition failed: the link changed under us; read it again.
            old = store.get(pk)
            continue
        counted = store.count_wrong_code(pk, old.failed_attempts, now)
        if counted is None:
            raise link_not_found()
        if counted.extra.get("_conflict"):
            old = counted
            continue
        if counted.status == "locked":
            raise link_gone("locked")
        raise WrongCode(attemptsLeft=MAX_ATTEMPTS - counted.failed_attempts)
    raise Conflict("Trop de tentatives simultanées, réessayez.", code="concurrent_attempts")


def download_url(token: str, document_id: str, grant: str) -> str:
    return f"{share_url(token)}/files/{document_id}?grant={grant}"


def unlocked_json(token: str, unlocked: Unlocked) -> dict[str, Any]:
    link = unlocked.link
    return {
        "documents": [
            {
                "documentId": d_id,
                "fileName": d["fileName"],
                "contentType": d["contentType"],
                "size": d["size"],
                "downloadUrl": download_url(token, d_id, unlocked.grant),
            }
            for d_id, d in link.ordered_documents()
        ],
        "downloadsExpireAt": link.downloads_expire_at,
    }


def fetch(token: str, document_id: str, grant: str, store: LinkStore, documents: DocumentStore) -> str:
    """Record one fetch inside the 30-minute window and answer a presigned S3 URL (<= 60 s)."""
    hashed = codes.token_hash(token)
    link = store.record_fetch(link_pk(hashed), document_id, codes.grant_hash(grant), clock.iso(clock.now()))
    if link is None:
        raise Gone(
            "Ce téléchargement n'est plus disponible : ouvrez à nouveau le lien reçu.",
            code="download_unavailable",
        )
    document = link.documents[document_id]
    return documents.presign_download(document["s3Key"], document["fileName"], document["contentType"])
