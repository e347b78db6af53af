"""The link item in the shares table, and the conditional writes that keep it honest.

| attribute          | meaning                                                          |
|--------------------|------------------------------------------------------------------|
| pk                 | LINK#<sha256(token)>                                             |
| gsi1pk / gsi1sk    | VAULT#<vaultId> / LINK#<linkId> (revoke by id)                   |
| gsi2pk / gsi2sk    | DOSSIER#<vaultId>#<dossierId> / <createdAt> (list a dossier's)   |
| expiryPk/expiresAt | LINK while active (sparse index for the expiry sweep)           |
| codeMac            | HMAC(pepper, tokenHash:code)                                     |
| grantHash          | sha256 of the download grant issued at unlock                    |
| documents          | map documentId -> {fileName, contentType, size, s3Key,           |
|                    |   downloadedAt?, fetchCount}; documentOrder keeps the order      |

The low-level client is used on purpose: the unlock needs one UpdateItem that
returns the old item when its condition fails (ReturnValuesOnConditionCheckFailure),
which PynamoDB's Model.update does not expose, and the download function then
starts without importing PynamoDB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from vault_share.adapters.aws import client
from vault_share.settings import get_settings

MAX_ATTEMPTS = 5
EXPIRY_PARTITION = "LINK"
# Links stay readable in the owner's list a year after they expire.
RETENTION_SECONDS = 365 * 86400

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


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
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Link:
        values = _from_item(item)
        known = {py: values.pop(attr) for py, attr in _ATTRIBUTES.items() if attr in values}
        known["failed_attempts"] = int(known.get("failed_attempts", 0))
        for doc in known.get("documents", {}).values():
            doc["size"] = int(doc.get("size", 0))
            doc["fetchCount"] = int(doc.get("fetchCount", 0))
        return cls(**known, extra=values)

    def ordered_documents(self) -> list[tuple[str, dict[str, Any]]]:
        return [(doc_id, self.documents[doc_id]) for doc_id in self.document_order]


class LinkStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._ddb = dynamodb
        self._table = table

    # ---------------------------------------------------------------- writes

    def insert(self, link: Link, ttl: int) -> None:
        values = {attr: getattr(link, py) for py, attr in _ATTRIBUTES.items()}
        values.update(
            kind="link",
            gsi1pk=f"VAULT#{link.vault_id}",
            gsi1sk=f"LINK#{link.link_id}",
            gsi2pk=f"DOSSIER#{link.vault_id}#{link.dossier_id}",
            gsi2sk=f"{link.created_at}#{link.link_id}",
            expiryPk=EXPIRY_PARTITION,
            ttl=ttl,
        )
        self._ddb.put_item(
            TableName=self._table,
            Item=_to_item(values),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def unlock(
        self, pk: str, mac: str, now: str, grant_hash: str, downloads_expire_at: str
    ) -> tuple[Link | None, Link | None]:
        """The one conditional write that consumes a link.

        Returns (the used link, None) on success, or (None, the item as it was)
        when any condition failed; (None, None) when there is no such link.
        """
        try:
            answer = self._ddb.update_item(
                TableName=self._table,
                Key={"pk": {"S": pk}},
                UpdateExpression=(
                    "SET #status = :used, usedAt = :now, grantHash = :grant, downloadsExpireAt = :until REMOVE expiryPk"
                ),
                ConditionExpression=(
                    "#status = :active AND expiresAt > :now AND codeMac = :mac AND failedAttempts < :max"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":used": {"S": "used"},
                    ":active": {"S": "active"},
                    ":now": {"S": now},
                    ":mac": {"S": mac},
                    ":max": {"N": str(MAX_ATTEMPTS)},
                    ":grant": {"S": grant_hash},
                    ":until": {"S": downloads_expire_at},
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            return None, _old_item(exc)
        return Link.from_item(answer["Attributes"]), None

    def count_wrong_code(self, pk: str, seen_attempts: int, now: str) -> Link | None:
        """Record one wrong code, locking the link at the MAX_ATTEMPTS-th.

        Conditional on the count just read, so concurrent wrong codes each count
        once and the count never passes MAX_ATTEMPTS. Returns the updated link,
        or the current one (to try again) when another attempt got there first.
        """
        attempts = seen_attempts + 1
        names = {"#status": "status"}
        values: dict[str, Any] = {
            ":active": {"S": "active"},
            ":seen": {"N": str(seen_attempts)},
            ":n": {"N": str(attempts)},
        }
        if attempts >= MAX_ATTEMPTS:
            update = "SET failedAttempts = :n, #status = :locked, lockedAt = :now REMOVE expiryPk"
            values.update({":locked": {"S": "locked"}, ":now": {"S": now}})
        else:
            update = "SET failedAttempts = :n"
        try:
            answer = self._ddb.update_item(
                TableName=self._table,
                Key={"pk": {"S": pk}},
                UpdateExpression=update,
                ConditionExpression="#status = :active AND failedAttempts = :seen",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            old = _old_item(exc)
            if old is None:
                return None
            old.extra["_conflict"] = True
            return old
        return Link.from_item(answer["Attributes"])

    def record_fetch(self, pk: str, document_id: str, grant: str, now: str) -> Link | None:
        """Count one fetch of a document inside the download window; None if not allowed."""
        try:
            answer = self._ddb.update_item(
                TableName=self._table,
                Key={"pk": {"S": pk}},
                UpdateExpression=(
                    "SET documents.#doc.downloadedAt = if_not_exists(documents.#doc.downloadedAt, :now), "
                    "documents.#doc.lastFetchedAt = :now "
                    "ADD documents.#doc.fetchCount :one"
                ),
                ConditionExpression=(
                    "#status = :used AND downloadsExpireAt > :now AND grantHash = :grant "
                    "AND attribute_exists(documents.#doc)"
                ),
                ExpressionAttributeNames={"#status": "status", "#doc": document_id},
                ExpressionAttributeValues={
                    ":used": {"S": "used"},
                    ":now": {"S": now},
                    ":grant": {"S": grant},
                    ":one": {"N": "1"},
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if _is_condition_failure(exc):
                return None
            raise
        return Link.from_item(answer["Attributes"])

    def revoke(self, pk: str, user_id: str, now: str) -> tuple[Link | None, Link | None]:
        """Active and unexpired -> revoked. Returns (revoked, None) or (None, the item as it was)."""
        try:
            answer = self._ddb.update_item(
                TableName=self._table,
                Key={"pk": {"S": pk}},
                UpdateExpression="SET #status = :revoked, revokedAt = :now, revokedBy = :user REMOVE expiryPk",
                ConditionExpression="#status = :active AND expiresAt > :now",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":revoked": {"S": "revoked"},
                    ":active": {"S": "active"},
                    ":now": {"S": now},
                    ":user": {"S": user_id},
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            return None, _old_item(exc)
        return Link.from_item(answer["Attributes"]), None

    # ---------------------------------------------------------------- reads

    def get(self, pk: str) -> Link | None:
        item = self._ddb.get_item(TableName=self._table, Key={"pk": {"S": pk}}).get("Item")
        return Link.from_item(item) if item else None

    def by_id(self, vault_id: str, link_id: str) -> Link | None:
        items = self._ddb.query(
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk AND gsi1sk = :sk",
            ExpressionAttributeValues={":pk": {"S": f"VAULT#{vault_id}"}, ":sk": {"S": f"LINK#{link_id}"}},
        )["Items"]
        return Link.from_item(items[0]) if items else None

    def for_dossier(self, vault_id: str, dossier_id: str) -> list[Link]:
        links: list[Link] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi2",
            "KeyConditionExpression": "gsi2pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"DOSSIER#{vault_id}#{dossier_id}"}},
            "ScanIndexForward": False,
        }
        while True:
            answer = self._ddb.query(**kwargs)
            links.extend(Link.from_item(item) for item in answer["Items"])
            if "LastEvaluatedKey" not in answer:
                return links
            kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _is_condition_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _old_item(exc: ClientError) -> Link | None:
    if not _is_condition_failure(exc):
        raise exc
    item = exc.response.get("Item")
    return Link.from_item(item) if item else None


@cache
def default_store() -> LinkStore:
    return LinkStore(client("dynamodb"), get_settings().shares_table)
