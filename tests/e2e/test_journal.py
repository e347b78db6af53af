"""The journal end to end: link writes through HTTP, the stack's stream poller, NotifyFunction, journal over HTTP.

`test_every_link_event_*` uses the session stack. The SES outage needs a stack of its own: it
removes the sender's identity from the embedded SES and fills the notify failure queue, neither
of which another test should ever see; that stack is started here exactly as the session one is
(`python -m devstack`), and checked the same way when it stops.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

import boto3
import pytest

from devstack import template
from devstack.client import ApiClient
from tests.e2e.conftest import Stack, report, running_stack

pytestmark = pytest.mark.e2e

DELIVERY_SECONDS = 2.0  # a journal entry shows this long after the write, at most
FAILURE_QUEUE_SECONDS = 20.0  # retries with back-off, then the on-failure destination
USED_SUBJECT = "Votre lien de téléchargement a été utilisé"
LOCKED_SUBJECT = "Votre lien de téléchargement a été bloqué"
T = TypeVar("T")


# ---------------------------------------------------------------- helpers


def wait_for(what: str, check: Callable[[], T | None], started: float, budget: float = DELIVERY_SECONDS) -> T:
    """Poll until `check` answers; fail unless it did within `budget` seconds of `started`.

    Strict: the time that counts is the end of the check that saw it."""
    while True:
        found = check()
        elapsed = time.monotonic() - started
        if found:
            assert elapsed <= budget, f"{what}: seen {elapsed:.2f} s after the write (at most {budget:.1f} s)"
            return found
        if elapsed > budget:
            pytest.fail(f"{what}: not there {budget:.1f} s after the write")
        time.sleep(0.1)


def pages(client: ApiClient, path: str, key: str) -> list[dict[str, Any]]:
    """Every item of a paginated list, newest first, following nextCursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(500):
        answer = client.get(f"{path}?limit=100" + (f"&cursor={cursor}" if cursor else ""))
        assert answer.status == 200, answer.body
        body = answer.json()
        items.extend(body[key])
        cursor = body["nextCursor"]
        if cursor is None:
            return items
    raise AssertionError(f"{path}: pagination does not end")


def first_page(client: ApiClient, path: str, key: str) -> list[dict[str, Any]]:
    """The newest items: what a write just added is there (light enough to poll)."""
    answer = client.get(f"{path}?limit=20")
    assert answer.status == 200, answer.body
    found: list[dict[str, Any]] = answer.json()[key]
    return found


def entry_of(
    client: ApiClient, path: str, type_: str, link_id: str, document_id: str | None = None
) -> Callable[[], dict[str, Any] | None]:
    def check() -> dict[str, Any] | None:
        for entry in first_page(client, path, "entries"):
            details = entry["details"]
            if entry["type"] == type_ and details.get("linkId") == link_id and details.get("documentId") == document_id:
                return entry
        return None

    return check


def create_link(client: ApiClient, demo: dict[str, Any], documents: list[str], **extra: Any) -> dict[str, Any]:
    answer = client.post(
        f"/vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}/links", {"documentIds": documents, **extra}
    )
    assert answer.status == 201, answer.body
    link: dict[str, Any] = answer.json()
    link["token"] = urlsplit(link["url"]).path.rsplit("/", 1)[1]
    return link


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def outbox(client: ApiClient) -> dict[str, Any]:
    answer = client.get("/_local/outbox", headers={"Accept": "application/json"})
    assert answer.status == 200, answer.body
    content: dict[str, Any] = answer.json()
    return content


def owner_emails(client: ApiClient, owner_email: str, subject: str) -> list[dict[str, Any]]:
    return [m for m in outbox(client)["emails"] if m["to"] == [owner_email] and m["subject"] == subject]


def strings_of(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (str(k), *strings_of(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_of(v)]
    return [] if value is None else [str(value)]


def assert_no_secret(value: Any, secrets: set[str]) -> None:
    for text in strings_of(value):
        for secret in secrets:
            assert secret not in text, f"a secret ({secret[:3]}…) shows in {text[:80]!r}"


def notify_mapping() -> template.StreamMapping:
    [mapping] = [
        m for spec in template.functions(template.load()) for m in spec.streams if spec.logical_id == "NotifyFunction"
    ]
    return mapping


def sender_domain() -> str:
    document = template.load()
    return str(template.parameter_defaults(document)["SenderEmail"]).split("@", 1)[1]


def aws(stack: Stack, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=stack.info["awsEndpoint"],
        region_name=stack.info["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",  # the embedded AWS: any credentials do
    )


def stream_records(stack: Stack) -> list[dict[str, Any]]:
    """Every record of the SharesTable's stream, read from the embedded AWS like the poller does."""
    streams = aws(stack, "dynamodbstreams")
    [arn] = [s["StreamArn"] for s in streams.list_streams()["Streams"] if s["TableName"].endswith("SharesTable")]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            answer = streams.get_records(ShardIterator=iterator, Limit=1000)
            if not answer["Records"]:
                break
            records.extend(answer["Records"])
            iterator = answer.get("NextShardIterator")
    return records


# ---------------------------------------------------------------- every link event, on the session stack


def test_every_link_event_reaches_the_journal_and_notifications_within_two_seconds(
    request: pytest.FixtureRequest, stack: Stack, owner: ApiClient
) -> None:
    demo = stack.demo
    journal_path = f"/vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}/journal"
    first, second = demo["documentIds"][:2]
    owner_email = demo["owner"]["email"]
    # Earlier tests on this stack may still have stream events in flight: let them land first
    # (schedules/run waits until the poller has delivered every record written so far).
    assert owner.post("/_local/schedules/run", {}).status == 200
    used_before = len(owner_emails(owner, owner_email, USED_SUBJECT))
    locked_before = len(owner_emails(owner, owner_email, LOCKED_SUBJECT))
    expected: list[tuple[str, str, str | None]] = []
    secrets: set[str] = set()
    delays: dict[str, float] = {}

    def written(type_: str, link: dict[str, Any], started: float, document_id: str | None = None) -> None:
        wait_for(type_, entry_of(owner, journal_path, type_, link["linkId"], document_id), started)
        delays[f"{type_} {document_id or ''}".strip()] = time.monotonic() - started
        expected.append((type_, link["linkId"], document_id))

    def create(documents: list[str], **extra: Any) -> dict[str, Any]:
        link = create_link(owner, demo, documents, **extra)
        stack.secrets.add(link["token"])
        secrets.update({link["token"], link["code"]})
        written("link.created", link, time.monotonic())
        return link

    # Used, each document fetched twice: one download entry per document.
    used = create([first, second], recipientEmail="agent@prefecture.example")
    unlocked = owner.post(f"/share/{used['token']}", {"code": used["code"]})
    assert unlocked.status == 200, unlocked.body
    written("link.used", used, time.monotonic())
    for document in unlocked.json()["documents"]:
        secrets.add(urlsplit(document["downloadUrl"]).query.split("grant=", 1)[1])
        for attempt in range(2):
            fetched = owner.get(document["downloadUrl"])
            assert fetched.status == 302, fetched.body
            if attempt == 0:
                written("link.document_downloaded", used, time.monotonic(), document["documentId"])

    # Locked by five wrong codes.
    locked = create([first])
    statuses = [owner.post(f"/share/{locked['token']}", {"code": wrong(locked["code"])}).status for _ in range(5)]
    assert statuses == [403, 403, 403, 403, 410]
    written("link.locked", locked, time.monotonic())

    # Revoked by its owner.
    revoked = create([second])
    answer = owner.delete(f"/vaults/{demo['vaultId']}/links/{revoked['linkId']}")
    assert answer.status == 204, answer.body
    written("link.revoked", revoked, time.monotonic())

    # Expired: the clock moves past its expiry, the schedules run.
    expired = create([first], expiresInHours=1)
    moved = owner.post("/_local/clock", {"advanceSeconds": 3600 + 60})
    assert moved.status == 200, moved.body
    started = time.monotonic()
    ran = owner.post("/_local/schedules/run", {})
    assert ran.status == 200, ran.body
    written("link.expired", expired, started)

    slowest = max(delays, key=lambda k: delays[k])
    report(
        request.config, f"e2e: journal entries seen {min(delays.values()):.2f}-{delays[slowest]:.2f} s after the write"
    )

    mine = {link["linkId"] for link in (used, locked, revoked, expired)}
    entries = [e for e in pages(owner, journal_path, "entries") if e["details"].get("linkId") in mine]
    assert sorted((e["type"], e["details"]["linkId"], e["details"].get("documentId")) for e in entries) == sorted(
        expected
    )
    assert {e["type"] for e in entries} == {
        "link.created",
        "link.used",
        "link.document_downloaded",
        "link.locked",
        "link.revoked",
        "link.expired",
    }
    moments = [e["at"] for e in entries]
    assert moments == sorted(moments, reverse=True)

    found = [n for n in pages(owner, "/notifications", "notifications") if n["details"].get("linkId") in mine]
    assert sorted((n["type"], n["details"]["linkId"], n["details"].get("documentId")) for n in found) == sorted(
        expected
    )
    assert_no_secret(entries, secrets)
    assert_no_secret(found, secrets)

    # The owner heard by e-mail of the used link (naming its documents) and of the locked one.
    used_mails = owner_emails(owner, owner_email, USED_SUBJECT)[used_before:]
    locked_mails = owner_emails(owner, owner_email, LOCKED_SUBJECT)[locked_before:]
    assert len(used_mails) == 1 and len(locked_mails) == 1
    for name in [d["fileName"] for d in used["documents"]]:
        assert name in used_mails[0]["text"] and name in used_mails[0]["html"]
    assert_no_secret(used_mails + locked_mails, secrets)


# ---------------------------------------------------------------- SES down, on a stack of its own


@pytest.fixture(scope="module")
def own_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A second local stack, started and stopped like the session one (tests/e2e/conftest.py)."""
    with running_stack(request.config, tmp_path_factory.mktemp("devstack-ses-down"), "second stack (SES outage)") as s:
        yield s


def test_ses_down_keeps_the_journal_and_parks_the_email_in_the_failure_queue(own_stack: Stack) -> None:
    stack = own_stack
    demo = stack.demo
    owner_email = demo["owner"]["email"]
    owner = stack.client(stack.sign_in(owner_email, demo["owner"]["password"]))
    journal_path = f"/vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}/journal"
    ses = aws(stack, "ses")
    domain = sender_domain()
    assert domain in ses.list_identities()["Identities"]
    assert outbox(owner)["undelivered"] == []

    link = create_link(owner, demo, demo["documentIds"][:1])
    stack.secrets.add(link["token"])
    wait_for("link.created", entry_of(owner, journal_path, "link.created", link["linkId"]), time.monotonic())
    ses.delete_identity(Identity=domain)
    try:
        unlocked = owner.post(f"/share/{link['token']}", {"code": link["code"]})
        assert unlocked.status == 200, unlocked.body
        started = time.monotonic()
        wait_for("link.used", entry_of(owner, journal_path, "link.used", link["linkId"]), started)

        # The record of the unlock, as the poller hands it to NotifyFunction.
        [record] = [
            r
            for r in stream_records(stack)
            if r["eventName"] == "MODIFY"
            and r["dynamodb"]["NewImage"].get("linkId") == {"S": link["linkId"]}
            and r["dynamodb"]["NewImage"]["status"] == {"S": "used"}
            and r["dynamodb"]["OldImage"]["status"] == {"S": "active"}
        ]
        sequence = int(record["dynamodb"]["SequenceNumber"])

        def parked() -> dict[str, Any] | None:
            for item in outbox(owner)["undelivered"]:
                info = item["DDBStreamBatchInfo"]
                if int(info["startSequenceNumber"]) <= sequence <= int(info["endSequenceNumber"]):
                    return dict(item)
            return None

        failure = wait_for("on-failure record", parked, started, FAILURE_QUEUE_SECONDS)
        mapping = notify_mapping()
        assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
        assert failure["requestContext"]["approximateInvokeCount"] == mapping.max_retries + 1
        assert failure["requestContext"]["functionArn"].endswith(":function:NotifyFunction")
        assert failure["DDBStreamBatchInfo"]["startSequenceNumber"] == str(sequence)
        assert failure["DDBStreamBatchInfo"]["streamArn"].split("/")[1].endswith("SharesTable")
        assert_no_secret(failure, {link["token"], link["code"]})

        # Retried four times, written once; no e-mail went out.
        entries = [e for e in pages(owner, journal_path, "entries") if e["details"].get("linkId") == link["linkId"]]
        assert sorted(e["type"] for e in entries) == ["link.created", "link.used"]
        assert owner_emails(owner, owner_email, USED_SUBJECT) == []
        notifications = pages(owner, "/notifications", "notifications")
        assert [n["type"] for n in notifications if n["details"].get("linkId") == link["linkId"]] == [
            "link.used",
            "link.created",
        ]
    finally:
        ses.verify_domain_identity(Domain=domain)

    # SES is back: the next owner e-mail goes out; the parked one stays in the queue (no redrive).
    locked = create_link(owner, demo, demo["documentIds"][:1])
    stack.secrets.add(locked["token"])
    statuses = [owner.post(f"/share/{locked['token']}", {"code": wrong(locked["code"])}).status for _ in range(5)]
    assert statuses == [403, 403, 403, 403, 410]
    started = time.monotonic()
    wait_for("link.locked", entry_of(owner, journal_path, "link.locked", locked["linkId"]), started)
    wait_for("locked e-mail", lambda: owner_emails(owner, owner_email, LOCKED_SUBJECT), started)
    assert owner_emails(owner, owner_email, USED_SUBJECT) == []
    assert len(outbox(owner)["undelivered"]) == 1
