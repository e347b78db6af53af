"""One-time download links through their real handlers (create_link, download), moto in-process.

Owner side: create (with e-mail, Idempotency-Key), list, revoke. Recipient side: the /share page
and JSON, unlock by code (JSON and form), file redirects inside the 30-minute window.
Helpers here are shared with test_links_attacks.py.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import cache
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import boto3
import pytest
import requests
from moto.ses.models import ses_backends
from vault_share import clock
from vault_share.vault.models import DocumentItem, document_sk, vault_pk

from devstack.outbox import parse_raw_email
from tests import fixtures
from tests.conftest import REGION
from tests.fixtures import ACCOUNT, Api, HttpResult, User, add_member, new_user

BASE_URL = "https://api.vault-share.test/v1"
HEX_ID = re.compile(r"^[0-9a-f]{32}$")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
# A token of >= 128 random bits in base64url is at least 22 characters.
URL = re.compile(r"^https://api\.vault-share\.test/v1/share/(?P<token>[A-Za-z0-9_-]{22,})$")
LEAK = re.compile(r"Traceback|File \"|line \d+, in|\b[A-Z]\w*(Error|Exception)\b|botocore|pynamodb")
HOSTILE_HOST = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
STATUSES_GONE = ("used", "revoked", "expired", "locked")
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
PARIS = ZoneInfo("Europe/Paris")


# ============================================================== plumbing shared with the attack tests


@cache
def aws_client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def call(api: Api, method: str, path: str, body: Any = None, **kwargs: Any) -> HttpResult:
    """api.call, plus what every answer respects: no 5xx, no traceback, errors shaped {"error", "message"}."""
    result = api.call(method, path, body, **kwargs)
    assert result.status < 500, f"{method} {path}: {result.status} {result.body[:500]}"
    assert not LEAK.search(result.body), f"leak in {result.status}: {result.body[:500]}"
    if result.status >= 400 and result.headers.get("Content-Type", "").startswith("application/json"):
        answer = result.json()
        assert SNAKE.match(answer.get("error", "")), result.body
        assert isinstance(answer.get("message"), str) and answer["message"], result.body
    return result


def table_items(env_name: str) -> list[dict[str, Any]]:
    pages = aws_client("dynamodb").get_paginator("scan").paginate(TableName=os.environ[env_name])
    return [item for page in pages for item in page["Items"]]


def item_count(env_name: str) -> int:
    pages = aws_client("dynamodb").get_paginator("scan").paginate(TableName=os.environ[env_name], Select="COUNT")
    return sum(page["Count"] for page in pages)


def counts() -> tuple[int, int, int, int]:
    """Items of the shares, idempotency and vault tables, and e-mails sent: any write changes one."""
    return (
        item_count("SHARES_TABLE"),
        item_count("IDEMPOTENCY_TABLE"),
        item_count("VAULT_TABLE"),
        len(ses_backends[ACCOUNT][REGION].sent_messages),
    )


def sent_emails() -> list[dict[str, Any]]:
    messages = ses_backends[ACCOUNT][REGION].sent_messages
    return [
        {**parse_raw_email(m.raw_data, list(m.destinations or [])), "raw": m.raw_data}
        for m in list(messages)
        if hasattr(m, "raw_data")
    ]


def token_of(url: str) -> str:
    match = URL.match(url)
    assert match, url
    return match["token"]


def link_item(token: str) -> dict[str, Any] | None:
    """The raw DynamoDB item of a link, found the way the design says: by sha256(token)."""
    pk = "LINK#" + hashlib.sha256(token.encode()).hexdigest()
    item: dict[str, Any] | None = (
        aws_client("dynamodb")
        .get_item(TableName=os.environ["SHARES_TABLE"], Key={"pk": {"S": pk}}, ConsistentRead=True)
        .get("Item")
    )
    return item


def attribute(token: str, name: str) -> Any:
    item = link_item(token)
    assert item is not None
    value = item.get(name)
    if value is None:
        return None
    if "N" in value:
        return int(value["N"])
    return value.get("S", value)


def parse_iso(text: str) -> datetime:
    assert ISO_Z.match(text), text
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def floor_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def date_fr(moment: datetime) -> str:
    """'3 décembre 2026 à 17h05', Paris time: how people read the expiry."""
    local = moment.astimezone(PARIS)
    day = "1er" if local.day == 1 else str(local.day)
    return f"{day} {MONTHS_FR[local.month - 1]} {local.year} à {local.hour}h{local.minute:02d}"


def strings_in(value: Any) -> Iterator[str]:
    """Every string (and number, as text) anywhere in a DynamoDB item, keys included."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            yield from strings_in(inner)
    elif isinstance(value, list | tuple | set):
        for inner in value:
            yield from strings_in(inner)
    elif isinstance(value, bytes):
        yield value.decode("latin-1")
    elif value is not None:
        yield str(value)


def assert_absent(secrets: list[str], haystacks: list[str], where: str) -> None:
    for secret in secrets:
        assert len(secret) >= 6
        for text in haystacks:
            assert secret not in text, f"a secret ({len(secret)} chars) is in {where}: {text[:200]!r}"


def assert_share_headers(result: HttpResult) -> None:
    """What every answer of /share carries, page or JSON: nothing leaks by Referer, cache or frame."""
    headers = {k.lower(): v for k, v in result.headers.items()}
    assert headers.get("referrer-policy") == "no-referrer", result.headers
    assert headers.get("cache-control") == "no-store", result.headers
    assert headers.get("x-frame-options") == "DENY", result.headers
    csp = headers.get("content-security-policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("default-src") == "default-src 'none'", csp
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", csp


def is_page(result: HttpResult) -> bool:
    return result.headers.get("Content-Type", "").startswith("text/html")


def assert_french_page(result: HttpResult) -> str:
    assert is_page(result), result.headers
    assert '<html lang="fr"' in result.body
    return result.body


@dataclass(frozen=True)
class Doc:
    document_id: str
    file_name: str
    content_type: str
    content: bytes


@dataclass
class World:
    """A vault with an owner, a dossier of three available documents, and documents it must not share."""

    owner: User
    vault_id: str
    vault_name: str
    dossier_id: str
    docs: list[Doc]
    pending_id: str
    other_dossier_doc: str
    other_vault_id: str
    other_vault_doc: str

    @property
    def links_path(self) -> str:
        return f"/vaults/{self.vault_id}/dossiers/{self.dossier_id}/links"

    def body(self, **extra: Any) -> dict[str, Any]:
        return {"documentIds": [self.docs[0].document_id], **extra}


def ok(result: HttpResult, status: int = 200) -> Any:
    assert result.status == status, f"expected {status}, got {result.status}: {result.body[:500]}"
    return result.json() if result.body else None


def new_vault(api: Api, owner: User, name: str) -> str:
    return fixtures.new_vault(api, owner, name)


def new_dossier(api: Api, owner: User, vault_id: str, name: str = "Clio 4 AB-123-CD") -> str:
    return fixtures.new_dossier(api, owner, vault_id, name)


def new_document(
    api: Api,
    owner: User,
    vault_id: str,
    dossier_id: str,
    file_name: str,
    content: bytes,
    content_type: str = "application/pdf",
    complete: bool = True,
) -> Doc:
    document_id = fixtures.new_document(
        api, owner, vault_id, dossier_id, file_name, content, content_type, complete=complete
    )
    return Doc(document_id, file_name, content_type, content)


def dossier_with_docs(api: Api, owner: User, vault_id: str, count: int = 2) -> tuple[str, list[Doc]]:
    dossier_id = new_dossier(api, owner, vault_id, f"Dossier {uuid.uuid4().hex[:6]}")
    docs = [
        new_document(api, owner, vault_id, dossier_id, f"pièce {i + 1}.pdf", f"%PDF-{i} contenu".encode())
        for i in range(count)
    ]
    return dossier_id, docs


def build_world(api: Api) -> World:
    owner = new_user("owner")
    vault_name = "Garage des Lilas"
    vault_id = new_vault(api, owner, vault_name)
    dossier_id = new_dossier(api, owner, vault_id)
    docs = [
        new_document(api, owner, vault_id, dossier_id, "carte grise.pdf", b"%PDF-1.4 certificat"),
        new_document(api, owner, vault_id, dossier_id, "facture n°12 été.pdf", b"%PDF-1.4 facture"),
        new_document(api, owner, vault_id, dossier_id, "photo.jpg", b"\xff\xd8\xff jpeg", "image/jpeg"),
    ]
    pending = new_document(api, owner, vault_id, dossier_id, "pas encore.pdf", b"12345", complete=False)
    other_dossier = new_dossier(api, owner, vault_id, "Autre dossier")
    other_dossier_doc = new_document(api, owner, vault_id, other_dossier, "autre.pdf", b"autre")
    other_vault = new_vault(api, owner, "Autre coffre")
    other_vault_dossier = new_dossier(api, owner, other_vault)
    other_vault_doc = new_document(api, owner, other_vault, other_vault_dossier, "ailleurs.pdf", b"ailleurs")
    return World(
        owner,
        vault_id,
        vault_name,
        dossier_id,
        docs,
        pending.document_id,
        other_dossier_doc.document_id,
        other_vault,
        other_vault_doc.document_id,
    )


@dataclass
class Created:
    answer: dict[str, Any]

    @property
    def token(self) -> str:
        return token_of(self.answer["url"])

    @property
    def code(self) -> str:
        code: str = self.answer["code"]
        return code

    @property
    def link_id(self) -> str:
        link_id: str = self.answer["linkId"]
        return link_id

    @property
    def share(self) -> str:
        return f"/share/{self.token}"


def create(api: Api, w: World, body: dict[str, Any] | None = None, **kwargs: Any) -> Created:
    kwargs.setdefault("user", w.owner)
    answer = ok(call(api, "POST", w.links_path, body if body is not None else w.body(), **kwargs), 201)
    return Created(answer)


def wrong_code(code: str, shift: int = 1) -> str:
    return f"{(int(code) + shift) % 1_000_000:06d}"


def unlock(api: Api, link: Created, code: str | None = None, **kwargs: Any) -> HttpResult:
    result = call(api, "POST", link.share, {"code": code if code is not None else link.code}, **kwargs)
    assert_share_headers(result)
    return result


def fetch(api: Api, download_url: str, **kwargs: Any) -> HttpResult:
    parts = urlsplit(download_url)
    assert download_url.startswith(BASE_URL + "/share/"), download_url
    result = call(api, "GET", parts.path.removeprefix("/v1"), query=parts.query, **kwargs)
    assert_share_headers(result)
    return result


@pytest.fixture(scope="module")
def world(api: Api) -> World:
    return build_world(api)


@pytest.fixture(autouse=True)
def _clock_back() -> Iterator[None]:
    yield
    clock.reset()


@pytest.fixture
def writes_nothing() -> Iterator[None]:
    before = counts()
    yield
    assert counts() == before, "a refused request wrote or sent something"


# ============================================================== create


def test_create_answers_the_contract(api: Api, world: World) -> None:
    order = [world.docs[2], world.docs[0], world.docs[1]]
    before = floor_ms(clock.now())
    emails_before = len(sent_emails())
    result = call(
        api, "POST", world.links_path, {"documentIds": [d.document_id for d in order]}, user=world.owner,
        headers=HOSTILE_HOST,
    )  # fmt: skip
    after = clock.now()
    answer = ok(result, 201)
    assert result.headers.get("Cache-Control") == "no-store"
    assert set(answer) >= {"linkId", "url", "code", "status", "expiresAt", "recipientEmail", "email", "documents"}
    assert HEX_ID.match(answer["linkId"])
    # Built from PUBLIC_BASE_URL, whatever Host the request claimed.
    token = token_of(answer["url"])
    assert "evil" not in answer["url"]
    assert re.fullmatch(r"[0-9]{6}", answer["code"])
    assert answer["status"] == "active"
    assert before + timedelta(hours=168) <= parse_iso(answer["expiresAt"]) <= after + timedelta(hours=168)
    assert answer["recipientEmail"] is None
    assert answer["email"] == {"status": "not_requested"}
    assert answer["documents"] == [{"documentId": d.document_id, "fileName": d.file_name} for d in order]
    assert len(sent_emails()) == emails_before

    # Stored under sha256(token), with neither the token nor the code in clear.
    item = link_item(token)
    assert item is not None
    assert item["linkId"]["S"] == answer["linkId"] and item["status"]["S"] == "active"
    assert_absent([token, answer["code"]], list(strings_in(item)), "the link item")
    # And it works: the recipient sees it, in the order given.
    summary = ok(call(api, "GET", f"/share/{token}"))
    assert (summary["status"], summary["documentCount"], summary["sender"]) == ("active", 3, world.vault_name)
    unlocked = ok(call(api, "POST", f"/share/{token}", {"code": answer["code"]}))
    assert [d["documentId"] for d in unlocked["documents"]] == [d.document_id for d in order]


def test_each_link_has_its_own_token_and_id(api: Api, world: World) -> None:
    first, second = create(api, world), create(api, world)
    assert first.token != second.token and first.link_id != second.link_id
    assert len({first.token, second.token, first.link_id, second.link_id}) == 4


def test_a_typed_code_and_expiry_are_kept(api: Api, world: World) -> None:
    before = floor_ms(clock.now())
    link = create(api, world, world.body(code="012345", expiresInHours=1))
    after = clock.now()
    assert link.code == "012345"
    assert before + timedelta(hours=1) <= parse_iso(link.answer["expiresAt"]) <= after + timedelta(hours=1)
    assert unlock(api, link, "000000").status == 403  # only the typed code opens it
    assert unlock(api, link, "012345").status == 200


@pytest.mark.parametrize("hours", [1, 720])
def test_expiry_bounds_are_accepted(api: Api, world: World, hours: int) -> None:
    before = floor_ms(clock.now())
    link = create(api, world, world.body(expiresInHours=hours))
    expires = parse_iso(link.answer["expiresAt"])
    assert before + timedelta(hours=hours) <= expires <= clock.now() + timedelta(hours=hours)


def test_fifty_documents_are_accepted(api: Api, world: World) -> None:
    dossier_id = new_dossier(api, world.owner, world.vault_id, "Cinquante pièces")
    ids = [uuid.uuid4().hex for _ in range(50)]
    for i, doc_id in enumerate(ids):
        DocumentItem(
            vault_pk(world.vault_id),
            document_sk(dossier_id, doc_id),
            document_id=doc_id,
            dossier_id=dossier_id,
            file_name=f"page {i:02d}.pdf",
            content_type="application/pdf",
            size=10,
            status="available",
            s3_key=f"vaults/{world.vault_id}/dossiers/{dossier_id}/{doc_id}",
            created_at=clock.iso(clock.now()),
        ).save()
    path = f"/vaults/{world.vault_id}/dossiers/{dossier_id}/links"
    answer = ok(call(api, "POST", path, {"documentIds": list(reversed(ids))}, user=world.owner), 201)
    assert [d["documentId"] for d in answer["documents"]] == list(reversed(ids))
    assert ok(call(api, "GET", f"/share/{token_of(answer['url'])}"))["documentCount"] == 50


def test_the_link_is_emailed_without_the_code(api: Api, world: World) -> None:
    before = len(sent_emails())
    message = "Bonjour, voici les pièces <b>demandées</b> & la facture."
    link = create(api, world, world.body(recipientEmail="  Alice.Martin@Example.FR ", message=message, code="482913"))
    assert link.answer["email"] == {"status": "sent"}
    assert link.answer["recipientEmail"] == "alice.martin@example.fr"
    emails = sent_emails()
    assert len(emails) == before + 1
    mail = emails[-1]
    assert mail["to"] == ["alice.martin@example.fr"]
    assert mail["text"] and mail["html"], "text and HTML parts"
    url = link.answer["url"]
    expires = date_fr(parse_iso(link.answer["expiresAt"]))
    assert world.vault_name in mail["subject"]
    for part, shown_message in ((mail["text"], message), (mail["html"], "voici les pièces &lt;b&gt;demandées")):
        assert world.vault_name in part
        assert shown_message in part
        assert url in part
        assert expires in part, (expires, part)
        assert re.search(r"\b(Bonjour|vous|lien)\b", part) and "é" in part  # French
    assert "<b>demandées</b>" not in mail["html"], "the owner's message is escaped"
    assert f'href="{url}"' in mail["html"]
    # The code travels by another channel: never in this message.
    assert_absent([link.code], [mail["subject"], mail["text"], mail["html"]], "the e-mail")


def test_a_generated_code_is_not_emailed_either(api: Api, world: World) -> None:
    before = len(sent_emails())
    link = create(api, world, world.body(recipientEmail="bob@example.fr"))
    assert link.answer["email"] == {"status": "sent"}
    [mail] = sent_emails()[before:]
    assert link.answer["url"] in mail["text"]
    assert_absent([link.code], [mail["subject"], mail["text"], mail["html"]], "the e-mail")


@pytest.mark.parametrize("vault_name", ["Garage\nDes Lilas", 'Dupont, "Fils" & Cie', "Éric <eric@evil.example>"])
def test_any_vault_name_can_send_the_email(api: Api, vault_name: str) -> None:
    owner = new_user("owner")
    vault_id = new_vault(api, owner, vault_name)
    dossier_id, docs = dossier_with_docs(api, owner, vault_id, 1)
    path = f"/vaults/{vault_id}/dossiers/{dossier_id}/links"
    body = {"documentIds": [docs[0].document_id], "recipientEmail": "jules@example.fr"}
    answer = ok(call(api, "POST", path, body, user=owner), 201)
    assert answer["email"] == {"status": "sent"}
    raw = ses_backends[ACCOUNT][REGION].sent_messages[-1].raw_data
    message = email.message_from_string(raw, policy=email.policy.default)
    assert str(message["Subject"]) == f"{' '.join(vault_name.split())} vous transmet 1 document"
    # One sender, ours, however the header is read (parsed, or decoded then read as text).
    [sender] = message["From"].addresses
    assert sender.addr_spec == "no-reply@vault-share.test"
    assert parseaddr(str(message["From"]))[1] == "no-reply@vault-share.test"
    assert sender.display_name.endswith(" via vault-share")
    assert not re.search(r"[<>@\n]", sender.display_name), sender.display_name
    words = re.findall(r"\w+", vault_name)
    assert re.findall(r"\w+", sender.display_name) == [*words, "via", "vault", "share"]
    assert str(message["To"]) == "jules@example.fr"


def test_a_failed_email_keeps_a_working_link(api: Api, world: World) -> None:
    ses = aws_client("ses")
    ses.delete_identity(Identity="vault-share.test")  # SES now refuses the sender
    try:
        before = counts()
        link = create(api, world, world.body(recipientEmail="carol@example.fr"))
        after = counts()
    finally:
        ses.verify_domain_identity(Domain="vault-share.test")
    assert link.answer["email"] == {"status": "failed"}
    assert link.answer["recipientEmail"] == "carol@example.fr"
    assert after[0] == before[0] + 1 and after[3] == before[3], "the link is stored, no e-mail went"
    assert ok(call(api, "GET", link.share))["status"] == "active"
    assert unlock(api, link).status == 200


def test_a_member_creates_links_too(api: Api, world: World) -> None:
    member = new_user("member")
    add_member(world.vault_id, member, "member")
    link = create(api, world, user=member)
    listed = ok(call(api, "GET", world.links_path, user=world.owner))["links"]
    assert [x["createdBy"] for x in listed if x["linkId"] == link.link_id] == [member.user_id]


def test_who_may_create(api: Api, world: World) -> None:
    guest = new_user("guest")
    add_member(world.vault_id, guest, "guest")
    before = counts()  # the membership above is not the request's doing
    body = world.body(recipientEmail="dan@example.fr")
    assert call(api, "POST", world.links_path, body, user=guest).status == 403
    assert call(api, "POST", world.links_path, body, user=new_user("stranger")).status == 404
    unknown_dossier = f"/vaults/{world.vault_id}/dossiers/{'0' * 32}/links"
    answer = call(api, "POST", unknown_dossier, body, user=world.owner)
    assert (answer.status, answer.json()["error"]) == (404, "dossier_not_found")
    unknown_vault = f"/vaults/{'0' * 32}/dossiers/{world.dossier_id}/links"
    assert call(api, "POST", unknown_vault, body, user=world.owner).status == 404
    # The owner of another vault cannot reach this dossier through it.
    other = f"/vaults/{world.other_vault_id}/dossiers/{world.dossier_id}/links"
    assert call(api, "POST", other, body, user=world.owner).status == 404
    assert counts() == before


# ============================================================== Idempotency-Key


def idempotency_strings() -> list[str]:
    return [s for item in table_items("IDEMPOTENCY_TABLE") for s in strings_in(item)]


def test_a_retried_create_answers_the_first_answer(api: Api, world: World) -> None:
    before = counts()
    key = f"retry-{uuid.uuid4()}"
    body = world.body(recipientEmail="erin@example.fr", message="Bonne réception")
    first = ok(call(api, "POST", world.links_path, body, user=world.owner, headers={"Idempotency-Key": key}), 201)
    # The header's name is case-insensitive (HTTP/2 clients send it lower-case).
    second = ok(call(api, "POST", world.links_path, body, user=world.owner, headers={"idempotency-key": key}), 201)
    assert second == first
    assert (first["email"], first["recipientEmail"]) == ({"status": "sent"}, "erin@example.fr")
    after = counts()
    assert after[0] == before[0] + 1, "exactly one link stored"
    assert after[3] == before[3] + 1, "exactly one e-mail sent"
    link = Created(first)
    assert unlock(api, link).status == 200
    assert_absent([link.token, link.code], idempotency_strings(), "the idempotency table")


def plain_payload_hash(body: dict[str, Any]) -> str:
    """How Powertools hashes the payload it validates retries against (md5 of sorted JSON)."""
    defaults = {"code": None, "recipientEmail": None, "expiresInHours": 168, "message": None}
    full = {**defaults, **body}
    return hashlib.md5(json.dumps(full, sort_keys=True).encode()).hexdigest()


def create_with_key(api: Api, w: World, body: dict[str, Any], key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answer, and the idempotency record the create left."""
    before = {item["id"]["S"] for item in table_items("IDEMPOTENCY_TABLE")}
    answer = ok(call(api, "POST", w.links_path, body, user=w.owner, headers={"Idempotency-Key": key}), 201)
    [record] = [item for item in table_items("IDEMPOTENCY_TABLE") if item["id"]["S"] not in before]
    return answer, record


def test_a_retried_create_with_a_typed_code(api: Api, world: World) -> None:
    # Control: without a code, the record's validation hash is the plain hash of the body.
    plain = world.body(message="contrôle")
    _, record = create_with_key(api, world, plain, f"plain-{uuid.uuid4()}")
    assert record["validation"]["S"] == plain_payload_hash(plain)

    key = f"typed-{uuid.uuid4()}"
    body = world.body(code="731946")
    first, record = create_with_key(api, world, body, key)
    second = ok(call(api, "POST", world.links_path, body, user=world.owner, headers={"Idempotency-Key": key}), 201)
    assert first == second and first["code"] == "731946"
    assert_absent([token_of(first["url"]), "731946"], list(strings_in(record)), "the idempotency record")
    # Six digits hashed without a secret would fall to a million tries: the hash must not be that one.
    assert record["validation"]["S"] != plain_payload_hash(body)
    # And the typed code still decides: the same key with another code is another request.
    other = call(
        api, "POST", world.links_path, world.body(code="731947"), user=world.owner, headers={"Idempotency-Key": key}
    )
    assert (other.status, other.json()["error"]) == (422, "idempotency_key_reused")


def test_the_idempotency_table_keeps_nothing_a_link_can_be_rebuilt_from(api: Api, world: World) -> None:
    """Not the token, not the code, and no seed either: whoever reads the table and the pepper
    (the download role reads the pepper) rebuilds nothing; the answer is sealed under KMS."""
    answer, record = create_with_key(api, world, world.body(recipientEmail="gina@example.fr"), f"k-{uuid.uuid4()}")
    token, code = token_of(answer["url"]), answer["code"]
    pepper = aws_client("secretsmanager").get_secret_value(SecretId=os.environ["PEPPER_SECRET_ARN"])["SecretString"]
    found = list(strings_in(record))
    assert_absent([token, code], found, "the idempotency record")
    for text in found:
        for part in {text, *re.findall(r"[A-Za-z0-9_\-]{20,}", text)}:
            # How a seed used to rebuild the token (HMAC under the pepper): nothing here does.
            digest = hmac.new(pepper.encode(), f"link-token:{part}".encode(), hashlib.sha256).digest()
            assert base64.urlsafe_b64encode(digest).decode().rstrip("=") != token
    stored = json.loads(record["data"]["S"])
    assert set(stored) == {"sealed"}
    with pytest.raises(aws_client("kms").exceptions.InvalidCiphertextException):
        # Another caller's context: KMS refuses to open it.
        aws_client("kms").decrypt(
            CiphertextBlob=base64.b64decode(stored["sealed"]),
            EncryptionContext={"purpose": "create-link-answer", "userId": "someone-else", "vaultId": world.vault_id},
        )


def test_a_key_reused_for_another_body_is_422(api: Api, world: World) -> None:
    key = f"reuse-{uuid.uuid4()}"
    headers = {"Idempotency-Key": key}
    first = ok(call(api, "POST", world.links_path, world.body(message="un"), user=world.owner, headers=headers), 201)
    before = counts()
    for body in (
        world.body(message="deux"),
        world.body(message="un", recipientEmail="frank@example.fr"),
        {"documentIds": [world.docs[1].document_id], "message": "un"},
    ):
        answer = call(api, "POST", world.links_path, body, user=world.owner, headers=headers)
        assert (answer.status, answer.json()["error"]) == (422, "idempotency_key_reused"), answer.body
    assert counts() == before
    again = ok(call(api, "POST", world.links_path, world.body(message="un"), user=world.owner, headers=headers), 201)
    assert again == first


def test_the_key_belongs_to_its_user(api: Api, world: World) -> None:
    member = new_user("member")
    add_member(world.vault_id, member, "member")
    headers = {"Idempotency-Key": "same-key-for-both"}
    mine = ok(call(api, "POST", world.links_path, world.body(), user=world.owner, headers=headers), 201)
    theirs = ok(call(api, "POST", world.links_path, world.body(), user=member, headers=headers), 201)
    assert mine["linkId"] != theirs["linkId"] and mine["url"] != theirs["url"]
    # And to its dossier: the same key elsewhere is another request.
    dossier_id, docs = dossier_with_docs(api, world.owner, world.vault_id, 1)
    path = f"/vaults/{world.vault_id}/dossiers/{dossier_id}/links"
    elsewhere = ok(
        call(api, "POST", path, {"documentIds": [docs[0].document_id]}, user=world.owner, headers=headers), 201
    )
    assert elsewhere["linkId"] not in (mine["linkId"], theirs["linkId"])


def test_a_key_of_128_characters_is_accepted(api: Api, world: World) -> None:
    key = ("k" * 128)[:-36] + str(uuid.uuid4())
    assert len(key) == 128
    first = ok(
        call(api, "POST", world.links_path, world.body(), user=world.owner, headers={"Idempotency-Key": key}), 201
    )
    again = ok(
        call(api, "POST", world.links_path, world.body(), user=world.owner, headers={"Idempotency-Key": key}), 201
    )
    assert first == again


@pytest.mark.parametrize("key", ["", "k" * 129, "a b", "tab\there", "nul\x00", "bell\x07", "é-accent", "line\nbreak"])
def test_invalid_idempotency_keys_are_400(api: Api, world: World, key: str, writes_nothing: None) -> None:
    body = world.body(recipientEmail="gina@example.fr")
    answer = call(api, "POST", world.links_path, body, user=world.owner, headers={"Idempotency-Key": key})
    assert answer.status == 400, answer.body
    assert answer.json()["error"] == "invalid_idempotency_key"


# ============================================================== bad creates write nothing


BAD_BODIES: dict[str, Callable[[World], Any]] = {
    "no documents": lambda w: {"recipientEmail": "x@example.fr"},
    "empty list": lambda w: {"documentIds": []},
    "51 documents": lambda w: {"documentIds": [uuid.uuid4().hex for _ in range(51)]},
    "duplicates": lambda w: {"documentIds": [w.docs[0].document_id, w.docs[1].document_id, w.docs[0].document_id]},
    "documentIds not a list": lambda w: {"documentIds": w.docs[0].document_id},
    "another dossier's document": lambda w: {"documentIds": [w.docs[0].document_id, w.other_dossier_doc]},
    "another vault's document": lambda w: {"documentIds": [w.other_vault_doc]},
    "a pending document": lambda w: {"documentIds": [w.docs[0].document_id, w.pending_id]},
    "an unknown document": lambda w: {"documentIds": [uuid.uuid4().hex]},
    "a document id with a key separator": lambda w: {"documentIds": [f"{w.docs[0].document_id}#DOC#x"]},
    "5-digit code": lambda w: w.body(code="12345"),
    "7-digit code": lambda w: w.body(code="1234567"),
    "letters in the code": lambda w: w.body(code="12a456"),
    "Arabic-Indic digits": lambda w: w.body(code="١٢٣٤٥٦"),
    "code with a newline": lambda w: w.body(code="123456\n"),
    "code as a number": lambda w: w.body(code=123456),
    "expiresInHours 0": lambda w: w.body(expiresInHours=0),
    "expiresInHours 721": lambda w: w.body(expiresInHours=721),
    "expiresInHours as text": lambda w: w.body(expiresInHours="12"),
    "expiresInHours 1.5": lambda w: w.body(expiresInHours=1.5),
    "expiresInHours true": lambda w: w.body(expiresInHours=True),
    "bad e-mail": lambda w: w.body(recipientEmail="pas-une-adresse"),
    "half an e-mail": lambda w: w.body(recipientEmail="jean@"),
    "message of 501 characters": lambda w: w.body(message="é" * 501),
    "unknown field": lambda w: w.body(sendSms=True),
    "snake_case name": lambda w: {"document_ids": [w.docs[0].document_id]},
    "not an object": lambda w: [w.body()],
}


@pytest.mark.parametrize("with_key", [False, True], ids=["plain", "idempotency-key"])
@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_a_bad_create_is_4xx_and_writes_nothing(api: Api, world: World, case: str, with_key: bool) -> None:
    body = BAD_BODIES[case](world)
    if isinstance(body, dict):
        body.setdefault("recipientEmail", "henri@example.fr")  # so that a wrong success would also send
    headers = {"Idempotency-Key": str(uuid.uuid4())} if with_key else {}
    before = counts()
    answer = call(api, "POST", world.links_path, body, user=world.owner, headers=headers)
    assert answer.status in (400, 422), f"{case}: {answer.status} {answer.body}"
    assert counts() == before, f"{case} wrote or sent something"


@pytest.mark.parametrize("raw", [b"", b"{", b'{"documentIds": [', b"null", b'"x"', b"\xff\xfe"])
def test_a_body_that_is_not_json_writes_nothing(api: Api, world: World, raw: bytes, writes_nothing: None) -> None:
    answer = call(
        api, "POST", world.links_path, user=world.owner, raw_body=raw, headers={"Content-Type": "application/json"}
    )
    assert answer.status in (400, 422), answer.body


# ============================================================== list


def test_list_shows_every_status_newest_first(api: Api, world: World) -> None:
    dossier_id, docs = dossier_with_docs(api, world.owner, world.vault_id, 2)
    w = World(world.owner, world.vault_id, world.vault_name, dossier_id, docs, "", "", "", "")
    assert ok(call(api, "GET", w.links_path, user=world.owner)) == {"links": [], "nextCursor": None}

    def step() -> None:
        clock.advance(0.01)  # distinct createdAt, whatever the machine's speed

    active = create(api, w, w.body(recipientEmail="ines@example.fr"))
    assert unlock(api, active, wrong_code(active.code)).status == 403
    assert unlock(api, active, wrong_code(active.code, 2)).status == 403
    step()
    used = create(api, w, {"documentIds": [docs[1].document_id, docs[0].document_id]})
    opened = ok(unlock(api, used))
    assert fetch(api, opened["documents"][1]["downloadUrl"]).status == 302
    step()
    revoked = create(api, w)
    assert call(api, "DELETE", f"/vaults/{w.vault_id}/links/{revoked.link_id}", user=world.owner).status == 204
    step()
    locked = create(api, w)
    for shift in range(1, 6):
        unlock(api, locked, wrong_code(locked.code, shift))
    step()
    expired = create(api, w, w.body(expiresInHours=1))
    clock.advance(3601)

    links = ok(call(api, "GET", w.links_path, user=world.owner))["links"]
    assert [x["linkId"] for x in links] == [x.link_id for x in (expired, locked, revoked, used, active)]
    by_id = {x["linkId"]: x for x in links}
    assert {x["linkId"]: x["status"] for x in links} == {
        active.link_id: "active",
        used.link_id: "used",
        revoked.link_id: "revoked",
        locked.link_id: "locked",
        expired.link_id: "expired",
    }
    assert {x["linkId"]: x["failedAttempts"] for x in links} == {
        active.link_id: 2,
        used.link_id: 0,
        revoked.link_id: 0,
        locked.link_id: 5,
        expired.link_id: 0,
    }
    first = by_id[active.link_id]
    assert first["createdAt"] < by_id[used.link_id]["createdAt"]
    assert (first["createdBy"], first["recipientEmail"], first["usedAt"]) == (
        world.owner.user_id,
        "ines@example.fr",
        None,
    )
    assert first["expiresAt"] == active.answer["expiresAt"]
    assert first["documents"] == [
        {"documentId": docs[0].document_id, "fileName": docs[0].file_name, "downloadedAt": None}
    ]
    # The used link: when, and which document was fetched (in the order given at creation).
    item_used_at = attribute(used.token, "usedAt")
    assert by_id[used.link_id]["usedAt"] == item_used_at
    [second_doc, first_doc] = by_id[used.link_id]["documents"]
    assert (second_doc["documentId"], second_doc["downloadedAt"]) == (docs[1].document_id, None)
    assert first_doc["documentId"] == docs[0].document_id
    assert parse_iso(first_doc["downloadedAt"]) >= parse_iso(item_used_at)
    for listed in links:
        assert_absent([x.token for x in (active, used, revoked, locked, expired)], list(strings_in(listed)), "the list")
        assert "code" not in listed


def test_who_may_list(api: Api, world: World) -> None:
    guest = new_user("guest")
    add_member(world.vault_id, guest, "guest")
    assert call(api, "GET", world.links_path, user=guest).status == 403
    assert call(api, "GET", world.links_path, user=new_user("stranger")).status == 404
    unknown = f"/vaults/{world.vault_id}/dossiers/{'0' * 32}/links"
    assert call(api, "GET", unknown, user=world.owner).status == 404
    assert (
        call(api, "GET", f"/vaults/{world.other_vault_id}/dossiers/{world.dossier_id}/links", user=world.owner).status
        == 404
    )


def test_a_dossiers_links_come_a_page_at_a_time(api: Api, world: World) -> None:
    dossier_id, docs = dossier_with_docs(api, world.owner, world.vault_id, 1)
    w = World(world.owner, world.vault_id, world.vault_name, dossier_id, docs, "", "", "", "")
    created = []
    for _ in range(7):
        clock.advance(0.01)  # distinct createdAt, whatever the machine's speed
        created.append(create(api, w).link_id)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = ok(call(api, "GET", w.links_path, user=world.owner, query=query))
        seen += [x["linkId"] for x in page["links"]]
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
        assert len(page["links"]) == 3
    assert (seen, pages) == (created[::-1], 3), "newest first, each once, the last page says so"
    first = ok(call(api, "GET", w.links_path, user=world.owner, query="limit=3"))["nextCursor"]
    # A cursor belongs to its dossier; a limit is 1 to 100.
    other = call(api, "GET", world.links_path, user=world.owner, query=f"limit=3&cursor={first}")
    assert (other.status, other.json()["error"]) == (400, "invalid_cursor")
    for limit in ("0", "101", "x"):
        assert call(api, "GET", w.links_path, user=world.owner, query=f"limit={limit}").status == 422


# ============================================================== revoke


def revoke(api: Api, w: World, link: Created, user: User | None = None, vault_id: str | None = None) -> HttpResult:
    return call(api, "DELETE", f"/vaults/{vault_id or w.vault_id}/links/{link.link_id}", user=user or w.owner)


def test_revoke_then_the_link_is_gone(api: Api, world: World) -> None:
    link = create(api, world)
    answer = revoke(api, world, link)
    assert (answer.status, answer.body) == (204, "")
    for method, body in (("GET", None), ("POST", {"code": link.code})):
        gone = call(api, method, link.share, body)
        assert_share_headers(gone)
        assert gone.status == 410
        assert {k: gone.json()[k] for k in ("error", "status")} == {"error": "link_revoked", "status": "revoked"}
    again = revoke(api, world, link)
    assert again.status == 409
    assert {k: again.json()[k] for k in ("error", "status")} == {"error": "link_not_active", "status": "revoked"}
    assert attribute(link.token, "revokedBy") == world.owner.user_id


def test_revoking_a_link_that_is_no_longer_active_is_409(api: Api, world: World) -> None:
    used = create(api, world)
    assert unlock(api, used).status == 200
    locked = create(api, world)
    for shift in range(1, 6):
        unlock(api, locked, wrong_code(locked.code, shift))
    expired = create(api, world, world.body(expiresInHours=1))
    clock.advance(3600)  # exactly at expiresAt: already over
    for link, status in ((used, "used"), (locked, "locked"), (expired, "expired")):
        item = link_item(link.token)
        answer = revoke(api, world, link)
        assert answer.status == 409, answer.body
        assert {k: answer.json()[k] for k in ("error", "status")} == {"error": "link_not_active", "status": status}
        assert link_item(link.token) == item


def test_revoke_is_scoped_to_the_vault(api: Api, world: World) -> None:
    link = create(api, world)
    item = link_item(link.token)
    # The owner's other vault, another owner's vault, a stranger, an unknown id: 404, never a hint.
    assert revoke(api, world, link, vault_id=world.other_vault_id).status == 404
    intruder = new_user("intruder")
    theirs = new_vault(api, intruder, "Leur coffre")
    assert revoke(api, world, link, user=intruder, vault_id=theirs).status == 404
    assert revoke(api, world, link, user=intruder).status == 404
    unknown = call(api, "DELETE", f"/vaults/{world.vault_id}/links/{'0' * 32}", user=world.owner)
    assert unknown.status == 404
    guest = new_user("guest")
    add_member(world.vault_id, guest, "guest")
    assert revoke(api, world, link, user=guest).status == 403
    assert link_item(link.token) == item
    assert ok(call(api, "GET", link.share))["status"] == "active"


# ============================================================== recipient: the page and its JSON


def test_share_json_describes_the_link_without_secrets(api: Api, world: World) -> None:
    link = create(api, world, {"documentIds": [d.document_id for d in world.docs]})
    result = call(api, "GET", link.share)
    assert_share_headers(result)
    answer = ok(result)
    assert {k: answer[k] for k in ("status", "sender", "documentCount", "expiresAt")} == {
        "status": "active",
        "sender": world.vault_name,
        "documentCount": 3,
        "expiresAt": link.answer["expiresAt"],
    }
    assert_absent([link.code], [result.body], "the summary")
    for name in ("documents", "code", "codeMac", "downloadUrl"):
        assert name not in answer


def test_share_page_for_browsers(api: Api, world: World) -> None:
    link = create(api, world, {"documentIds": [d.document_id for d in world.docs], "message": "Voir <ici>"})
    result = call(api, "GET", link.share, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert result.status == 200
    assert_share_headers(result)
    page = assert_french_page(result)
    assert world.vault_name in page
    assert "3 documents" in page
    assert date_fr(parse_iso(link.answer["expiresAt"])) in page
    assert "Voir &lt;ici&gt;" in page and "<ici>" not in page
    form = re.search(r"<form\b[^>]*>(.*?)</form>", page, re.S)
    assert form and 'method="post"' in form.group(0)
    field = re.search(r"<input\b[^>]*\bname=\"code\"[^>]*>", form.group(1))
    assert field, form.group(1)
    input_id = re.search(r'\bid="([^"]+)"', field.group(0))
    assert input_id and re.search(rf'<label\b[^>]*\bfor="{input_id.group(1)}"', form.group(1)), "a labelled input"
    assert 'maxlength="6"' in field.group(0) and "[0-9]{6}" in field.group(0)
    assert 'inputmode="numeric"' in field.group(0)
    assert_absent([link.code], [page], "the page")
    # No third-party resource: nothing to send a Referer to.
    assert not re.search(r"<(script|img|link|iframe)\b", page)


@pytest.mark.parametrize("token", ["A" * 43, "x", "A" * 300, "..%2F..", "a" * 20])
def test_unknown_tokens_are_404(api: Api, world: World, token: str, writes_nothing: None) -> None:
    for method, body in (("GET", None), ("POST", {"code": "123456"})):
        answer = call(api, method, f"/share/{token}", body)
        assert_share_headers(answer)
        assert answer.status == 404, answer.body
        page = call(api, method, f"/share/{token}", body, headers={"Accept": "text/html"})
        assert_share_headers(page)
        assert page.status == 404
        assert "introuvable" in assert_french_page(page)
    assert call(api, "HEAD", f"/share/{token}").status == 404


def make_gone(api: Api, w: World, status: str) -> Created:
    if status == "expired":
        link = create(api, w, w.body(expiresInHours=1))
        clock.advance(3600 + 1)
        assert attribute(link.token, "status") == "active"  # no sweep ran: the time decides
        return link
    link = create(api, w)
    if status == "used":
        assert unlock(api, link).status == 200
    elif status == "revoked":
        assert revoke(api, w, link).status == 204
    else:
        for shift in range(1, 6):
            unlock(api, link, wrong_code(link.code, shift))
    return link


@pytest.mark.parametrize("status", STATUSES_GONE)
def test_a_link_that_is_no_longer_active_is_410(api: Api, world: World, status: str) -> None:
    link = make_gone(api, world, status)
    item = link_item(link.token)
    expected = {"error": f"link_{status}", "status": status}
    for method, body in (("GET", None), ("POST", {"code": link.code}), ("POST", {"code": wrong_code(link.code)})):
        answer = call(api, method, link.share, body)
        assert_share_headers(answer)
        assert answer.status == 410, answer.body
        assert {k: answer.json()[k] for k in expected} == expected
        page = call(api, method, link.share, body, headers={"Accept": "text/html"})
        assert_share_headers(page)
        assert page.status == 410
        text = assert_french_page(page)
        assert "<form" not in text and "Lien" in text
    form = call(
        api, "POST", link.share, raw_body=f"code={link.code}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
    )  # fmt: skip
    assert form.status == 410 and is_page(form)
    assert call(api, "HEAD", link.share).status == 410
    assert link_item(link.token) == item, "refusals change nothing"


# ============================================================== recipient: unlock and download


def test_unlock_with_the_right_code(api: Api, world: World) -> None:
    link = create(api, world, {"documentIds": [world.docs[1].document_id, world.docs[2].document_id]})
    before = floor_ms(clock.now())
    result = unlock(api, link)
    after = clock.now()
    answer = ok(result)
    assert result.headers["Content-Type"].startswith("application/json")
    expected = [world.docs[1], world.docs[2]]
    assert [{k: d[k] for k in ("documentId", "fileName", "contentType", "size")} for d in answer["documents"]] == [
        {"documentId": d.document_id, "fileName": d.file_name, "contentType": d.content_type, "size": len(d.content)}
        for d in expected
    ]
    until = parse_iso(answer["downloadsExpireAt"])
    assert before + timedelta(minutes=30) <= until <= after + timedelta(minutes=30)
    used_at = parse_iso(attribute(link.token, "usedAt"))
    assert until == used_at + timedelta(minutes=30)
    assert attribute(link.token, "status") == "used"
    for doc in answer["documents"]:
        url = urlsplit(doc["downloadUrl"])
        assert f"{url.scheme}://{url.netloc}{url.path}" == f"{link.answer['url']}/files/{doc['documentId']}"
        assert parse_qs(url.query)["grant"][0]
    # Once used, the right code opens nothing.
    again = unlock(api, link)
    assert again.status == 410
    assert {k: again.json()[k] for k in ("error", "status")} == {"error": "link_used", "status": "used"}


def test_unlock_with_a_form_post(api: Api, world: World) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    link = create(api, world)
    answer = call(api, "POST", link.share, raw_body=f"code={link.code}".encode(), headers=form)
    assert_share_headers(answer)
    assert ok(answer)["documents"][0]["documentId"] == world.docs[0].document_id

    link = create(api, world, {"documentIds": [world.docs[0].document_id, world.docs[1].document_id]})
    page = call(
        api, "POST", link.share, raw_body=f"code={link.code}".encode(),
        headers={**form, "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", "Accept": "text/html"},
    )  # fmt: skip
    assert page.status == 200
    assert_share_headers(page)
    text = assert_french_page(page)
    links = re.findall(r'<a\b[^>]*href="([^"]+)"', text)
    assert len(links) == 2 and all(h.startswith(link.answer["url"] + "/files/") for h in links)
    for doc in world.docs[:2]:
        assert doc.file_name in text or doc.file_name.replace("°", "&#176;") in text
    href = links[0].replace("&amp;", "&")
    # The page's URLs hold no grant: the browser brings it back in the cookie the page set.
    assert fetch(api, href).status == 404, "a URL copied from the page opens nothing on its own"
    assert fetch(api, href, headers={"Cookie": grant_cookie(page).split(";")[0]}).status == 302


def submit_page_form(api: Api, link: Created, code: str) -> HttpResult:
    """The code form as a browser without JavaScript posts it."""
    return call(
        api, "POST", link.share, raw_body=f"code={code}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
    )  # fmt: skip


def grant_cookie(page: HttpResult) -> str:
    [cookie] = [v for k, v in page.headers.items() if k.lower() == "set-cookie"]
    return cookie


def test_the_download_page_keeps_its_grant_in_a_cookie(api: Api, world: World) -> None:
    link = create(api, world)
    page = submit_page_form(api, link, link.code)
    assert page.status == 200
    cookie = grant_cookie(page)
    name_value, *attributes = [part.strip() for part in cookie.split(";")]
    name, grant = name_value.split("=", 1)
    flags = {key.lower(): value for key, _, value in (a.partition("=") for a in attributes)}
    assert {"httponly", "secure"} <= set(flags), cookie
    assert flags["samesite"] == "Strict"
    assert flags["path"] == urlsplit(link.answer["url"]).path, "scoped to this link's path"
    assert int(flags["max-age"]) == 1800
    assert len(grant) >= 32
    assert_absent([grant], [page.body], "the download page")
    [href] = [h.replace("&amp;", "&") for h in re.findall(r'<a\b[^>]*href="([^"]+)"', page.body)]
    assert fetch(api, href, headers={"Cookie": f"{name}={grant}"}).status == 302
    assert fetch(api, href, headers={"Cookie": f"{name}={grant[::-1]}"}).status == 410


def test_revoke_ends_a_used_links_download_window(api: Api, world: World) -> None:
    link = create(api, world)
    url = ok(unlock(api, link))["documents"][0]["downloadUrl"]
    assert fetch(api, url).status == 302
    assert revoke(api, world, link).status == 204
    assert status_of_gone(fetch(api, url)) == (410, "download_unavailable")
    again = revoke(api, world, link)
    assert (again.status, again.json()["status"]) == (409, "used")
    listed = ok(call(api, "GET", world.links_path, user=world.owner))["links"]
    assert [x["status"] for x in listed if x["linkId"] == link.link_id] == ["used"]
    assert attribute(link.token, "revokedBy") == world.owner.user_id


def status_of_gone(result: HttpResult) -> tuple[int, str]:
    return result.status, result.json().get("error", "")


@pytest.mark.parametrize("status", STATUSES_GONE)
def test_a_malformed_code_to_a_dead_link_is_410(api: Api, world: World, status: str) -> None:
    """No form, no sender, no message: a link that is over shows nothing of what it held."""
    link = make_gone(api, world, status)
    item = link_item(link.token)
    for raw, content_type in (
        (b'{"code": "12"}', "application/json"),
        (b"code=abc", "application/x-www-form-urlencoded"),
    ):
        answer = call(api, "POST", link.share, raw_body=raw, headers={"Content-Type": content_type})
        assert (answer.status, answer.json()["status"]) == (410, status), answer.body
        page = call(
            api, "POST", link.share, raw_body=raw, headers={"Content-Type": content_type, "Accept": "text/html"}
        )
        assert page.status == 410
        text = assert_french_page(page)
        assert "<form" not in text and world.vault_name not in text
    assert link_item(link.token) == item


def test_a_document_swapped_after_it_was_shared_is_not_served(api: Api, world: World) -> None:
    """The bucket is versioned: the link serves the version checked at `complete`, whatever is
    uploaded to the same key afterwards (a still-valid upload form, a stray write)."""
    doc = new_document(api, world.owner, world.vault_id, world.dossier_id, "bon de commande.pdf", b"%PDF original")
    link = create(api, world, {"documentIds": [doc.document_id]})
    key = f"vaults/{world.vault_id}/dossiers/{world.dossier_id}/{doc.document_id}"
    aws_client("s3").put_object(Bucket=os.environ["DOCUMENTS_BUCKET"], Key=key, Body=b"%PDF swapped")
    url = ok(unlock(api, link))["documents"][0]["downloadUrl"]
    got = requests.get(fetch(api, url).headers["Location"], timeout=10)
    assert (got.status_code, got.content) == (200, b"%PDF original")


def test_a_wrong_code_in_a_page_shows_the_form_again(api: Api, world: World) -> None:
    link = create(api, world)
    page = submit_page_form(api, link, wrong_code(link.code))
    assert page.status == 403
    assert_share_headers(page)
    text = assert_french_page(page)
    assert "<form" in text and "4 essais" in text
    assert_absent([link.code], [text], "the page")


MALFORMED: list[tuple[str, bytes]] = [
    ("application/json", b"{}"),
    ("application/json", b'{"code": "12345"}'),
    ("application/json", b'{"code": "1234567"}'),
    ("application/json", b'{"code": "12345a"}'),
    ("application/json", b'{"code": 123456}'),
    ("application/json", '{"code": "١٢٣٤٥٦"}'.encode()),
    ("application/json", b'{"code": " 123456"}'),
    ("application/json", b'{"code": ["123456"]}'),
    ("application/json", b'{"code": null}'),
    ("application/json", b'{"code": "123456"'),
    ("application/json", b"[]"),
    ("application/json", b""),
    ("application/x-www-form-urlencoded", b""),
    ("application/x-www-form-urlencoded", b"code=12345"),
    ("application/x-www-form-urlencoded", b"code=12345a"),
    ("application/x-www-form-urlencoded", "code=١٢٣٤٥٦".encode()),
    ("application/x-www-form-urlencoded", b"kode=123456"),
]


@pytest.mark.parametrize(("content_type", "raw"), MALFORMED)
def test_a_malformed_code_is_400_and_counts_nothing(api: Api, world: World, content_type: str, raw: bytes) -> None:
    link = create(api, world)
    item = link_item(link.token)
    answer = call(api, "POST", link.share, raw_body=raw, headers={"Content-Type": content_type})
    assert_share_headers(answer)
    assert answer.status == 400, answer.body
    page = call(api, "POST", link.share, raw_body=raw, headers={"Content-Type": content_type, "Accept": "text/html"})
    assert_share_headers(page)
    assert page.status == 400
    if not (content_type == "application/json" and raw in (b"[]", b'{"code": "123456"')):
        assert_french_page(page)  # the form again (a body that is not a JSON object is refused before)
    assert link_item(link.token) == item, "no attempt counted"
    assert unlock(api, link).status == 200


def test_files_are_fetched_again_for_30_minutes_only(api: Api, world: World) -> None:
    doc = world.docs[1]
    link = create(api, world, {"documentIds": [doc.document_id, world.docs[0].document_id]})
    answer = ok(unlock(api, link))
    url = answer["documents"][0]["downloadUrl"]
    documents = {k: v for k, v in link_item(link.token)["documents"]["M"].items()}
    assert "downloadedAt" not in documents[doc.document_id]["M"]

    first = fetch(api, url)
    assert first.status == 302 and first.body == ""
    location = urlsplit(first.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert location.scheme == "https"
    assert 0 < int(query["X-Amz-Expires"]) <= 60
    disposition = unquote(query["response-content-disposition"])
    assert disposition.startswith("attachment;")
    assert doc.file_name in disposition
    # Following the redirect (moto answers the presigned URL in-process) gives this very file, as an attachment.
    got = requests.get(first.headers["Location"], timeout=10)
    assert got.status_code == 200
    assert got.content == doc.content
    served = unquote(got.headers["Content-Disposition"])
    assert served.startswith("attachment") and doc.file_name in served
    assert urlsplit(first.headers["Location"]).path.endswith(doc.document_id)

    def stored() -> dict[str, Any]:
        docs = link_item(link.token)["documents"]["M"]
        entry = docs[doc.document_id]["M"]
        return {"downloadedAt": entry["downloadedAt"]["S"], "fetchCount": int(entry["fetchCount"]["N"])}

    first_record = stored()
    assert first_record["fetchCount"] == 1
    clock.advance(600)  # an interrupted download, resumed ten minutes later
    assert fetch(api, url).status == 302
    assert stored() == {**first_record, "fetchCount": 2}, "downloadedAt stays the first fetch"
    listed = ok(call(api, "GET", world.links_path, user=world.owner))["links"]
    [entry] = [x for x in listed if x["linkId"] == link.link_id]
    assert entry["documents"][0]["downloadedAt"] == first_record["downloadedAt"]
    assert entry["documents"][1]["downloadedAt"] is None

    clock.advance(1801 - 600)
    late = fetch(api, url)
    assert late.status == 410, late.body
    assert "Location" not in late.headers
    assert stored()["fetchCount"] == 2
    other = fetch(api, answer["documents"][1]["downloadUrl"])
    assert other.status == 410


def test_a_wrong_or_missing_grant_fetches_nothing(api: Api, world: World) -> None:
    link = create(api, world, {"documentIds": [world.docs[0].document_id]})
    other = create(api, world, {"documentIds": [world.docs[0].document_id]})
    url = ok(unlock(api, link))["documents"][0]["downloadUrl"]
    other_url = ok(unlock(api, other))["documents"][0]["downloadUrl"]
    base, _, _ = url.partition("?")
    other_grant = parse_qs(urlsplit(other_url).query)["grant"][0]
    item = link_item(link.token)
    for bad in (
        base,
        f"{base}?grant=",
        f"{base}?grant={'A' * 43}",
        f"{base}?grant={other_grant}",
        url.replace(world.docs[0].document_id, world.docs[1].document_id),
        url.replace(world.docs[0].document_id, "0" * 32),
    ):
        answer = fetch(api, bad)
        assert 400 <= answer.status < 500, (bad, answer.status)
        assert "Location" not in answer.headers
    assert link_item(link.token) == item
    # Nor can a link that was never unlocked be fetched with a made-up grant.
    fresh = create(api, world)
    answer = fetch(api, f"{fresh.answer['url']}/files/{world.docs[0].document_id}?grant={other_grant}")
    assert 400 <= answer.status < 500
    assert attribute(fresh.token, "status") == "active"
