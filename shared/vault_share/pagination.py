"""Pages of a DynamoDB query and their opaque cursors, for every list of the API.

Pure boto3 shapes (no PynamoDB): the download function's store may import it without paying for it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from vault_share.errors import BadRequest

# DynamoDB's limits for a partition key and a sort key: no LastEvaluatedKey exceeds them, so a
# cursor that does is forged (and a key DynamoDB refuses).
MAX_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024


def encode_cursor(last_evaluated_key: dict[str, Any] | None) -> str | None:
    """Opaque pagination cursor from DynamoDB's LastEvaluatedKey."""
    if not last_evaluated_key:
        return None
    # UTF-8 rather than \u escapes: a name in a sort key then costs its bytes, not 6 to 12 characters each.
    raw = json.dumps(last_evaluated_key, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(
    cursor: str | None, *, expected_pk: str, key_names: tuple[str, ...] = ("pk", "sk"), sort_prefix: str = ""
) -> dict[str, Any] | None:
    """The key back, checked to be a key of the partition being read: exactly `key_names`, strings,
    the first (the partition key of the table or index queried) equal to `expected_pk`, the second
    (its sort key) starting with `sort_prefix` (the query's begins_with, which DynamoDB would
    otherwise refuse as a starting key).

    Anything else (garbage, another partition, a forged key DynamoDB would choke on) is a 400.
    """
    if not cursor:
        return None
    invalid = BadRequest("Curseur de pagination invalide.", code="invalid_cursor")
    try:
        # validate: a character outside the alphabet is refused, not silently skipped.
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        key = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError) as exc:  # "[[[[...": the parser recurses once a level
        raise invalid from exc
    if not isinstance(key, dict) or set(key) != set(key_names):
        raise invalid
    # Partition and sort keys alternate in key_names (see Partition).
    for position, name in enumerate(key_names):
        value = key[name]
        if not isinstance(value, dict) or set(value) != {"S"} or not isinstance(value["S"], str) or not value["S"]:
            raise invalid
        try:
            size = len(value["S"].encode())
        except UnicodeEncodeError as exc:  # a lone surrogate ("\ud800" in the JSON): not a DynamoDB string
            raise invalid from exc
        if size > (MAX_SORT_KEY_BYTES if position % 2 else MAX_KEY_BYTES):
            raise invalid
    if key[key_names[0]]["S"] != expected_pk or not key[key_names[1]]["S"].startswith(sort_prefix):
        raise invalid
    return key


# ------------------------------------------------------------------ pages

DEFAULT_PAGE = 50
MAX_PAGE = 100
# A filtered read may match few of the items it reads: each further read asks twice as many,
# up to _MAX_READ_SIZE, and a page stops after _MAX_READS reads with what it found so far
# (its cursor then resumes where reading stopped), so that a page answers in bounded time.
_MAX_READ_SIZE = 1000
_MAX_READS = 8

T = TypeVar("T")

Query = Callable[[dict[str, Any] | None, int], dict[str, Any]]
"""One DynamoDB Query request: (ExclusiveStartKey or None, Limit) -> its answer ("Items", "LastEvaluatedKey")."""


@dataclass(frozen=True)
class Partition:
    """The partition a page is read from: one partition of the table or of an index."""

    value: str
    # The key attributes of an item read there (LastEvaluatedKey's): the partition and sort keys
    # of the table or index queried first, then the table's own (partition, sort, partition[, sort]).
    key_names: tuple[str, ...] = ("pk", "sk")
    # The query's begins_with on the sort key, if any.
    sort_prefix: str = ""


def client_query(dynamodb: Any, **request: Any) -> Query:
    """A `Query` on the low-level boto3 client; `request` is everything but Limit and ExclusiveStartKey."""

    def query(start: dict[str, Any] | None, size: int) -> dict[str, Any]:
        answer: dict[str, Any] = dynamodb.query(
            **request, Limit=size, **({"ExclusiveStartKey": start} if start else {})
        )
        return answer

    return query


def query_page(
    query: Query,
    partition: Partition,
    *,
    limit: int,
    cursor: str | None,
    parse: Callable[[dict[str, Any]], T],
    keep: Callable[[T], bool] | None = None,
) -> tuple[list[T], str | None]:
    """One page of at most `limit` items, in the query's order, and the cursor of the next page.

    One item more than asked is read: it tells whether a next page exists, so the last page
    carries `None` instead of leading to an empty page. DynamoDB applies Limit before a
    FilterExpression (and `keep` is applied after it, here), so reads go on until the page is
    full or the partition is read. The cursor is opaque; one from another partition is a 400.
    """
    start = decode_cursor(
        cursor, expected_pk=partition.value, key_names=partition.key_names, sort_prefix=partition.sort_prefix
    )
    found: list[tuple[dict[str, Any], T]] = []
    size = limit + 1
    for _ in range(_MAX_READS):
        answer = query(start, size)
        for raw in answer.get("Items", []):
            item = parse(raw)
            if keep is None or keep(item):
                found.append((raw, item))
        start = answer.get("LastEvaluatedKey")
        if len(found) > limit or not start:
            break
        size = min(2 * size, _MAX_READ_SIZE)
    page = found[:limit]
    if len(found) > limit:
        last = page[-1][0]
        start = {name: last[name] for name in partition.key_names}
    return [item for _, item in page], encode_cursor(start)
