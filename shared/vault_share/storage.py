"""PynamoDB plumbing shared by the capabilities: table names, the common index, cursors."""

from __future__ import annotations

import base64
import binascii
import json
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


def transaction() -> TransactWrite:
    """An all-or-nothing write of several items (DynamoDB TransactWriteItems)."""
    return TransactWrite(connection=Connection())


class Gsi1(GlobalSecondaryIndex[Any]):
    """Generic inverted index of the vault table (gsi1pk / gsi1sk)."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


def encode_cursor(last_evaluated_key: dict[str, Any] | None) -> str | None:
    """Opaque pagination cursor from DynamoDB's LastEvaluatedKey."""
    if not last_evaluated_key:
        return None
    raw = json.dumps(last_evaluated_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, expected_pk: str) -> dict[str, Any] | None:
    """The key back, checked to belong to the partition being read."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise BadRequest("Curseur de pagination invalide.", code="invalid_cursor") from exc
    if not isinstance(key, dict) or key.get("pk", {}).get("S") != expected_pk:
        raise BadRequest("Curseur de pagination invalide.", code="invalid_cursor")
    return key
