"""The stream poller against a real (embedded) moto server: shapes, order, retries, failure queue, drain."""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models.dynamodb import (
    DynamoDBStreamLambdaOnFailureDestinationModel,
    DynamoDBStreamModel,
)

from devstack.poller import PollTarget, StreamPoller, lambda_record
from devstack.template import StreamMapping
from tests.devstack.conftest import wait_for

REGION = "eu-west-3"
# The event Lambda delivers, per the AWS documentation (the team's shared sample, events/dynamodb-stream.json):
# a MODIFY, then a REMOVE made by TTL (marked by userIdentity).
SAMPLE: dict[str, Any] = {
    "Records": [
        {
            "eventID": "c4ca4238a0b923820dcc509a6f75849b",
            "eventName": "MODIFY",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "eu-west-3",
            "dynamodb": {
                "ApproximateCreationDateTime": 1795601703,
                "Keys": {"pk": {"S": "LINK#3f1c..."}},
                "NewImage": {"pk": {"S": "LINK#3f1c..."}, "status": {"S": "used"}, "failedAttempts": {"N": "0"}},
                "OldImage": {"pk": {"S": "LINK#3f1c..."}, "status": {"S": "active"}, "failedAttempts": {"N": "0"}},
                "SequenceNumber": "111100000000000000000001",
                "SizeBytes": 142,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
            "eventSourceARN": "arn:aws:dynamodb:eu-west-3:123456789012:table/Shares/stream/2026-11-26T00:00:00.000",
        },
        {
            "eventID": "9bf31c7ff062936a96d3c8bd1f8f2ff3",
            "eventName": "REMOVE",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "eu-west-3",
            "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
            "dynamodb": {
                "ApproximateCreationDateTime": 1795601704,
                "Keys": {"pk": {"S": "LINK#a87f..."}},
                "OldImage": {"pk": {"S": "LINK#a87f..."}, "status": {"S": "expired"}},
                "SequenceNumber": "111200000000000000000002",
                "SizeBytes": 90,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
            "eventSourceARN": "arn:aws:dynamodb:eu-west-3:123456789012:table/Shares/stream/2026-11-26T00:00:00.000",
        },
    ]
}


@pytest.fixture
def pollers() -> Iterator[list[StreamPoller]]:
    """Pollers made by a test, stopped whatever happens."""
    made: list[StreamPoller] = []
    yield made
    for poller in made:
        poller.stop()


def make_table() -> tuple[str, str]:
    name = f"shares-{uuid.uuid4().hex[:8]}"
    table = boto3.client("dynamodb").create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    return name, table["LatestStreamArn"]


def make_queue() -> str:
    return str(boto3.client("sqs").create_queue(QueueName=f"failures-{uuid.uuid4().hex[:8]}")["QueueUrl"])


def put(table: str, pk: str, **attributes: dict[str, Any]) -> None:
    boto3.client("dynamodb").put_item(TableName=table, Item={"pk": {"S": pk}, **attributes})


def mapping(**overrides: Any) -> StreamMapping:
    values: dict[str, Any] = {
        "function": "NotifyFunction",
        "table": "SharesTable",
        "batch_size": 100,
        "max_retries": 3,
        "bisect": True,
        "report_item_failures": True,
        "on_failure_queue": "NotifyFailureQueue",
        "window_seconds": 0.0,
    }
    values.update(overrides)
    return StreamMapping(**values)


class Recorder:
    """A stand-in function: keeps every event (and when it came), answers with `answer(event, call)`."""

    def __init__(self, answer: Callable[[dict[str, Any], int], Any] | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.times: list[float] = []
        self._answer = answer
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any]) -> Any:
        with self._lock:
            self.calls.append(copy.deepcopy(event))
            self.times.append(time.monotonic())
            call = len(self.calls)
        return self._answer(event, call) if self._answer else None

    def keys(self, call: int) -> list[str]:
        return [r["dynamodb"]["Keys"]["pk"]["S"] for r in self.calls[call]["Records"]]

    @property
    def records(self) -> list[dict[str, Any]]:
        return [r for event in self.calls for r in event["Records"]]


def start(pollers: list[StreamPoller], *targets: PollTarget) -> StreamPoller:
    poller = StreamPoller(list(targets))
    pollers.append(poller)
    poller.start()
    return poller


def failure_messages(queue_url: str) -> list[dict[str, Any]]:
    answer = boto3.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


# ---------------------------------------------------------------- shape and order


def _same_shape(ours: dict[str, Any], sample: dict[str, Any], path: str = "") -> None:
    assert set(ours) == set(sample), f"{path}: {sorted(ours)} != {sorted(sample)}"
    for key, value in sample.items():
        if key in ("Keys", "NewImage", "OldImage"):
            assert isinstance(ours[key], dict)
            continue
        assert type(ours[key]) is type(value), f"{path}.{key}: {type(ours[key])} is not {type(value)}"
        if isinstance(value, dict):
            _same_shape(ours[key], value, f"{path}.{key}")


def test_records_arrive_in_lambda_shape_in_order_within_two_seconds(pollers: list[StreamPoller]) -> None:
    table, stream_arn = make_table()
    seen = Recorder()
    start(pollers, PollTarget(mapping(), stream_arn, seen, None))
    ddb = boto3.client("dynamodb")

    written = time.monotonic()
    put(table, "LINK#1", status={"S": "active"}, failedAttempts={"N": "0"}, blob={"B": b"\x00\xff"})
    wait_for(lambda: len(seen.records) >= 1)
    assert seen.times[0] - written < 2.0

    ddb.update_item(
        TableName=table,
        Key={"pk": {"S": "LINK#1"}},
        UpdateExpression="SET #s = :used",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":used": {"S": "used"}},
    )
    ddb.delete_item(TableName=table, Key={"pk": {"S": "LINK#1"}})
    wait_for(lambda: len(seen.records) >= 3)

    for event in seen.calls:
        assert set(event) == {"Records"}
        json.dumps(event)  # plain JSON, as Lambda delivers it
        DynamoDBStreamModel.model_validate(event)  # what Powertools' parser expects
    insert, modify, remove = seen.records
    assert [r["eventName"] for r in seen.records] == ["INSERT", "MODIFY", "REMOVE"]
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in seen.records]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3

    template = SAMPLE["Records"][0]  # a MODIFY with both images
    without = {
        "INSERT": {"OldImage"},
        "MODIFY": set(),
        "REMOVE": {"NewImage"},
    }
    for record in seen.records:
        expected = copy.deepcopy(template)
        for image in without[record["eventName"]]:
            del expected["dynamodb"][image]
        _same_shape(record, expected)
        assert record["eventVersion"] == "1.1"
        assert record["eventSource"] == "aws:dynamodb"
        assert record["awsRegion"] == REGION
        assert record["eventSourceARN"] == stream_arn
        assert re.fullmatch(r"[0-9a-f]{32}", record["eventID"])
        assert abs(record["dynamodb"]["ApproximateCreationDateTime"] - time.time()) < 120
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert record["dynamodb"]["Keys"] == {"pk": {"S": "LINK#1"}}
        assert record["dynamodb"]["SizeBytes"] > 0

    blob = base64.b64encode(b"\x00\xff").decode()
    first = {"pk": {"S": "LINK#1"}, "status": {"S": "active"}, "failedAttempts": {"N": "0"}, "blob": {"B": blob}}
    second = {**first, "status": {"S": "used"}}
    assert insert["dynamodb"]["NewImage"] == first
    assert modify["dynamodb"]["OldImage"] == first
    assert modify["dynamodb"]["NewImage"] == second
    assert remove["dynamodb"]["OldImage"] == second


def test_ttl_deletion_keeps_user_identity_in_lambda_spelling() -> None:
    """moto never expires items; a TTL record from the Streams API ({Type, PrincipalId}) is still mapped."""
    raw = {
        "eventID": "9bf31c7ff062936a96d3c8bd1f8f2ff3",
        "eventName": "REMOVE",
        "eventVersion": "1.0",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "userIdentity": {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"},
        "dynamodb": {
            "ApproximateCreationDateTime": 1795601704.25,
            "Keys": {"pk": {"S": "LINK#a87f"}},
            "OldImage": {"pk": {"S": "LINK#a87f"}, "status": {"S": "expired"}},
            "SequenceNumber": "111200000000000000000002",
            "SizeBytes": 90,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
    arn = SAMPLE["Records"][1]["eventSourceARN"]
    record = lambda_record(raw, arn)
    _same_shape(record, SAMPLE["Records"][1])
    assert record == {**SAMPLE["Records"][1], "eventID": raw["eventID"], "dynamodb": record["dynamodb"]}
    assert record["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1795601704


# ---------------------------------------------------------------- partial failures and retries


def test_batch_item_failure_retries_from_the_lowest_failed_record(pollers: list[StreamPoller]) -> None:
    table, stream_arn = make_table()
    for i in range(5):
        put(table, f"p{i}")

    def answer(event: dict[str, Any], call: int) -> Any:
        if call == 1:  # p3 and p2 failed: p0, p1 are done
            seqs = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
            return {"batchItemFailures": [{"itemIdentifier": seqs[3]}, {"itemIdentifier": seqs[2]}]}
        return {"batchItemFailures": []}

    seen = Recorder(answer)
    poller = start(pollers, PollTarget(mapping(batch_size=10), stream_arn, seen, None))
    poller.drain(timeout=5)

    assert seen.keys(0) == ["p0", "p1", "p2", "p3", "p4"]
    assert seen.keys(1) == ["p2", "p3", "p4"]
    assert len(seen.calls) == 2
    assert poller.delivered == 5 and poller.discarded == 0
    assert poller.invocations == {"NotifyFunction": 2}


@pytest.mark.parametrize(
    "bad_answer",
    [
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"id": "1"}]},
        {"batchItemFailures": [{"itemIdentifier": "999"}]},
        "not a response",
    ],
)
def test_invalid_answer_fails_the_whole_batch(pollers: list[StreamPoller], bad_answer: Any) -> None:
    table, stream_arn = make_table()
    for i in range(3):
        put(table, f"q{i}")
    seen = Recorder(lambda _event, call: bad_answer if call == 1 else None)
    poller = start(pollers, PollTarget(mapping(bisect=False), stream_arn, seen, None))
    poller.drain(timeout=5)
    assert [seen.keys(i) for i in range(len(seen.calls))] == [["q0", "q1", "q2"], ["q0", "q1", "q2"]]


def test_batch_item_failures_are_ignored_without_report_batch_item_failures(pollers: list[StreamPoller]) -> None:
    table, stream_arn = make_table()
    put(table, "r0")
    seen = Recorder(lambda event, _call: {"batchItemFailures": [{"itemIdentifier": "x"}]})
    poller = start(pollers, PollTarget(mapping(report_item_failures=False), stream_arn, seen, None))
    poller.drain(timeout=5)
    assert len(seen.calls) == 1 and poller.delivered == 1


def test_poison_record_is_isolated_sent_to_the_failure_queue_and_the_shard_moves_on(
    pollers: list[StreamPoller],
) -> None:
    table, stream_arn = make_table()
    queue = make_queue()
    for pk in ("a", "poison", "b", "c"):
        put(table, pk)

    def answer(event: dict[str, Any], _call: int) -> Any:
        if any(r["dynamodb"]["Keys"]["pk"]["S"] == "poison" for r in event["Records"]):
            raise ValueError("cannot handle")
        return None

    seen = Recorder(answer)
    target = PollTarget(
        mapping(batch_size=10, max_retries=2, bisect=True, report_item_failures=False), stream_arn, seen, queue
    )
    poller = start(pollers, target)
    poller.drain(timeout=10)

    calls = [seen.keys(i) for i in range(len(seen.calls))]
    # Bisected down to the poison record, which is then tried 1 + 2 times; the others get through in order.
    assert calls == [
        ["a", "poison", "b", "c"],
        ["a", "poison"],
        ["a"],
        ["poison"],
        ["poison"],
        ["poison"],
        ["b", "c"],
    ]
    assert poller.delivered == 3 and poller.discarded == 1

    (message,) = failure_messages(queue)
    DynamoDBStreamLambdaOnFailureDestinationModel.model_validate(message)
    assert set(message) == {"requestContext", "responseContext", "version", "timestamp", "DDBStreamBatchInfo"}
    assert set(message["requestContext"]) == {"requestId", "functionArn", "condition", "approximateInvokeCount"}
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["approximateInvokeCount"] == 3
    assert message["requestContext"]["functionArn"] == f"arn:aws:lambda:{REGION}:123456789012:function:NotifyFunction"
    assert message["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert message["version"] == "1.0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", message["timestamp"])
    info = message["DDBStreamBatchInfo"]
    poison_seq = next(r for r in seen.records if r["dynamodb"]["Keys"]["pk"]["S"] == "poison")["dynamodb"][
        "SequenceNumber"
    ]
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == poison_seq
    assert info["batchSize"] == 1
    assert info["streamArn"] == stream_arn
    assert info["shardId"].startswith("shardId-")
    for key in ("approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", info[key])

    put(table, "d")  # the shard is not stuck
    wait_for(lambda: seen.records[-1]["dynamodb"]["Keys"]["pk"]["S"] == "d")


def test_failing_batch_without_bisect_goes_whole_to_the_failure_queue(pollers: list[StreamPoller]) -> None:
    table, stream_arn = make_table()
    queue = make_queue()
    put(table, "x0")
    put(table, "x1")

    def answer(_event: dict[str, Any], _call: int) -> Any:
        raise RuntimeError("down")

    seen = Recorder(answer)
    poller = start(pollers, PollTarget(mapping(max_retries=1, bisect=False), stream_arn, seen, queue))
    poller.drain(timeout=5)

    assert [seen.keys(i) for i in range(len(seen.calls))] == [["x0", "x1"], ["x0", "x1"]]
    (message,) = failure_messages(queue)
    info = message["DDBStreamBatchInfo"]
    sequence = [r["dynamodb"]["SequenceNumber"] for r in seen.calls[0]["Records"]]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (*sequence, 2)
    assert message["requestContext"]["approximateInvokeCount"] == 2
    assert poller.delivered == 0 and poller.discarded == 2


# ---------------------------------------------------------------- batching and drain


def test_full_batch_does_not_wait_for_the_batching_window(pollers: list[StreamPoller]) -> None:
    table, stream_arn = make_table()
    put(table, "w0")
    put(table, "w1")
    seen = Recorder()
    began = time.monotonic()
    start(pollers, PollTarget(mapping(batch_size=2, window_seconds=5), stream_arn, seen, None))
    wait_for(lambda: seen.calls, timeout=2)
    assert seen.keys(0) == ["w0", "w1"]
    assert seen.times[0] - began < 2


def test_partial_batch_waits_for_the_batching_window(pollers: list[StreamPoller]) -> None:
    table, stream_arn = make_table()
    seen = Recorder()
    start(pollers, PollTarget(mapping(batch_size=10, window_seconds=0.5), stream_arn, seen, None))
    written = time.monotonic()
    put(table, "v0")
    wait_for(lambda: seen.calls, timeout=3)
    assert seen.times[0] - written >= 0.45


def test_drain_waits_until_written_records_are_delivered(pollers: list[StreamPoller]) -> None:
    table, stream_arn = make_table()

    def slow(_event: dict[str, Any], _call: int) -> Any:
        time.sleep(0.15)
        return None

    seen = Recorder(slow)
    poller = start(pollers, PollTarget(mapping(batch_size=1), stream_arn, seen, None))
    for i in range(3):
        put(table, f"s{i}")
    poller.drain(timeout=5)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in seen.records] == ["s0", "s1", "s2"]
    assert poller.delivered == 3


def test_drain_polls_by_itself_when_the_poller_is_not_started() -> None:
    table, stream_arn = make_table()
    put(table, "n0")
    seen = Recorder()
    poller = StreamPoller([PollTarget(mapping(), stream_arn, seen, None)])
    poller.drain(timeout=5)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in seen.records] == ["n0"]


def test_drain_times_out_while_a_record_keeps_failing(pollers: list[StreamPoller]) -> None:
    table, stream_arn = make_table()
    put(table, "stuck")

    def answer(_event: dict[str, Any], _call: int) -> Any:
        raise RuntimeError("always")

    poller = start(pollers, PollTarget(mapping(max_retries=-1), stream_arn, Recorder(answer), None))
    began = time.monotonic()
    with pytest.raises(TimeoutError):
        poller.drain(timeout=0.5)
    assert time.monotonic() - began < 2
    assert poller.delivered == 0 and poller.discarded == 0


def test_two_functions_on_one_stream_each_get_every_record(pollers: list[StreamPoller]) -> None:
    table, stream_arn = make_table()
    first, second = Recorder(), Recorder()
    poller = start(
        pollers,
        PollTarget(mapping(function="A"), stream_arn, first, None),
        PollTarget(mapping(function="B"), stream_arn, second, None),
    )
    put(table, "m0")
    put(table, "m1")
    poller.drain(timeout=5)
    for seen in (first, second):
        assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in seen.records] == ["m0", "m1"]
    assert set(poller.invocations) == {"A", "B"}
