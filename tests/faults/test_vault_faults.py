"""The vault under AWS faults, at every call of every flow: vaults, dossiers, documents (create and
complete), persons. A create is made once whatever failed (a write whose answer was lost is
confirmed by a read, vault.models.write_new); a complete that failed leaves the document
`pending`, as the owner sees it, and completing it again works."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.faults.conftest import Place as World
from tests.faults.conftest import clean, clean_or_unavailable, new_place, uploaded
from tests.faults.injector import Fault, Injector, cases, expected
from tests.fixtures import Api, HttpResult

CREATE_VAULT = ["dynamodb.TransactWriteItems"]  # the vault and its owner's membership
CREATE_DOSSIER = ["dynamodb.GetItem", "dynamodb.PutItem"]  # the caller's membership, the dossier
CREATE_DOCUMENT = ["dynamodb.GetItem", "dynamodb.GetItem", "dynamodb.PutItem"]  # membership, dossier, document
CREATE_PERSON = ["dynamodb.GetItem", "dynamodb.PutItem"]
# Membership, dossier, document; the uploaded object; the document made available.
COMPLETE = ["dynamodb.GetItem", "dynamodb.GetItem", "dynamodb.GetItem", "s3.HeadObject", "dynamodb.UpdateItem"]


@pytest.fixture(scope="module")
def world(api: Api, faults: Injector) -> World:
    return new_place(api)


@dataclass(frozen=True)
class Create:
    """A create flow: its request, and how many of what it made the owner's lists show."""

    calls: list[str]
    send: Callable[[Api, World, str], HttpResult]
    listed: Callable[[Api, World, str], list[dict[str, Any]]]


def _vault(api: Api, world: World, name: str) -> HttpResult:
    return api.call("POST", "/vaults", {"name": name}, user=world.owner)


def _vaults(api: Api, world: World, name: str) -> list[dict[str, Any]]:
    vaults: list[dict[str, Any]] = clean(api.call("GET", "/vaults", user=world.owner)).json()["vaults"]
    return [v for v in vaults if v["name"] == name]


def _dossier(api: Api, world: World, name: str) -> HttpResult:
    return api.call("POST", f"{world.vault}/dossiers", {"name": name}, user=world.owner)


def _dossiers(api: Api, world: World, name: str) -> list[dict[str, Any]]:
    page = clean(api.call("GET", f"{world.vault}/dossiers", user=world.owner, query="limit=100")).json()
    return [d for d in page["dossiers"] if d["name"] == name]


def _document(api: Api, world: World, name: str) -> HttpResult:
    body = {"fileName": name, "contentType": "application/pdf", "size": 8}
    return api.call("POST", f"{world.dossier}/documents", body, user=world.owner)


def _documents(api: Api, world: World, name: str) -> list[dict[str, Any]]:
    page = clean(api.call("GET", world.dossier, user=world.owner, query="limit=100")).json()
    return [d for d in page["documents"] if d["fileName"] == name]


def _person(api: Api, world: World, name: str) -> HttpResult:
    return api.call("POST", f"{world.vault}/persons", {"firstName": "Alain", "lastName": name}, user=world.owner)


def _persons(api: Api, world: World, name: str) -> list[dict[str, Any]]:
    page = clean(api.call("GET", f"{world.vault}/persons", user=world.owner, query=f"q={name}")).json()
    return [p for p in page["persons"] if p["lastName"] == name]


CREATES = {
    "vault": Create(CREATE_VAULT, _vault, _vaults),
    "dossier": Create(CREATE_DOSSIER, _dossier, _dossiers),
    "document": Create(CREATE_DOCUMENT, _document, _documents),
    "person": Create(CREATE_PERSON, _person, _persons),
}
ID_FIELDS = {"vault": "vaultId", "dossier": "dossierId", "document": "documentId", "person": "personId"}


@pytest.mark.parametrize("flow", CREATES)
def test_each_create_makes_these_calls(api: Api, world: World, faults: Injector, flow: str) -> None:
    with faults.recording() as calls:
        assert CREATES[flow].send(api, world, f"n{uuid.uuid4().hex[:8]}").status == 201
    assert [str(c) for c in calls] == expected(CREATES[flow].calls)


@pytest.mark.parametrize(
    ("flow", "position", "fault"),
    [(flow, *p.values) for flow, create in CREATES.items() for p in cases(flow, create.calls)],
    ids=[p.id for flow, create in CREATES.items() for p in cases(flow, create.calls)],
)
def test_a_create_under_a_fault_is_made_once(
    api: Api, world: World, faults: Injector, flow: str, position: int, fault: Fault
) -> None:
    create, name = CREATES[flow], f"n{uuid.uuid4().hex[:8]}"
    with faults.failing(fault, at=position) as plan:
        first = clean_or_unavailable(create.send(api, world, name))
    assert [str(c) for c in plan.calls[:position]] == expected(create.calls)[:position]
    assert first.status in (201, 503), first.body
    answer = first.json() if first.status == 201 else clean(create.send(api, world, name)).json()
    listed = create.listed(api, world, name)
    assert [item[ID_FIELDS[flow]] for item in listed] == [answer[ID_FIELDS[flow]]], "made once, and shown"


def test_complete_makes_these_calls(api: Api, world: World, faults: Injector) -> None:
    document_id = uploaded(api, world)
    with faults.recording() as calls:
        assert api.call("POST", f"{world.dossier}/documents/{document_id}/complete", user=world.owner).status == 200
    assert [str(c) for c in calls] == expected(COMPLETE)


@pytest.mark.parametrize(("position", "fault"), cases("complete", COMPLETE))
def test_a_complete_under_a_fault(api: Api, world: World, faults: Injector, position: int, fault: Fault) -> None:
    document_id = uploaded(api, world)
    path = f"{world.dossier}/documents/{document_id}/complete"
    with faults.failing(fault, at=position):
        first = clean_or_unavailable(api.call("POST", path, user=world.owner))
    assert first.status in (200, 503), first.body
    [shown] = [d for d in clean(api.call("GET", world.dossier, user=world.owner, query="limit=100")).json()["documents"]
               if d["documentId"] == document_id]  # fmt: skip
    done = position == len(COMPLETE) and (fault.after or fault.retried)
    assert shown["status"] == ("available" if first.status == 200 or done else "pending"), "the owner sees where it is"
    again = clean(api.call("POST", path, user=world.owner))
    assert (again.status, again.json()["status"], again.json()["size"]) == (200, "available", 8)
