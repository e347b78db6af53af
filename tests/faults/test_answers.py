"""What a person or a program is answered when AWS fails a request: one mapping, in the resolver.

Throttling, timeouts and AWS's 5xx, after botocore's own retries, are AWS's failure, not the
request's: 503 `unavailable` in French with Retry-After, a page for browsers, never a trace. A
refusal that is not transient (a missing permission, an invalid request) stays our bug: 500.
Each service a flow surfaces is failed with each kind of failure it can give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.faults.conftest import Place, headers_of, new_place, unavailable, uploaded
from tests.faults.injector import (
    CONNECT_TIMEOUT,
    INTERNAL,
    READ_TIMEOUT,
    REFUSALS,
    THROTTLED,
    UNAVAILABLE,
    Fault,
    Injector,
    cold_pepper,
    persistent,
    service,
)
from tests.fixtures import Api, HttpResult, User, new_document, new_user

ANY_SERVICE = (THROTTLED, INTERNAL, UNAVAILABLE, CONNECT_TIMEOUT, READ_TIMEOUT)
# Creating a vault is a transaction: every refusal applies. (Its write timing out is confirmed by
# a read: vault.models.write_new; a read timing out is failed instead.)
DYNAMODB = (*REFUSALS, CONNECT_TIMEOUT)


@dataclass
class World:
    place: Place
    document_id: str

    @property
    def owner(self) -> User:
        return self.place.owner

    @property
    def dossier(self) -> str:
        return self.place.dossier


@pytest.fixture(scope="module")
def world(api: Api, faults: Injector) -> World:
    place = new_place(api)
    return World(place, new_document(api, place.owner, place.vault_id, place.dossier_id, "a.pdf", b"%PDF-1.4"))


def new_link(api: Api, world: World) -> dict[str, Any]:
    result = api.call("POST", f"{world.dossier}/links", {"documentIds": [world.document_id]}, user=world.owner)
    assert result.status == 201, result.body
    answer: dict[str, Any] = result.json()
    return answer


def share_path(link: dict[str, Any]) -> str:
    return "/share/" + link["url"].rsplit("/", 1)[1]


@pytest.mark.parametrize("fault", DYNAMODB, ids=lambda f: f.name)
def test_dynamodb_failing_a_vault_creation(api: Api, world: World, faults: Injector, fault: Fault) -> None:
    origin = {"Origin": "https://app.vault-share.test"}  # the front end reads the 503 too
    with faults.failing(fault, when=service("dynamodb")):
        result = api.call("POST", "/vaults", {"name": "Atelier"}, user=new_user("owner"), headers=origin)
    unavailable(result)
    assert headers_of(result)["cache-control"] == "no-store"
    assert headers_of(result)["access-control-allow-origin"] == origin["Origin"]


def test_dynamodb_timing_out_a_read(api: Api, world: World, faults: Injector) -> None:
    with faults.failing(READ_TIMEOUT, when=service("dynamodb")):
        unavailable(api.call("GET", "/vaults", user=world.owner))


@pytest.mark.parametrize("fault", ANY_SERVICE, ids=lambda f: f.name)
def test_s3_failing_a_complete_leaves_the_document_pending(
    api: Api, world: World, faults: Injector, fault: Fault
) -> None:
    document_id = uploaded(api, world.place)
    with faults.failing(fault, when=service("s3")):
        unavailable(api.call("POST", f"{world.dossier}/documents/{document_id}/complete", user=world.owner))
    documents = api.call("GET", world.dossier, user=world.owner).json()["documents"]
    assert [d["status"] for d in documents if d["documentId"] == document_id] == ["pending"]


@pytest.mark.parametrize("fault", ANY_SERVICE, ids=lambda f: f.name)
def test_kms_failing_a_keyed_link_creation(api: Api, world: World, faults: Injector, fault: Fault) -> None:
    body, key = {"documentIds": [world.document_id]}, {"Idempotency-Key": fault.name}
    with faults.failing(fault, when=service("kms")):
        unavailable(api.call("POST", f"{world.dossier}/links", body, user=world.owner, headers=key))


@pytest.mark.parametrize("fault", ANY_SERVICE, ids=lambda f: f.name)
def test_secrets_manager_failing_an_unlock(api: Api, world: World, faults: Injector, fault: Fault) -> None:
    link = new_link(api, world)
    cold_pepper()  # the pepper is read again, from Secrets Manager
    with faults.failing(fault, when=service("secrets-manager")):
        result = api.call("POST", share_path(link), {"code": link["code"]})
    unavailable(result)
    assert headers_of(result)["referrer-policy"] == "no-referrer", "a public route's security headers stay"


def test_a_browser_gets_a_french_page(api: Api, world: World, faults: Injector) -> None:
    link = new_link(api, world)
    cold_pepper()
    form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
    with faults.failing(THROTTLED, when=service("secrets-manager")):
        result = api.call("POST", share_path(link), raw_body=f"code={link['code']}".encode(), headers=form)
    unavailable(result)
    assert headers_of(result)["content-type"].startswith("text/html")
    assert headers_of(result)["content-security-policy"].startswith("default-src 'none'")


@pytest.mark.parametrize("code", ["AccessDeniedException", "ValidationException"])
def test_a_refusal_that_lasts_is_our_bug_not_a_503(api: Api, world: World, faults: Injector, code: str) -> None:
    with faults.failing(persistent(code), when=service("dynamodb")):
        result: HttpResult = api.call("POST", "/vaults", {"name": "Atelier"}, user=new_user("owner"))
    internal = {"error": "internal_error", "message": "Une erreur interne est survenue."}
    assert (result.status, result.json()) == (500, internal), result.body
    assert "retry-after" not in headers_of(result)
