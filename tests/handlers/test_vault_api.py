"""The minimal vault API through its real handler, with the events API Gateway builds (moto in-process).

Every call goes through `Client`, which also checks what every answer must
respect: no traceback or exception class name in a body, and errors shaped
`{"error": <snake_case>, "message": <French text>}`.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import pytest
import requests
from botocore.stub import Stubber
from vault_share import clock
from vault_share.adapters import aws as clients
from vault_share.adapters.documents import DocumentStore
from vault_share.journal.models import (
    JournalEntryItem,
    NotificationItem,
    dossier_journal_pk,
    notifications_pk,
    person_journal_pk,
)
from vault_share.vault.models import DocumentItem, GrantItem, document_sk, grant_sk, vault_pk

from tests.fixtures import Api, HttpResult, User, add_member, new_user

HEX_ID = re.compile(r"^[0-9a-f]{32}$")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
# What leaks when an exception escapes: a traceback, a file/line, a class name such as KeyError or PutError.
LEAK = re.compile(r"Traceback|File \"|line \d+, in|\b[A-Z]\w*(Error|Exception)\b|DoesNotExist|botocore|pynamodb")
# Words an English message would carry and a French one would not.
ENGLISH = re.compile(
    r"\b(the|should|required|field|input|valid|must|error|please|found|missing|request|not|is|value)\b", re.I
)
FRENCH_HINT = re.compile(
    r"[éèêàçôùî]|\b(le|la|les|de|des|du|un|une|doit|est|au|pour|ce|cette|ou|aucun|introuvable|invalides?|trop|champ|requise|non)\b",
    re.I,
)


def assert_french(text: Any) -> None:
    assert isinstance(text, str) and text.strip(), text
    assert not ENGLISH.search(text), f"not French: {text!r}"
    assert FRENCH_HINT.search(text), f"not French: {text!r}"


@dataclass
class Client:
    """api.call plus the rules every answer follows."""

    api: Api

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> HttpResult:
        result = self.api.call(method, path, body, **kwargs)
        self.check(result)
        return result

    @staticmethod
    def check(result: HttpResult) -> None:
        assert not LEAK.search(result.body), f"leak in {result.status}: {result.body[:500]}"
        assert result.status != 500, result.body
        if result.status >= 400:
            answer = result.json()
            assert isinstance(answer, dict), result.body
            assert SNAKE.match(answer.get("error", "")), result.body
            assert_french(answer.get("message"))
            for field in answer.get("fields", []):
                assert_french(field["message"])

    def ok(self, method: str, path: str, body: Any = None, *, expect: int = 200, **kwargs: Any) -> Any:
        result = self.call(method, path, body, **kwargs)
        assert result.status == expect, f"{method} {path}: {result.status} {result.body}"
        assert result.headers.get("Content-Type", "").startswith("application/json")
        assert result.headers.get("Cache-Control") == "no-store"
        return result.json()

    def fails(self, status: int, method: str, path: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        result = self.call(method, path, body, **kwargs)
        assert result.status == status, f"{method} {path}: expected {status}, got {result.status} {result.body}"
        answer: dict[str, Any] = result.json()
        return answer

    # ------------------------------------------------------------ shortcuts

    def vault(self, user: User, name: str = "Garage des Lilas") -> str:
        vault_id: str = self.ok("POST", "/vaults", {"name": name}, user=user, expect=201)["vaultId"]
        return vault_id

    def dossier(self, user: User, vault_id: str, name: str = "Clio 4 AB-123-CD", **extra: Any) -> str:
        body = {"name": name, **extra}
        dossier_id: str = self.ok("POST", f"/vaults/{vault_id}/dossiers", body, user=user, expect=201)["dossierId"]
        return dossier_id

    def document(self, user: User, vault_id: str, dossier_id: str, size: int = 1024) -> dict[str, Any]:
        body = {"fileName": "carte grise.pdf", "contentType": "application/pdf", "size": size}
        answer: dict[str, Any] = self.ok(
            "POST", f"/vaults/{vault_id}/dossiers/{dossier_id}/documents", body, user=user, expect=201
        )
        return answer

    def person(self, user: User, vault_id: str, first: str, last: str, **extra: Any) -> dict[str, Any]:
        body = {"firstName": first, "lastName": last, **extra}
        answer: dict[str, Any] = self.ok("POST", f"/vaults/{vault_id}/persons", body, user=user, expect=201)
        return answer


@pytest.fixture(scope="module")
def client(api: Api) -> Client:
    return Client(api)


@dataclass
class World:
    """One vault with an owner, a private and a public dossier (one available document each) and a person."""

    owner: User
    vault_id: str
    private_id: str
    public_id: str
    document_id: str
    person_id: str


@cache
def aws_client(service: str) -> Any:
    """One client per service for the whole run: creating one costs more than a call."""
    return boto3.client(service)


def upload(answer: dict[str, Any], content: bytes) -> str:
    """Put the bytes where the presigned form would (moto does not intercept plain HTTP)."""
    key: str = answer["upload"]["fields"]["key"]
    aws_client("s3").put_object(Bucket=os.environ["DOCUMENTS_BUCKET"], Key=key, Body=content)
    return key


@pytest.fixture(scope="module")
def world(client: Client) -> World:
    """Shared by the module's tests, which only add to it (moto's transactions slow down as the table grows)."""
    owner = new_user("owner")
    vault_id = client.vault(owner)
    private_id = client.dossier(owner, vault_id, "Dossier privé")
    public_id = client.dossier(owner, vault_id, "Dossier public", public=True)
    doc = client.document(owner, vault_id, public_id, size=5)
    upload(doc, b"hello")
    base = f"/vaults/{vault_id}/dossiers/{public_id}/documents/{doc['documentId']}/complete"
    client.ok("POST", base, user=owner)
    person = client.person(owner, vault_id, "Alain", "Dupont")
    return World(owner, vault_id, private_id, public_id, doc["documentId"], person["personId"])


def grant(vault_id: str, user: User, dossier_id: str) -> None:
    GrantItem(
        vault_pk(vault_id),
        grant_sk(user.user_id, dossier_id),
        user_id=user.user_id,
        dossier_id=dossier_id,
        created_at=clock.iso(clock.now()),
    ).save()


def vault_items() -> int:
    """How many items the vault table holds (a write anywhere changes it)."""
    pages = aws_client("dynamodb").get_paginator("scan").paginate(TableName=os.environ["VAULT_TABLE"], Select="COUNT")
    return sum(page["Count"] for page in pages)


def s3_objects() -> int:
    pages = aws_client("s3").get_paginator("list_objects_v2").paginate(Bucket=os.environ["DOCUMENTS_BUCKET"])
    return sum(page.get("KeyCount", 0) for page in pages)


@pytest.fixture
def writes_nothing() -> Iterator[None]:
    before = (vault_items(), s3_objects())
    yield
    assert (vault_items(), s3_objects()) == before, "a refused request wrote something"


# ============================================================== vaults


def test_create_vault_makes_the_caller_its_owner(client: Client, owner: User) -> None:
    created = client.ok("POST", "/vaults", {"name": "  GARAGE AUTO  "}, user=owner, expect=201)
    assert HEX_ID.match(created["vaultId"])
    assert created["name"] == "GARAGE AUTO"
    second = client.vault(owner, "Cabinet Martin")
    listed = client.ok("GET", "/vaults", user=owner)["vaults"]
    assert sorted(listed, key=lambda v: v["name"]) == [
        {"vaultId": second, "name": "Cabinet Martin", "role": "owner"},
        {"vaultId": created["vaultId"], "name": "GARAGE AUTO", "role": "owner"},
    ]


def test_a_new_account_has_no_vault(client: Client) -> None:
    assert client.ok("GET", "/vaults", user=new_user())["vaults"] == []


# ============================================================== dossiers


def test_create_dossier_defaults_to_kind_other_and_private(client: Client, owner: User) -> None:
    vault_id = client.vault(owner)
    created = client.ok("POST", f"/vaults/{vault_id}/dossiers", {"name": "Clio 4"}, user=owner, expect=201)
    assert HEX_ID.match(created["dossierId"])
    assert (created["name"], created["kind"], created["public"]) == ("Clio 4", "other", False)
    read = client.ok("GET", f"/vaults/{vault_id}/dossiers/{created['dossierId']}", user=owner)
    assert read["dossierId"] == created["dossierId"]
    assert (read["name"], read["kind"], read["public"], read["documents"]) == ("Clio 4", "other", False, [])


@pytest.mark.parametrize("kind", ["siv", "internal", "other"])
def test_create_dossier_with_kind_and_public_flag(client: Client, world: World, kind: str) -> None:
    body = {"name": f"Dossier {kind}", "kind": kind, "public": True}
    created = client.ok("POST", f"/vaults/{world.vault_id}/dossiers", body, user=world.owner, expect=201)
    read = client.ok("GET", f"/vaults/{world.vault_id}/dossiers/{created['dossierId']}", user=world.owner)
    assert (read["name"], read["kind"], read["public"]) == (f"Dossier {kind}", kind, True)


def test_unknown_dossier_and_vault_are_404(client: Client, world: World) -> None:
    unknown = "0" * 32
    answer = client.fails(404, "GET", f"/vaults/{world.vault_id}/dossiers/{unknown}", user=world.owner)
    assert answer["error"] == "dossier_not_found"
    client.fails(404, "GET", f"/vaults/{unknown}/dossiers/{world.private_id}", user=world.owner)
    # A dossier id is looked up in its own vault only.
    other_vault = client.vault(world.owner, "Autre coffre")
    client.fails(404, "GET", f"/vaults/{other_vault}/dossiers/{world.private_id}", user=world.owner)


@pytest.mark.parametrize(
    "bad_id", ["x", "A" * 32, "0" * 31, f"{'0' * 32}#DOC#{'1' * 32}", "0" * 200, "%23", "..", "META"]
)
def test_malformed_ids_are_simply_not_found(client: Client, world: World, bad_id: str) -> None:
    client.fails(404, "GET", f"/vaults/{world.vault_id}/dossiers/{bad_id}", user=world.owner)
    client.fails(404, "GET", f"/vaults/{bad_id}/dossiers/{world.private_id}", user=world.owner)
    client.fails(404, "GET", f"/vaults/{world.vault_id}/persons/{bad_id}/journal", user=world.owner)


# ============================================================== documents


def presigned_policy(upload_form: dict[str, Any]) -> dict[str, Any]:
    fields = upload_form["fields"]
    policy: dict[str, Any] = json.loads(base64.b64decode(fields["policy"]))
    return policy


def test_document_upload_flow(client: Client, owner: User) -> None:
    vault_id = client.vault(owner)
    dossier_id = client.dossier(owner, vault_id)
    answer = client.document(owner, vault_id, dossier_id, size=100)
    assert HEX_ID.match(answer["documentId"])
    assert answer["status"] == "pending"
    form = answer["upload"]
    assert form["method"] == "POST"
    assert form["url"].startswith("https://")
    assert os.environ["DOCUMENTS_BUCKET"] in form["url"]
    assert form["fields"]["Content-Type"] == "application/pdf"
    assert dossier_id in form["fields"]["key"] and answer["documentId"] in form["fields"]["key"]
    # The signed policy holds the browser to the declared type and size.
    conditions = presigned_policy(form)["conditions"]
    assert ["content-length-range", 1, 100] in conditions
    assert {"Content-Type": "application/pdf"} in conditions

    path = f"/vaults/{vault_id}/dossiers/{dossier_id}"
    listed = client.ok("GET", path, user=owner)["documents"]
    assert listed == [
        {
            "documentId": answer["documentId"],
            "fileName": "carte grise.pdf",
            "contentType": "application/pdf",
            "size": 100,
            "status": "pending",
        }
    ]

    content = b"%PDF-1.4 certificat d'immatriculation"
    upload(answer, content)
    completed = client.ok("POST", f"{path}/documents/{answer['documentId']}/complete", user=owner)
    assert completed["documentId"] == answer["documentId"]
    assert completed["status"] == "available"
    assert completed["size"] == len(content)  # the stored size, not the declared one
    [document] = client.ok("GET", path, user=owner)["documents"]
    assert (document["status"], document["size"]) == ("available", len(content))
    # Completing twice is harmless.
    again = client.ok("POST", f"{path}/documents/{answer['documentId']}/complete", user=owner)
    assert (again["status"], again["size"]) == ("available", len(content))


def test_complete_without_upload_is_409_and_stays_pending(client: Client, owner: User) -> None:
    vault_id = client.vault(owner)
    dossier_id = client.dossier(owner, vault_id)
    answer = client.document(owner, vault_id, dossier_id, size=10)
    path = f"/vaults/{vault_id}/dossiers/{dossier_id}"
    failed = client.fails(409, "POST", f"{path}/documents/{answer['documentId']}/complete", user=owner)
    assert failed["error"] == "upload_missing"
    [document] = client.ok("GET", path, user=owner)["documents"]
    assert document["status"] == "pending"
    assert document["size"] == 10


@pytest.mark.parametrize(
    ("status", "code"),
    # Without s3:ListBucket, S3 answers 403 for a missing key (HeadObject has no body: the code is the status).
    [(403, "403"), (403, "AccessDenied"), (403, "Forbidden"), (404, "404"), (404, "NoSuchKey"), (404, "NotFound")],
)
def test_complete_before_upload_is_409_whatever_s3_answers_for_a_missing_key(
    client: Client, owner: User, status: int, code: str
) -> None:
    vault_id = client.vault(owner)
    dossier_id = client.dossier(owner, vault_id)
    answer = client.document(owner, vault_id, dossier_id, size=10)
    path = f"/vaults/{vault_id}/dossiers/{dossier_id}"
    expected = {"Bucket": os.environ["DOCUMENTS_BUCKET"], "Key": answer["upload"]["fields"]["key"]}
    # The handler's S3 client: the one of the container (vault_share.adapters.aws, one per service).
    with Stubber(clients.client("s3")) as s3:
        s3.add_client_error("head_object", code, http_status_code=status, expected_params=expected)
        failed = client.fails(409, "POST", f"{path}/documents/{answer['documentId']}/complete", user=owner)
        s3.assert_no_pending_responses()
    assert failed["error"] == "upload_missing"
    [document] = client.ok("GET", path, user=owner)["documents"]
    assert (document["status"], document["size"]) == ("pending", 10)


@pytest.mark.parametrize(("status", "code"), [(500, "InternalError"), (503, "SlowDown"), (400, "InvalidRequest")])
def test_other_s3_errors_at_complete_are_not_read_as_a_missing_upload(
    client: Client, api: Api, owner: User, status: int, code: str
) -> None:
    vault_id = client.vault(owner)
    dossier_id = client.dossier(owner, vault_id)
    answer = client.document(owner, vault_id, dossier_id, size=10)
    path = f"/vaults/{vault_id}/dossiers/{dossier_id}"
    with Stubber(clients.client("s3")) as s3:
        s3.add_client_error("head_object", code, http_status_code=status)
        result = api.call("POST", f"{path}/documents/{answer['documentId']}/complete", user=owner)
    # S3 failing (a 5xx, SlowDown) is AWS's failure, for a moment: 503 (api.resolver); our request refused, 500.
    expected = (503, "unavailable") if status >= 500 else (500, "internal_error")
    assert (result.status, result.json()["error"]) == expected
    assert not LEAK.search(result.body)
    [document] = client.ok("GET", path, user=owner)["documents"]
    assert document["status"] == "pending"


def post_form(form: dict[str, Any], content: bytes) -> None:
    """What a browser does with the upload form (moto answers the presigned POST in-process)."""
    sent = requests.post(
        form["url"], data=form["fields"], files={"file": ("carte grise.pdf", content, "application/pdf")}, timeout=10
    )
    assert sent.status_code == 204, sent.text


def test_bytes_uploaded_after_complete_are_not_what_is_kept(client: Client, owner: User) -> None:
    """The form stays valid a while after `complete`: a second upload makes a new S3 version,
    but the document keeps the version that was checked, and a download of it gets those bytes."""
    vault_id = client.vault(owner)
    dossier_id = client.dossier(owner, vault_id)
    answer = client.document(owner, vault_id, dossier_id, size=100)
    path = f"/vaults/{vault_id}/dossiers/{dossier_id}/documents/{answer['documentId']}/complete"
    bucket, key = os.environ["DOCUMENTS_BUCKET"], answer["upload"]["fields"]["key"]

    post_form(answer["upload"], b"%PDF-1.4 the real certificate")
    assert client.ok("POST", path, user=owner)["size"] == 29
    checked = aws_client("s3").head_object(Bucket=bucket, Key=key)["VersionId"]
    item = DocumentItem.get(vault_pk(vault_id), document_sk(dossier_id, answer["documentId"]))
    assert item.version_id == checked

    post_form(answer["upload"], b"%PDF-1.4 something else entirely")  # same form, still valid
    latest = aws_client("s3").head_object(Bucket=bucket, Key=key)["VersionId"]
    assert latest != checked
    again = client.ok("POST", path, user=owner)
    assert (again["status"], again["size"]) == ("available", 29)
    item.refresh(consistent_read=True)
    assert item.version_id == checked

    store = DocumentStore(aws_client("s3"), bucket)
    pinned = store.presign_download(key, "carte grise.pdf", "application/pdf", version_id=item.version_id)
    assert parse_qs(urlsplit(pinned).query)["versionId"] == [checked]
    assert requests.get(pinned, timeout=10).content == b"%PDF-1.4 the real certificate"
    unpinned = store.presign_download(key, "carte grise.pdf", "application/pdf")
    assert requests.get(unpinned, timeout=10).content == b"%PDF-1.4 something else entirely"


@pytest.mark.parametrize(
    ("size", "seconds"),
    [(1, 121), (128 * 1024, 121), (128 * 1024 + 1, 122), (10 * 1024 * 1024, 200), (50 * 1024 * 1024, 520)],
)
def test_an_upload_form_lives_as_long_as_its_upload_needs(
    client: Client, world: World, size: int, seconds: int
) -> None:
    """2 minutes, plus 1 s per 128 KiB declared (about 1 Mbit/s): not the 15 minutes of old."""
    answer = client.document(world.owner, world.vault_id, world.private_id, size=size)
    now = datetime.now(UTC)
    expiration = datetime.fromisoformat(presigned_policy(answer["upload"])["expiration"].replace("Z", "+00:00"))
    assert abs((expiration - now).total_seconds() - seconds) < 5


def test_a_complete_that_loses_the_race_answers_like_the_winner(
    client: Client, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two completes at once: the second sees "pending", then its conditional update fails."""
    vault_id = client.vault(owner)
    dossier_id = client.dossier(owner, vault_id)
    answer = client.document(owner, vault_id, dossier_id, size=10)
    upload(answer, b"0123")
    stale = DocumentItem.get(vault_pk(vault_id), document_sk(dossier_id, answer["documentId"]))
    path = f"/vaults/{vault_id}/dossiers/{dossier_id}/documents/{answer['documentId']}/complete"
    assert client.ok("POST", path, user=owner)["status"] == "available"  # the winner
    monkeypatch.setattr(DocumentItem, "get", classmethod(lambda cls, *args, **kwargs: stale))
    assert stale.status == "pending"
    late = client.ok("POST", path, user=owner)
    assert (late["status"], late["size"]) == ("available", 4)


def test_documents_are_listed_per_dossier(client: Client, owner: User) -> None:
    vault_id = client.vault(owner)
    first, second = client.dossier(owner, vault_id, "Un"), client.dossier(owner, vault_id, "Deux")
    a = client.document(owner, vault_id, first)["documentId"]
    b = client.document(owner, vault_id, first)["documentId"]
    c = client.document(owner, vault_id, second)["documentId"]
    in_first = {
        d["documentId"] for d in client.ok("GET", f"/vaults/{vault_id}/dossiers/{first}", user=owner)["documents"]
    }
    in_second = [
        d["documentId"] for d in client.ok("GET", f"/vaults/{vault_id}/dossiers/{second}", user=owner)["documents"]
    ]
    assert (in_first, in_second) == ({a, b}, [c])


def test_document_routes_on_unknown_ids_are_404(client: Client, world: World, writes_nothing: None) -> None:
    unknown = "f" * 32
    body = {"fileName": "a.pdf", "contentType": "application/pdf", "size": 1}
    base = f"/vaults/{world.vault_id}/dossiers"
    client.fails(404, "POST", f"{base}/{unknown}/documents", body, user=world.owner)
    client.fails(404, "POST", f"{base}/{world.public_id}/documents/{unknown}/complete", user=world.owner)
    # A document is completed through its own dossier only.
    client.fails(404, "POST", f"{base}/{world.private_id}/documents/{world.document_id}/complete", user=world.owner)


# ============================================================== persons


def test_create_person_normalises_contact_details(client: Client, owner: User) -> None:
    vault_id = client.vault(owner)
    address = {"line1": " 12 rue des Lilas ", "postalCode": "75020", "city": "Paris", "country": "France"}
    created = client.person(
        owner, vault_id, "Élodie", "Martin", email="  Elodie.Martin@Example.FR ", mobile="06 12 34 56 78",
        postalAddress=address,
    )  # fmt: skip
    assert HEX_ID.match(created["personId"])
    assert (created["firstName"], created["lastName"]) == ("Élodie", "Martin")
    assert created["email"] == "elodie.martin@example.fr"
    assert created["mobile"] == "+33612345678"
    assert created["postalAddress"] == {
        "line1": "12 rue des Lilas",
        "line2": None,
        "postalCode": "75020",
        "city": "Paris",
        "country": "France",
    }
    [found] = client.ok("GET", f"/vaults/{vault_id}/persons", user=owner, query="q=martin")["persons"]
    assert found == created


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("07.81.23.45.67", "+33781234567"),
        ("+33 6 98 76 54 32", "+33698765432"),
        ("0033698765432", "+33698765432"),
        ("+44 7911 123456", "+447911123456"),
    ],
)
def test_mobile_is_stored_in_e164(client: Client, world: World, given: str, stored: str) -> None:
    created = client.person(world.owner, world.vault_id, "Paul", "Durand", mobile=given)
    assert created["mobile"] == stored


def test_person_without_contact_details(client: Client, world: World) -> None:
    created = client.person(world.owner, world.vault_id, "Zoé", "Petit")
    assert (created["email"], created["mobile"], created["postalAddress"]) == (None, None, None)


@dataclass
class Directory:
    owner: User
    vault_id: str


@pytest.fixture(scope="module")
def directory(client: Client) -> Directory:
    """A vault of its own with five persons, for searches."""
    owner = new_user("owner")
    vault_id = client.vault(owner)
    for first, last in [
        ("Élodie", "Martin"),
        ("Alain", "Dupont"),
        ("Elodie", "Bernard"),
        ("Zoé", "Durand"),
        ("Marc", "Dupré"),
    ]:
        client.person(owner, vault_id, first, last)
    return Directory(owner, vault_id)


def search(client: Client, user: User, vault_id: str, q: str | None) -> list[str]:
    query = urlencode({"q": q}) if q is not None else ""
    persons = client.ok("GET", f"/vaults/{vault_id}/persons", user=user, query=query)["persons"]
    return [f"{p['firstName']} {p['lastName']}" for p in persons]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("dupont", ["Alain Dupont"]),
        ("DUPÔNT", ["Alain Dupont"]),
        ("alain dup", ["Alain Dupont"]),
        ("  Alain   DUP ", ["Alain Dupont"]),
        ("dupont alain", ["Alain Dupont"]),
        ("dup", ["Alain Dupont", "Marc Dupré"]),
        ("dupre", ["Marc Dupré"]),
        ("élodie", ["Elodie Bernard", "Élodie Martin"]),
        ("Elodie", ["Elodie Bernard", "Élodie Martin"]),
        ("ZOE", ["Zoé Durand"]),
        ("personne", []),
    ],
)
def test_search_persons_ignores_case_and_accents(
    client: Client, directory: Directory, q: str, expected: list[str]
) -> None:
    assert search(client, directory.owner, directory.vault_id, q) == expected


@pytest.mark.parametrize("q", [None, "", "   "])
def test_empty_search_lists_everyone_by_last_name(client: Client, directory: Directory, q: str | None) -> None:
    assert search(client, directory.owner, directory.vault_id, q) == [
        "Elodie Bernard",
        "Alain Dupont",
        "Marc Dupré",
        "Zoé Durand",
        "Élodie Martin",
    ]


def test_search_stays_in_its_vault(client: Client, directory: Directory) -> None:
    other = client.vault(directory.owner, "Autre")
    client.person(directory.owner, other, "Alain", "Dupontel")
    assert search(client, directory.owner, directory.vault_id, "dupont") == ["Alain Dupont"]
    assert search(client, directory.owner, other, "dupont") == ["Alain Dupontel"]


# ============================================================== profile and notifications


def test_me_gives_a_stable_personal_code(client: Client, owner: User) -> None:
    first = client.ok("GET", "/me", user=owner)
    assert (first["userId"], first["email"]) == (owner.user_id, owner.email)
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", first["personalCode"])
    assert client.ok("GET", "/me", user=owner) == first
    other = client.ok("GET", "/me", user=new_user())
    assert other["personalCode"] != first["personalCode"]
    assert other["userId"] != first["userId"]


def test_notifications_start_empty(client: Client, owner: User) -> None:
    assert client.ok("GET", "/notifications", user=owner) == {"notifications": [], "nextCursor": None}


def test_notifications_are_the_callers_own_newest_first(client: Client, owner: User) -> None:
    other = new_user()
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    for user, count in ((owner, 3), (other, 1)):
        for i in range(count):
            at = clock.iso(start + timedelta(hours=i))
            NotificationItem(
                notifications_pk(user.user_id),
                f"{at}#{i:032x}",
                notification_id=f"{i:032x}",
                at=at,
                type="link.used",
                message=f"Votre lien n°{i} a été utilisé.",
                details={"linkId": f"link-{i}"},
            ).save()
    first = client.ok("GET", "/notifications", user=owner, query="limit=2")
    assert [n["notificationId"] for n in first["notifications"]] == [f"{2:032x}", f"{1:032x}"]
    assert first["notifications"][0] == {
        "notificationId": f"{2:032x}",
        "at": "2026-03-02T10:00:00.000Z",
        "type": "link.used",
        "message": "Votre lien n°2 a été utilisé.",
        "details": {"linkId": "link-2"},
    }
    rest = client.ok("GET", "/notifications", user=owner, query=urlencode({"limit": 2, "cursor": first["nextCursor"]}))
    assert [n["notificationId"] for n in rest["notifications"]] == [f"{0:032x}"]
    assert rest["nextCursor"] is None
    assert [n["message"] for n in client.ok("GET", "/notifications", user=other)["notifications"]] == [
        "Votre lien n°0 a été utilisé."
    ]
    # Another account's cursor does not open one's own notifications.
    answer = client.fails(400, "GET", "/notifications", user=other, query=urlencode({"cursor": first["nextCursor"]}))
    assert answer["error"] == "invalid_cursor"


# ============================================================== journals


def test_journals_start_empty(client: Client, world: World) -> None:
    base = f"/vaults/{world.vault_id}"
    dossier_id = client.dossier(world.owner, world.vault_id)
    person_id = client.person(world.owner, world.vault_id, "Luc", "Garnier")["personId"]
    empty = {"entries": [], "nextCursor": None}
    assert client.ok("GET", f"{base}/dossiers/{dossier_id}/journal", user=world.owner) == empty
    assert client.ok("GET", f"{base}/persons/{person_id}/journal", user=world.owner) == empty


def test_journals_of_unknown_dossier_or_person_are_404(client: Client, world: World) -> None:
    base = f"/vaults/{world.vault_id}"
    client.fails(404, "GET", f"{base}/dossiers/{'0' * 32}/journal", user=world.owner)
    client.fails(404, "GET", f"{base}/persons/{'0' * 32}/journal", user=world.owner)


def write_entries(pk: str, count: int) -> list[str]:
    """`count` entries one minute apart; their ids, oldest first."""
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    entry_ids = []
    for i in range(count):
        at = clock.iso(start + timedelta(minutes=i))
        entry_id = f"{i:032x}"
        JournalEntryItem(
            pk,
            f"{at}#{entry_id}",
            entry_id=entry_id,
            at=at,
            type="link.created",
            message=f"Lien n°{i} créé.",
            details={"linkId": f"link-{i}"},
        ).save()
        entry_ids.append(entry_id)
    return entry_ids


def pages(client: Client, user: User, path: str, limit: int) -> list[list[dict[str, Any]]]:
    found, cursor, seen = [], None, set()
    while True:
        query = urlencode({"limit": limit, **({"cursor": cursor} if cursor else {})})
        page = client.ok("GET", path, user=user, query=query)
        found.append(page["entries"])
        cursor = page["nextCursor"]
        if cursor is None:
            return found
        assert cursor not in seen, "cursor loops"
        seen.add(cursor)
        assert len(found) < 20


@pytest.mark.parametrize("count", [7, 6, 1])
def test_dossier_journal_pages_newest_first(client: Client, world: World, count: int) -> None:
    dossier_id = client.dossier(world.owner, world.vault_id)
    entry_ids = write_entries(dossier_journal_pk(world.vault_id, dossier_id), count)
    path = f"/vaults/{world.vault_id}/dossiers/{dossier_id}/journal"
    got = pages(client, world.owner, path, limit=3)
    newest_first = list(reversed(entry_ids))
    assert [[e["entryId"] for e in page] for page in got] == [
        newest_first[i : i + 3] for i in range(0, count, 3)
    ]  # no empty trailing page
    first = got[0][0]
    assert first == {
        "entryId": entry_ids[-1],
        "at": clock.iso(datetime(2026, 3, 1, 9, count - 1, tzinfo=UTC)),
        "type": "link.created",
        "message": f"Lien n°{count - 1} créé.",
        "details": {"linkId": f"link-{count - 1}"},
    }
    # One page holds everything when the limit allows it.
    whole = client.ok("GET", path, user=world.owner, query="limit=100")
    assert [e["entryId"] for e in whole["entries"]] == newest_first
    assert whole["nextCursor"] is None


def test_person_journal_pages(client: Client, world: World) -> None:
    person_id = client.person(world.owner, world.vault_id, "Anne", "Roux")["personId"]
    entry_ids = write_entries(person_journal_pk(world.vault_id, person_id), 5)
    path = f"/vaults/{world.vault_id}/persons/{person_id}/journal"
    got = pages(client, world.owner, path, limit=2)
    assert [e["entryId"] for page in got for e in page] == list(reversed(entry_ids))
    assert [len(page) for page in got] == [2, 2, 1]


def b64(data: Any) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_bad_cursors_are_400(client: Client, world: World) -> None:
    dossier_id = client.dossier(world.owner, world.vault_id)
    dossier_pk = dossier_journal_pk(world.vault_id, dossier_id)
    write_entries(dossier_pk, 4)
    other = client.dossier(world.owner, world.vault_id, "Autre")
    write_entries(dossier_journal_pk(world.vault_id, other), 4)
    path = f"/vaults/{world.vault_id}/dossiers/{dossier_id}/journal"
    other_path = f"/vaults/{world.vault_id}/dossiers/{other}/journal"
    person_path = f"/vaults/{world.vault_id}/persons/{world.person_id}/journal"

    cursor = client.ok("GET", path, user=world.owner, query="limit=2")["nextCursor"]
    assert cursor
    # The cursor works where it came from...
    assert len(client.ok("GET", path, user=world.owner, query=urlencode({"cursor": cursor}))["entries"]) == 2
    sk = "2026-03-01T09:01:00.000Z#" + "1" * 32
    tampered = [
        cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB"),
        cursor + "!",
        "not-a-cursor",
        "é",
        b64(b"\xff\xfe"),
        b64([dossier_pk, sk]),
        b64({"pk": dossier_pk}),
        b64({"pk": dossier_pk, "sk": {"S": sk}}),
        b64({"pk": {"S": dossier_pk}, "sk": {"N": "1"}}),
        b64({"pk": {"S": dossier_pk}, "sk": {"S": sk}, "gsi1pk": {"S": "x"}}),
        b64({"pk": {"S": dossier_pk}}),
        b64({"pk": {"S": dossier_pk}, "sk": {"S": ""}}),
        b64({"pk": {"S": dossier_pk}, "sk": "x"}),
        b64(None),
    ]
    for bad in tampered:
        answer = client.fails(400, "GET", path, user=world.owner, query=urlencode({"cursor": bad}))
        assert answer["error"] == "invalid_cursor", bad
    # ...and nowhere else: not on another dossier, not on a person's journal.
    for elsewhere in (other_path, person_path):
        answer = client.fails(400, "GET", elsewhere, user=world.owner, query=urlencode({"cursor": cursor}))
        assert answer["error"] == "invalid_cursor"


# ============================================================== access: strangers


def owner_routes(w: World) -> list[tuple[str, str, Any]]:
    """Every vault-scoped route, with a valid body where it takes one."""
    base = f"/vaults/{w.vault_id}"
    return [
        ("GET", f"{base}/dossiers/{w.private_id}", None),
        ("GET", f"{base}/dossiers/{w.public_id}", None),
        ("POST", f"{base}/dossiers", {"name": "Intrus"}),
        ("GET", f"{base}/dossiers", None),
        (
            "POST",
            f"{base}/dossiers/{w.public_id}/documents",
            {"fileName": "a.pdf", "contentType": "text/plain", "size": 3},
        ),
        ("POST", f"{base}/dossiers/{w.public_id}/documents/{w.document_id}/complete", None),
        ("GET", f"{base}/dossiers/{w.public_id}/journal", None),
        ("GET", f"{base}/dossiers/{w.private_id}/journal", None),
        ("POST", f"{base}/persons", {"firstName": "Eve", "lastName": "Intruse"}),
        ("GET", f"{base}/persons", None),
        ("GET", f"{base}/persons/{w.person_id}/journal", None),
    ]


def test_a_stranger_sees_nothing_of_another_vault(client: Client, world: World) -> None:
    stranger = new_user("stranger")
    client.vault(stranger, "Son propre coffre")  # a vault of one's own opens no other
    before = vault_items(), s3_objects()
    for method, path, body in owner_routes(world):
        answer = client.fails(404, method, path, body, user=stranger)
        assert answer["error"] == "vault_not_found", path
        # The answer is the same as for a vault that does not exist at all.
        missing = client.fails(404, method, path.replace(world.vault_id, "e" * 32), body, user=stranger)
        assert missing == answer
    assert (vault_items(), s3_objects()) == before
    assert [v["name"] for v in client.ok("GET", "/vaults", user=stranger)["vaults"]] == ["Son propre coffre"]
    assert client.ok("GET", "/notifications", user=stranger)["notifications"] == []


# ============================================================== access: guests and members


def test_guest_reads_public_and_granted_dossiers_only(client: Client, world: World) -> None:
    guest = new_user("guest")
    add_member(world.vault_id, guest, "guest")
    granted = client.dossier(world.owner, world.vault_id, "Ouvert à l'invité")
    hidden = client.dossier(world.owner, world.vault_id, "Autre dossier privé")
    grant(world.vault_id, guest, granted)
    base = f"/vaults/{world.vault_id}/dossiers"

    public = client.ok("GET", f"{base}/{world.public_id}", user=guest)
    assert [d["documentId"] for d in public["documents"]] == [world.document_id]
    assert client.ok("GET", f"{base}/{granted}", user=guest)["name"] == "Ouvert à l'invité"
    for dossier_id in (world.private_id, hidden, "0" * 32):
        answer = client.fails(404, "GET", f"{base}/{dossier_id}", user=guest)
        assert answer["error"] == "dossier_not_found"
    # A grant to one guest opens nothing to another.
    other_guest = new_user("guest2")
    add_member(world.vault_id, other_guest, "guest")
    client.fails(404, "GET", f"{base}/{granted}", user=other_guest)
    assert client.ok("GET", f"{base}/{world.public_id}", user=other_guest)["dossierId"] == world.public_id
    assert client.ok("GET", "/vaults", user=guest)["vaults"] == [
        {"vaultId": world.vault_id, "name": "Garage des Lilas", "role": "guest"}
    ]


def test_guest_is_403_on_owner_routes(client: Client, world: World) -> None:
    guest = new_user("guest")
    add_member(world.vault_id, guest, "guest")
    grant(world.vault_id, guest, world.private_id)
    before = vault_items(), s3_objects()
    for method, path, body in owner_routes(world):
        if method == "GET" and "/journal" not in path and not path.endswith("/persons"):
            continue  # reading a dossier: covered above
        answer = client.fails(403, method, path, body, user=guest)
        assert answer["error"] == "forbidden", path
    # Granted or public, the journal of a dossier stays the owner's.
    assert (vault_items(), s3_objects()) == before


def test_a_member_can_do_what_an_owner_does(client: Client, world: World) -> None:
    member = new_user("member")
    add_member(world.vault_id, member, "member")
    base = f"/vaults/{world.vault_id}"
    assert client.ok("GET", f"{base}/dossiers/{world.private_id}", user=member)["dossierId"] == world.private_id
    dossier_id = client.dossier(member, world.vault_id, "Dossier du membre", kind="siv")
    doc = client.document(member, world.vault_id, dossier_id, size=3)
    upload(doc, b"abc")
    done = client.ok("POST", f"{base}/dossiers/{dossier_id}/documents/{doc['documentId']}/complete", user=member)
    assert done["status"] == "available"
    person = client.person(member, world.vault_id, "Jeanne", "Moreau", email="jeanne@example.fr")
    assert search(client, member, world.vault_id, "moreau") == ["Jeanne Moreau"]
    empty = {"entries": [], "nextCursor": None}
    assert client.ok("GET", f"{base}/dossiers/{dossier_id}/journal", user=member) == empty
    assert client.ok("GET", f"{base}/persons/{person['personId']}/journal", user=member) == empty
    # The owner sees what the member made.
    assert client.ok("GET", f"{base}/dossiers/{dossier_id}", user=world.owner)["documents"][0]["status"] == "available"


# ============================================================== authentication


def every_route(w: World) -> list[tuple[str, str, Any]]:
    return [
        ("POST", "/vaults", {"name": "Coffre"}),
        ("GET", "/vaults", None),
        ("GET", "/me", None),
        ("GET", "/notifications", None),
        *owner_routes(w),
    ]


def test_missing_claims_are_401(client: Client, world: World, writes_nothing: None) -> None:
    for method, path, body in every_route(world):
        answer = client.fails(401, method, path, body)  # no user: the event has no authorizer
        assert answer["error"] == "unauthorized", path


INCOMPLETE_CLAIMS: list[dict[str, Any]] = [
    {"token_use": "access"},  # an access token carries no e-mail: the authorizer wants ID tokens
    {"sub": ""},
    {"email": ""},
    {"sub": None},
    {"email": None},
    {"token_use": None},
]


def test_incomplete_claims_are_401(client: Client, api: Api, world: World, writes_nothing: None) -> None:
    routes = [("POST", "/vaults", {"name": "Coffre"}), ("GET", f"/vaults/{world.vault_id}/persons", None)]
    for (method, path, body), claims in itertools.product(routes, INCOMPLETE_CLAIMS):
        event = api.event(method, path, body, user=world.owner)
        given = event["requestContext"]["authorizer"]["claims"]
        for name, value in claims.items():
            if value is None:
                given.pop(name)
            else:
                given[name] = value
        route, _, _ = api.routes.match(method, path)
        assert route is not None
        result = api.pools[route.function].invoke(event)
        answer = HttpResult(result["statusCode"], result.get("headers") or {}, result.get("body") or "")
        Client.check(answer)
        assert answer.status == 401, (claims, answer.body)


# ============================================================== bad input


LONG = "x" * 121
BAD_BODIES: dict[str, list[Any]] = {
    "vault": [
        {},
        {"name": ""},
        {"name": "   "},
        {"name": LONG},
        {"name": 42},
        {"name": None},
        {"name": ["a"]},
        {"name": "ok", "extra": 1},
        {"Name": "ok"},
    ],
    "dossier": [
        {},
        {"kind": "siv"},
        {"name": LONG},
        {"name": "ok", "kind": "car"},
        {"name": "ok", "kind": "SIV"},
        {"name": "ok", "kind": 1},
        {"name": "ok", "public": "yes"},
        {"name": "ok", "public": "true"},
        {"name": "ok", "public": 1},
        {"name": "ok", "public": None},
        {"name": "ok", "owner": "moi"},
    ],
    "document": [
        {},
        {"fileName": "a.pdf", "contentType": "application/pdf"},
        {"fileName": "a.pdf", "size": 3},
        {"contentType": "application/pdf", "size": 3},
        {"fileName": "a.pdf", "contentType": "application/pdf", "size": 0},
        {"fileName": "a.pdf", "contentType": "application/pdf", "size": -1},
        {"fileName": "a.pdf", "contentType": "application/pdf", "size": 50 * 1024 * 1024 + 1},
        {"fileName": "a.pdf", "contentType": "application/pdf", "size": "3"},
        {"fileName": "a.pdf", "contentType": "application/pdf", "size": 3.5},
        {"fileName": "a.pdf", "contentType": "application/pdf", "size": True},
        {"fileName": "../a.pdf", "contentType": "application/pdf", "size": 3},
        {"fileName": "dir/a.pdf", "contentType": "application/pdf", "size": 3},
        {"fileName": "dir\\a.pdf", "contentType": "application/pdf", "size": 3},
        {"fileName": "a\nb.pdf", "contentType": "application/pdf", "size": 3},
        {"fileName": "", "contentType": "application/pdf", "size": 3},
        {"fileName": "a" * 201, "contentType": "application/pdf", "size": 3},
        {"fileName": "a.pdf", "contentType": "pdf", "size": 3},
        {"fileName": "a.pdf", "contentType": "text/html; charset=utf-8\r\nX: y", "size": 3},
        {"fileName": 3, "contentType": "application/pdf", "size": 3},
        {"fileName": "a.pdf", "contentType": "application/pdf", "size": 3, "status": "available"},
        {"file_name": "a.pdf", "content_type": "application/pdf", "size": 3},
    ],
    "person": [
        {},
        {"firstName": "Jean"},
        {"lastName": "Dupont"},
        {"firstName": "", "lastName": "Dupont"},
        {"firstName": "Jean", "lastName": LONG},
        {"firstName": "Jean", "lastName": 7},
        {"firstName": "Jean", "lastName": "Dupont", "email": "pas-une-adresse"},
        {"firstName": "Jean", "lastName": "Dupont", "email": "jean@"},
        {"firstName": "Jean", "lastName": "Dupont", "email": "jean dupont@example.fr"},
        {"firstName": "Jean", "lastName": "Dupont", "email": 12},
        {"firstName": "Jean", "lastName": "Dupont", "mobile": "01 23 45 67 89"},
        {"firstName": "Jean", "lastName": "Dupont", "mobile": "12"},
        {"firstName": "Jean", "lastName": "Dupont", "mobile": "pas un numéro"},
        {"firstName": "Jean", "lastName": "Dupont", "mobile": "06 12 34 56 78 99 99"},
        {"firstName": "Jean", "lastName": "Dupont", "mobile": "06" * 40},
        {"firstName": "Jean", "lastName": "Dupont", "mobile": 612345678},
        {"firstName": "Jean", "lastName": "Dupont", "postalAddress": {}},
        {"firstName": "Jean", "lastName": "Dupont", "postalAddress": "12 rue des Lilas"},
        {"firstName": "Jean", "lastName": "Dupont", "postalAddress": {"line1": "1 rue", "city": "Paris"}},
        {
            "firstName": "Jean",
            "lastName": "Dupont",
            "postalAddress": {"line1": "1 rue", "postalCode": "75/01", "city": "Paris", "country": "France"},
        },
        {
            "firstName": "Jean",
            "lastName": "Dupont",
            "postalAddress": {"line1": "1 rue", "postalCode": "75001", "city": "Paris", "floor": 2},
        },
        {"firstName": "Jean", "lastName": "Dupont", "phone": "0612345678"},
    ],
}
RAW_BODIES = [b"", b"{", b'{"name": "x"', b"[]", b'[{"name": "x"}]', b"null", b'"x"', b"42", b"true", b"\xff\xfe"]
NOT_JSON = [
    ("text/plain", b'{"name": "x"}'),
    ("application/xml", b"<name>x</name>"),
    ("application/x-www-form-urlencoded", b"name=x"),
    # Found by the fuzzer (tests/e2e/test_fuzz.py): Powertools' multipart parser raised, a 500.
    ("multipart/form-data", b'{"name": "x"}'),
]


def post_paths(w: World) -> dict[str, str]:
    base = f"/vaults/{w.vault_id}"
    return {
        "vault": "/vaults",
        "dossier": f"{base}/dossiers",
        "document": f"{base}/dossiers/{w.private_id}/documents",
        "person": f"{base}/persons",
    }


def oversized(valid: dict[str, Any]) -> list[bytes]:
    """Bodies over 64 KiB: valid JSON padded with spaces, unknown fields, and 80 KB in 40 000 characters."""
    return [
        json.dumps(valid).encode()[:-1] + b" " * (64 * 1024) + b"}",
        json.dumps({**valid, "junk": "x" * 70_000}).encode(),
        json.dumps({**valid, "junk": "é" * 40_000}, ensure_ascii=False).encode(),
        json.dumps({**valid, "name": "x" * 70_000}).encode(),
    ]


VALID_BODIES: dict[str, dict[str, Any]] = {
    "vault": {"name": "Coffre"},
    "dossier": {"name": "Dossier"},
    "document": {"fileName": "a.pdf", "contentType": "application/pdf", "size": 3},
    "person": {"firstName": "Jean", "lastName": "Dupont"},
}


@pytest.mark.parametrize("route", list(BAD_BODIES))
def test_bad_bodies_are_refused_and_write_nothing(
    client: Client, world: World, route: str, writes_nothing: None
) -> None:
    path = post_paths(world)[route]
    for body in BAD_BODIES[route]:
        result = client.call("POST", path, body, user=world.owner)
        assert result.status in (400, 422), f"{body!r}: {result.status} {result.body}"
        assert result.json()["error"] in ("validation_error", "invalid_json"), result.body
        # Nothing of what was sent is echoed back (it might be a secret).
        for value in body.values() if isinstance(body, dict) else []:
            if isinstance(value, str) and len(value) > 5:
                assert value not in result.body, (value, result.body)

    json_headers = {"Content-Type": "application/json"}
    for raw in RAW_BODIES:
        result = client.call("POST", path, user=world.owner, raw_body=raw, headers=json_headers)
        assert result.status in (400, 422), f"{raw!r}: {result.status} {result.body}"
        if raw not in (b"", b"null"):  # no body at all may also read as a missing field
            assert (result.status, result.json()["error"]) == (400, "invalid_json"), (raw, result.body)

    for content_type, raw in NOT_JSON:
        result = client.call("POST", path, user=world.owner, raw_body=raw, headers={"Content-Type": content_type})
        assert result.status in (400, 415, 422), f"{content_type}: {result.status} {result.body}"

    for raw in oversized(VALID_BODIES[route]):
        assert len(raw) > 64 * 1024
        answer = client.fails(413, "POST", path, user=world.owner, raw_body=raw)
        assert answer["error"] == "payload_too_large"


@pytest.mark.parametrize("route", list(BAD_BODIES))
def test_validation_errors_name_the_fields(client: Client, world: World, route: str) -> None:
    path = post_paths(world)[route]
    answer = client.fails(422, "POST", path, {"unknownField": 1}, user=world.owner)
    assert answer["error"] == "validation_error"
    names = {f["field"] for f in answer["fields"]}
    assert "unknownField" in " ".join(names)
    required = {"vault": "name", "dossier": "name", "document": "fileName", "person": "firstName"}[route]
    assert any(name.endswith(required) for name in names), names


def test_a_body_just_under_64_kib_is_accepted(client: Client, owner: User) -> None:
    raw = json.dumps({"name": "Coffre"}).encode()[:-1]
    raw += b" " * (64 * 1024 - len(raw) - 1) + b"}"
    assert len(raw) == 64 * 1024
    result = client.call("POST", "/vaults", user=owner, raw_body=raw)
    assert result.status == 201, result.body


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "1.5", ""])
def test_bad_limits_are_422(client: Client, world: World, limit: str) -> None:
    base = f"/vaults/{world.vault_id}"
    for path in (
        f"{base}/dossiers/{world.private_id}/journal",
        f"{base}/persons/{world.person_id}/journal",
        "/notifications",
    ):
        answer = client.fails(422, "GET", path, user=world.owner, query=urlencode({"limit": limit}))
        assert answer["error"] == "validation_error"


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limits_at_the_bounds_are_accepted(client: Client, world: World, limit: str) -> None:
    path = f"/vaults/{world.vault_id}/dossiers/{world.private_id}/journal"
    assert client.ok("GET", path, user=world.owner, query=f"limit={limit}")["entries"] == []


def test_search_query_too_long_is_422(client: Client, world: World) -> None:
    answer = client.fails(422, "GET", f"/vaults/{world.vault_id}/persons", user=world.owner, query="q=" + "a" * 101)
    assert answer["error"] == "validation_error"


def test_unknown_route_is_a_clean_404(client: Client, api: Api, world: World) -> None:
    # API Gateway only forwards known resources; a handler still answers cleanly for anything else.
    event = api.event("GET", "/vaults", user=world.owner)
    event.update(path="/vaults/nope", resource="/vaults/nope")
    result = api.pools["VaultFunction"].invoke(event)
    answer = HttpResult(result["statusCode"], result.get("headers") or {}, result.get("body") or "")
    Client.check(answer)
    assert answer.status == 404
