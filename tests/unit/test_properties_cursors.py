"""Properties of the pagination cursors (vault_share.pagination), for every list the API pages.

A cursor is the DynamoDB key of the last item of a page, in URL-safe base64 JSON, unsigned: what
binds it to its list is `decode_cursor` itself, which accepts only a key of the partition being
read (exact key names, strings, the queried partition key equal, the sort key under the query's
prefix, sizes DynamoDB allows). So the properties are: every key a store produces comes back
intact; whatever else a client sends (garbage, a cut, a changed character, another vault's or
user's cursor, re-encoded or not) is either refused with the 400 `invalid_cursor` in French or is
itself a key of the same partition, which only moves the page within what the caller may read.
"""

from __future__ import annotations

import base64
import json
import string
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from vault_share import clock
from vault_share.errors import BadRequest
from vault_share.guard.secrets import token_hash
from vault_share.invitations.store import invitation_pk, person_partition
from vault_share.journal.models import dossier_journal_pk, notifications_pk, person_journal_pk
from vault_share.links.store import link_pk
from vault_share.pagination import Partition, decode_cursor, encode_cursor
from vault_share.schemas import Name
from vault_share.vault import models as m

URLSAFE = set(string.ascii_letters + string.digits + "-_")
# The route's limit on the `cursor` query parameter (vault_share.api.params.Cursor).
CURSOR_MAX_CHARS = 2048
# DynamoDB's limits (Service Quotas): a partition key is at most 2048 bytes, a sort key 1024.
PARTITION_KEY_BYTES = 2048
SORT_KEY_BYTES = 1024
REFUSED = "refused"

# ---------------------------------------------------------------- the keys the stores produce


@dataclass(frozen=True)
class Ids:
    vault: str
    dossier: str
    person: str
    user: str
    item: str
    at: str
    token: str


hex_ids = st.uuids().map(lambda u: u.hex)
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))  # type: ignore[arg-type]
ids = st.builds(
    Ids,
    vault=hex_ids,
    dossier=hex_ids,
    person=hex_ids,
    user=st.uuids().map(str),  # a Cognito sub
    item=hex_ids,
    at=moments.map(clock.iso),
    token=st.text(sorted(URLSAFE), min_size=43, max_size=43),
)
_NAME = TypeAdapter(Name)


def _api_name(text: str) -> str | None:
    try:
        return _NAME.validate_python(text)
    except ValidationError:
        return None


# Names as the API accepts them (vault_share.schemas.Name), the longest in 4-byte characters included.
names = (
    st.one_of(
        st.text(st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn")), min_size=1, max_size=120),
        st.sampled_from(["𓀀" * 120, "𝔄" * 120, "ﷺ" * 120, "Ǆ" * 120, "de la Tour d'Auvergne"]),
    )
    .map(_api_name)
    .filter(bool)
)

KINDS = (
    "dossier_journal",
    "person_journal",
    "notifications",
    "documents",
    "dossiers",
    "persons",
    "links",
    "invitations",
)


def S(value: str) -> dict[str, str]:  # DynamoDB's own name for a string
    return {"S": value}


def page_key(kind: str, i: Ids, first: str, last: str) -> tuple[Partition, dict[str, Any]]:
    """The partition a list reads and the LastEvaluatedKey its store returns, built with the stores'
    own key functions."""
    entry = S(f"{i.at}#{i.item}")
    if kind in ("dossier_journal", "person_journal", "notifications"):
        pk = {
            "dossier_journal": dossier_journal_pk(i.vault, i.dossier),
            "person_journal": person_journal_pk(i.vault, i.person),
            "notifications": notifications_pk(i.user),
        }[kind]
        return Partition(pk), {"pk": S(pk), "sk": entry}
    if kind == "documents":
        partition = Partition(m.vault_pk(i.vault), sort_prefix=m.document_sk(i.dossier, ""))
        return partition, {"pk": S(m.vault_pk(i.vault)), "sk": S(m.document_sk(i.dossier, i.item))}
    if kind in ("dossiers", "persons"):
        gsi1 = ("gsi1pk", "gsi1sk", "pk", "sk")
        if kind == "dossiers":
            pk, order, sk = m.dossiers_gsi1pk(i.vault), m.name_order(first, i.item), m.dossier_sk(i.item)
        else:
            pk, order, sk = m.persons_gsi1pk(i.vault), m.name_order(last, first, i.item), m.person_sk(i.item)
        return Partition(pk, key_names=gsi1), {
            "gsi1pk": S(pk),
            "gsi1sk": S(order),
            "pk": S(m.vault_pk(i.vault)),
            "sk": S(sk),
        }
    gsi2 = ("gsi2pk", "gsi2sk", "pk")
    if kind == "links":
        pk, table_pk = f"DOSSIER#{i.vault}#{i.dossier}", link_pk(token_hash(i.token))
    else:
        pk, table_pk = person_partition(i.vault, i.person), invitation_pk(token_hash(i.token))
    return Partition(pk, key_names=gsi2), {"gsi2pk": S(pk), "gsi2sk": entry, "pk": S(table_pk)}


pages = st.builds(page_key, st.sampled_from(KINDS), ids, names, names)
# Where the names do not matter (cut, changed, foreign cursors): cheaper to draw, as varied in bytes.
short_names = st.sampled_from(["a", "Dupont", "É", "𓀀", "de la Tour", "𓀀" * 120])
quick_pages = st.builds(page_key, st.sampled_from(KINDS), ids, short_names, short_names)
SOME = Ids("0" * 32, "1" * 32, "2" * 32, "u", "3" * 32, "x", "t" * 43)  # for explicit examples

# ---------------------------------------------------------------- what decoding may answer


def outcome(cursor: str, partition: Partition) -> Any:
    """The key decode_cursor gives back, or REFUSED for its 400; any other exception fails the test."""
    try:
        return decode_cursor(
            cursor, expected_pk=partition.value, key_names=partition.key_names, sort_prefix=partition.sort_prefix
        )
    except BadRequest as exc:
        assert (exc.status, exc.code, exc.message) == (400, "invalid_cursor", "Curseur de pagination invalide.")
        assert exc.extra == {}
        return REFUSED


def assert_key_of(key: Any, partition: Partition) -> None:
    """A starting key of this partition's query, and one DynamoDB can take: the key names of the
    index and table (in that order: partition, sort, partition[, sort]), non-empty strings within
    DynamoDB's sizes, the queried partition, the query's prefix."""
    assert isinstance(key, dict) and set(key) == set(partition.key_names), key
    for position, name in enumerate(partition.key_names):
        value = key[name]
        assert isinstance(value, dict) and set(value) == {"S"} and isinstance(value["S"], str) and value["S"], key
        limit = SORT_KEY_BYTES if position % 2 else PARTITION_KEY_BYTES
        assert len(value["S"].encode()) <= limit, (name, len(value["S"].encode()))
    assert key[partition.key_names[0]]["S"] == partition.value, key
    assert key[partition.key_names[1]]["S"].startswith(partition.sort_prefix), key


def assert_refused_or_in_partition(cursor: str, partition: Partition) -> None:
    found = outcome(cursor, partition)
    if found is None:
        assert cursor == "", "only an absent cursor reads the first page"
    elif found != REFUSED:
        assert_key_of(found, partition)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# ---------------------------------------------------------------- properties


@given(page=pages)
@example(page=page_key("persons", SOME, "𓀀" * 120, "𓀁" * 120))
def test_every_key_a_store_produces_comes_back_from_its_cursor(page: tuple[Partition, dict[str, Any]]) -> None:
    partition, key = page
    assert_key_of(key, partition)  # what the stores write is a key DynamoDB takes
    cursor = encode_cursor(key)
    assert cursor is not None and set(cursor) <= URLSAFE, cursor  # opaque, URL-safe, no padding
    assert len(cursor) <= CURSOR_MAX_CHARS  # the route takes it back
    assert outcome(cursor, partition) == key
    assert encode_cursor(None) is None and encode_cursor({}) is None and outcome("", partition) is None


@given(
    kind=st.sampled_from(KINDS),
    first=ids,
    second=ids,
    name_a=short_names,
    name_b=short_names,
    other_kind=st.sampled_from(KINDS),
)
def test_a_cursor_opens_its_own_list_only(
    kind: str, first: Ids, second: Ids, name_a: str, name_b: str, other_kind: str
) -> None:
    """Another vault's, dossier's, person's or user's cursor, or another list's, is refused; the same
    list (the ids it does not depend on changed) takes it."""
    partition, key = page_key(kind, first, name_a, name_b)
    cursor = encode_cursor(key)
    assert cursor is not None
    elsewhere = [page_key(other_kind, first, name_a, name_b)[0]]
    for field in ("vault", "dossier", "person", "user"):
        elsewhere.append(page_key(kind, replace(first, **{field: getattr(second, field)}), name_a, name_b)[0])
    for other in elsewhere:
        assert (outcome(cursor, other) == key) is (other == partition), (kind, other)
        if other != partition:
            assert outcome(cursor, other) == REFUSED


@given(page=quick_pages, data=st.data())
def test_a_cut_cursor_is_refused(page: tuple[Partition, dict[str, Any]], data: st.DataObject) -> None:
    partition, key = page
    cursor = encode_cursor(key)
    assert cursor is not None
    # A prefix of the base64 is a prefix of the JSON (or no base64): never a whole object.
    cut = data.draw(st.integers(min_value=1, max_value=len(cursor) - 1), label="cut")
    assert outcome(cursor[:cut], partition) == REFUSED
    assert outcome(cursor[cut:], partition) == REFUSED


@given(page=quick_pages, data=st.data())
def test_a_changed_character_is_refused_or_stays_in_the_partition(
    page: tuple[Partition, dict[str, Any]], data: st.DataObject
) -> None:
    partition, key = page
    cursor = encode_cursor(key)
    assert cursor is not None
    index = data.draw(st.integers(min_value=0, max_value=len(cursor) - 1), label="index")
    char = data.draw(st.sampled_from([*sorted(URLSAFE), "=", "+", "/", "!", "é", " "]), label="char")
    assert_refused_or_in_partition(cursor[:index] + char + cursor[index + 1 :], partition)
    assert_refused_or_in_partition(cursor[:index] + char + cursor[index:], partition)


def _encodings(key: dict[str, Any]) -> list[str]:
    """The same key written otherwise than encode_cursor does."""
    texts = [
        json.dumps(key),
        json.dumps(key, ensure_ascii=True, separators=(",", ":")),
        json.dumps(dict(reversed(list(key.items()))), separators=(",", ":")),
    ]
    raws = [text.encode() for text in texts]
    canonical = encode_cursor(key)
    assert canonical is not None
    return [
        *(b64(raw) for raw in raws),
        canonical + "=" * (-len(canonical) % 4),
        base64.b64encode(raws[1]).decode(),  # the standard alphabet (+ and /), padded
    ]


@given(page=quick_pages, foreign=quick_pages)
def test_a_re_encoded_cursor_is_the_same_key_and_a_foreign_one_stays_refused(
    page: tuple[Partition, dict[str, Any]], foreign: tuple[Partition, dict[str, Any]]
) -> None:
    """decode_cursor binds a cursor by what it says, not by its bytes: another writing of one's own
    key is that very key (the same place in the same list); another writing of another list's
    key is refused just the same."""
    partition, key = page
    other_partition, other_key = foreign
    for cursor in _encodings(key):
        assert outcome(cursor, partition) == key, cursor
    if other_partition != partition:
        for cursor in _encodings(other_key):
            assert outcome(cursor, partition) == REFUSED, cursor


@given(page=quick_pages, size=st.integers(min_value=1, max_value=1100), char=st.sampled_from(["x", "é", "€", "𓀀"]))
@example(page=page_key("documents", SOME, "a", "b"), size=1100, char="x")
def test_a_sort_key_longer_than_dynamodb_takes_is_refused(
    page: tuple[Partition, dict[str, Any]], size: int, char: str
) -> None:
    """A forged sort key in the right partition, under the right prefix: accepted while DynamoDB
    could have returned it (1024 bytes at most), refused beyond: no LastEvaluatedKey has one, and
    DynamoDB refuses a key that does (2048 bytes were let through before, as for a partition key).
    moto takes such a start key without a word, so this is checked here, not on the embedded AWS."""
    partition, key = page
    sort_name = partition.key_names[1]
    value = partition.sort_prefix + char * size
    forged = {**key, sort_name: S(value)}
    found = outcome(b64(json.dumps(forged).encode()), partition)
    assert found == (forged if len(value.encode()) <= SORT_KEY_BYTES else REFUSED), len(value.encode())


@given(page=quick_pages, change=st.sampled_from(["add", "remove", "rename", "retype", "empty", "nest"]), data=st.data())
def test_a_key_of_the_partition_with_one_thing_changed_is_refused(
    page: tuple[Partition, dict[str, Any]], change: str, data: st.DataObject
) -> None:
    """The right partition is not enough: an attribute more or less, another name, another type
    (N, B, a list), an empty string or a map inside, each makes a key DynamoDB cannot take."""
    partition, key = page
    name = data.draw(st.sampled_from(partition.key_names), label="attribute")
    forged = dict(key)
    if change == "add":
        extra = data.draw(st.sampled_from(["gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "pk", "sk", "x", "S"]))
        assume(extra not in key)
        forged[extra] = S("x")
    elif change == "remove":
        del forged[name]
    elif change == "rename":
        forged[name.upper() if name != name.upper() else name + "_"] = forged.pop(name)
    elif change == "retype":
        forged[name] = data.draw(
            st.sampled_from([{"N": "1"}, {"B": "eA=="}, {"SS": [key[name]["S"]]}, {"S": key[name]["S"], "N": "1"}])
        )
    elif change == "empty":
        forged[name] = S("")
    else:
        forged[name] = {"S": key[name]}
    assert outcome(b64(json.dumps(forged).encode()), partition) == REFUSED


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
key_names = st.sampled_from(["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "S", "x", ""])
key_like = st.dictionaries(
    key_names, st.one_of(st.fixed_dictionaries({"S": st.text(max_size=12)}), json_values), max_size=5
)


@given(page=quick_pages, value=st.one_of(json_values, key_like))
@example(
    page=page_key("notifications", SOME, "a", "b"),
    value={"pk": {"S": "\ud800"}, "sk": {"S": "x"}},
)
def test_any_json_in_a_cursor_is_refused_or_a_key_of_the_partition(
    page: tuple[Partition, dict[str, Any]], value: Any
) -> None:
    partition, _ = page
    assert_refused_or_in_partition(b64(json.dumps(value).encode()), partition)


@given(page=quick_pages, raw=st.binary(max_size=1536))
# Hypothesis raises the recursion limit while it runs a test: far deeper than the route takes.
@example(
    page=page_key("documents", SOME, "a", "b"),
    raw=b"[" * 20_000,
)
@example(
    page=page_key("persons", SOME, "a", "b"),
    raw=b'{"pk":' * 250,
)
@example(page=page_key("links", SOME, "a", "b"), raw=b"\xff\xfe")
def test_any_bytes_in_a_cursor_are_refused_or_a_key_of_the_partition(
    page: tuple[Partition, dict[str, Any]], raw: bytes
) -> None:
    partition, _ = page
    assert_refused_or_in_partition(b64(raw), partition)


@pytest.mark.parametrize("depth", [1000, 1536])
def test_a_deeply_nested_cursor_is_refused(depth: int) -> None:
    """Python's JSON parser recurses once a level: on Python 3.11, 1,000 levels (a cursor of 1,334
    characters, which the route takes) raised RecursionError out of decode_cursor, a 500.
    (Outside Hypothesis, which raises the recursion limit while it runs.)"""
    partition, _ = page_key("documents", SOME, "a", "b")
    for raw in (b"[" * depth, b"[" * depth + b"]" * depth, b'{"pk":' * depth):
        assert outcome(b64(raw), partition) == REFUSED
    assert len(b64(b"[" * 1000)) <= CURSOR_MAX_CHARS


@given(
    page=quick_pages, text=st.one_of(st.text(max_size=CURSOR_MAX_CHARS), st.text([*sorted(URLSAFE), "="], max_size=200))
)
@example(page=page_key("dossiers", SOME, "a", "b"), text="é")
def test_any_text_as_a_cursor_is_refused_or_a_key_of_the_partition(
    page: tuple[Partition, dict[str, Any]], text: str
) -> None:
    partition, _ = page
    assert_refused_or_in_partition(text, partition)
