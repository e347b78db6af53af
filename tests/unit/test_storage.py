"""Pagination cursors: opaque, round-tripping, and refused when forged or borrowed."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from vault_share.errors import BadRequest
from vault_share.pagination import decode_cursor, encode_cursor

PK = "JOURNAL#DOSSIER#" + "a" * 32 + "#" + "b" * 32
KEY = {"pk": {"S": PK}, "sk": {"S": "2026-03-01T09:00:00.000Z#" + "c" * 32}}


def b64(data: Any) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_round_trip() -> None:
    cursor = encode_cursor(KEY)
    assert cursor is not None
    assert decode_cursor(cursor, expected_pk=PK) == KEY


def test_cursor_is_url_safe_and_unpadded() -> None:
    cursor = encode_cursor({"pk": {"S": PK}, "sk": {"S": "é?&/+=" * 20}})
    assert cursor is not None
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(cursor, expected_pk=PK) == {"pk": {"S": PK}, "sk": {"S": "é?&/+=" * 20}}


def test_same_key_same_cursor() -> None:
    reordered = {"sk": KEY["sk"], "pk": KEY["pk"]}
    assert encode_cursor(KEY) == encode_cursor(reordered)


@pytest.mark.parametrize("empty", [None, {}])
def test_no_key_no_cursor(empty: Any) -> None:
    assert encode_cursor(empty) is None


@pytest.mark.parametrize("empty", [None, ""])
def test_no_cursor_starts_at_the_beginning(empty: str | None) -> None:
    assert decode_cursor(empty, expected_pk=PK) is None


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "not a cursor",
        "é",
        "a",
        b64(b"\xff\xfe\xfd"),
        b64(b"{not json"),
        b64(None),
        b64([PK]),
        b64("pk"),
        b64({"pk": PK}),  # a string where DynamoDB wants {"S": ...}
        b64({"pk": {"S": PK}}),
        b64({"pk": {"S": PK}, "sk": {"N": "1"}}),
        b64({"pk": {"S": PK}, "sk": {"S": 1}}),
        b64({"pk": {"S": PK}, "sk": {"S": ""}}),
        b64({"pk": {"S": PK}, "sk": {"S": "x", "N": "1"}}),
        b64({"pk": {"S": PK}, "sk": "x"}),
        b64({**KEY, "gsi1pk": {"S": "x"}}),
        b64({"pk": {"S": PK}, "sk": {"S": "x" * 5000}}),
        b64({"pk": {"S": PK}, "sk": {"S": "\ud800"}}),  # a lone surrogate: no DynamoDB string holds one
    ],
)
def test_malformed_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(BadRequest) as caught:
        decode_cursor(cursor, expected_pk=PK)
    assert caught.value.code == "invalid_cursor"
    assert caught.value.status == 400
    assert caught.value.message == "Curseur de pagination invalide."


def test_a_cursor_of_another_partition_is_refused() -> None:
    other = encode_cursor({"pk": {"S": PK + "x"}, "sk": KEY["sk"]})
    with pytest.raises(BadRequest) as caught:
        decode_cursor(other, expected_pk=PK)
    assert caught.value.code == "invalid_cursor"
    # ...while it is fine where it belongs.
    assert decode_cursor(other, expected_pk=PK + "x") is not None


def test_tampering_with_a_cursor_is_refused_or_stays_in_its_partition() -> None:
    cursor = encode_cursor(KEY)
    assert cursor is not None
    for i in range(len(cursor)):
        for replacement in "A_":
            forged = cursor[:i] + replacement + cursor[i + 1 :]
            try:
                key = decode_cursor(forged, expected_pk=PK)
            except BadRequest:
                continue
            assert key is not None and key["pk"] == {"S": PK}
