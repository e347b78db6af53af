"""The recipient's use cases: view (read-only), unlock (the one consuming step), fetch.

Every decision that must hold under concurrency is a condition of a single
DynamoDB write in `store`. This module imports nothing of the owner's side, so
the download function starts light.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from vault_share import clock
from vault_share.adapters.documents import DocumentStore
from vault_share.errors import Conflict, Gone
from vault_share.links import codes
from vault_share.links.rules import (
    DOWNLOAD_WINDOW,
    WrongCode,
    effective_status,
    link_gone,
    link_not_found,
    share_url,
)
from vault_share.links.store import MAX_ATTEMPTS, Link, LinkStore, link_pk

# Bounded retries when concurrent wrong codes race on the attempt counter.
_MAX_COUNT_RETRIES = 2 * MAX_ATTEMPTS


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
        raise WrongCode(counted, MAX_ATTEMPTS - counted.failed_attempts)
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
