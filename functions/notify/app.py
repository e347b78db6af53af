"""Shares stream consumer (journal entries, notifications) and expiry sweep."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    logger.debug("stream record", extra={"event_name": record.event_name, "event_id": record.event_id})


def run_task(task: str) -> dict[str, Any]:
    logger.info("scheduled task", extra={"task": task})
    return {"task": task, "processed": 0}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    if "task" in event:
        return run_task(event["task"])
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
