"""PynamoDB plumbing shared by the capabilities: table names, the common index, cursors."""

from __future__ import annotations

import base64
import binascii
import json
from functools import cache
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from vault_share.errors import BadRequest
from vault_share.settings import get_settings


def vault_table() -> str:
    return get_settings().vault_table


def shares_table() -> str:
    return get_settings().shares_table


@cache
def _connection() -> Connection:
    """One DynamoDB connection per container: building its botocore client costs ~100 ms."""
    return Connection()


def transaction() -> TransactWrite:
    """An all-or-nothing write of several items (DynamoDB TransactWriteItems)."""
    return TransactWrite(connection=_connection())


class Gsi1(GlobalSecondaryIndex[Any]):
    """Generic inverted index of the vault table (gsi1pk / gsi1sk)."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


# DynamoDB's limit for a partition key (a sort key is at most 1024).
MAX_KEY_BYTES = 2048


def encode_cursor(last_evaluated_key: dict[str, Any] | None) -> str | None:
    """Opaque pagination cursor from DynamoDB's LastEvaluatedKey."""
    if not last_evaluated_key:
        return None
    raw = json.dumps(last_evaluated_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(
    cursor: str | None, *, expected_pk: str, key_names: tuple[str, ...] = ("pk", "sk")
) -> dict[str, Any] | None:
    """The key back, checked to be a key of the partition being read (exactly `key_names`, strings).

    Anything else (garbage, another partition, a forged key DynamoDB would choke on) is a 400.
    """
    if not cursor:
        return None
    invalid = BadRequest("Curseur de pagination invalide.", code="invalid_cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise invalid from exc
    if not isinstance(key, dict) or set(key) != set(key_names):
        raise invalid
    for value in key.values():
        if not isinstance(value, dict) or set(value) != {"S"} or not isinstance(value["S"], str) or not value["S"]:
            raise invalid
        if len(value["S"].encode()) > MAX_KEY_BYTES:
            raise invalid
    if key["pk"]["S"] != expected_pk:
        raise invalid
    return key
