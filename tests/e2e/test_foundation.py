"""The local stack through HTTP only, as the front end and the acceptance tests see it (docs/http-contract.md)."""

from __future__ import annotations

import base64
import json
import os
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from vault_share.api.resolver import MAX_BODY_BYTES

from devstack.authorizer import AuthorizationError, CognitoAuthorizer
from devstack.client import Answer, ApiClient
from devstack.gateway import MAX_PAYLOAD_BYTES
from tests.e2e.conftest import Account, Stack, leaks

pytestmark = pytest.mark.e2e

COGNITO_DATE = "%a %b %d %H:%M:%S UTC %Y"  # "Thu Nov 26 11:15:00 UTC 2026"


def error_of(answer: Answer) -> str:
    body = answer.json()
    assert isinstance(body, dict) and isinstance(body.get("message"), str), answer.body
    return str(body.get("error"))


def parse_iso(text: str) -> datetime:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", text), text
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# ---------------------------------------------------------------- /_local/stack


def test_stack_info_has_every_contract_field(stack: Stack) -> None:
    answer = stack.client().get("/_local/stack")
    assert answer.status == 200
    assert answer.headers.get("Content-Type", "").startswith("application/json")
    info = answer.json()
    assert info["apiUrl"] == stack.api_url
    for name in ("awsEndpoint", "region", "userPoolId", "userPoolClientId"):
        assert isinstance(info[name], str) and info[name], name
    assert info["awsEndpoint"].startswith("http://127.0.0.1:")
    assert info["userPoolId"].startswith(f"{info['region']}_")
    demo = info["demo"]
    for name in ("vaultId", "dossierId", "personId"):
        assert isinstance(demo[name], str) and demo[name], name
    assert isinstance(demo["documentIds"], list) and demo["documentIds"]
    assert all(isinstance(d, str) and d for d in demo["documentIds"])
    assert isinstance(demo["owner"]["email"], str) and "@" in demo["owner"]["email"]
    assert isinstance(demo["owner"]["password"], str) and demo["owner"]["password"]


def test_the_leak_check_sees_tokens(owner_token: str) -> None:
    """Guards the teardown's check: a token in the console is found, wherever it sits on the line."""
    assert leaks("nothing to see\n", {owner_token}) == []
    assert len(leaks(f"ok\nAuthorization: Bearer {owner_token} sent\n", {owner_token})) == 2
    assert leaks(f'{{"token": "{owner_token}"}}', set())  # any JWT, even one the session did not record
    assert owner_token not in " ".join(leaks(owner_token, {owner_token}))


# ---------------------------------------------------------------- the demo, as its owner


def test_owner_signs_in_with_a_real_id_token(stack: Stack, owner_token: str) -> None:
    claims = jwt.decode(owner_token, options={"verify_signature": False})
    assert claims["token_use"] == "id"
    assert claims["email"] == stack.demo["owner"]["email"]
    assert claims["iss"].endswith("/" + stack.info["userPoolId"])


def test_owner_lists_the_demo_vault(stack: Stack, owner: ApiClient) -> None:
    answer = owner.get("/vaults")
    assert answer.status == 200, answer.body
    vaults = answer.json()["vaults"]
    assert {"vaultId": stack.demo["vaultId"], "name": "GARAGE AUTO", "role": "owner"} in vaults


def test_owner_reads_the_demo_dossier(stack: Stack, owner: ApiClient) -> None:
    demo = stack.demo
    answer = owner.get(f"/vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}")
    assert answer.status == 200, answer.body
    dossier = answer.json()
    assert dossier["dossierId"] == demo["dossierId"]
    assert dossier["name"] == "SIV AB-123-CD"
    assert dossier["kind"] == "siv"
    documents = dossier["documents"]
    pdfs = [d for d in documents if d["status"] == "available" and d["contentType"] == "application/pdf"]
    assert len(pdfs) >= 4, documents
    for document in documents:
        assert set(document) >= {"documentId", "fileName", "contentType", "size", "status"}
        assert isinstance(document["size"], int) and document["size"] > 0
    assert set(demo["documentIds"]) <= {d["documentId"] for d in documents}


@pytest.mark.parametrize("query", ["dupont", "DUPÔNT", "Dupont"])
def test_person_search_ignores_case_and_accents(stack: Stack, owner: ApiClient, query: str) -> None:
    answer = owner.request("GET", f"/vaults/{stack.demo['vaultId']}/persons?q={_quote(query)}")
    assert answer.status == 200, answer.body
    found = [(p["lastName"], p["firstName"], p["personId"]) for p in answer.json()["persons"]]
    assert ("DUPONT", "Alain", stack.demo["personId"]) in found


def test_person_search_does_not_answer_everyone(stack: Stack, owner: ApiClient) -> None:
    answer = owner.request("GET", f"/vaults/{stack.demo['vaultId']}/persons?q=zzzzzz")
    assert answer.status == 200, answer.body
    assert stack.demo["personId"] not in {p["personId"] for p in answer.json()["persons"]}


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


# ---------------------------------------------------------------- tenant isolation


def test_a_stranger_sees_no_vault(stranger: Account) -> None:
    answer = stranger.api.get("/vaults")
    assert answer.status == 200, answer.body
    assert answer.json() == {"vaults": []}


@pytest.mark.parametrize(
    "path",
    [
        "/vaults/{vaultId}/dossiers/{dossierId}",
        "/vaults/{vaultId}/persons",
        "/vaults/{vaultId}/persons?q=dupont",
        "/vaults/{vaultId}/dossiers/{dossierId}/journal",
        "/vaults/{vaultId}/persons/{personId}/journal",
    ],
)
def test_a_stranger_gets_404_on_the_demo_vault(stack: Stack, stranger: Account, path: str) -> None:
    answer = stranger.api.get(path.format(**stack.demo))
    assert answer.status == 404, answer.body
    error_of(answer)
    # Never a hint of what is inside.
    for revealing in ("GARAGE AUTO", "SIV AB-123-CD", "DUPONT", stack.demo["owner"]["email"]):
        assert revealing not in answer.text


def test_a_stranger_cannot_write_in_the_demo_vault(stack: Stack, stranger: Account) -> None:
    answer = stranger.api.post(f"/vaults/{stack.demo['vaultId']}/dossiers", {"name": "intrusion"})
    assert answer.status == 404, answer.body
    owner_view = stranger.api.get(f"/vaults/{stack.demo['vaultId']}/dossiers/{stack.demo['dossierId']}")
    assert owner_view.status == 404


def test_a_strangers_vault_stays_its_own(stack: Stack, stranger: Account, owner: ApiClient) -> None:
    name = f"STRANGER {uuid.uuid4().hex[:6].upper()}"
    created = stranger.api.post("/vaults", {"name": name})
    assert created.status == 201, created.body
    vault_id = created.json()["vaultId"]
    assert {"vaultId": vault_id, "name": name, "role": "owner"} in stranger.api.get("/vaults").json()["vaults"]

    owner_vaults = owner.get("/vaults").json()["vaults"]
    assert vault_id not in {v["vaultId"] for v in owner_vaults}
    assert name not in {v["name"] for v in owner_vaults}
    assert owner.get(f"/vaults/{vault_id}/persons").status == 404


# ---------------------------------------------------------------- authentication


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    position = len(signature) // 2  # the middle: every bit of it is significant (unlike the last char)
    flipped = "A" if signature[position] != "A" else "B"
    return ".".join([header, payload, signature[:position] + flipped + signature[position + 1 :]])


def _forged_claims(token: str) -> str:
    """Same signature, another payload (someone else's sub): the signature no longer covers it."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = str(uuid.uuid4())
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join([header, forged, signature])


@pytest.mark.parametrize("kind", ["none", "empty", "garbage", "tampered", "forged-claims", "access-token"])
def test_owner_routes_refuse_anything_but_a_valid_id_token(stack: Stack, kind: str) -> None:
    demo = stack.demo
    tokens = stack.authenticate(demo["owner"]["email"], demo["owner"]["password"])
    authorization = {
        "none": None,
        "empty": "Bearer ",
        "garbage": "Bearer not-a-jwt",
        "tampered": f"Bearer {_tampered(tokens['IdToken'])}",
        "forged-claims": f"Bearer {_forged_claims(tokens['IdToken'])}",
        "access-token": f"Bearer {tokens['AccessToken']}",
    }[kind]
    headers = {"Authorization": authorization} if authorization is not None else {}
    client = stack.client()
    for path in ("/vaults", f"/vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}"):
        answer = client.get(path, headers=headers)
        assert answer.status == 401, (kind, path, answer.status, answer.body)
        assert error_of(answer) == "unauthorized"
        assert "GARAGE AUTO" not in answer.text
    # The very same request with the untouched ID token goes through: the 401 was about the token.
    assert client.get("/vaults", headers={"Authorization": f"Bearer {tokens['IdToken']}"}).status == 200


def test_the_authorizer_passes_cognito_claims_as_strings(stack: Stack, owner_token: str) -> None:
    """A real token of the embedded pool through the gateway's authorizer: claims as API Gateway passes them."""
    info = stack.info
    authorizer = CognitoAuthorizer(info["awsEndpoint"], info["region"], info["userPoolId"], [info["userPoolClientId"]])
    claims = authorizer.claims(f"Bearer {owner_token}")
    assert all(isinstance(v, str) for v in claims.values()), claims
    assert {"sub", "iss", "aud", "token_use", "email", "exp", "iat", "cognito:username", "auth_time"} <= set(claims)
    assert claims["token_use"] == "id"
    assert claims["email"] == stack.demo["owner"]["email"]
    raw = jwt.decode(owner_token, options={"verify_signature": False})
    for name in ("exp", "iat"):
        assert datetime.strptime(claims[name], COGNITO_DATE).replace(tzinfo=UTC).timestamp() == raw[name]
    assert claims["auth_time"] == str(raw["auth_time"])
    with pytest.raises(AuthorizationError):
        authorizer.claims(f"Bearer {_tampered(owner_token)}")


# ---------------------------------------------------------------- the gateway's own answers


def test_unknown_path_is_404(owner: ApiClient) -> None:
    for path in ("/nothing-here", "/vaults/a/b/c/d/e/f/g", "/_local/nothing"):
        answer = owner.get(path)
        assert answer.status == 404, (path, answer.body)
        assert error_of(answer) == "not_found"


def test_wrong_method_is_405_with_allow(owner: ApiClient) -> None:
    answer = owner.delete("/vaults")
    assert answer.status == 405, answer.body
    allowed = {m.strip() for m in answer.headers.get("Allow", "").split(",")}
    assert {"GET", "POST"} <= allowed
    assert "DELETE" not in allowed
    assert error_of(answer) == "method_not_allowed"


@pytest.mark.parametrize(
    "size",
    [MAX_PAYLOAD_BYTES + 1, MAX_BODY_BYTES + 1],
    ids=["over-api-gateway-10MB", "over-the-functions-64KB"],
)
def test_body_over_the_limit_is_413(stack: Stack, owner: ApiClient, size: int) -> None:
    # Valid JSON, so that only its size can be refused.
    body = json.dumps({"firstName": "Jean", "lastName": "MARTIN", "note": "x" * size}).encode()
    answer = owner.post(
        f"/vaults/{stack.demo['vaultId']}/persons", body=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status == 413, answer.body[:300]
    assert error_of(answer) == "payload_too_large"
    # Nothing was written.
    persons = owner.request("GET", f"/vaults/{stack.demo['vaultId']}/persons?q=martin").json()["persons"]
    assert persons == []


def test_cors_preflight(stack: Stack) -> None:
    answer = stack.client().request(
        "OPTIONS",
        "/vaults",
        headers={
            "Origin": stack.api_url,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert answer.status in (200, 204), answer.body
    headers = {k.lower(): v for k, v in answer.headers.items()}
    # The stack serves its own front end: FrontendOrigin is the API's URL.
    assert headers.get("access-control-allow-origin") == stack.api_url
    methods = {m.strip().upper() for m in headers.get("access-control-allow-methods", "").split(",")}
    assert {"GET", "POST", "DELETE"} <= methods
    allowed_headers = {h.strip().lower() for h in headers.get("access-control-allow-headers", "").split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed_headers


# ---------------------------------------------------------------- /_local helpers


def test_outbox_answers_json_to_programs(stack: Stack) -> None:
    answer = stack.client().get("/_local/outbox", headers={"Accept": "application/json"})
    assert answer.status == 200, answer.body
    assert answer.headers.get("Content-Type", "").startswith("application/json")
    outbox = answer.json()
    for box in ("emails", "sms", "letters"):
        assert isinstance(outbox[box], list), box


def test_outbox_answers_html_to_people(stack: Stack) -> None:
    for accept in ("text/html,application/xhtml+xml,*/*;q=0.8", "*/*"):
        answer = stack.client().get("/_local/outbox", headers={"Accept": accept})
        assert answer.status == 200, answer.body
        assert answer.headers.get("Content-Type", "").startswith("text/html"), accept
        assert "<html" in answer.text.lower()


def test_clock_moves_forward(stack: Stack) -> None:
    client = stack.client()
    before = client.get("/_local/clock")
    assert before.status == 200, before.body
    started = time.monotonic()
    moved = client.post("/_local/clock", {"advanceSeconds": 3600})
    assert moved.status == 200, moved.body
    after = client.get("/_local/clock")
    elapsed = time.monotonic() - started
    delta = (parse_iso(after.json()["now"]) - parse_iso(before.json()["now"])).total_seconds()
    assert 3600 <= delta <= 3600 + elapsed + 1, delta
    assert parse_iso(moved.json()["now"]) <= parse_iso(after.json()["now"])


@pytest.mark.parametrize(
    "body",
    [
        b'{"advanceSeconds": -1}',
        b'{"advanceSeconds": "3600"}',
        b'{"advanceSeconds": true}',
        b'{"advanceSeconds": null}',
        b'{"seconds": 3600}',
        b"[3600]",
        b"not json",
    ],
)
def test_clock_refuses_bad_bodies(stack: Stack, body: bytes) -> None:
    client = stack.client()
    before = parse_iso(client.get("/_local/clock").json()["now"])
    answer = client.post("/_local/clock", body=body, headers={"Content-Type": "application/json"})
    assert answer.status == 400, (body, answer.status, answer.body)
    error_of(answer)
    after = parse_iso(client.get("/_local/clock").json()["now"])
    assert (after - before).total_seconds() < 60, "a refused body moved the clock"


def test_schedules_run(stack: Stack) -> None:
    answer = stack.client().post("/_local/schedules/run", {})
    assert answer.status == 200, answer.body
    assert isinstance(answer.json(), dict)


# ---------------------------------------------------------------- documents, end to end


def test_document_upload_flow(stack: Stack, owner: ApiClient) -> None:
    vault = stack.demo["vaultId"]
    created = owner.post(f"/vaults/{vault}/dossiers", {"name": f"Factures {uuid.uuid4().hex[:6]}", "kind": "internal"})
    assert created.status == 201, created.body
    dossier = created.json()["dossierId"]

    content = b"%PDF-1.4\n" + os.urandom(3000) + b"\n%%EOF\n"
    document = owner.post(
        f"/vaults/{vault}/dossiers/{dossier}/documents",
        {"fileName": "facture-2026.pdf", "contentType": "application/pdf", "size": len(content)},
    )
    assert document.status == 201, document.body
    body: dict[str, Any] = document.json()
    document_id = body["documentId"]
    assert body["upload"]["url"] and body["upload"]["method"] in ("POST", "PUT")

    complete = f"/vaults/{vault}/dossiers/{dossier}/documents/{document_id}/complete"
    early = owner.post(complete)
    assert early.status == 409, early.body

    assert owner.upload(body["upload"], content, "facture-2026.pdf") in (200, 201, 204)

    completed = owner.post(complete)
    assert completed.status == 200, completed.body
    assert completed.json()["status"] == "available"
    assert completed.json()["size"] == len(content)

    read = owner.get(f"/vaults/{vault}/dossiers/{dossier}")
    assert read.status == 200, read.body
    fields = ("documentId", "fileName", "contentType", "size", "status")
    assert [{k: d.get(k) for k in fields} for d in read.json()["documents"]] == [
        {
            "documentId": document_id,
            "fileName": "facture-2026.pdf",
            "contentType": "application/pdf",
            "size": len(content),
            "status": "available",
        }
    ]
