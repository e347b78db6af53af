"""NotifyFunction through its real handler: the shares stream becomes journal entries, notifications, owner e-mails.

Link records are real: the link handlers write to the SharesTable in moto's in-process mock, its
stream is read with the DynamoDB Streams API and every record is handed to the notify handler in
the shape Lambda uses (devstack.poller.lambda_record, as tests/events/dynamodb-stream.json).
Invitations are not implemented yet: their items (shape documented in vault_share.journal.events)
are written to the SharesTable by hand, or their records built by hand.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from moto.ses.models import ses_backends
from vault_share import clock, expiry
from vault_share.adapters.mailer import Email, Mailer
from vault_share.links.store import Link, LinkStore, link_pk

from devstack.outbox import parse_raw_email
from devstack.poller import lambda_record
from tests.conftest import REGION
from tests.fixtures import ACCOUNT, Api, Aws, HttpResult, User, add_member, new_user

SAMPLE_EVENT = Path(__file__).resolve().parents[1] / "events" / "dynamodb-stream.json"
LINK_TYPES = ("link.created", "link.used", "link.document_downloaded", "link.locked", "link.revoked", "link.expired")
INVITATION_TYPES = (
    "invitation.sent",
    "invitation.not_sent",
    "invitation.relaunched",
    "invitation.accepted",
    "invitation.locked",
    "invitation.expired",
    "invitation.cancelled",
    "access.granted",
)
OWNER_EMAIL_TYPES = {"link.used", "link.locked", "invitation.accepted", "invitation.locked"}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
FRENCH = re.compile(r"[éèêàçôùî]|\b(le|la|les|de|des|du|un|une|par|pour|sans|après|été|trop)\b", re.I)
ENGLISH = re.compile(
    r"\b(the|was|has|been|link|used|created|downloaded|locked|revoked|expired|sent|accepted|cancelled|granted|your)\b",
    re.I,
)
INVITATION_CODE_MAC = hashlib.sha256(b"invitation code").hexdigest()
TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


# ============================================================== AWS plumbing


@cache
def aws_client(service: str) -> Any:
    return boto3.client(service)


def table_item(pk: str) -> dict[str, Any]:
    item = aws_client("dynamodb").get_item(TableName=os.environ["SHARES_TABLE"], Key={"pk": {"S": pk}})["Item"]
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


class SharesStream:
    """The SharesTable's stream, read like Lambda's event source mapping reads it."""

    def __init__(self, arn: str) -> None:
        self.arn = arn
        # Account-based endpoints (<account>.streams-ddb...) are not served by moto's in-process mock.
        self.client = boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))
        self.last: dict[str, str] = {}

    def read(self) -> list[dict[str, Any]]:
        """Every record written since the previous read, in the shape Lambda hands the function."""
        description = self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]
        records: list[dict[str, Any]] = []
        for shard in description["Shards"]:
            shard_id = shard["ShardId"]
            args: dict[str, Any] = {"StreamArn": self.arn, "ShardId": shard_id}
            if shard_id in self.last:
                args.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=self.last[shard_id])
            else:
                args.update(ShardIteratorType="TRIM_HORIZON")
            iterator = self.client.get_shard_iterator(**args)["ShardIterator"]
            while iterator:
                answer = self.client.get_records(ShardIterator=iterator, Limit=1000)
                if not answer["Records"]:
                    break
                for raw in answer["Records"]:
                    records.append(lambda_record(raw, self.arn, description["StreamViewType"]))
                    self.last[shard_id] = raw["dynamodb"]["SequenceNumber"]
                iterator = answer.get("NextShardIterator")
        return records

    def skip(self) -> None:
        self.read()


@pytest.fixture(scope="module")
def stream(aws: Aws) -> SharesStream:
    return SharesStream(aws.resolver.attributes["SharesTable"]["StreamArn"])


def notify(api: Api, records: list[dict[str, Any]]) -> Any:
    """One invocation of NotifyFunction by the event source mapping."""
    return api.pools["NotifyFunction"].invoke({"Records": json.loads(json.dumps(records))})


def sweep(api: Api) -> Any:
    """The ExpirySweep schedule (its Input in template.yaml) invoking NotifyFunction."""
    return api.pools["NotifyFunction"].invoke({"task": "expiry_sweep"})


def sent_count() -> int:
    return len(ses_backends[ACCOUNT][REGION].sent_messages)


def emails_since(start: int) -> list[dict[str, Any]]:
    sent = list(ses_backends[ACCOUNT][REGION].sent_messages)[start:]
    return [parse_raw_email(m.raw_data, list(m.destinations or [])) for m in sent]


def event_items() -> dict[str, int]:
    """Journal entries, notifications and sent-e-mail markers in the vault table, by kind."""
    counts = {"JOURNAL#": 0, "NOTIF#": 0, "EMAIL#": 0}
    pages = (
        aws_client("dynamodb")
        .get_paginator("scan")
        .paginate(TableName=os.environ["VAULT_TABLE"], ProjectionExpression="pk")
    )
    for page in pages:
        for item in page["Items"]:
            for prefix in counts:
                if item["pk"]["S"].startswith(prefix):
                    counts[prefix] += 1
    return counts


def hand_record(
    event_name: str, old: dict[str, Any] | None, new: dict[str, Any] | None, sequence: int, arn: str
) -> dict[str, Any]:
    """A stream record built by hand in Lambda's shape (tests/events/dynamodb-stream.json)."""
    key = (new or old or {})["pk"]
    change: dict[str, Any] = {
        "ApproximateCreationDateTime": int(clock.now().timestamp()),
        "Keys": {"pk": {"S": key}},
    }
    if new is not None:
        change["NewImage"] = {k: _serializer.serialize(v) for k, v in new.items()}
    if old is not None:
        change["OldImage"] = {k: _serializer.serialize(v) for k, v in old.items()}
    change.update(SequenceNumber=str(sequence), SizeBytes=200, StreamViewType="NEW_AND_OLD_IMAGES")
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": change,
        "eventSourceARN": arn,
    }


# ============================================================== checks


def assert_french(text: Any) -> None:
    assert isinstance(text, str) and text.strip(), text
    assert FRENCH.search(text), f"not French: {text!r}"
    assert not ENGLISH.search(text), f"not French: {text!r}"


def strings_of(value: Any) -> Iterator[str]:
    """Every key and string value, however deep."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            yield from strings_of(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from strings_of(inner)
    elif value is not None:
        yield str(value)


def assert_no_secret(value: Any, secrets: set[str]) -> None:
    assert secrets and all(len(s) >= 6 for s in secrets)
    for text in strings_of(value):
        for secret in secrets:
            assert secret not in text, f"a secret ({secret[:4]}…) shows in {text[:80]!r}"


def assert_event_shape(item: dict[str, Any], id_name: str) -> None:
    assert set(item) == {id_name, "at", "type", "message", "details"}, item
    assert re.fullmatch(r"[0-9a-f]{32}", item[id_name]), item
    assert ISO.match(item["at"]), item
    assert item["message"] != item["type"]
    assert_french(item["message"])
    assert isinstance(item["details"], dict)


def assert_newest_first(items: list[dict[str, Any]]) -> None:
    moments = [item["at"] for item in items]
    assert moments == sorted(moments, reverse=True), moments


# ============================================================== the vault, through the API


def ok(api: Api, method: str, path: str, body: Any = None, *, expect: int = 200, **kwargs: Any) -> Any:
    result = api.call(method, path, body, **kwargs)
    assert result.status == expect, f"{method} {path}: {result.status} {result.body}"
    return result.json() if result.body else None


@dataclass
class World:
    owner: User
    vault_id: str
    dossier_id: str
    documents: dict[str, str]  # file name -> document id

    @property
    def dossier_path(self) -> str:
        return f"/vaults/{self.vault_id}/dossiers/{self.dossier_id}"


def make_world(api: Api, file_names: tuple[str, ...] = ("carte grise.pdf",)) -> World:
    owner = new_user("owner")
    vault_id = ok(api, "POST", "/vaults", {"name": "Garage des Lilas"}, user=owner, expect=201)["vaultId"]
    dossier_id = make_dossier(api, owner, vault_id, "Clio 4 AB-123-CD")
    documents = {name: add_document(api, owner, vault_id, dossier_id, name) for name in file_names}
    return World(owner, vault_id, dossier_id, documents)


def make_dossier(api: Api, owner: User, vault_id: str, name: str) -> str:
    dossier_id: str = ok(api, "POST", f"/vaults/{vault_id}/dossiers", {"name": name}, user=owner, expect=201)[
        "dossierId"
    ]
    return dossier_id


def add_document(api: Api, owner: User, vault_id: str, dossier_id: str, name: str) -> str:
    body = {"fileName": name, "contentType": "application/pdf", "size": 100}
    path = f"/vaults/{vault_id}/dossiers/{dossier_id}/documents"
    created = ok(api, "POST", path, body, user=owner, expect=201)
    aws_client("s3").put_object(
        Bucket=os.environ["DOCUMENTS_BUCKET"], Key=created["upload"]["fields"]["key"], Body=b"%PDF-1.4 test"
    )
    ok(api, "POST", f"{path}/{created['documentId']}/complete", user=owner)
    document_id: str = created["documentId"]
    return document_id


@dataclass
class MadeLink:
    link_id: str
    token: str
    code: str
    grants: list[str] = field(default_factory=list)
    downloads: dict[str, str] = field(default_factory=dict)  # document id -> path?query

    @property
    def pk(self) -> str:
        return link_pk(hashlib.sha256(self.token.encode()).hexdigest())

    def secrets(self) -> set[str]:
        """Everything that must never leave the link item (or the recipient's hands)."""
        item = table_item(self.pk)
        found = {self.token, self.code, self.pk, self.pk.removeprefix("LINK#"), item["codeMac"], *self.grants}
        if item.get("grantHash"):
            found.add(item["grantHash"])
        return found


def create_link(api: Api, world: World, user: User | None = None, **body: Any) -> MadeLink:
    body.setdefault("documentIds", list(world.documents.values()))
    answer = ok(api, "POST", f"{world.dossier_path}/links", body, user=user or world.owner, expect=201)
    return MadeLink(answer["linkId"], urlsplit(answer["url"]).path.rsplit("/", 1)[1], answer["code"])


def unlock(api: Api, link: MadeLink) -> None:
    answer = ok(api, "POST", f"/share/{link.token}", {"code": link.code})
    for document in answer["documents"]:
        url = urlsplit(document["downloadUrl"])
        link.downloads[document["documentId"]] = f"{url.path.removeprefix('/v1')}?{url.query}"
        link.grants.append(url.query.split("grant=", 1)[1])


def fetch(api: Api, link: MadeLink, document_id: str) -> None:
    path, _, query = link.downloads[document_id].partition("?")
    result = api.call("GET", path, query=query)
    assert result.status == 302, result.body


def wrong_code(api: Api, link: MadeLink) -> HttpResult:
    wrong = f"{(int(link.code) + 1) % 1_000_000:06d}"
    return api.call("POST", f"/share/{link.token}", {"code": wrong})


def lock(api: Api, link: MadeLink) -> None:
    statuses = [wrong_code(api, link).status for _ in range(5)]
    assert statuses == [403, 403, 403, 403, 410]


def journal(api: Api, world: World, path: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Every entry, page by page (cursor), in the order the API gives them."""
    path = path or f"{world.dossier_path}/journal"
    entries: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(200):
        query = "&".join(
            part for part in (f"limit={limit}" if limit else "", f"cursor={cursor}" if cursor else "") if part
        )
        page = ok(api, "GET", path, user=world.owner, query=query)
        assert set(page) == {"entries", "nextCursor"}
        entries.extend(page["entries"])
        cursor = page["nextCursor"]
        if cursor is None:
            return entries
        assert page["entries"], "a page that leads to another one is never empty"
    raise AssertionError("pagination does not end")


def notifications(api: Api, user: User) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(api, "GET", "/notifications", user=user, query="limit=100")["notifications"]
    return found


def of_links(items: list[dict[str, Any]], link_ids: set[str]) -> list[dict[str, Any]]:
    return [item for item in items if item["details"].get("linkId") in link_ids]


@pytest.fixture
def clock_reset() -> Iterator[None]:
    yield
    clock.reset()


# ============================================================== 1. every link type, from real writes


@dataclass
class Scenario:
    world: World
    links: dict[str, MadeLink]  # role -> link
    batches: list[list[dict[str, Any]]]
    answers: list[Any]
    sweep_answer: dict[str, Any]
    emails: list[dict[str, Any]]  # SES messages sent while the stream was delivered

    @property
    def link_ids(self) -> set[str]:
        return {link.link_id for link in self.links.values()}

    def secrets(self) -> set[str]:
        return set().union(*(link.secrets() for link in self.links.values()))


@pytest.fixture(scope="module")
def scenario(api: Api, stream: SharesStream) -> Scenario:
    """Four links of one dossier: used (two documents, one fetched twice), locked, revoked, expired."""
    world = make_world(api, ("carte grise.pdf", "certificat de cession.pdf"))
    grey_card, transfer = world.documents["carte grise.pdf"], world.documents["certificat de cession.pdf"]
    stream.skip()
    used = create_link(api, world, recipientEmail="agent@prefecture.example", message="Bonjour")
    unlock(api, used)
    fetch(api, used, grey_card)
    fetch(api, used, grey_card)  # a second fetch of the same document: no second entry
    fetch(api, used, transfer)
    locked = create_link(api, world, documentIds=[grey_card])
    lock(api, locked)
    revoked = create_link(api, world, documentIds=[transfer])
    ok(api, "DELETE", f"/vaults/{world.vault_id}/links/{revoked.link_id}", user=world.owner, expect=204)
    expired = create_link(api, world, expiresInHours=1)
    first_batch = stream.read()
    before = sent_count()
    answers = [notify(api, first_batch)]
    try:
        clock.advance(3600 + 60)
        swept = sweep(api)
    finally:
        clock.reset()
    second_batch = stream.read()
    answers.append(notify(api, second_batch))
    links = {"used": used, "locked": locked, "revoked": revoked, "expired": expired}
    return Scenario(world, links, [first_batch, second_batch], answers, swept, emails_since(before))


def test_the_stream_carries_inserts_and_modifies_in_lambda_shape(scenario: Scenario) -> None:
    records = [r for batch in scenario.batches for r in batch]
    mine = [r for r in records if r["dynamodb"]["Keys"]["pk"]["S"] in {x.pk for x in scenario.links.values()}]
    # 4 creates; used: its e-mail's status recorded, unlock + 3 fetches; locked: 5 wrong codes,
    # then the lock written down; revoked: 1; expired: the sweep.
    assert [r["eventName"] for r in mine].count("INSERT") == 4
    assert [r["eventName"] for r in mine].count("MODIFY") == 1 + 4 + 5 + 1 + 1 + 1
    sample = json.loads(SAMPLE_EVENT.read_text())["Records"][0]
    for record in mine:
        assert set(record) == set(sample)
        assert set(record["dynamodb"]) == set(sample["dynamodb"]) - (
            {"OldImage"} if record["eventName"] == "INSERT" else set()
        )
        assert record["eventSourceARN"].startswith(f"arn:aws:dynamodb:{REGION}:")


def test_no_record_fails(scenario: Scenario) -> None:
    assert scenario.answers == [{"batchItemFailures": []}, {"batchItemFailures": []}]
    assert scenario.sweep_answer["task"] == "expiry_sweep"
    assert scenario.sweep_answer["expired"] >= 1
    assert table_item(scenario.links["expired"].pk)["status"] == "expired"


def test_every_link_type_lands_once_in_the_dossier_journal(api: Api, scenario: Scenario) -> None:
    entries = journal(api, scenario.world)
    links = scenario.links
    got = sorted((e["type"], e["details"]["linkId"], e["details"].get("documentId")) for e in entries)
    documents = scenario.world.documents
    expected = sorted(
        [("link.created", link.link_id, None) for link in links.values()]
        + [
            ("link.used", links["used"].link_id, None),
            ("link.document_downloaded", links["used"].link_id, documents["carte grise.pdf"]),
            ("link.document_downloaded", links["used"].link_id, documents["certificat de cession.pdf"]),
            ("link.locked", links["locked"].link_id, None),
            ("link.revoked", links["revoked"].link_id, None),
            ("link.expired", links["expired"].link_id, None),
        ]
    )
    assert got == expected
    assert {e["type"] for e in entries} == set(LINK_TYPES)
    assert_newest_first(entries)
    assert entries[0]["type"] == "link.expired"  # the sweep ran two hours later
    assert len({e["entryId"] for e in entries}) == len(entries)
    for entry in entries:
        assert_event_shape(entry, "entryId")
        allowed = {"linkId", "documentId"} if entry["type"] == "link.document_downloaded" else {"linkId"}
        assert set(entry["details"]) == allowed, entry


def test_journal_messages_say_what_happened(api: Api, scenario: Scenario) -> None:
    by_type: dict[str, list[str]] = {}
    for entry in journal(api, scenario.world):
        by_type.setdefault(entry["type"], []).append(entry["message"])
    assert "agent@prefecture.example" in " ".join(by_type["link.created"])
    assert "2 documents" in " ".join(by_type["link.created"])
    downloaded = " ".join(by_type["link.document_downloaded"])
    assert "carte grise.pdf" in downloaded and "certificat de cession.pdf" in downloaded
    assert "5" in by_type["link.locked"][0]
    assert len({messages[0] for messages in by_type.values()}) == len(by_type), "one wording per type"


def test_the_journal_pages_with_an_opaque_cursor(api: Api, scenario: Scenario) -> None:
    everything = journal(api, scenario.world)
    assert len(everything) == 10
    for limit in (1, 3, 4, 10):
        assert journal(api, scenario.world, limit=limit) == everything
    first = ok(api, "GET", f"{scenario.world.dossier_path}/journal", user=scenario.world.owner, query="limit=3")
    assert first["entries"] == everything[:3]
    assert isinstance(first["nextCursor"], str) and first["nextCursor"]
    second = ok(
        api,
        "GET",
        f"{scenario.world.dossier_path}/journal",
        user=scenario.world.owner,
        query=f"limit=3&cursor={first['nextCursor']}",
    )
    assert second["entries"] == everything[3:6]
    last = ok(api, "GET", f"{scenario.world.dossier_path}/journal", user=scenario.world.owner, query="limit=10")
    assert last["nextCursor"] is None
    # A cursor is good for its own journal only.
    other = make_dossier(api, scenario.world.owner, scenario.world.vault_id, "Autre dossier")
    foreign = api.call(
        "GET",
        f"/vaults/{scenario.world.vault_id}/dossiers/{other}/journal",
        user=scenario.world.owner,
        query=f"cursor={first['nextCursor']}",
    )
    assert foreign.status == 400, foreign.body
    assert journal(api, scenario.world, path=f"/vaults/{scenario.world.vault_id}/dossiers/{other}/journal") == []


def test_the_journal_is_for_the_vault_editors_only(api: Api, scenario: Scenario) -> None:
    stranger = new_user("stranger")
    answer = api.call("GET", f"{scenario.world.dossier_path}/journal", user=stranger)
    assert answer.status == 404, answer.body
    assert scenario.link_ids.isdisjoint({n["details"].get("linkId") for n in notifications(api, stranger)})


def test_the_link_creator_gets_the_same_notifications(api: Api, scenario: Scenario) -> None:
    entries = journal(api, scenario.world)
    found = of_links(notifications(api, scenario.world.owner), scenario.link_ids)
    assert sorted(n["type"] for n in found) == sorted(e["type"] for e in entries)
    assert_newest_first(found)
    for notification in found:
        assert_event_shape(notification, "notificationId")
        assert notification["details"]["vaultId"] == scenario.world.vault_id
        assert notification["details"]["linkId"] in scenario.link_ids
    # Same moments and words as the journal.
    assert sorted((n["at"], n["message"]) for n in found) == sorted((e["at"], e["message"]) for e in entries)


def test_no_entry_notification_or_owner_email_holds_a_secret(api: Api, scenario: Scenario) -> None:
    secrets = scenario.secrets()
    assert_no_secret(journal(api, scenario.world), secrets)
    assert_no_secret(journal(api, scenario.world, limit=2), secrets)
    assert_no_secret(notifications(api, scenario.world.owner), secrets)
    owner_emails = [m for m in scenario.emails if m["to"] == [scenario.world.owner.email]]
    assert owner_emails
    assert_no_secret(owner_emails, secrets)


def test_owner_emails_for_a_used_and_a_locked_link_only(scenario: Scenario) -> None:
    owner = scenario.world.owner.email
    to_owner = [m for m in scenario.emails if owner in m["to"]]
    assert [m["to"] for m in scenario.emails] == [[owner], [owner]], "nobody else hears from notify"
    assert len(to_owner) == 2
    used = next(m for m in to_owner if "utilisé" in m["subject"])
    locked = next(m for m in to_owner if "bloqué" in m["subject"])
    for mail in (used, locked):
        assert_french(mail["subject"])
        assert mail["text"].strip() and mail["html"].strip()
        assert '<html lang="fr"' in mail["html"]
        assert_french(mail["text"])
    for name in scenario.world.documents:
        assert name in used["text"] and name in used["html"]
    assert "carte grise.pdf" not in locked["text"]
    assert "5 codes erronés" in locked["text"]


# ============================================================== REMOVE records and foreign items


def test_a_ttl_deletion_writes_nothing(api: Api, stream: SharesStream) -> None:
    world = make_world(api)
    link = create_link(api, world)
    stream.skip()
    aws_client("dynamodb").delete_item(TableName=os.environ["SHARES_TABLE"], Key={"pk": {"S": link.pk}})
    [remove] = stream.read()
    assert remove["eventName"] == "REMOVE" and "NewImage" not in remove["dynamodb"]
    assert remove["dynamodb"]["OldImage"]["linkId"] == {"S": link.link_id}
    remove["userIdentity"] = dict(TTL_IDENTITY)  # as DynamoDB's TTL marks its deletions
    before, mails = event_items(), sent_count()
    assert notify(api, [remove]) == {"batchItemFailures": []}
    assert notify(api, [{k: v for k, v in remove.items() if k != "userIdentity"}]) == {"batchItemFailures": []}
    assert (event_items(), sent_count()) == (before, mails)
    assert journal(api, world) == []


def test_the_documented_sample_event_is_accepted_and_writes_nothing(api: Api) -> None:
    """The team's sample: a MODIFY of an item without `kind`, then a TTL REMOVE."""
    before, mails = event_items(), sent_count()
    assert notify(api, json.loads(SAMPLE_EVENT.read_text())["Records"]) == {"batchItemFailures": []}
    assert (event_items(), sent_count()) == (before, mails)


def test_a_record_that_cannot_be_read_fails_alone(api: Api, stream: SharesStream) -> None:
    world = make_world(api)
    stream.skip()
    first = create_link(api, world)
    second = create_link(api, world)
    good_one, good_two = stream.read()
    broken = json.loads(json.dumps(good_one))
    broken["eventID"] = uuid.uuid4().hex
    broken["dynamodb"]["SequenceNumber"] = str(int(good_one["dynamodb"]["SequenceNumber"]) * 10)
    del broken["dynamodb"]["NewImage"]["vaultId"]
    answer = notify(api, [good_one, broken, good_two])
    assert answer == {"batchItemFailures": [{"itemIdentifier": broken["dynamodb"]["SequenceNumber"]}]}
    assert {e["details"]["linkId"] for e in journal(api, world)} == {first.link_id, second.link_id}


# ============================================================== 2. invitations and direct access


@dataclass
class People:
    world: World
    person_id: str
    dossiers: list[str]
    inviter: User


def invitation_item(people: People, dossiers: list[str], **values: Any) -> dict[str, Any]:
    now = clock.iso(clock.now())
    invitation_id = uuid.uuid4().hex
    item = {
        "pk": f"INVITATION#{hashlib.sha256(invitation_id.encode()).hexdigest()}",
        "kind": "invitation",
        "invitationId": invitation_id,
        "vaultId": people.world.vault_id,
        "personId": people.person_id,
        "personName": "Alain DUPONT",
        "dossierIds": dossiers,
        "status": "pending",
        "relaunchCount": 0,
        "createdBy": people.inviter.user_id,
        "creatorEmail": people.inviter.email,
        "createdAt": now,
        "lastSentAt": now,
        "linkChannel": "email",
        "codeChannel": "sms",
        "codeMac": INVITATION_CODE_MAC,
    }
    item.update(values)
    return item


def put(item: dict[str, Any]) -> None:
    aws_client("dynamodb").put_item(
        TableName=os.environ["SHARES_TABLE"], Item={k: _serializer.serialize(v) for k, v in item.items()}
    )


def change(item: dict[str, Any], **values: Any) -> dict[str, Any]:
    """Update the item in the table (a MODIFY record) and answer the new image."""
    names = {f"#a{i}": name for i, name in enumerate(values)}
    update = "SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(values)))
    aws_client("dynamodb").update_item(
        TableName=os.environ["SHARES_TABLE"],
        Key={"pk": {"S": item["pk"]}},
        UpdateExpression=update,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={f":v{i}": _serializer.serialize(v) for i, v in enumerate(values.values())},
    )
    return {**item, **values}


@dataclass
class InvitationRun:
    people: People
    # (type, invitationId or accessId, dossiers) of every event the writes stand for.
    expected: list[tuple[str, str, tuple[str, ...]]]
    answers: list[Any]
    emails: list[dict[str, Any]]


@pytest.fixture(scope="module")
def invitations(api: Api, aws: Aws, stream: SharesStream) -> InvitationRun:
    world = make_world(api)
    inviter = new_user("inviter")
    add_member(world.vault_id, inviter, "member")
    second = make_dossier(api, world.owner, world.vault_id, "Dossier sinistre")
    person = ok(
        api, "POST", f"/vaults/{world.vault_id}/persons", {"firstName": "Alain", "lastName": "Dupont"},
        user=world.owner, expect=201,
    )  # fmt: skip
    people = People(world, person["personId"], [world.dossier_id, second], inviter)
    both, first_only, second_only = (world.dossier_id, second), (world.dossier_id,), (second,)
    expected: list[tuple[str, str, tuple[str, ...]]] = []
    stream.skip()

    accepted = invitation_item(people, list(both))
    put(accepted)
    expected.append(("invitation.sent", accepted["invitationId"], both))
    later = clock.iso(clock.now() + timedelta(hours=24))
    accepted = change(accepted, relaunchCount=1, lastSentAt=later)
    expected.append(("invitation.relaunched", accepted["invitationId"], both))
    change(accepted, status="accepted", acceptedAt=clock.iso(clock.now() + timedelta(hours=25)))
    expected.append(("invitation.accepted", accepted["invitationId"], both))

    unsent = invitation_item(people, list(first_only), status="not_sent", linkChannel="none", codeChannel="phone")
    put(unsent)
    expected.append(("invitation.not_sent", unsent["invitationId"], first_only))
    change(unsent, status="cancelled", cancelledAt=clock.iso(clock.now()))
    expected.append(("invitation.cancelled", unsent["invitationId"], first_only))

    # Due for the sweep: the sparse expiry index, as links have it.
    due = invitation_item(
        people, list(second_only), linkChannel="postal", expiryPk="INVITATION",
        expiresAt=clock.iso(clock.now() - timedelta(minutes=1)),
    )  # fmt: skip
    put(due)
    expected.append(("invitation.sent", due["invitationId"], second_only))

    real = stream.read()
    swept = sweep(api)
    assert swept["expired"] >= 1
    assert table_item(due["pk"])["status"] == "expired"
    real += stream.read()
    expected.append(("invitation.expired", due["invitationId"], second_only))

    # Built by hand, in Lambda's shape: an invitation locked by wrong codes, a direct access.
    arn = aws.resolver.attributes["SharesTable"]["StreamArn"]
    locked_old = invitation_item(people, list(both), linkChannel="postal")
    locked_new = {**locked_old, "status": "locked", "lockedAt": clock.iso(clock.now()), "failedAttempts": 5}
    access = {
        "pk": f"ACCESS#{uuid.uuid4().hex}",
        "kind": "access",
        "accessId": uuid.uuid4().hex,
        "vaultId": world.vault_id,
        "personId": people.person_id,
        "dossierIds": list(second_only),
        "createdBy": inviter.user_id,
        "creatorEmail": inviter.email,
        "createdAt": clock.iso(clock.now()),
    }
    base = 990000000000000000000000
    by_hand = [
        hand_record("MODIFY", locked_old, locked_new, base + 1, arn),
        hand_record("INSERT", None, access, base + 2, arn),
    ]
    expected.append(("invitation.locked", locked_old["invitationId"], both))
    expected.append(("access.granted", access["accessId"], second_only))

    before = sent_count()
    answers = [notify(api, real), notify(api, by_hand)]
    return InvitationRun(people, expected, answers, emails_since(before))


def test_invitation_records_all_succeed(invitations: InvitationRun) -> None:
    assert invitations.answers == [{"batchItemFailures": []}, {"batchItemFailures": []}]


def test_every_invitation_type_reaches_the_person_journal(api: Api, invitations: InvitationRun) -> None:
    people = invitations.people
    path = f"/vaults/{people.world.vault_id}/persons/{people.person_id}/journal"
    entries = journal(api, people.world, path=path)
    got = sorted((e["type"], e["details"].get("invitationId") or e["details"].get("accessId")) for e in entries)
    assert got == sorted((t, i) for t, i, _ in invitations.expected)
    assert {e["type"] for e in entries} == set(INVITATION_TYPES)
    assert_newest_first(entries)
    for entry in entries:
        assert_event_shape(entry, "entryId")
        assert entry["details"]["personId"] == people.person_id
        assert set(entry["details"]) <= {"invitationId", "accessId", "personId", "relaunchCount"}, entry
    assert_no_secret(entries, {INVITATION_CODE_MAC})
    relaunched = next(e for e in entries if e["type"] == "invitation.relaunched")
    assert relaunched["details"]["relaunchCount"] == 1
    assert "1" in relaunched["message"]
    sent = sorted(e["message"] for e in entries if e["type"] == "invitation.sent")
    assert sent == ["Invitation envoyée par courrier.", "Invitation envoyée par e-mail."]


def test_invitation_entries_go_to_each_invited_dossier(api: Api, invitations: InvitationRun) -> None:
    people = invitations.people
    for dossier_id in people.dossiers:
        path = f"/vaults/{people.world.vault_id}/dossiers/{dossier_id}/journal"
        entries = journal(api, people.world, path=path)
        got = sorted((e["type"], e["details"].get("invitationId") or e["details"].get("accessId")) for e in entries)
        assert got == sorted((t, i) for t, i, dossiers in invitations.expected if dossier_id in dossiers)
        assert_newest_first(entries)


def test_the_inviter_is_notified_of_every_invitation_event(api: Api, invitations: InvitationRun) -> None:
    people = invitations.people
    found = notifications(api, people.inviter)
    assert sorted(n["type"] for n in found) == sorted(t for t, _, _ in invitations.expected)
    for notification in found:
        assert_event_shape(notification, "notificationId")
        assert notification["details"]["vaultId"] == people.world.vault_id
    # The vault owner did not send these invitations.
    assert not [n for n in notifications(api, people.world.owner) if n["type"] in INVITATION_TYPES]


def test_the_inviter_gets_an_email_when_accepted_or_locked_only(invitations: InvitationRun) -> None:
    inviter = invitations.people.inviter.email
    assert [m["to"] for m in invitations.emails] == [[inviter], [inviter]]
    subjects = sorted(m["subject"] for m in invitations.emails)
    assert subjects == ["Votre invitation a été acceptée", "Votre invitation a été bloquée"]
    for mail in invitations.emails:
        assert mail["text"].strip() and '<html lang="fr"' in mail["html"]
        assert_french(mail["text"])
        assert_no_secret(mail, {INVITATION_CODE_MAC})


def test_an_invitation_naming_a_dossier_twice_writes_one_entry_there(api: Api, aws: Aws) -> None:
    world = make_world(api)
    inviter = new_user("inviter")
    add_member(world.vault_id, inviter, "member")
    person = ok(
        api, "POST", f"/vaults/{world.vault_id}/persons", {"firstName": "Jeanne", "lastName": "Martin"},
        user=world.owner, expect=201,
    )  # fmt: skip
    people = People(world, person["personId"], [world.dossier_id], inviter)
    item = invitation_item(people, [world.dossier_id, world.dossier_id])
    arn = aws.resolver.attributes["SharesTable"]["StreamArn"]
    assert notify(api, [hand_record("INSERT", None, item, 990000000000000000000100, arn)]) == {"batchItemFailures": []}
    assert [e["type"] for e in journal(api, world)] == ["invitation.sent"]
    assert [n["type"] for n in notifications(api, inviter)] == ["invitation.sent"]


# ============================================================== 3. exactly once


def test_a_batch_delivered_again_writes_and_sends_nothing_twice(api: Api, scenario: Scenario) -> None:
    before, mails = event_items(), sent_count()
    entries = journal(api, scenario.world)
    for batch in scenario.batches:
        assert notify(api, batch) == {"batchItemFailures": []}
    # Lambda may also split a batch (bisect) or restart it from any record.
    for batch in scenario.batches:
        for record in batch:
            assert notify(api, [record]) == {"batchItemFailures": []}
        assert notify(api, batch[len(batch) // 2 :]) == {"batchItemFailures": []}
    assert event_items() == before
    assert sent_count() == mails
    assert journal(api, scenario.world) == entries
    assert before["EMAIL#"] >= 2


# ============================================================== 5. partial failure


class FlakyMailer(Mailer):
    """The real SES mailer, except for one recipient, for whom SES refuses."""

    def __init__(self, real: Mailer, failing: str) -> None:
        self.real = real
        self.failing = failing
        self.attempts: list[str] = []

    def send(self, email: Email, *, from_name: str | None = None) -> str:
        self.attempts.extend(email.to)
        if self.failing in email.to:
            raise ConnectionError("SES unreachable")
        return self.real.send(email, from_name=from_name)


def test_one_failing_email_fails_its_record_only(
    api: Api, stream: SharesStream, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(api)
    users = [world.owner]
    for _ in range(4):
        users.append(new_user("member"))
        add_member(world.vault_id, users[-1], "member")
    stream.skip()
    for user in users:  # create then use: 10 records, 5 of which e-mail their link's creator
        unlock(api, create_link(api, world, user=user))
    batch = stream.read()
    assert len(batch) == 10
    assert [r["eventName"] for r in batch] == ["INSERT", "MODIFY"] * 5
    failing = users[2]
    failing_record = batch[5]
    assert failing_record["dynamodb"]["NewImage"]["creatorEmail"] == {"S": failing.email}

    # Every warm container's recorder sends through the flaky channel.
    pool = api.pools["NotifyFunction"]
    pool.warm_up()
    flaky = FlakyMailer(pool.modules[0].recorder.mailer, failing.email)
    for module in pool.modules:
        monkeypatch.setattr(module.recorder, "mailer", flaky)
    before = sent_count()
    answer = notify(api, batch)
    assert answer == {"batchItemFailures": [{"itemIdentifier": failing_record["dynamodb"]["SequenceNumber"]}]}
    assert sorted(flaky.attempts) == sorted(u.email for u in users)
    sent = emails_since(before)
    assert sorted(m["to"][0] for m in sent) == sorted(u.email for u in users if u is not failing)
    # Every entry is written, the failing record's too.
    entries = journal(api, world)
    assert sorted(e["type"] for e in entries) == ["link.created"] * 5 + ["link.used"] * 5
    for user in users:
        assert sorted(n["type"] for n in notifications(api, user)) == ["link.created", "link.used"]

    # Lambda retries from the failed record (ReportBatchItemFailures); SES is back.
    for module in pool.modules:
        monkeypatch.setattr(module.recorder, "mailer", flaky.real)
    items = event_items()
    retry_from = batch.index(failing_record)
    assert notify(api, batch[retry_from:]) == {"batchItemFailures": []}
    resent = emails_since(before + len(sent))
    assert [m["to"] for m in resent] == [[failing.email]]
    assert "utilisé" in resent[0]["subject"] and "carte grise.pdf" in resent[0]["text"]
    assert notify(api, batch) == {"batchItemFailures": []}
    assert sent_count() == before + len(users)
    assert event_items() == {**items, "EMAIL#": items["EMAIL#"] + 1}
    assert journal(api, world) == entries


def test_a_failed_journal_write_fails_every_record_that_writes(
    api: Api, stream: SharesStream, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vault_share.journal.recorder import Recorder

    world = make_world(api)
    stream.skip()
    link = create_link(api, world)
    unlock(api, link)
    batch = stream.read()
    real_write = Recorder.write

    def broken(self: Recorder, outcomes: Any) -> None:
        raise ConnectionError("DynamoDB unreachable")

    monkeypatch.setattr(Recorder, "write", broken)
    before = sent_count()
    answer = notify(api, batch)
    assert sorted(f["itemIdentifier"] for f in answer["batchItemFailures"]) == sorted(
        r["dynamodb"]["SequenceNumber"] for r in batch
    )
    assert sent_count() == before, "no e-mail before the journal is written"
    monkeypatch.setattr(Recorder, "write", real_write)
    assert notify(api, batch) == {"batchItemFailures": []}
    assert sorted(e["type"] for e in journal(api, world)) == ["link.created", "link.used"]
    assert [m["to"] for m in emails_since(before)] == [[world.owner.email]]


# ============================================================== 8. the sweep reads only due items


def sweep_link(vault_id: str, expires_at: str) -> Link:
    token = uuid.uuid4().hex
    now = clock.iso(clock.now())
    return Link(
        pk=link_pk(hashlib.sha256(token.encode()).hexdigest()),
        link_id=uuid.uuid4().hex,
        vault_id=vault_id,
        dossier_id=uuid.uuid4().hex,
        vault_name="Garage des Lilas",
        created_by="user",
        creator_email="owner@example.fr",
        created_at=now,
        expires_at=expires_at,
        status="active",
        code_mac=hashlib.sha256(token.encode()).hexdigest(),
        documents={"d1": {"fileName": "a.pdf", "contentType": "application/pdf", "size": 1, "s3Key": "k"}},
        document_order=["d1"],
    )


def vault_links(vault_id: str) -> dict[str, dict[str, Any]]:
    """The sweep's attributes of every link of a vault, by pk (one query, not one read per item)."""
    found: dict[str, dict[str, Any]] = {}
    pages = (
        aws_client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=os.environ["SHARES_TABLE"],
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"VAULT#{vault_id}"}},
            ProjectionExpression="pk, #status, expiresAt, expiryPk, expiredAt, usedAt",
            ExpressionAttributeNames={"#status": "status"},
        )
    )
    for page in pages:
        for item in page["Items"]:
            found[item["pk"]["S"]] = {k: _deserializer.deserialize(v) for k, v in item.items()}
    return found


class CountingClient:
    """The DynamoDB client, with every call recorded (operation, index)."""

    def __init__(self, real: Any, stale_pk: str | None = None) -> None:
        self.real = real
        self.calls: list[tuple[str, str | None]] = []
        self.stale_pk = stale_pk

    def query(self, **kwargs: Any) -> Any:
        self.calls.append(("query", kwargs.get("IndexName")))
        page = self.real.query(**kwargs)
        if self.stale_pk and kwargs["ExpressionAttributeValues"][":p"] == {"S": "LINK"}:
            # A GSI is eventually consistent: it may still list an item that just left it.
            page["Items"].append({"pk": {"S": self.stale_pk}})
        return page

    def update_item(self, **kwargs: Any) -> Any:
        self.calls.append(("update_item", None))
        return self.real.update_item(**kwargs)

    def __getattr__(self, name: str) -> Any:
        self.calls.append((name, None))
        return getattr(self.real, name)


def test_the_sweep_reads_only_the_due_items(api: Api) -> None:
    expiry.sweep(aws_client("dynamodb"), os.environ["SHARES_TABLE"])  # whatever another test left due
    store = LinkStore(aws_client("dynamodb"), os.environ["SHARES_TABLE"])
    vault_id = uuid.uuid4().hex
    now = clock.now()
    active = [sweep_link(vault_id, clock.iso(now + timedelta(days=1, hours=i))) for i in range(200)]
    due = [sweep_link(vault_id, clock.iso(now - timedelta(minutes=1 + i))) for i in range(10)]
    for link in active + due:
        store.insert(link, ttl=int(now.timestamp()) + 86400)

    counting = CountingClient(aws_client("dynamodb"))
    result = expiry.sweep(counting, os.environ["SHARES_TABLE"])
    assert result.expired == 10
    assert 10 <= result.items_read <= 20
    assert {call for call in counting.calls if call[0] != "update_item"} == {("query", "expiry")}
    assert counting.calls.count(("update_item", None)) == 10
    snapshot = vault_links(vault_id)
    assert set(snapshot) == {link.pk for link in active + due}
    for link in due:
        item = snapshot[link.pk]
        assert item["status"] == "expired"
        assert "expiryPk" not in item
        assert item["expiredAt"] >= link.expires_at
    for link in active:
        assert (snapshot[link.pk]["status"], snapshot[link.pk]["expiryPk"]) == ("active", "LINK")

    again = expiry.sweep(CountingClient(aws_client("dynamodb")), os.environ["SHARES_TABLE"])
    assert (again.items_read, again.expired) == (0, 0)
    assert vault_links(vault_id) == snapshot


def test_a_link_used_just_before_the_sweep_is_not_expired(api: Api, stream: SharesStream, clock_reset: None) -> None:
    world = make_world(api)
    link = create_link(api, world, expiresInHours=1)
    clock.advance(3600 - 5)
    unlock(api, link)
    used = table_item(link.pk)
    assert used.get("expiryPk") not in expiry.OPEN_STATUS, "out of what the sweep reads"
    clock.advance(60)
    stream.skip()
    answer = sweep(api)
    assert answer["task"] == "expiry_sweep"
    # Even if the index still listed it, the conditional update leaves a used link alone.
    stale = expiry.sweep(CountingClient(aws_client("dynamodb"), stale_pk=link.pk), os.environ["SHARES_TABLE"])
    assert stale.expired == 0
    assert table_item(link.pk) == used
    assert not [r for r in stream.read() if r["dynamodb"]["Keys"]["pk"]["S"] == link.pk]


def test_an_unknown_task_is_an_error(api: Api) -> None:
    with pytest.raises(ValueError, match="unknown task"):
        api.pools["NotifyFunction"].invoke({"task": "nothing"})


def test_the_journal_items_share_one_connection(aws: Aws) -> None:
    """One botocore client for the three item kinds: building one mid-batch stalled the first e-mail."""
    from vault_share.journal.models import EmailMarkerItem, JournalEntryItem, NotificationItem

    connections = {id(model._get_connection()) for model in (JournalEntryItem, NotificationItem, EmailMarkerItem)}
    assert len(connections) == 1
