"""The owner's use cases: create (then e-mail), list, revoke."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger

from vault_share import clock, ids
from vault_share.adapters.aws import client
from vault_share.adapters.mailer import Mailer
from vault_share.errors import Conflict, NotFound
from vault_share.links import codes, emails
from vault_share.links.rules import effective_status, share_url
from vault_share.links.schemas import CreateLink
from vault_share.links.store import RETENTION_SECONDS, Link, LinkStore, link_pk
from vault_share.settings import get_settings
from vault_share.vault.access import Caller, ensure_editor, readable_dossier, require_editor, role_in
from vault_share.vault.sharing import load_shareable

logger = Logger(child=True)


@dataclass(frozen=True)
class CreateRequest:
    caller: Caller
    vault_id: str
    dossier_id: str
    body: CreateLink


def create_sealed(request: CreateRequest, seed: str, store: LinkStore, mailer: Mailer) -> dict[str, Any]:
    """Store the link, then e-mail it. The answer holds the seed, never the token
    or the code: it is what the idempotency record keeps."""
    body, pepper = request.body, codes.pepper()
    shareable = load_shareable(
        client("dynamodb"),
        get_settings().vault_table,
        request.caller,
        request.vault_id,
        request.dossier_id,
        body.document_ids,
    )
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
    require_editor(vault_id, caller)
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
    ensure_editor(role)
    revoked, old = store.revoke(link.pk, caller.user_id, clock.iso(clock.now()))
    if revoked is None:
        status = effective_status(old, clock.iso(clock.now())) if old else "unknown"
        raise Conflict("Ce lien n'est plus actif.", code="link_not_active", status=status)
