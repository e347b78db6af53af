"""The shares stream, record by record, with one write for the whole batch.

Powertools' BatchProcessor parses each record (a record that cannot be read
fails alone); the items of every parsed record are then written together
(record by record if that fails, so that a record DynamoDB refuses fails
alone), and the owner e-mails sent. A record whose write or e-mail fails is
reported in `batchItemFailures`, so Lambda retries from it and the others are
kept; one that keeps failing ends in the on-failure queue.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from vault_share import clock, observability
from vault_share.journal.events import events_of
from vault_share.journal.recorder import Outcome, Recorder, outcome_of

logger = Logger(child=True)


def parse(record: DynamoDBRecord) -> Outcome:
    """Stream record -> what to write. Reads nothing, writes nothing."""
    change = record.dynamodb
    approximate = change.approximate_creation_date_time if change else None
    moment = datetime.fromtimestamp(approximate, UTC) if approximate else clock.now()
    fallback_at = clock.iso(moment)
    events = events_of(
        record.event_name.name if record.event_name else "",
        change.old_image if change else None,
        change.new_image if change else None,
        fallback_at,
    )
    return outcome_of(record.event_id or "", events)


class JournalProcessor(BatchProcessor):
    """BatchProcessor that defers the writes to one flush per batch."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
        self.recorder = recorder
        self._parsed: list[tuple[dict[str, Any], Outcome]] = []

    def _prepare(self) -> None:
        super()._prepare()
        self._parsed = []

    def success_handler(self, record: Any, result: Any) -> Any:
        self._parsed.append((record, result))
        return super().success_handler(record, result)

    def failure_handler(self, record: Any, exception: Any) -> Any:
        observability.stream_record_failed()  # whatever failed it: parse, journal write, owner e-mail
        return super().failure_handler(record, exception)

    def _clean(self) -> None:
        if self._parsed:
            self._flush(self.recorder)
        super()._clean()

    def _fail(self, record: dict[str, Any]) -> None:
        """Move a parsed record to the failures (reported in batchItemFailures)."""
        self.success_messages = [m for m in self.success_messages if m is not record]
        data = self._to_batch_type(record=record, event_type=self.event_type, model=self.model)
        self.failure_handler(data, sys.exc_info())

    def _flush(self, recorder: Recorder) -> None:
        """One write for the batch; if it fails, one per record, so that a record whose items
        DynamoDB refuses (a poison record) fails alone. A record's e-mails go once its items are written."""
        written = self._parsed
        try:
            recorder.write([outcome for _, outcome in self._parsed])
        except Exception as exc:
            logger.warning("journal write failed: record by record", extra={"error_type": type(exc).__name__})
            written = []
            for record, outcome in self._parsed:
                try:
                    recorder.write([outcome])
                except Exception as record_exc:
                    logger.warning("journal write of a record failed", extra={"error_type": type(record_exc).__name__})
                    self._fail(record)
                else:
                    written.append((record, outcome))
        for record, outcome in written:
            try:
                for marker, email in outcome.emails:
                    recorder.send_once(marker, email)
            except Exception as exc:
                logger.warning("owner e-mail failed", extra={"error_type": type(exc).__name__})
                self._fail(record)
