"""Guest rights, route by route, with a guest admitted as the invitation will admit them
(vault.guests.admit_guest): a home page, a membership, grants.

A guest reads the public dossiers, the invited ones and their home page, uploads into their home
page only, and does nothing else: 404 for what they cannot see, 403 for what they see but may not
do (and for what guests may never do at all: links, persons, creating dossiers).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from pynamodb.exceptions import PutError
from vault_share import ids
from vault_share.errors import Conflict, NotFound, Unprocessable
from vault_share.vault import models as m
from vault_share.vault.guests import MAX_DOSSIERS, Guest, admit_guest, home_dossier_id

from tests.fixtures import Api, User, add_member, new_user
from tests.handlers import test_vault_api
from tests.handlers.test_links import counts
from tests.handlers.test_vault_api import Client, s3_objects, upload

VAULT_NAME = "Garage des Lilas"
WELCOME = "Bonjour Alain, déposez ici votre permis et votre justificatif de domicile."

client = test_vault_api.client  # the fixture: api.call plus the rules every answer follows


@dataclass
class World:
    owner: User
    vault_id: str
    public: str
    granted: str
    private: str
    documents: dict[str, str]  # dossier id -> one available document in it
    person_id: str
    link_id: str
    guest: User
    home: str
    other_guest: User
    other_home: str

    @property
    def base(self) -> str:
        return f"/vaults/{self.vault_id}"


# The person each test account is, one per account (admit_guest links the person to the account).
_PERSONS: dict[str, str] = {}


def person_of(user: User) -> str:
    return _PERSONS.setdefault(user.user_id, ids.new_id())


def guest_of(vault_id: str, user: User, first: str = "Alain", last: str = "Dupont") -> Guest:
    """The account as a person of the vault, the person written on first use."""
    person_id = person_of(user)
    person = m.PersonItem(
        m.vault_pk(vault_id),
        m.person_sk(person_id),
        person_id=person_id,
        first_name=first,
        last_name=last,
        search_key=f"{first} {last}".lower(),
        created_at="2026-12-01T00:00:00Z",
        gsi1pk=m.persons_gsi1pk(vault_id),
        gsi1sk=m.name_order(last, first, person_id),
    )
    with contextlib.suppress(PutError):  # written already
        person.save(condition=m.PersonItem.pk.does_not_exist())
    return Guest(user.user_id, user.email, first, last, person_id)


def unwritten_guest(user: User) -> Guest:
    """The account as a person the vault does not hold (for refusals decided before the person's part)."""
    return Guest(user.user_id, user.email, "Alain", "Dupont", person_of(user))


def document(client: Client, user: User, vault_id: str, dossier_id: str, content: bytes = b"%PDF-1.4") -> str:
    path = f"/vaults/{vault_id}/dossiers/{dossier_id}/documents"
    body = {"fileName": "permis.pdf", "contentType": "application/pdf", "size": len(content)}
    answer = client.ok("POST", path, body, user=user, expect=201)
    upload(answer, content)
    done = client.ok("POST", f"{path}/{answer['documentId']}/complete", user=user)
    assert done["status"] == "available"
    document_id: str = answer["documentId"]
    return document_id


@pytest.fixture(scope="module")
def world(client: Client) -> World:
    owner = new_user("owner")
    vault_id = client.vault(owner, VAULT_NAME)
    public = client.dossier(owner, vault_id, "Tarifs", public=True)
    granted = client.dossier(owner, vault_id, "Clio AB-123-CD", kind="siv")
    private = client.dossier(owner, vault_id, "Comptabilité", kind="internal")
    documents = {d: document(client, owner, vault_id, d) for d in (public, granted, private)}
    person = client.person(owner, vault_id, "Alain", "Dupont")
    links = f"/vaults/{vault_id}/dossiers/{granted}/links"
    link = client.ok("POST", links, {"documentIds": [documents[granted]]}, user=owner, expect=201)
    guest, other_guest = new_user("guest"), new_user("guest2")
    home = admit_guest(vault_id, VAULT_NAME, guest_of(vault_id, guest), [granted], WELCOME, owner.user_id)
    other_home = admit_guest(
        vault_id, VAULT_NAME, guest_of(vault_id, other_guest, "Jeanne", "Moreau"), [], None, owner.user_id
    )
    documents[home] = document(client, guest, vault_id, home)
    documents[other_home] = document(client, other_guest, vault_id, other_home)
    return World(
        owner,
        vault_id,
        public,
        granted,
        private,
        documents,
        person["personId"],
        link["linkId"],
        guest,
        home,
        other_guest,
        other_home,
    )


def shares_and_vault() -> tuple[Any, ...]:
    return (*counts(), s3_objects())


@pytest.fixture
def writes_nothing() -> Iterator[None]:
    before = shares_and_vault()
    yield
    assert shares_and_vault() == before, "a refused request wrote or sent something"


# ---------------------------------------------------------------- every route, as the guest


def guest_routes(w: World) -> list[tuple[str, str, Any, int]]:
    """(method, path, body, status) for every vault-scoped route; `home`, `other` name the guest's
    own home page and another guest's."""
    pdf = {"fileName": "a.pdf", "contentType": "application/pdf", "size": 3}
    unknown = "0" * 32
    dossiers = {
        "public": (w.public, 200, 403, 403),
        "granted": (w.granted, 200, 403, 403),
        "home": (w.home, 200, 201, 403),
        "private": (w.private, 404, 404, 404),
        "other": (w.other_home, 404, 404, 404),
        "unknown": (unknown, 404, 404, 404),
    }
    routes: list[tuple[str, str, Any, int]] = [
        ("GET", f"{w.base}/home", None, 200),
        ("GET", f"{w.base}/dossiers", None, 200),
        ("POST", f"{w.base}/dossiers", {"name": "Intrus"}, 403),
        ("POST", f"{w.base}/persons", {"firstName": "Eve", "lastName": "Intruse"}, 403),
        ("GET", f"{w.base}/persons", None, 403),
        ("GET", f"{w.base}/persons/{w.person_id}/journal", None, 403),
        ("DELETE", f"{w.base}/links/{w.link_id}", None, 403),
        # Invitations and direct access are an editor's business too.
        ("POST", f"{w.base}/persons/{w.person_id}/invitations", {}, 403),
        ("GET", f"{w.base}/invitations/{unknown}", None, 403),
        ("POST", f"{w.base}/invitations/{unknown}/relaunch", None, 403),
        ("DELETE", f"{w.base}/invitations/{unknown}", None, 403),
        ("GET", f"{w.base}/persons/{w.person_id}", None, 403),
        ("PATCH", f"{w.base}/persons/{w.person_id}", {"email": "eve@example.fr"}, 403),
        ("POST", f"{w.base}/persons/{w.person_id}/access", {"personalCode": "ABCD-1234-EFGH"}, 403),
    ]
    for dossier_id, read, write, journal in dossiers.values():
        path = f"{w.base}/dossiers/{dossier_id}"
        doc = w.documents.get(dossier_id, unknown)
        routes += [
            ("GET", path, None, read),
            ("POST", f"{path}/documents", pdf, write),
            # Completing an existing document is idempotent: 200 in the home page.
            ("POST", f"{path}/documents/{doc}/complete", None, 200 if write == 201 else write),
            ("GET", f"{path}/journal", None, journal),
            # Links are an editor's business: 403 on any dossier (test_links asserts it as well).
            ("POST", f"{path}/links", {"documentIds": [doc]}, 403),
            ("GET", f"{path}/links", None, 403),
        ]
    return routes


def test_a_guest_route_by_route(client: Client, world: World) -> None:
    for method, path, body, status in guest_routes(world):
        before = shares_and_vault()
        result = client.call(method, path, body, user=world.guest)
        assert result.status == status, (method, path, result.status, result.body)
        if status >= 400:
            assert result.json()["error"] == ("forbidden" if status == 403 else "dossier_not_found"), (
                path,
                result.body,
            )
            assert shares_and_vault() == before, (method, path, "a refused request wrote something")


def test_the_route_table_covers_every_vault_route_of_the_template(api: Api, world: World) -> None:
    """A new route must say what a guest gets there."""
    covered = {(method, api.route(method, path)[0].path) for method, path, _, _ in guest_routes(world)}
    vault_scoped = {
        (route.method.upper(), route.path)
        for spec in api.specs.values()
        for route in spec.routes
        if route.path.startswith("/vaults/{vaultId}") and route.authorized
    }
    assert vault_scoped - covered == set()


def test_what_a_guest_sees_of_the_vault(client: Client, world: World) -> None:
    listed = client.ok("GET", f"{world.base}/dossiers", user=world.guest)["dossiers"]
    assert sorted(d["dossierId"] for d in listed) == sorted([world.public, world.granted, world.home])
    home = next(d for d in listed if d["dossierId"] == world.home)
    assert home == {"dossierId": world.home, "name": "Accueil – Alain DUPONT", "kind": "home", "public": False}
    vaults = client.ok("GET", "/vaults", user=world.guest)["vaults"]
    assert vaults == [{"vaultId": world.vault_id, "name": VAULT_NAME, "role": "guest"}]


def test_the_guest_uploads_into_their_home_page_and_the_owner_sees_it(client: Client, world: World) -> None:
    document_id = document(client, world.guest, world.vault_id, world.home, b"%PDF-1.4 permis")
    for user in (world.guest, world.owner):
        page = client.ok("GET", f"{world.base}/dossiers/{world.home}", user=user)
        assert document_id in [d["documentId"] for d in page["documents"]]
    # The other guest sees neither that home page nor what is in it.
    client.fails(404, "GET", f"{world.base}/dossiers/{world.home}", user=world.other_guest)


# ---------------------------------------------------------------- GET /vaults/{vaultId}/home


def test_home_for_a_guest(client: Client, world: World) -> None:
    page = client.ok("GET", f"{world.base}/home", user=world.guest)
    assert page["welcome"] == WELCOME
    assert page["homeDossierId"] == world.home
    assert {d["dossierId"] for d in page["dossiers"]} == {world.public, world.granted, world.home}
    assert all(set(d) == {"dossierId", "name", "kind", "public"} for d in page["dossiers"])
    assert page["nextCursor"] is None
    other = client.ok("GET", f"{world.base}/home", user=world.other_guest)
    assert (other["welcome"], other["homeDossierId"]) == (None, world.other_home)
    assert {d["dossierId"] for d in other["dossiers"]} == {world.public, world.other_home}


def test_home_for_owners_and_members(client: Client, world: World) -> None:
    member = new_user("member")
    add_member(world.vault_id, member, "member", VAULT_NAME)
    everything = {world.public, world.granted, world.private, world.home, world.other_home}
    for user in (world.owner, member):
        page = client.ok("GET", f"{world.base}/home", user=user)
        assert (page["welcome"], page["homeDossierId"]) == (None, None)
        assert {d["dossierId"] for d in page["dossiers"]} >= everything


def test_home_pages_through_the_dossiers(client: Client, world: World) -> None:
    first = client.ok("GET", f"{world.base}/home", user=world.guest, query="limit=2")
    assert len(first["dossiers"]) == 2 and first["nextCursor"]
    rest = client.ok("GET", f"{world.base}/home", user=world.guest, query=f"limit=2&cursor={first['nextCursor']}")
    assert rest["homeDossierId"] == world.home
    ids_seen = [d["dossierId"] for d in first["dossiers"] + rest["dossiers"]]
    assert sorted(ids_seen) == sorted([world.public, world.granted, world.home])


def test_home_is_404_to_a_stranger(client: Client, world: World, writes_nothing: None) -> None:
    answer = client.fails(404, "GET", f"{world.base}/home", user=new_user("stranger"))
    assert answer["error"] == "vault_not_found"
    client.fails(404, "GET", f"/vaults/{'e' * 32}/home", user=world.guest)


# ---------------------------------------------------------------- admit_guest


def raw_items(vault_id: str, sort_keys: list[str]) -> list[dict[str, Any] | None]:
    ddb = boto3.client("dynamodb")
    table = os.environ["VAULT_TABLE"]
    return [
        ddb.get_item(
            TableName=table, Key={"pk": {"S": m.vault_pk(vault_id)}, "sk": {"S": sk}}, ConsistentRead=True
        ).get("Item")
        for sk in sort_keys
    ]


def test_admission_writes_home_member_and_grants(client: Client, world: World) -> None:
    home = m.DossierItem.get(m.vault_pk(world.vault_id), m.dossier_sk(world.home))
    assert (home.kind, home.home_of, home.welcome, home.public) == ("home", world.guest.user_id, WELCOME, False)
    assert (home.name, home.created_by) == ("Accueil – Alain DUPONT", world.owner.user_id)
    member = m.MemberItem.get(m.vault_pk(world.vault_id), m.member_sk(world.guest.user_id))
    assert (member.role, member.vault_name, member.email, member.home_dossier_id) == (
        "guest",
        VAULT_NAME,
        world.guest.email,
        world.home,
    )
    assert world.home == home_dossier_id(world.vault_id, person_of(world.guest))
    grants = m.GrantItem.query(m.vault_pk(world.vault_id), m.GrantItem.sk.startswith(f"GRANT#{world.guest.user_id}#"))
    assert [g.dossier_id for g in grants] == [world.granted]
    person = m.PersonItem.get(m.vault_pk(world.vault_id), m.person_sk(person_of(world.guest)))
    assert person.user_id == world.guest.user_id, "the person is linked to the account"


def test_admitting_a_person_who_is_gone_writes_nothing(client: Client, world: World) -> None:
    user, before = new_user("gone"), counts()
    guest = Guest(user.user_id, user.email, "Paul", "Martin", ids.new_id())
    with pytest.raises(NotFound) as refused:
        admit_guest(world.vault_id, VAULT_NAME, guest, [world.granted], WELCOME, "o")
    assert refused.value.code == "person_not_found"
    assert counts() == before


def test_a_retry_after_success_changes_nothing_and_answers_the_same_home(client: Client, world: World) -> None:
    keys = [
        m.dossier_sk(world.home),
        m.member_sk(world.guest.user_id),
        m.grant_sk(world.guest.user_id, world.granted),
    ]
    before, table_before = raw_items(world.vault_id, keys), counts()
    again = admit_guest(
        world.vault_id, VAULT_NAME, guest_of(world.vault_id, world.guest), [world.granted], WELCOME, world.owner.user_id
    )
    assert again == world.home
    assert raw_items(world.vault_id, keys) == before
    assert counts() == table_before


def test_a_later_admission_adds_grants_and_keeps_the_home_page(client: Client, world: World) -> None:
    user = new_user("later")
    first = admit_guest(
        world.vault_id, VAULT_NAME, guest_of(world.vault_id, user, "Paul", "Martin"), [], "Premier mot", "o"
    )
    second = admit_guest(
        world.vault_id,
        VAULT_NAME,
        guest_of(world.vault_id, user, "Paul", "Martin"),
        [world.granted, world.granted],
        "Autre mot",
        "o",
    )
    assert second == first
    page = client.ok("GET", f"{world.base}/home", user=user)
    assert page["welcome"] == "Premier mot"
    assert {d["dossierId"] for d in page["dossiers"]} == {world.public, world.granted, first}


@pytest.mark.parametrize(
    "invited",
    ["another vault's dossier", "another guest's home page", "an unknown dossier", "a malformed id"],
)
def test_admission_refuses_what_is_not_this_vaults_to_share(client: Client, world: World, invited: str) -> None:
    elsewhere_vault = client.vault(world.owner, "Autre coffre")
    elsewhere = client.dossier(world.owner, elsewhere_vault, "Ailleurs")
    dossier_id = {
        "another vault's dossier": elsewhere,
        "another guest's home page": world.other_home,
        "an unknown dossier": ids.new_id(),
        "a malformed id": "DOSSIER#x",
    }[invited]
    user = new_user("refused")
    guest = guest_of(world.vault_id, user)
    before = shares_and_vault()
    with pytest.raises(NotFound) as refused:
        admit_guest(world.vault_id, VAULT_NAME, guest, [world.granted, dossier_id], WELCOME, "o")
    assert refused.value.code == "dossier_not_found"
    assert shares_and_vault() == before  # no home page, no member, no grant
    assert raw_items(world.vault_id, [m.member_sk(user.user_id)]) == [None]
    client.fails(404, "GET", f"{world.base}/home", user=user)


def test_admission_never_lowers_an_owner_or_a_member(client: Client, world: World) -> None:
    member = new_user("member")
    add_member(world.vault_id, member, "member", VAULT_NAME)
    guests = [guest_of(world.vault_id, user) for user in (world.owner, member)]
    before = shares_and_vault()
    for guest in guests:
        with pytest.raises(Conflict) as refused:
            admit_guest(world.vault_id, VAULT_NAME, guest, [world.granted], WELCOME, world.owner.user_id)
        assert refused.value.code == "already_member"
    assert shares_and_vault() == before
    assert client.ok("GET", f"{world.base}/home", user=member)["homeDossierId"] is None
    roles = {v["vaultId"]: v["role"] for v in client.ok("GET", "/vaults", user=world.owner)["vaults"]}
    assert roles[world.vault_id] == "owner"


def test_admission_takes_at_most_what_one_transaction_holds(world: World, writes_nothing: None) -> None:
    too_many = [ids.new_id() for _ in range(MAX_DOSSIERS + 1)]
    with pytest.raises(Unprocessable) as refused:
        admit_guest(world.vault_id, VAULT_NAME, unwritten_guest(new_user("many")), too_many, None, "o")
    assert refused.value.code == "too_many_dossiers"


def test_the_guests_own_home_among_the_invited_dossiers_is_ignored(world: World) -> None:
    again = admit_guest(
        world.vault_id,
        VAULT_NAME,
        guest_of(world.vault_id, world.guest),
        [world.home, world.granted],
        WELCOME,
        world.owner.user_id,
    )
    assert again == world.home


def squat(vault_id: str, home_id: str, made_by: str) -> m.DossierItem:
    """An ordinary dossier saved under a home page's id (ids are derived: only a test does this)."""
    squatter = m.DossierItem(
        m.vault_pk(vault_id),
        m.dossier_sk(home_id),
        dossier_id=home_id,
        name="Déjà là",
        kind="other",
        created_by=made_by,
        created_at="2026-01-01T00:00:00.000Z",
        gsi1pk=m.dossiers_gsi1pk(vault_id),
        gsi1sk=m.name_order("Déjà là", home_id),
    )
    squatter.save()
    return squatter


def test_admission_never_overwrites_another_item_under_the_home_id(world: World, writes_nothing: None) -> None:
    """The home id is derived, not drawn: should anything else hold it, the admission is refused."""
    user = new_user("squatted")
    home_id = home_dossier_id(world.vault_id, person_of(user))
    squatter = squat(world.vault_id, home_id, world.owner.user_id)
    try:
        before = raw_items(world.vault_id, [m.dossier_sk(home_id), m.member_sk(user.user_id)])
        with pytest.raises(Conflict) as refused:
            admit_guest(world.vault_id, VAULT_NAME, unwritten_guest(user), [world.granted], WELCOME, "o")
        assert refused.value.code == "home_conflict"
        assert raw_items(world.vault_id, [m.dossier_sk(home_id), m.member_sk(user.user_id)]) == before
    finally:
        squatter.delete()


def test_an_admission_is_one_request(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The acceptance's budget (accept.aws_requests <= 5) counts it as one: no read before the write."""
    made: list[str] = []
    original = BaseClient._make_api_call

    def spy(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        made.append(operation)
        return original(client, operation, params)

    guest = guest_of(world.vault_id, new_user("counted"))
    monkeypatch.setattr(BaseClient, "_make_api_call", spy)
    admit_guest(world.vault_id, VAULT_NAME, guest, [world.granted, world.public], WELCOME, "o")
    assert made == ["TransactWriteItems"]
