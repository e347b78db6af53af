"""Shares stream consumer (journal entries, notifications, owner e-mails) and expiry sweep."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext
from vault_share import expiry, observability
from vault_share.adapters.aws import client
from vault_share.adapters.mailer import Mailer
from vault_share.journal.recorder import Recorder
from vault_share.journal.stream import JournalProcessor, parse
from vault_share.settings import get_settings

logger = Logger()
metrics = observability.handler_metrics()

# Built once per container.
settings = get_settings()
dynamodb = client("dynamodb")
recorder = Recorder(Mailer(client("ses"), settings.sender_email))
processor = JournalProcessor(recorder)


def run_task(task: str) -> dict[str, Any]:
    """Scheduled work (EventBridge Scheduler input `{"task": ...}`)."""
    if task == "expiry_sweep":
        result = expiry.sweep(dynamodb, settings.shares_table).to_json()
        logger.info("expiry sweep", extra=result)
        return {"task": task, **result}
    raise ValueError(f"unknown task: {task}")


@logger.inject_lambda_context(correlation_id_path=observability.STREAM_RECORD_OR_SCHEDULE, log_event=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    if "task" in event:
        return run_task(event["task"])
    return process_partial_response(event=event, record_handler=parse, processor=processor, context=context)
