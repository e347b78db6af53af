"""The recipient's use cases: view (read-only), unlock (the one consuming step), fetch.

Every decision that must hold under concurrency is a condition of a single DynamoDB write
(vault_share.guard.attempts). This module imports nothing of the owner's side, so the
download function starts light.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vault_share import clock, observability
from vault_share.adapters.documents import DocumentStore
from vault_share.errors import NotFound
from vault_share.guard import secrets
from vault_share.guard.attempts import WrongCode
from vault_share.links.rules import (
    DOWNLOAD_WINDOW,
    InvalidCode,
    download_unavailable,
    file_url,
    link_gone,
    link_not_found,
)
from vault_share.links.store import Link, LinkStore, link_pk

_CODE = re.compile(r"[0-9]{6}")


def _pk(token: str) -> str:
    if not secrets.plausible_token(token):
        raise link_not_found()
    return link_pk(secrets.token_hash(token))


def find(token: str, store: LinkStore) -> Link:
    """The link behind a token, read-only (GET and HEAD never change anything)."""
    link = store.get(_pk(token))
    if link is None:
        raise link_not_found()
    return link


def active(token: str, store: LinkStore) -> Link:
    """The link, if a code may still be judged for it; 404 or 410 otherwise."""
    link = find(token, store)
    status = link.state(clock.iso(clock.now()))
    if status != "active":
        raise link_gone(status)
    return link


def summary(link: Link) -> dict[str, Any]:
    return {
        "status": "active",
        "sender": link.vault_name,
        "documentCount": len(link.document_order),
        "expiresAt": link.expires_at,
        "message": link.message,
    }


def well_formed(code: Any) -> bool:
    return isinstance(code, str) and _CODE.fullmatch(code) is not None


@dataclass(frozen=True)
class Unlocked:
    link: Link
    grant: str


def client_grant(value: Any) -> str | None:
    """A grant the client brings (the page's cookie, or an API client's own): one it can keep
    across a lost answer. Anything but a plausible grant is ignored (the server draws one)."""
    return value if isinstance(value, str) and secrets.plausible_token(value) else None


def unlock(token: str, code: Any, store: LinkStore, pepper: Callable[[], bytes], grant: str | None = None) -> Unlocked:
    """Consume the link with its code: one conditional UpdateItem judges it, right or wrong.

    The winning attempt records the hash of its download grant: the client's own (`grant`, see
    `client_grant`) or a new one. The same client sending the right code again with the same grant
    while the download window is open gets the same answer: an unlock whose answer was lost (a
    timeout after the write) is retried without locking the recipient out, and without a second
    grant. Nobody else can: the grant is the client's secret, checked before the code is.

    A malformed code is judged by nobody: it costs a read, to answer 410 for a link that is
    no longer active, 404 for none, and 400 otherwise."""
    pk = _pk(token)
    if not well_formed(code):
        raise InvalidCode(active(token, store))
    hashed = secrets.token_hash(token)
    mac = secrets.code_mac(pepper(), hashed, code)
    now_dt = clock.now()
    now = clock.iso(now_dt)
    grant = grant or secrets.new_grant()
    attempted = store.unlock(pk, mac, now, secrets.grant_hash(grant), clock.iso(now_dt + DOWNLOAD_WINDOW))
    link = attempted.link
    if link is None:
        raise link_not_found()
    if attempted.verdict == "won":
        observability.link_unlocked()
    if attempted.verdict == "won" or (attempted.verdict == "refused" and _won_by(link, grant, mac, now)):
        return Unlocked(link, grant)
    if attempted.verdict == "wrong":
        raise WrongCode(link, link.failed_attempts)
    raise link_gone(link.state(now))


def _won_by(link: Link, grant: str, mac: str, now: str) -> bool:
    """Whether this used link was won by an attempt with this grant and this code (a retry)."""
    return (
        link.downloads_open(now)
        and link.grant_hash is not None
        and secrets.same(link.grant_hash, secrets.grant_hash(grant))
        and secrets.same(link.code_mac, mac)
    )


def download_url(token: str, document_id: str, grant: str) -> str:
    """For API clients: the grant rides in the URL. Browsers get it in a cookie instead."""
    return f"{file_url(token, document_id)}?grant={grant}"


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
    if not grant:
        raise NotFound("Téléchargement introuvable.", code="download_not_found")
    link = store.record_fetch(_pk(token), document_id, secrets.grant_hash(grant), clock.iso(clock.now()))
    if link is None:
        raise download_unavailable()
    document = link.documents[document_id]
    return documents.presign_download(
        document["s3Key"], document["fileName"], document["contentType"], document.get("versionId")
    )
