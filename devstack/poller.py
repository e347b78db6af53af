"""Lambda's DynamoDB Streams event source mapping, played locally against the embedded AWS.

Semantics follow the AWS documentation:

- every shard is read from TRIM_HORIZON, in order; a child shard waits until its parent is read to the end;
- batches hold at most BatchSize records; with MaximumBatchingWindowInSeconds a partial batch waits for
  the window (a full batch never waits), and the next window starts when the previous invocation ends;
- a raised exception, or with ReportBatchItemFailures an invalid answer, fails the whole batch;
  `{"batchItemFailures": [{"itemIdentifier": seq}]}` checkpoints before the lowest failed sequence number
  and retries from it; an empty or null list (or no answer) is full success;
- MaximumRetryAttempts counts the failed invocations that start at the same record (-1: no limit);
  BisectBatchOnFunctionError splits a wholly failed batch in two, and a split does not count as a retry
  ("Splitting a batch does not count towards the retry quota");
- when retries are exhausted, an on-failure record (requestContext, responseContext, DDBStreamBatchInfo)
  goes to the SQS destination, and the shard moves past the failed records.

Record contents may hold secrets: only counts and ids are logged.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from devstack.template import StreamMapping

log = logging.getLogger("devstack.poller")

POLL_INTERVAL = 0.2  # Lambda polls a shard about four times a second
SHARD_REFRESH_SECONDS = 1.0  # how often describe_stream looks for new shards
GET_RECORDS_LIMIT = 1000  # the GetRecords maximum
RETRY_BACKOFF_BASE = 0.02
RETRY_BACKOFF_MAX = 1.0
STOP_TIMEOUT = 10.0


@dataclass
class PollTarget:
    """One event source mapping: a function fed by a table's stream."""

    mapping: StreamMapping
    stream_arn: str
    invoke: Callable[[dict[str, Any]], Any]
    failure_queue_url: str | None = None
    # For the on-failure record; derived from the stream ARN's region and account when absent.
    function_arn: str | None = None


# ---------------------------------------------------------------- record shape


def _jsonable(value: Any) -> Any:
    """Attribute values as Lambda's JSON carries them: binary (B, BS) as base64 text."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def _epoch_seconds(value: Any) -> int:
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return int(time.time())


def lambda_record(raw: dict[str, Any], stream_arn: str, view_type: str | None = None) -> dict[str, Any]:
    """A GetRecords record (as boto3 parses it) in the shape Lambda hands a function.

    moto says eventVersion 1.0, always us-east-1 and omits eventSourceARN; Lambda sends 1.1, the
    stream's region and the stream ARN. Only the fields AWS sends are kept.
    """
    change = raw.get("dynamodb", {})
    dynamodb: dict[str, Any] = {
        "ApproximateCreationDateTime": _epoch_seconds(change.get("ApproximateCreationDateTime")),
        "Keys": _jsonable(change.get("Keys", {})),
    }
    for image in ("NewImage", "OldImage"):
        if image in change:
            dynamodb[image] = _jsonable(change[image])
    dynamodb["SequenceNumber"] = str(change["SequenceNumber"])
    dynamodb["SizeBytes"] = int(change.get("SizeBytes") or len(json.dumps(dynamodb)))
    dynamodb["StreamViewType"] = change.get("StreamViewType") or view_type or "NEW_AND_OLD_IMAGES"

    record: dict[str, Any] = {
        "eventID": str(raw.get("eventID") or uuid.uuid4().hex),
        "eventName": raw["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": stream_arn.split(":")[3],
    }
    identity = raw.get("userIdentity")
    if identity:
        # The Streams API spells it {Type, PrincipalId}; Lambda's event {type, principalId}.
        record["userIdentity"] = {
            "type": identity.get("type", identity.get("Type")),
            "principalId": identity.get("principalId", identity.get("PrincipalId")),
        }
    record["dynamodb"] = dynamodb
    record["eventSourceARN"] = stream_arn
    return record


def _seq(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def _iso_seconds(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_millis(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _forget_iterator(region: str, account: str, iterator: str) -> None:
    """moto keeps every shard iterator it hands out, forever; drop the ones already used.

    Best effort and in-process only: without an embedded moto this does nothing.
    """
    try:
        from moto.dynamodbstreams.models import dynamodbstreams_backends
    except ImportError:  # pragma: no cover - moto is a dev dependency
        return
    # dict.get, not [...]: moto's BackendDict would create missing backends.
    regions = dict.get(dynamodbstreams_backends, account)
    backend = dict.get(regions, region) if regions is not None else None
    if backend is not None:
        backend.shard_iterators.pop(iterator, None)


# ---------------------------------------------------------------- state


@dataclass
class _Failure:
    index: int  # position of the first failed record in the batch
    whole: bool  # the whole batch failed (exception or invalid answer): may be bisected
    function_error: str | None  # exception type name when the function raised


@dataclass
class _Shard:
    shard_id: str
    parent_id: str | None
    iterator: str | None = None
    ended: bool = False  # closed and read to its end
    last_read: int = -1  # highest sequence number fetched
    done_through: int = -1  # highest sequence number delivered or discarded (the checkpoint)
    buffer: list[dict[str, Any]] = field(default_factory=list)
    window_start: float = 0.0
    pending: list[int] = field(default_factory=list)  # sizes of bisected sub-batches still to deliver
    fail_seq: str | None = None  # first failed record of the batch being retried
    fail_count: int = 0  # failed invocations starting at fail_seq
    failures_in_row: int = 0
    retry_at: float = 0.0

    @property
    def finished(self) -> bool:
        return self.ended and not self.buffer

    @property
    def high_water(self) -> int:
        return int(_seq(self.buffer[-1])) if self.buffer else self.done_through


@dataclass
class _Source:
    target: PollTarget
    region: str
    account: str
    function_arn: str
    view_type: str | None = None
    shards: dict[str, _Shard] = field(default_factory=dict)
    refreshed_at: float = float("-inf")


@dataclass
class _Drain:
    done: threading.Event = field(default_factory=threading.Event)
    # (source index, shard id) -> sequence number to reach; None until read after the request.
    marks: dict[tuple[int, str], int | None] | None = None


# ---------------------------------------------------------------- poller


class StreamPoller:
    def __init__(self, mappings: list[PollTarget]) -> None:
        self._sources: list[_Source] = []
        for target in mappings:
            parts = target.stream_arn.split(":")
            region, account = parts[3], parts[4]
            arn = target.function_arn or f"arn:aws:lambda:{region}:{account}:function:{target.mapping.function}"
            self._sources.append(_Source(target, region, account, arn))
        self._streams: Any = None
        self._sqs: Any = None
        self._cycle_lock = threading.Lock()  # one cycle at a time (thread or drain)
        self._lock = threading.Lock()  # guards _drains
        self._drains: list[_Drain] = []
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Diagnostics.
        self.delivered = 0  # records the functions processed successfully
        self.discarded = 0  # records given up after the retries
        self.invocations: dict[str, int] = {s.target.mapping.function: 0 for s in self._sources}

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="stream-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(STOP_TIMEOUT)
            if thread.is_alive():
                log.warning("stream poller still busy after %.0f s", STOP_TIMEOUT)

    def drain(self, timeout: float = 10.0) -> None:
        """Block until every record written before this call is delivered or sent to its failure queue."""
        request = _Drain()
        with self._lock:
            self._drains.append(request)
        self._wake.set()
        deadline = time.monotonic() + timeout
        try:
            thread = self._thread
            if thread is not None and thread.is_alive():
                if not request.done.wait(timeout):
                    raise TimeoutError(f"stream records not delivered within {timeout} s")
                return
            # Not started: poll in the caller's thread.
            while not request.done.is_set():
                self._cycle()
                if request.done.is_set():
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"stream records not delivered within {timeout} s")
                time.sleep(min(self._idle_wait(), remaining))
        finally:
            with self._lock:
                self._drains.remove(request)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self._cycle()
            except Exception as exc:
                log.warning("stream poll cycle failed (%s)", type(exc).__name__)
            self._wake.wait(self._idle_wait())

    # ------------------------------------------------------------ one pass over every shard

    def _clients(self) -> tuple[Any, Any]:
        if self._streams is None:
            self._streams = boto3.client("dynamodbstreams")
            self._sqs = boto3.client("sqs")
        return self._streams, self._sqs

    def _cycle(self) -> None:
        with self._cycle_lock:
            with self._lock:
                new_drains = [d for d in self._drains if d.marks is None]
                drains = list(self._drains)
            now = time.monotonic()
            for source in self._sources:
                if new_drains or now - source.refreshed_at >= SHARD_REFRESH_SECONDS:
                    self._refresh_shards(source)
            for drain in new_drains:
                drain.marks = {
                    (i, shard_id): None for i, source in enumerate(self._sources) for shard_id in source.shards
                }
            for i, source in enumerate(self._sources):
                for shard in self._readable(source):
                    key = (i, shard.shard_id)
                    unresolved = [d for d in drains if d.marks is not None and d.marks.get(key, 0) is None]
                    self._read(source, shard, exhaust=bool(unresolved))
                    for drain in unresolved:
                        assert drain.marks is not None
                        drain.marks[key] = shard.high_water
                    self._deliver(source, shard)
                    if self._stop.is_set():
                        return
            self._settle(drains)

    def _settle(self, drains: list[_Drain]) -> None:
        for drain in drains:
            if drain.marks is None or drain.done.is_set():
                continue
            if all(
                mark is not None and self._sources[i].shards[shard_id].done_through >= mark
                for (i, shard_id), mark in drain.marks.items()
            ):
                drain.done.set()

    def _idle_wait(self) -> float:
        """Time until something may be due: a retry, the end of a batching window, or the next poll."""
        now = time.monotonic()
        wait = POLL_INTERVAL
        for source in self._sources:
            window = source.target.mapping.window_seconds
            for shard in source.shards.values():
                if not shard.buffer:
                    continue
                retrying = bool(shard.pending) or shard.fail_seq is not None
                due = shard.retry_at if retrying else max(shard.retry_at, shard.window_start + window)
                wait = min(wait, max(0.0, due - now))
        return wait

    # ------------------------------------------------------------ reading

    def _refresh_shards(self, source: _Source) -> None:
        source.refreshed_at = time.monotonic()
        streams, _ = self._clients()
        args: dict[str, Any] = {"StreamArn": source.target.stream_arn}
        try:
            while True:
                description = streams.describe_stream(**args)["StreamDescription"]
                source.view_type = description.get("StreamViewType", source.view_type)
                for shard in description.get("Shards", []):
                    if shard["ShardId"] not in source.shards:
                        source.shards[shard["ShardId"]] = _Shard(shard["ShardId"], shard.get("ParentShardId"))
                        log.debug("%s: new shard %s", source.target.mapping.function, shard["ShardId"])
                last = description.get("LastEvaluatedShardId")
                if not last:
                    break
                args["ExclusiveStartShardId"] = last
        except (ClientError, BotoCoreError) as exc:
            log.debug("describe_stream failed for %s (%s)", source.target.mapping.function, type(exc).__name__)

    def _readable(self, source: _Source) -> list[_Shard]:
        """Shards whose parent (if still listed) is read to its end: parents first, as Lambda does."""
        result = []
        for shard in source.shards.values():
            parent = source.shards.get(shard.parent_id) if shard.parent_id else None
            if parent is None or parent.finished:
                result.append(shard)
        return result

    def _read(self, source: _Source, shard: _Shard, *, exhaust: bool) -> None:
        """One GetRecords call, or as many as it takes to reach the end when a drain waits."""
        streams, _ = self._clients()
        mapping = source.target.mapping
        while not shard.ended:
            if not exhaust and len(shard.buffer) >= max(mapping.batch_size, GET_RECORDS_LIMIT):
                return  # enough in hand; keeps memory bounded
            if shard.iterator is None:
                args: dict[str, Any] = {"StreamArn": source.target.stream_arn, "ShardId": shard.shard_id}
                if shard.last_read >= 0:
                    args.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=str(shard.last_read))
                else:
                    args.update(ShardIteratorType="TRIM_HORIZON")
                try:
                    shard.iterator = streams.get_shard_iterator(**args)["ShardIterator"]
                except (ClientError, BotoCoreError) as exc:
                    log.debug("get_shard_iterator failed for %s (%s)", shard.shard_id, type(exc).__name__)
                    return
            used = shard.iterator
            try:
                answer = streams.get_records(ShardIterator=used, Limit=GET_RECORDS_LIMIT)
            except (ClientError, BotoCoreError) as exc:
                # Expired or trimmed iterator, or a hiccup: position again from the last record read.
                log.debug("get_records failed for %s (%s)", shard.shard_id, type(exc).__name__)
                shard.iterator = None
                return
            shard.iterator = answer.get("NextShardIterator")
            _forget_iterator(source.region, source.account, used)
            records = answer.get("Records", [])
            fresh = 0
            for raw in records:
                record = lambda_record(raw, source.target.stream_arn, source.view_type)
                number = int(_seq(record))
                if number <= shard.last_read:
                    continue  # already fetched before a re-positioning
                if not shard.buffer:
                    shard.window_start = time.monotonic()
                shard.buffer.append(record)
                shard.last_read = number
                fresh += 1
            if fresh:
                log.debug("%s: read %d records from %s", mapping.function, fresh, shard.shard_id)
            if shard.iterator is None:
                shard.ended = True
                log.debug("%s: shard %s closed", mapping.function, shard.shard_id)
            if not records or not exhaust:
                return

    # ------------------------------------------------------------ delivering

    def _deliver(self, source: _Source, shard: _Shard) -> None:
        mapping = source.target.mapping
        while shard.buffer and not self._stop.is_set():
            now = time.monotonic()
            if now < shard.retry_at:
                return
            retrying = bool(shard.pending) or shard.fail_seq is not None
            if (
                not retrying
                and not shard.ended
                and len(shard.buffer) < mapping.batch_size
                and now - shard.window_start < mapping.window_seconds
            ):
                return  # wait for a fuller batch, at most the batching window
            size = shard.pending[0] if shard.pending else mapping.batch_size
            self._invoke(source, shard, shard.buffer[: max(1, size)])
            shard.window_start = time.monotonic()

    def _invoke(self, source: _Source, shard: _Shard, batch: list[dict[str, Any]]) -> None:
        target = source.target
        mapping = target.mapping
        request_id = str(uuid.uuid4())
        self.invocations[mapping.function] = self.invocations.get(mapping.function, 0) + 1
        log.debug("%s: invoking with %d records from %s", mapping.function, len(batch), shard.shard_id)
        try:
            # A fresh event per invocation, as Lambda's JSON is: a handler cannot alter a retry's records.
            answer = target.invoke({"Records": copy.deepcopy(batch)})
        except Exception as exc:
            log.debug("%s: function error (%s)", mapping.function, type(exc).__name__)
            failure: _Failure | None = _Failure(0, True, type(exc).__name__)
        else:
            failure = _read_answer(answer, batch) if mapping.report_item_failures else None

        if failure is None:
            self._checkpoint(shard, len(batch), delivered=True)
            if shard.pending:
                shard.pending.pop(0)
            shard.fail_seq, shard.fail_count, shard.failures_in_row, shard.retry_at = None, 0, 0, 0.0
            return

        shard.retry_at = time.monotonic() + min(RETRY_BACKOFF_BASE * 2**shard.failures_in_row, RETRY_BACKOFF_MAX)
        shard.failures_in_row += 1

        if failure.whole and mapping.bisect and len(batch) > 1:
            # Split in two and retry the halves; a split is not a retry.
            first = (len(batch) + 1) // 2
            halves = [first, len(batch) - first]
            shard.pending[:1] = halves
            log.debug("%s: batch of %d bisected", mapping.function, len(batch))
            return

        if failure.index:
            # Records before the first failure are done: checkpoint before it.
            self._checkpoint(shard, failure.index, delivered=True)
            if shard.pending:
                shard.pending[0] -= failure.index
        failed = batch[failure.index :]
        start = _seq(failed[0])
        if shard.fail_seq == start:
            shard.fail_count += 1
        else:
            shard.fail_seq, shard.fail_count = start, 1
        if mapping.max_retries < 0 or shard.fail_count <= mapping.max_retries:
            log.debug("%s: retry %d from %s", mapping.function, shard.fail_count, start)
            return

        # Retries exhausted: record the failure, move past the batch.
        self._send_failure(source, shard, failed, shard.fail_count, request_id, failure.function_error)
        self._checkpoint(shard, len(failed), delivered=False)
        if shard.pending:
            shard.pending.pop(0)
        shard.fail_seq, shard.fail_count, shard.failures_in_row, shard.retry_at = None, 0, 0, 0.0

    def _checkpoint(self, shard: _Shard, count: int, *, delivered: bool) -> None:
        done, shard.buffer = shard.buffer[:count], shard.buffer[count:]
        if done:
            shard.done_through = max(shard.done_through, int(_seq(done[-1])))
        if delivered:
            self.delivered += len(done)
        else:
            self.discarded += len(done)

    def _send_failure(
        self,
        source: _Source,
        shard: _Shard,
        records: list[dict[str, Any]],
        invoke_count: int,
        request_id: str,
        function_error: str | None,
    ) -> None:
        target = source.target
        response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if function_error:
            response["functionError"] = "Unhandled"
        body = {
            "requestContext": {
                "requestId": request_id,
                "functionArn": source.function_arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": invoke_count,
            },
            "responseContext": response,
            "version": "1.0",
            "timestamp": _iso_millis(datetime.now(UTC)),
            "DDBStreamBatchInfo": {
                "shardId": shard.shard_id,
                "startSequenceNumber": _seq(records[0]),
                "endSequenceNumber": _seq(records[-1]),
                "approximateArrivalOfFirstRecord": _iso_seconds(records[0]["dynamodb"]["ApproximateCreationDateTime"]),
                "approximateArrivalOfLastRecord": _iso_seconds(records[-1]["dynamodb"]["ApproximateCreationDateTime"]),
                "batchSize": len(records),
                "streamArn": target.stream_arn,
            },
        }
        log.debug(
            "%s: %d records %s..%s discarded after %d attempts",
            target.mapping.function,
            len(records),
            _seq(records[0]),
            _seq(records[-1]),
            invoke_count,
        )
        if not target.failure_queue_url:
            return
        _, sqs = self._clients()
        try:
            sqs.send_message(QueueUrl=target.failure_queue_url, MessageBody=json.dumps(body))
        except (ClientError, BotoCoreError) as exc:
            log.warning(
                "%s: on-failure destination refused the record (%s)", target.mapping.function, type(exc).__name__
            )


def _read_answer(answer: Any, batch: list[dict[str, Any]]) -> _Failure | None:
    """A ReportBatchItemFailures answer: None for full success, else where the retry starts."""
    if answer is None:
        return None
    if not isinstance(answer, dict):
        return _Failure(0, True, None)
    failures = answer.get("batchItemFailures")
    if failures is None or failures == []:
        return None
    if not isinstance(failures, list):
        return _Failure(0, True, None)
    positions = {_seq(record): i for i, record in enumerate(batch)}
    indexes = []
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in positions:
            return _Failure(0, True, None)  # empty, null, misnamed or unknown identifier
        indexes.append(positions[identifier])
    return _Failure(min(indexes), False, None)
