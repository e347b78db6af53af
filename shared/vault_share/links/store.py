"""The link item in the shares table, and the conditional writes that keep it honest.

| attribute          | meaning                                                          |
|--------------------|------------------------------------------------------------------|
| pk                 | LINK#<sha256(token)>                                             |
| gsi1pk / gsi1sk    | VAULT#<vaultId> / LINK#<linkId> (revoke by id)                   |
| gsi2pk / gsi2sk    | DOSSIER#<vaultId>#<dossierId> / <createdAt>#<linkId> (a dossier's)|
| expiryPk/expiresAt | LINK while active (sparse index for the expiry sweep), ENDED once|
|                    |   used; absent once revoked, locked or expired                   |
| codeMac, rightCode | HMAC(pepper, tokenHash:code), and what that code turns the link  |
|                    |   into (vault_share.guard.attempts judges codes with it)         |
| failedAttempts     | wrong codes judged (at most 5)                                   |
| attemptId          | the last judged attempt's id: each is judged once                |
| usedAt, grantHash, | the winning attempt's time, sha256 of its download grant, and    |
|  downloadsExpireAt |   the end of its download window: meaningful once status is used |
| revokedAt/By       | revoke: of an active link, or of a used link's download window   |
| emailStatus        | the link's e-mail: not_requested, pending (stored, not yet sent),|
|                    |   sent or failed                                                 |
| documents          | map documentId -> {fileName, contentType, size, s3Key,           |
|                    |   downloadedAt?, fetchCount}; documentOrder keeps the order      |

The low-level client is used on purpose: the attempt needs one UpdateItem that returns the
old item when its condition fails (ReturnValuesOnConditionCheckFailure), which PynamoDB's
Model.update does not expose, and the download function then starts without PynamoDB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vault_share.dynamo import from_item
from vault_share.guard.attempts import Judged, attempt, guarded_attributes
from vault_share.guard.states import MAX_ATTEMPTS, Guard, state
from vault_share.pagination import Partition, client_query, query_page
from vault_share.shares import Changed, SharesStore

LINK = Guard(open="active", success="used", expiry_partition="LINK")
# The link's e-mail before it is sent (or when recording how it went failed), and without a recipient.
PENDING, NOT_REQUESTED = "pending", "not_requested"
# Links stay readable in the owner's list a year after they expire.
RETENTION_SECONDS = 365 * 86400


def link_pk(hashed_token: str) -> str:
    return f"LINK#{hashed_token}"


# Python field -> item attribute.
_ATTRIBUTES: dict[str, str] = {
    "pk": "pk",
    "link_id": "linkId",
    "vault_id": "vaultId",
    "dossier_id": "dossierId",
    "vault_name": "vaultName",
    "created_by": "createdBy",
    "creator_email": "creatorEmail",
    "created_at": "createdAt",
    "expires_at": "expiresAt",
    "status": "status",
    "code_mac": "codeMac",
    "documents": "documents",
    "document_order": "documentOrder",
    "failed_attempts": "failedAttempts",
    "recipient_email": "recipientEmail",
    "message": "message",
    "used_at": "usedAt",
    "downloads_expire_at": "downloadsExpireAt",
    "grant_hash": "grantHash",
    "revoked_at": "revokedAt",
    "revoked_by": "revokedBy",
    "locked_at": "lockedAt",
    "email_status": "emailStatus",
}


@dataclass
class Link:
    pk: str
    link_id: str
    vault_id: str
    dossier_id: str
    vault_name: str
    created_by: str
    creator_email: str
    created_at: str
    expires_at: str
    status: str
    code_mac: str
    documents: dict[str, dict[str, Any]]
    document_order: list[str]
    failed_attempts: int = 0
    recipient_email: str | None = None
    message: str | None = None
    used_at: str | None = None
    downloads_expire_at: str | None = None
    grant_hash: str | None = None
    revoked_at: str | None = None
    revoked_by: str | None = None
    locked_at: str | None = None
    email_status: str = NOT_REQUESTED
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, values: dict[str, Any]) -> Link:
        """From a deserialized item."""
        values = dict(values)
        known = {py: values.pop(attr) for py, attr in _ATTRIBUTES.items() if attr in values}
        known["failed_attempts"] = int(known.get("failed_attempts", 0))
        if "email_status" not in known:  # stored before e-mails were recorded
            known["email_status"] = PENDING if known.get("recipient_email") else NOT_REQUESTED
        for doc in known.get("documents", {}).values():
            doc["size"] = int(doc.get("size", 0))
            doc["fetchCount"] = int(doc.get("fetchCount", 0))
        return cls(**known, extra=values)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Link:
        """From DynamoDB's typed form."""
        return cls.of(from_item(item))

    def state(self, now: str | None = None) -> str:
        """active, used, revoked, expired or locked: the one rule (vault_share.guard.states)."""
        item = {"status": self.status, "failedAttempts": self.failed_attempts, "expiresAt": self.expires_at}
        return state(LINK, item, now)

    def downloads_open(self, now: str) -> bool:
        return self.status == "used" and (self.downloads_expire_at or "") > now

    def ordered_documents(self) -> list[tuple[str, dict[str, Any]]]:
        return [(doc_id, self.documents[doc_id]) for doc_id in self.document_order]


def _link(values: dict[str, Any] | None) -> Link | None:
    return Link.of(values) if values else None


@dataclass(frozen=True)
class Attempted:
    """A code judged (or refused unjudged): the verdict and the link as the attempt left it."""

    verdict: str
    link: Link | None


class LinkStore(SharesStore[Link]):
    def __init__(self, dynamodb: Any, table: str) -> None:
        super().__init__(dynamodb, table, "LINK", Link.of)

    # ---------------------------------------------------------------- writes

    def insert(self, link: Link, ttl: int, together: Sequence[dict[str, Any]] = ()) -> None:
        """The new link; with `together` (its e-mail's quota counters) in one transaction
        (PartRefused names the refused part: nothing is written)."""
        values = {attr: getattr(link, py) for py, attr in _ATTRIBUTES.items()}
        values.update(guarded_attributes(LINK, link.code_mac))
        values.update(
            kind="link",
            gsi1pk=f"VAULT#{link.vault_id}",
            gsi1sk=f"LINK#{link.link_id}",
            gsi2pk=f"DOSSIER#{link.vault_id}#{link.dossier_id}",
            gsi2sk=f"{link.created_at}#{link.link_id}",
            ttl=ttl,
        )
        self._insert(values, "linkId", together)  # made once whatever the write answers

    def set_email_status(self, pk: str, status: str) -> None:
        self._ddb.update_item(
            TableName=self._table,
            Key={"pk": {"S": pk}},
            UpdateExpression="SET emailStatus = :status",
            ExpressionAttributeValues={":status": {"S": status}},
        )

    def unlock(self, pk: str, mac: str, now: str, grant_hash: str, downloads_expire_at: str) -> Attempted:
        """The one conditional write that judges a code (vault_share.guard.attempts)."""
        on_success = {"usedAt": now, "grantHash": grant_hash, "downloadsExpireAt": downloads_expire_at}
        judged: Judged = attempt(self._ddb, self._table, {"pk": pk}, LINK, mac, now, on_success)
        return Attempted(judged.verdict, _link(judged.item))

    def record_fetch(self, pk: str, document_id: str, grant_hash: str, now: str) -> Link | None:
        """Count one fetch of a document inside the download window; None if not allowed."""
        outcome = self._change(
            pk,
            "SET documents.#doc.downloadedAt = if_not_exists(documents.#doc.downloadedAt, :now), "
            "documents.#doc.lastFetchedAt = :now ADD documents.#doc.fetchCount :one",
            "#status = :used AND downloadsExpireAt > :now AND grantHash = :grant AND attribute_exists(documents.#doc)",
            {":used": LINK.success, ":now": now, ":grant": grant_hash, ":one": 1},
            **{"#doc": document_id},
        )
        return _link(outcome.new)

    def revoke(self, pk: str, user_id: str, now: str) -> Changed[Link]:
        """Active (not expired, not locked) -> revoked."""
        return self._changed(
            pk,
            "SET #status = :revoked, revokedAt = :now, revokedBy = :user REMOVE expiryPk",
            "#status = :active AND expiresAt > :now AND failedAttempts < :max",
            {":revoked": "revoked", ":active": LINK.open, ":now": now, ":user": user_id, ":max": MAX_ATTEMPTS},
        )

    def end_downloads(self, pk: str, user_id: str, now: str) -> Changed[Link]:
        """A used link's download window ends now (the owner's revoke): the next fetch is refused."""
        return self._changed(
            pk,
            "SET downloadsExpireAt = :now, revokedAt = :now, revokedBy = :user",
            "#status = :used AND downloadsExpireAt > :now",
            {":used": LINK.success, ":now": now, ":user": user_id},
        )

    # ---------------------------------------------------------------- reads

    def for_dossier(
        self, vault_id: str, dossier_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Link], str | None]:
        """A page of a dossier's links, newest first (gsi2), and the next page's cursor."""
        partition = f"DOSSIER#{vault_id}#{dossier_id}"
        query = client_query(
            self._ddb,
            TableName=self._table,
            IndexName="gsi2",
            KeyConditionExpression="gsi2pk = :pk",
            ExpressionAttributeValues={":pk": {"S": partition}},
            ScanIndexForward=False,
        )
        return query_page(
            query,
            Partition(partition, key_names=("gsi2pk", "gsi2sk", "pk")),
            limit=limit,
            cursor=cursor,
            parse=Link.from_item,
        )
