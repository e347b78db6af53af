"""Two-channel invitations: owner routes, public /invite/{token}, scheduled reminders."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from vault_share.api.resolver import make_resolver

logger = Logger()
tracer = Tracer()
app = make_resolver()


def run_task(task: str) -> dict[str, Any]:
    """Scheduled work (EventBridge Scheduler input `{"task": ...}`)."""
    logger.info("scheduled task", extra={"task": task})
    return {"task": task, "processed": 0}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "task" in event:
        return run_task(event["task"])
    return app.resolve(event, context)
