"""Long lists of the vault API, page by page: documents of a dossier, persons, dossiers (moto in-process).

Every list is read through its handler with small limits: each item comes exactly once, in
the list's order, the last page says `nextCursor: null`, and a cursor works only where it
was issued.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from vault_share.pagination import Partition, client_query, query_page

from tests.fixtures import Api, User, add_member, new_user
from tests.handlers.test_vault_api import Client, b64, grant

COUNT = 120


@pytest.fixture(scope="module")
def client(api: Api) -> Client:
    return Client(api)


def read_all(client: Client, user: User, path: str, field: str, limit: int, **query: str) -> list[list[Any]]:
    """Every page of a list, following nextCursor until it is null."""
    pages: list[list[Any]] = []
    cursor = None
    while True:
        params = {**query, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        answer = client.ok("GET", path, user=user, query=urlencode(params))
        assert set(answer) >= {field, "nextCursor"}
        pages.append(answer[field])
        cursor = answer["nextCursor"]
        if cursor is None:
            return pages
        assert len(pages) <= COUNT, "cursor loops"


def sizes(total: int, limit: int) -> list[int]:
    """The page sizes of `total` items read `limit` at a time: full pages, then the rest, no empty page."""
    return [min(limit, total - start) for start in range(0, total, limit)] or [0]


# ============================================================== documents of a dossier


@dataclass
class Filled:
    owner: User
    vault_id: str
    dossier_id: str
    other_id: str  # another dossier of the same vault, with documents of its own
    document_ids: list[str]


@pytest.fixture(scope="module")
def filled(client: Client) -> Filled:
    owner = new_user("owner")
    vault_id = client.vault(owner)
    dossier_id = client.dossier(owner, vault_id, "Gros dossier")
    other_id = client.dossier(owner, vault_id, "Voisin")
    document_ids = [client.document(owner, vault_id, dossier_id, size=i + 1)["documentId"] for i in range(COUNT)]
    for _ in range(3):
        client.document(owner, vault_id, other_id)
    return Filled(owner, vault_id, dossier_id, other_id, document_ids)


@pytest.mark.parametrize("limit", [7, 40, 100])
def test_documents_of_a_dossier_come_page_by_page(client: Client, filled: Filled, limit: int) -> None:
    path = f"/vaults/{filled.vault_id}/dossiers/{filled.dossier_id}"
    pages = read_all(client, filled.owner, path, "documents", limit)
    assert [len(page) for page in pages] == sizes(COUNT, limit)
    got = [d["documentId"] for page in pages for d in page]
    assert got == sorted(filled.document_ids)  # each exactly once, in key order
    sizes_by_id = {d["documentId"]: d["size"] for page in pages for d in page}
    assert sizes_by_id == {doc_id: i + 1 for i, doc_id in enumerate(filled.document_ids)}
    # Every page carries the dossier itself.
    first = client.ok("GET", path, user=filled.owner, query=f"limit={limit}")
    assert (first["dossierId"], first["name"], first["public"]) == (filled.dossier_id, "Gros dossier", False)


def test_documents_default_to_pages_of_50(client: Client, filled: Filled) -> None:
    path = f"/vaults/{filled.vault_id}/dossiers/{filled.dossier_id}"
    first = client.ok("GET", path, user=filled.owner)
    assert len(first["documents"]) == 50 and first["nextCursor"]
    small = client.ok("GET", f"/vaults/{filled.vault_id}/dossiers/{filled.other_id}", user=filled.owner)
    assert len(small["documents"]) == 3 and small["nextCursor"] is None


def test_the_page_helper_reads_raw_items_through_the_low_level_client(filled: Filled) -> None:
    """The same pages, read with boto3's client as the link store does: raw items, same cursors."""
    prefix = f"DOSSIER#{filled.dossier_id}#DOC#"
    partition = Partition(f"VAULT#{filled.vault_id}", sort_prefix=prefix)
    query = client_query(
        boto3.client("dynamodb"),
        TableName=os.environ["VAULT_TABLE"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": partition.value}, ":prefix": {"S": prefix}},
    )
    got, cursor, pages = [], None, 0
    while True:
        items, cursor = query_page(query, partition, limit=13, cursor=cursor, parse=lambda raw: raw)
        got += [item["documentId"]["S"] for item in items]
        pages += 1
        if cursor is None:
            break
    assert got == sorted(filled.document_ids)
    assert pages == 10  # 9 full pages of 13, then 3, and no empty page


# ============================================================== persons

# Last names in the order a person expects (case and accents ignored), and what naive orders get
# wrong: "Élie" after "Durand", "de la" after "De" whatever the first names ("de la anne" would
# sort before "de la zoé" if the names were just joined).
LASTS = ["Bernard", "De", "de la", "Dupont", "Dupré", "Durand", "Élie", "martin"]


def first_name(i: int) -> str:
    return f"{'La Zoé' if LASTS[i % len(LASTS)] == 'De' else 'Anne'} {i:03d}"


@dataclass
class Directory:
    owner: User
    vault_id: str
    person_ids: dict[int, str]


@pytest.fixture(scope="module")
def directory(client: Client) -> Directory:
    owner = new_user("owner")
    vault_id = client.vault(owner)
    person_ids = {}
    for i in range(COUNT):
        person_ids[i] = client.person(owner, vault_id, first_name(i), LASTS[i % len(LASTS)])["personId"]
    other = client.vault(owner, "Autre annuaire")
    client.person(owner, other, "Anne 000", "Bernard")
    return Directory(owner, vault_id, person_ids)


def in_name_order(indexes: list[int]) -> list[int]:
    return sorted(indexes, key=lambda i: (i % len(LASTS), i))


def names(pages: list[list[dict[str, Any]]]) -> list[str]:
    return [f"{p['firstName']} {p['lastName']}" for page in pages for p in page]


@pytest.mark.parametrize("limit", [9, 60])
def test_everyone_comes_page_by_page_by_last_then_first_name(client: Client, directory: Directory, limit: int) -> None:
    pages = read_all(client, directory.owner, f"/vaults/{directory.vault_id}/persons", "persons", limit)
    assert [len(page) for page in pages] == sizes(COUNT, limit)
    expected = in_name_order(list(range(COUNT)))
    assert names(pages) == [f"{first_name(i)} {LASTS[i % len(LASTS)]}" for i in expected]
    assert [p["personId"] for page in pages for p in page] == [directory.person_ids[i] for i in expected]


def last_is(name: str) -> Callable[[int], bool]:
    return lambda i: LASTS[i % len(LASTS)] == name


@pytest.mark.parametrize(
    ("q", "matches", "limit"),
    [
        ("anne", lambda i: not last_is("De")(i), 4),
        ("anne", lambda i: not last_is("De")(i), 50),
        ("DUPR", last_is("Dupré"), 1),
        ("DUPR", last_is("Dupré"), 4),
        ("zoe la", last_is("De"), 4),
        ("elie anne", last_is("Élie"), 1),
        ("077", lambda i: i == 77, 1),
        ("077", lambda i: i == 77, 4),
        ("personne", lambda i: False, 1),
        ("personne", lambda i: False, 4),
    ],
)
def test_a_search_comes_page_by_page_in_name_order(
    client: Client, directory: Directory, q: str, matches: Callable[[int], bool], limit: int
) -> None:
    """A filter keeps few of the items DynamoDB reads: pages are still full, and in order."""
    expected = in_name_order([i for i in range(COUNT) if matches(i)])
    pages = read_all(client, directory.owner, f"/vaults/{directory.vault_id}/persons", "persons", limit, q=q)
    assert [len(page) for page in pages] == sizes(len(expected), limit)
    assert [p["personId"] for page in pages for p in page] == [directory.person_ids[i] for i in expected]


# ============================================================== dossiers

# Words in the order a person expects: "Banane" before "cerise", "Éclair" before "zèbre".
WORDS = ["abricot", "Banane", "cerise", "Dattes", "Éclair", "zèbre"]


@dataclass
class Shelf:
    owner: User
    vault_id: str
    dossier_ids: dict[int, str]
    guest: User

    def readable_by_guest(self, i: int) -> bool:
        return i % 3 == 0 or i % 5 == 0  # public, or granted to the guest


def dossier_name(i: int) -> str:
    return f"{WORDS[i % len(WORDS)]} {i:03d}"


@pytest.fixture(scope="module")
def shelf(client: Client) -> Shelf:
    owner = new_user("owner")
    vault_id = client.vault(owner)
    guest = new_user("guest")
    add_member(vault_id, guest, "guest")
    dossier_ids = {}
    for i in range(COUNT):
        dossier_ids[i] = client.dossier(owner, vault_id, dossier_name(i), public=i % 3 == 0)
        if i % 5 == 0:
            grant(vault_id, guest, dossier_ids[i])
    # Documents share the vault's partition with dossiers: they are no dossier.
    client.document(owner, vault_id, dossier_ids[0])
    return Shelf(owner, vault_id, dossier_ids, guest)


def dossier_order(indexes: list[int]) -> list[int]:
    return sorted(indexes, key=lambda i: (i % len(WORDS), i))


@pytest.mark.parametrize("limit", [11, 100])
def test_editors_list_every_dossier_by_name(client: Client, shelf: Shelf, limit: int) -> None:
    member = new_user("member")
    add_member(shelf.vault_id, member, "member")
    expected = dossier_order(list(range(COUNT)))
    for user in (shelf.owner, member):
        pages = read_all(client, user, f"/vaults/{shelf.vault_id}/dossiers", "dossiers", limit)
        assert [len(page) for page in pages] == sizes(COUNT, limit)
        assert [d for page in pages for d in page] == [
            {"dossierId": shelf.dossier_ids[i], "name": dossier_name(i), "kind": "other", "public": i % 3 == 0}
            for i in expected
        ]


@pytest.mark.parametrize("limit", [1, 7])
def test_a_guest_lists_the_dossiers_it_may_read_only(client: Client, shelf: Shelf, limit: int) -> None:
    expected = dossier_order([i for i in range(COUNT) if shelf.readable_by_guest(i)])
    pages = read_all(client, shelf.guest, f"/vaults/{shelf.vault_id}/dossiers", "dossiers", limit)
    assert [len(page) for page in pages] == sizes(len(expected), limit)
    assert [d["dossierId"] for page in pages for d in page] == [shelf.dossier_ids[i] for i in expected]
    # What the list shows is what the guest may open, and nothing else.
    for i in (1, 2, 3, 5):
        path = f"/vaults/{shelf.vault_id}/dossiers/{shelf.dossier_ids[i]}"
        status = client.call("GET", path, user=shelf.guest).status
        assert status == (200 if shelf.readable_by_guest(i) else 404), i
    # Grants are per guest: another guest sees the public dossiers only.
    other = new_user("guest2")
    add_member(shelf.vault_id, other, "guest")
    pages = read_all(client, other, f"/vaults/{shelf.vault_id}/dossiers", "dossiers", 50)
    public = dossier_order([i for i in range(COUNT) if i % 3 == 0])
    assert [d["dossierId"] for page in pages for d in page] == [shelf.dossier_ids[i] for i in public]


def test_a_new_vault_lists_no_dossier(client: Client) -> None:
    owner = new_user("owner")
    vault_id = client.vault(owner)
    assert client.ok("GET", f"/vaults/{vault_id}/dossiers", user=owner) == {"dossiers": [], "nextCursor": None}


def test_a_stranger_lists_nothing(client: Client, shelf: Shelf) -> None:
    stranger = new_user("stranger")
    client.vault(stranger)
    for vault_id in (shelf.vault_id, "e" * 32, "x"):
        answer = client.fails(404, "GET", f"/vaults/{vault_id}/dossiers", user=stranger)
        assert answer["error"] == "vault_not_found"


# ============================================================== cursors and limits


def first_cursor(client: Client, user: User, path: str) -> str:
    cursor: str = client.ok("GET", path, user=user, query="limit=2")["nextCursor"]
    assert cursor
    return cursor


def test_a_cursor_works_only_where_it_was_issued(
    client: Client, filled: Filled, directory: Directory, shelf: Shelf
) -> None:
    documents = f"/vaults/{filled.vault_id}/dossiers/{filled.dossier_id}"
    neighbour = f"/vaults/{filled.vault_id}/dossiers/{filled.other_id}"
    persons = f"/vaults/{directory.vault_id}/persons"
    dossiers = f"/vaults/{shelf.vault_id}/dossiers"
    # The same owner has a second vault with dossiers, for cursors that cross vaults.
    other_vault = client.vault(shelf.owner, "Second coffre")
    for i in range(3):
        client.dossier(shelf.owner, other_vault, f"Dossier {i}")
    other_dossiers = f"/vaults/{other_vault}/dossiers"
    journal = f"/vaults/{filled.vault_id}/dossiers/{filled.dossier_id}/journal"

    cursors = {
        documents: first_cursor(client, filled.owner, documents),
        persons: first_cursor(client, directory.owner, persons),
        dossiers: first_cursor(client, shelf.owner, dossiers),
        other_dossiers: first_cursor(client, shelf.owner, other_dossiers),
    }
    owners = {documents: filled.owner, neighbour: filled.owner, persons: directory.owner}
    owners |= {dossiers: shelf.owner, other_dossiers: shelf.owner, journal: filled.owner}
    for path, cursor in cursors.items():
        client.ok("GET", path, user=owners[path], query=urlencode({"cursor": cursor}))
        for elsewhere in owners:
            if elsewhere != path:
                query = urlencode({"cursor": cursor})
                answer = client.fails(400, "GET", elsewhere, user=owners[elsewhere], query=query)
                assert answer["error"] == "invalid_cursor", (path, elsewhere)


def test_forged_cursors_are_400(client: Client, filled: Filled, directory: Directory, shelf: Shelf) -> None:
    documents = f"/vaults/{filled.vault_id}/dossiers/{filled.dossier_id}"
    persons = f"/vaults/{directory.vault_id}/persons"
    dossiers = f"/vaults/{shelf.vault_id}/dossiers"
    vault_pk = f"VAULT#{filled.vault_id}"
    forged = [
        "not-a-cursor",
        "é",
        b64(b"\xff\xfe"),
        b64(None),
        b64({"pk": {"S": vault_pk}}),
        # A key of the right partition, outside the list read there: another dossier's document, a person.
        b64({"pk": {"S": vault_pk}, "sk": {"S": f"DOSSIER#{filled.other_id}#DOC#{'0' * 32}"}}),
        b64({"pk": {"S": vault_pk}, "sk": {"S": f"PERSON#{'0' * 32}"}}),
        b64({"gsi1pk": {"S": f"PERSONS#{directory.vault_id}"}, "gsi1sk": {"S": "a"}}),
        b64({"gsi1pk": {"S": f"DOSSIERS#{filled.vault_id}"}, "gsi1sk": {"S": "a"}, "pk": {"S": "x"}}),
    ]
    for path, user in ((documents, filled.owner), (persons, directory.owner), (dossiers, shelf.owner)):
        cursor = first_cursor(client, user, path)
        for bad in [*forged, cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB"), cursor + "!"]:
            answer = client.fails(400, "GET", path, user=user, query=urlencode({"cursor": bad}))
            assert answer["error"] == "invalid_cursor", (path, bad)


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", ""])
def test_bad_limits_are_422(client: Client, filled: Filled, limit: str) -> None:
    base = f"/vaults/{filled.vault_id}"
    for path in (f"{base}/dossiers/{filled.dossier_id}", f"{base}/persons", f"{base}/dossiers"):
        answer = client.fails(422, "GET", path, user=filled.owner, query=urlencode({"limit": limit}))
        assert answer["error"] == "validation_error", path


def test_the_longest_person_cursor_fits_the_query_string_limit(client: Client) -> None:
    """Names are in the cursor (the gsi1 sort key): the longest, in 4-byte characters, still
    gives a cursor the route accepts (at most 2048 characters)."""
    owner = new_user("owner")
    vault_id = client.vault(owner)
    wide = "𝔄" * 120  # NFKD makes it "A": a name that expands is cut, this one is 4 bytes a character
    for first in ("𓀀" * 120, "𓀁" * 120):
        client.person(owner, vault_id, first, "𓀂" * 120)
    client.person(owner, vault_id, wide, wide)
    pages = read_all(client, owner, f"/vaults/{vault_id}/persons", "persons", 1)
    assert len(names(pages)) == 3


# ============================================================== the helper's read budget


def test_a_sparse_filter_answers_in_bounded_reads_and_resumes() -> None:
    """With nothing matching for a long while, a page stops after a few reads with what it has,
    and its cursor resumes where reading stopped: nothing is skipped, nothing comes twice."""
    items = [{"pk": {"S": "P"}, "sk": {"S": f"{i:05d}"}} for i in range(5000)]
    calls: list[int] = []

    def query(start: dict[str, Any] | None, size: int) -> dict[str, Any]:
        calls.append(size)
        begin = 0 if start is None else int(start["sk"]["S"]) + 1
        chunk = items[begin : begin + size]
        more = begin + size < len(items)
        return {"Items": chunk, **({"LastEvaluatedKey": chunk[-1]} if more else {})}

    wanted = {17, 4321, 4322, 4999}
    found: list[int] = []
    cursor = None
    pages = 0
    while True:
        calls.clear()
        page, cursor = query_page(
            query,
            Partition("P"),
            limit=2,
            cursor=cursor,
            parse=lambda raw: int(raw["sk"]["S"]),
            keep=wanted.__contains__,
        )
        assert len(calls) <= 8 and max(calls) <= 1000, calls
        assert len(page) <= 2
        found += page
        pages += 1
        if cursor is None:
            break
        assert pages < 20, "cursor loops"
    assert found == sorted(wanted)
    assert pages > 1  # the first page stopped on its read budget, with 17 alone
