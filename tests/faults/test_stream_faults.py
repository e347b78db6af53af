"""The shares stream's consumer (functions/notify) and the expiry sweep under AWS faults.

A batch of real records (a link created, then used: two journal entries, two notifications, one
e-mail to its creator) is handed to the notify handler while each of its AWS calls fails in
turn; then Lambda's event source mapping does what template.yaml tells it: it retries from the
lowest failed record (ReportBatchItemFailures), and may deliver the whole batch again. After
that, every entry and notification is there once and the e-mail went out (twice at most, and
only where a send's answer was lost: SES has no idempotency key).

A poison record, one that fails however often it is tried, goes through the local stream poller
(devstack.poller, the template's mapping: retries, bisection, on-failure queue): it ends in the
on-failure queue, and nothing of the records around it is lost.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from vault_share import clock
from vault_share.api.resolver import aws_unavailable

from devstack import template
from devstack.poller import PollTarget, StreamPoller
from tests.faults.conftest import emails_to
from tests.faults.injector import Call, Fault, Injector, cases, expected, persistent
from tests.fixtures import Api, Aws, User, add_member, new_user
from tests.handlers.test_notify import (
    SharesStream,
    World,
    create_link,
    journal,
    make_world,
    notifications,
    notify,
    of_links,
    unlock,
)

# A link created then used, handed to the notify handler as one batch.
NOTIFY = [
    "dynamodb.BatchWriteItem",  # the journal entries of the batch
    "dynamodb.BatchWriteItem",  # its notifications
    "dynamodb.PutItem",  # the used link's e-mail: its marker, "sending"
    "ses.SendRawEmail",  # the e-mail to the link's creator
    "dynamodb.PutItem",  # the marker, "sent"
]
# The expiry sweep with one link due: the due links, the one marked, the due invitations.
SWEEP = ["dynamodb.Query", "dynamodb.UpdateItem", "dynamodb.Query"]


@pytest.fixture(scope="module")
def stream(aws: Aws, faults: Injector) -> SharesStream:
    return SharesStream(aws.resolver.attributes["SharesTable"]["StreamArn"])


@pytest.fixture(scope="module")
def world(api: Api, stream: SharesStream) -> World:
    return make_world(api)


def used_link_batch(api: Api, world: World, stream: SharesStream) -> tuple[User, str, list[dict[str, Any]]]:
    """A member of its own (the e-mail's recipient) creates a link and its recipient uses it."""
    member = new_user("member")
    add_member(world.vault_id, member, "member")
    stream.skip()
    link = create_link(api, world, user=member)
    unlock(api, link)
    batch = stream.read()
    assert [r["eventName"] for r in batch] == ["INSERT", "MODIFY"]
    return member, link.link_id, batch


def deliver(api: Api, batch: list[dict[str, Any]]) -> list[str]:
    """One invocation as the event source mapping makes it; the failed records' sequence numbers."""
    answer = notify(api, batch)
    return [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]


# ============================================================== a poison record, through the poller


def stream_mapping() -> template.StreamMapping:
    """NotifyFunction's mapping as template.yaml declares it (no batching window: the test waits on nothing)."""
    [spec] = [s for s in template.functions(template.load()) if s.logical_id == "NotifyFunction"]
    [mapping] = spec.streams
    assert (mapping.bisect, mapping.report_item_failures, mapping.on_failure_queue) == (
        True,
        True,
        "NotifyFailureQueue",
    )
    return dataclasses.replace(mapping, window_seconds=0.0)


@pytest.fixture
def poller(api: Api, aws: Aws, stream: SharesStream, monkeypatch: pytest.MonkeyPatch) -> Iterator[StreamPoller]:
    # moto's in-process mock serves the Streams API on the regional endpoint only.
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    queue = aws.ref("NotifyFailureQueue")
    target = PollTarget(stream_mapping(), stream.arn, api.pools["NotifyFunction"].invoke, queue)
    poller = StreamPoller([target])
    poller.drain()  # from the trim horizon to now: every record written before this test
    drain_queue(queue)
    stream.skip()
    yield poller
    poller.stop()


def drain_queue(queue: str) -> list[dict[str, Any]]:
    sqs, found = boto3.client("sqs"), []
    while True:
        answer = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = answer.get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


@pytest.mark.parametrize("poison", ["journal", "email"])
def test_a_poison_record_ends_in_the_on_failure_queue_alone(
    api: Api, aws: Aws, world: World, stream: SharesStream, faults: Injector, poller: StreamPoller, poison: str
) -> None:
    """Three links used in a row; the middle one's records always fail: DynamoDB refuses its journal
    items, or SES its creator's address. It is retried, then parked in the on-failure queue; the
    other links' entries, notifications and e-mails are all there, once."""
    members = [new_user("member") for _ in range(3)]
    for member in members:
        add_member(world.vault_id, member, "member")
    links = [create_link(api, world, user=member) for member in members]
    for link in links:
        unlock(api, link)
    bad = links[1]

    records = stream.read()  # what the poller is about to deliver, in order
    first_bad = next(
        r for r in records if _about(r, bad.link_id) and (poison == "journal" or r["eventName"] == "MODIFY")
    )

    def refused(call: Call) -> bool:
        text = str(call.params.get("body"))
        if poison == "journal":  # its entries and notifications: DynamoDB refuses them (an item too big...)
            return call.operation == "BatchWriteItem" and bad.link_id in text
        return call.service == "ses" and members[1].email in text  # SES refuses its creator's address

    fault = persistent("ValidationException") if poison == "journal" else persistent("MessageRejected")
    with faults.failing(fault, at=None, when=refused):
        poller.drain(timeout=60)
    [parked] = drain_queue(aws.ref("NotifyFailureQueue"))
    assert parked["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert parked["requestContext"]["approximateInvokeCount"] == 1 + stream_mapping().max_retries
    assert parked["DDBStreamBatchInfo"]["startSequenceNumber"] == first_bad["dynamodb"]["SequenceNumber"]
    good = {links[0].link_id, links[2].link_id}
    entries = of_links(journal(api, world), good)
    assert sorted(e["type"] for e in entries) == sorted(["link.created", "link.used"] * 2), "nothing else lost"
    for member, link in ((members[0], links[0]), (members[2], links[2])):
        assert emails_to(member.email) == 1, "each other link's e-mail, once"
        assert sorted(n["type"] for n in of_links(notifications(api, member), {link.link_id})) == [
            "link.created",
            "link.used",
        ]
    if poison == "email":  # the rest of its record is written: only the e-mail is missing
        assert emails_to(members[1].email) == 0
        assert sorted(e["type"] for e in of_links(journal(api, world), {bad.link_id})) == ["link.created", "link.used"]


def _about(record: dict[str, Any], link_id: str) -> bool:
    return record["dynamodb"].get("NewImage", {}).get("linkId", {}).get("S") == link_id


# ============================================================== a batch, each call failing


def test_notify_makes_these_calls(api: Api, world: World, stream: SharesStream, faults: Injector) -> None:
    _, _, batch = used_link_batch(api, world, stream)
    with faults.recording() as calls:
        assert deliver(api, batch) == []
    assert [str(c) for c in calls] == expected(NOTIFY)


@pytest.mark.parametrize(("position", "fault"), cases("notify", NOTIFY))
def test_notify_under_a_fault(
    api: Api, world: World, stream: SharesStream, faults: Injector, position: int, fault: Fault
) -> None:
    member, link_id, batch = used_link_batch(api, world, stream)
    with faults.failing(fault, at=position) as plan:
        failed = deliver(api, batch)
    assert [str(c) for c in plan.calls[:position]] == expected(NOTIFY)[:position]
    sequence = [r["dynamodb"]["SequenceNumber"] for r in batch]
    assert set(failed) <= set(sequence)
    if failed:  # Lambda retries from the lowest failed record
        assert deliver(api, batch[min(sequence.index(f) for f in failed) :]) == [], "retried, it passes"
    assert deliver(api, batch) == [], "and a whole batch delivered again writes nothing twice"

    entries = of_links(journal(api, world), {link_id})
    assert sorted(e["type"] for e in entries) == ["link.created", "link.used"], "every entry, once"
    assert sorted(n["type"] for n in of_links(notifications(api, member), {link_id})) == ["link.created", "link.used"]
    name = NOTIFY[position - 1]
    lost_after_send = name == "ses.SendRawEmail" and (fault.after or fault.retried)
    unmarked = position == len(NOTIFY) and not (fault.after or fault.retried)  # sent, marker still "sending"
    assert emails_to(member.email) == (2 if lost_after_send or unmarked else 1), "sent; twice only if not known"


# ============================================================== the expiry sweep


def test_sweep_makes_these_calls(api: Api, world: World, stream: SharesStream, faults: Injector) -> None:
    api.pools["NotifyFunction"].invoke({"task": "expiry_sweep"})  # nothing due left behind
    create_link(api, world, expiresInHours=1)
    clock.advance(2 * 3600)
    with faults.recording() as calls:
        assert api.pools["NotifyFunction"].invoke({"task": "expiry_sweep"})["expired"] == 1
    assert [str(c) for c in calls] == expected(SWEEP)


@pytest.fixture
def clock_reset() -> Iterator[None]:
    yield
    clock.reset()


@pytest.mark.parametrize(("position", "fault"), cases("sweep", SWEEP))
def test_sweep_under_a_fault(
    api: Api, world: World, stream: SharesStream, faults: Injector, clock_reset: None, position: int, fault: Fault
) -> None:
    """A failed run raises (the schedule's invocation fails: EventBridge Scheduler retries it, and
    the next run, 5 minutes later, sweeps again); what it did not mark, the next run marks."""
    sweep = {"task": "expiry_sweep"}
    api.pools["NotifyFunction"].invoke(sweep)
    due = create_link(api, world, expiresInHours=1)
    kept = create_link(api, world, expiresInHours=5)
    clock.advance(2 * 3600)
    with faults.failing(fault, at=position) as plan:
        try:
            api.pools["NotifyFunction"].invoke(sweep)
        except Exception as exc:  # the scheduled invocation fails, with AWS's own error
            assert aws_unavailable(exc), exc
    assert [str(c) for c in plan.calls[:position]] == expected(SWEEP)[:position]
    api.pools["NotifyFunction"].invoke(sweep)  # the next run
    listed = {
        x["linkId"]: x["status"]
        for x in api.call("GET", f"{world.dossier_path}/links", user=world.owner, query="limit=100").json()["links"]
    }
    assert (listed[due.link_id], listed[kept.link_id]) == ("expired", "active")
    stream_batch = stream.read()
    if stream_batch:
        assert deliver(api, stream_batch) == []
    entries = of_links(journal(api, world), {due.link_id})
    assert sorted(e["type"] for e in entries) == ["link.created", "link.expired"], "expired once"
