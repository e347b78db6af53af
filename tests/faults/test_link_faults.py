"""One-time links under AWS faults, at every call of every flow, then the same request again.

Create (with its e-mail and an Idempotency-Key), unlock, file download, revoke: each AWS call
of the flow fails in turn (tests.faults.injector.cases), the request is sent again with nothing
failing, and then: what was accepted is all there, what the owner's list shows is what happened,
and the retry neither duplicated nor lost anything.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from vault_share import clock
from vault_share.vault import models as m

from tests.faults.conftest import (
    clean,
    clean_or_unavailable,
    emails_to,
    expect_calls,
    headers_of,
    keyed_create_under_a_fault,
    unavailable,
)
from tests.faults.injector import (
    READ_TIMEOUT,
    Fault,
    Injector,
    cases,
    cold_pepper,
    expected,
    service,
)
from tests.fixtures import Api, HttpResult, User, new_user, new_vault
from tests.handlers.test_links import link_item

# The calls of each flow, in order; `!`: refused by design (a condition that does not hold).
CREATE = [
    "dynamodb.PutItem",  # Powertools: the Idempotency-Key's record, in progress
    "dynamodb.BatchGetItem",  # the caller's membership, the dossier, the documents
    "secrets-manager.GetSecretValue",  # the pepper (cold container)
    "kms.Encrypt",  # the answer sealed for a retry, before anything is done
    "dynamodb.TransactWriteItems",  # the link, and its e-mail counted against the quotas (vault, owner)
    "ses.SendRawEmail",  # its e-mail
    "dynamodb.UpdateItem",  # how the e-mail went, for the owner's list
    "kms.Encrypt",  # the answer with the e-mail's status, sealed for a retry
    "dynamodb.UpdateItem",  # Powertools: the record, completed
]
UNLOCK = ["secrets-manager.GetSecretValue", "dynamodb.UpdateItem"]
FETCH = ["dynamodb.UpdateItem"]
REVOKE_ACTIVE = ["dynamodb.GetItem", "dynamodb.Query", "dynamodb.UpdateItem"]
REVOKE_USED = ["dynamodb.GetItem", "dynamodb.Query", "dynamodb.UpdateItem!", "dynamodb.UpdateItem"]


@dataclass
class World:
    owner: User
    vault_id: str


@pytest.fixture(scope="module")
def world(api: Api, faults: Injector) -> World:
    owner = new_user("owner")
    return World(owner, new_vault(api, owner, "Garage des Lilas"))


@pytest.fixture(scope="module")
def pepper(world: World) -> bytes:
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["PEPPER_SECRET_ARN"])
    return str(secret["SecretString"]).encode()


@dataclass
class Dossier:
    path: str
    document_id: str

    @property
    def links(self) -> str:
        return f"{self.path}/links"


def dossier(api: Api, world: World) -> Dossier:
    """A dossier of its own per case (its list holds that case's links only), with one available
    document: seed data, written to the table as the vault API would have left them."""
    dossier_id, document_id, now = uuid.uuid4().hex, uuid.uuid4().hex, clock.iso(clock.now())
    m.DossierItem(
        m.vault_pk(world.vault_id),
        m.dossier_sk(dossier_id),
        dossier_id=dossier_id,
        name=f"Dossier {dossier_id[:6]}",
        kind="other",
        created_by=world.owner.user_id,
        created_at=now,
        gsi1pk=m.dossiers_gsi1pk(world.vault_id),
        gsi1sk=m.name_order(f"Dossier {dossier_id[:6]}", dossier_id),
    ).save()
    m.DocumentItem(
        m.vault_pk(world.vault_id),
        m.document_sk(dossier_id, document_id),
        document_id=document_id,
        dossier_id=dossier_id,
        file_name="carte grise.pdf",
        content_type="application/pdf",
        size=8,
        status="available",
        s3_key=f"vaults/{world.vault_id}/dossiers/{dossier_id}/{document_id}",
        created_at=now,
    ).save()
    return Dossier(f"/vaults/{world.vault_id}/dossiers/{dossier_id}", document_id)


def token_of(answer: dict[str, Any]) -> str:
    return str(answer["url"]).rsplit("/", 1)[1]


# ============================================================== create, with its e-mail and a key


def test_create_makes_these_calls(api: Api, world: World, faults: Injector) -> None:
    place = dossier(api, world)
    cold_pepper()
    body = {"documentIds": [place.document_id], "recipientEmail": "calls@example.fr"}
    with faults.recording() as calls:
        result = api.call("POST", place.links, body, user=world.owner, headers={"Idempotency-Key": "calls"})
    assert result.status == 201, result.body
    assert [str(c) for c in calls] == expected(CREATE)


def create_with(api: Api, world: World, place: Dossier, body: dict[str, Any], key: str) -> HttpResult:
    return api.call("POST", place.links, body, user=world.owner, headers={"Idempotency-Key": key})


@pytest.mark.parametrize(("position", "fault"), cases("create", CREATE))
def test_create_link_under_a_fault(
    api: Api, world: World, faults: Injector, pepper: bytes, position: int, fault: Fault
) -> None:
    place = dossier(api, world)
    recipient = f"r-{uuid.uuid4().hex[:10]}@example.fr"
    body, key = {"documentIds": [place.document_id], "recipientEmail": recipient}, f"k-{uuid.uuid4()}"
    cold_pepper()
    done = keyed_create_under_a_fault(
        api, "CreateLinkFunction", faults, fault, position, CREATE, lambda: create_with(api, world, place, body, key)
    )
    first, retried, unrecorded = done.first, done.retried, done.unrecorded
    answer = retried.json()
    if first.status == 201:
        kept = first.json()
        if position == len(CREATE) - 1 and not fault.retried:
            # The final seal failed: a retry gets the answer sealed before the e-mail, which says so.
            kept["email"] = {"status": "pending"}
        assert answer == kept, "a retry with the same key gets the first answer"
        answer = first.json()
    if not unrecorded:
        again = clean(create_with(api, world, place, body, key)).json()
        assert again == retried.json(), "and so does every later one"

    # The answer's link is there, active, and its code is the one the answer gives.
    item = link_item(token_of(answer))
    assert item is not None and item["linkId"]["S"] == answer["linkId"]
    hashed = hashlib.sha256(token_of(answer).encode()).hexdigest()
    assert item["codeMac"]["S"] == hmac.new(pepper, f"{hashed}:{answer['code']}".encode(), hashlib.sha256).hexdigest()

    # The owner sees that link, once, and how its e-mail went; nothing else was made or sent.
    listed = clean(api.call("GET", place.links, user=world.owner)).json()["links"]
    assert [x["linkId"] for x in listed] == [answer["linkId"]], "one link, whatever failed"
    [link] = listed
    assert link["status"] == "active"
    status, sent = answer["email"]["status"], emails_to(recipient)
    at_ses = CREATE[position - 1] == "ses.SendRawEmail"
    if at_ses and not fault.retried:  # refused: none sent; timed out: maybe sent, not known
        assert (status, sent) == ("failed", 1 if fault.after else 0)
    elif at_ses:  # botocore sent it again after its first answer timed out: SES has no idempotency key
        assert (status, sent) == ("sent", 2)
    else:
        assert (status, sent) == ("sent", 1), "one e-mail, said to be sent"
    done = fault.after or fault.retried
    recorded = "pending" if position == CREATE.index("dynamodb.UpdateItem") + 1 and not done else status
    assert link["email"]["status"] == recorded, "the list says how the e-mail went, or that it is not known"


# ============================================================== unlock and download


def new_link(api: Api, world: World, place: Dossier) -> dict[str, Any]:
    result = api.call("POST", place.links, {"documentIds": [place.document_id]}, user=world.owner)
    assert result.status == 201, result.body
    answer: dict[str, Any] = result.json()
    return answer


@pytest.fixture(scope="module")
def shared_dossier(api: Api, world: World) -> Dossier:
    return dossier(api, world)


def test_unlock_makes_these_calls(api: Api, world: World, shared_dossier: Dossier, faults: Injector) -> None:
    link = new_link(api, world, shared_dossier)
    cold_pepper()
    with faults.recording() as calls:
        assert api.call("POST", f"/share/{token_of(link)}", {"code": link["code"]}).status == 200
    assert [str(c) for c in calls] == expected(UNLOCK)


@pytest.mark.parametrize(("position", "fault"), cases("unlock", UNLOCK))
def test_unlock_under_a_fault(
    api: Api, world: World, shared_dossier: Dossier, faults: Injector, position: int, fault: Fault
) -> None:
    """An API client sends its own grant: sent again, the right code gets the same answer back."""
    link = new_link(api, world, shared_dossier)
    share = f"/share/{token_of(link)}"
    body = {"code": link["code"], "grant": f"g{uuid.uuid4().hex}{uuid.uuid4().hex}"}
    cold_pepper()
    with faults.failing(fault, at=position) as plan:
        first = clean_or_unavailable(api.call("POST", share, body))
    expect_calls(plan, UNLOCK, position)
    assert first.status in (200, 503), first.body
    retried = clean(api.call("POST", share, body))
    assert retried.status == 200, f"the right recipient is locked out: {retried.body}"
    if first.status == 200:
        assert retried.json() == first.json()
    documents = retried.json()["documents"]
    assert all(f"grant={body['grant']}" in d["downloadUrl"] for d in documents)
    assert fetch(api, documents[0]["downloadUrl"]).status == 302
    item = link_item(token_of(link))
    assert item is not None
    assert (item["status"]["S"], item["failedAttempts"]["N"]) == ("used", "0"), "used once, no code counted"

    # Someone else with the code but not the grant gets nothing.
    other = {"code": link["code"], "grant": f"x{uuid.uuid4().hex}{uuid.uuid4().hex}"}
    assert clean(api.call("POST", share, other)).status == 410
    assert clean(api.call("POST", share, {"code": link["code"]})).status == 410


def fetch(api: Api, url: str) -> HttpResult:
    parts = urlsplit(url)
    return api.call("GET", parts.path.removeprefix("/v1"), query=parts.query)


def test_a_browser_retrying_an_unlock_gets_its_page_back(
    api: Api, world: World, shared_dossier: Dossier, faults: Injector
) -> None:
    """The page's cookie carries the grant before the form is sent: sending it again works."""
    link = new_link(api, world, shared_dossier)
    share = f"/share/{token_of(link)}"
    page = clean(api.call("GET", share, headers={"Accept": "text/html"}))
    [cookie] = [v for k, v in page.headers.items() if k.lower() == "set-cookie"]
    jar = cookie.split(";")[0]
    form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html", "Cookie": jar}
    with faults.failing(READ_TIMEOUT, when=service("dynamodb")):  # the unlock written, its answer lost
        unavailable(api.call("POST", share, raw_body=f"code={link['code']}".encode(), headers=form))
    again = clean(api.call("POST", share, raw_body=f"code={link['code']}".encode(), headers=form))
    assert again.status == 200 and "Vos documents" in again.body, again.body[:300]
    assert clean(api.call("GET", share, headers={"Accept": "text/html", "Cookie": jar})).status == 410
    href = again.body.split('class="button" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert api.call("GET", urlsplit(href).path.removeprefix("/v1"), headers={"Cookie": jar}).status == 302
    assert headers_of(page)["cache-control"] == "no-store"


@pytest.mark.parametrize(("position", "fault"), cases("fetch", FETCH))
def test_fetch_under_a_fault(
    api: Api, world: World, shared_dossier: Dossier, faults: Injector, position: int, fault: Fault
) -> None:
    link = new_link(api, world, shared_dossier)
    unlocked = api.call("POST", f"/share/{token_of(link)}", {"code": link["code"]}).json()
    url = unlocked["documents"][0]["downloadUrl"]
    with faults.failing(fault, at=position) as plan:
        first = clean_or_unavailable(fetch(api, url))
    expect_calls(plan, FETCH, position)
    assert first.status in (302, 503)
    assert fetch(api, url).status == 302, "the download window is not spent by a failure"
    item = link_item(token_of(link))
    assert item is not None
    document = item["documents"]["M"][shared_dossier.document_id]["M"]
    assert "downloadedAt" in document and int(document["fetchCount"]["N"]) >= 1


# ============================================================== revoke


@pytest.mark.parametrize(
    ("used", "position", "fault"),
    [(False, *p.values) for p in cases("revoke-active", REVOKE_ACTIVE)]
    + [(True, *p.values) for p in cases("revoke-used", REVOKE_USED)],
    ids=[p.id for p in cases("revoke-active", REVOKE_ACTIVE) + cases("revoke-used", REVOKE_USED)],
)
def test_revoke_under_a_fault(
    api: Api, world: World, shared_dossier: Dossier, faults: Injector, used: bool, position: int, fault: Fault
) -> None:
    link = new_link(api, world, shared_dossier)
    if used:
        url = api.call("POST", f"/share/{token_of(link)}", {"code": link["code"]}).json()["documents"][0]["downloadUrl"]
    path = f"/vaults/{world.vault_id}/links/{link['linkId']}"
    with faults.failing(fault, at=position) as plan:
        first = clean_or_unavailable(api.call("DELETE", path, user=world.owner))
    expect_calls(plan, REVOKE_USED if used else REVOKE_ACTIVE, position)
    assert first.status in (204, 503), first.body
    retried = clean(api.call("DELETE", path, user=world.owner))
    written = first.status == 204 or (fault.after and position == len(REVOKE_USED if used else REVOKE_ACTIVE))
    if written:
        # Done once already: the contract's 409, saying how the link now is.
        assert (retried.status, retried.json()["status"]) == (409, "used" if used else "revoked"), retried.body
    else:
        assert retried.status == 204, retried.body
    # Either way the owner's intent holds: the link gives nothing any more.
    if used:
        assert fetch(api, url).status == 410
    else:
        assert clean(api.call("POST", f"/share/{token_of(link)}", {"code": link["code"]})).status == 410
    item = link_item(token_of(link))
    assert item is not None and item["revokedBy"]["S"] == world.owner.user_id
