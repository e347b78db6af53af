"""What the functions count, and what their logs hold: named once, here.

Metrics are CloudWatch metrics in the embedded metric format (EMF): JSON lines on stdout that
CloudWatch Logs turns into metrics, under the namespace and service of template.yaml's Globals
(POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME). The domain calls the functions below where
it decides what they count, so it imports no Powertools for them; each handler flushes what an
invocation counted with `@metrics.log_metrics` (Powertools shares one metric set between every
`Metrics()` of a process). A metric with dimensions of its own (a channel, a status, the kind of
share) is written at once as its own EMF line (Powertools' `single_metric`): one EMF document has
one set of dimension values, and an invitation sends on two channels.

Dimension values come from small fixed sets, never from input: an id, a name, an address or a
token would be a new metric each (cardinality) and is stored and shown as it is. A value outside
its set is counted as `other`.

Traces: `Tracing: Active` (template.yaml) has Lambda write each invocation's segment (its
initialization, invocation and overhead), joined to API Gateway's; neither holds a payload. No
function imports the X-Ray SDK (Powertools' Tracer) for subsegments of its own: AWS put the SDK in
maintenance mode on 25 February 2026 (OpenTelemetry is its successor), and its import and the
patching of botocore cost every cold start more than the requests it would time.

Logs: each handler's Logger takes its correlation id from the paths below and never logs the event
(`log_event=False`, whatever POWERTOOLS_LOGGER_LOG_EVENT says). The AWS SDK and PynamoDB log every
request's arguments at DEBUG (items with personal codes and contact details, e-mail and SMS
bodies with links and codes, signed headers): they never log at DEBUG here, even when Lambda's
application log level (or anything else) puts the root logger at DEBUG.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Final

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

logger = Logger(child=True)

WIRE_LOGGERS: Final = ("botocore", "boto3", "urllib3", "s3transfer", "pynamodb")
for _name in WIRE_LOGGERS:
    logging.getLogger(_name).setLevel(logging.INFO)

# ---------------------------------------------------------------- correlation ids (Logger)

# JMESPath, in the invocation's event, of the id every log line of the invocation carries.
API_REQUEST: Final = correlation_paths.API_GATEWAY_REST  # the API Gateway request id
# Scheduled tasks: EventBridge Scheduler writes its execution id into the Input (template.yaml).
SCHEDULE_EXECUTION: Final = "executionId"
API_REQUEST_OR_SCHEDULE: Final = f"{API_REQUEST} || {SCHEDULE_EXECUTION}"
# A shares-stream batch: the event id of its first record (Lambda retries a batch from a record).
STREAM_RECORD_OR_SCHEDULE: Final = f"Records[0].eventID || {SCHEDULE_EXECUTION}"

# ---------------------------------------------------------------- dimension values

SHARES: Final = frozenset({"link", "invitation"})
CHANNELS: Final = frozenset({"email", "sms", "postal"})
STATUSES: Final = frozenset({"sent", "queued", "failed", "deferred"})
OTHER: Final = "other"

# Most invocations count nothing (reads, pages): Powertools warns on each empty flush unless told
# not to (its documentation's own filter).
warnings.filterwarnings("ignore", "No application metrics to publish*")


def handler_metrics() -> Metrics:
    """The Metrics a handler flushes: made as its container starts, when the environment gives it
    the template's namespace and service."""
    return Metrics()


def _known(value: str, allowed: frozenset[str]) -> str:
    return value if value in allowed else OTHER


def _count(name: str, value: float = 1, unit: MetricUnit = MetricUnit.Count) -> None:
    _emit(name, lambda: Metrics().add_metric(name=name, unit=unit, value=value))


def _count_by(name: str, value: float = 1, **dimensions: str) -> None:
    def write() -> None:
        with single_metric(name=name, unit=MetricUnit.Count, value=value, default_dimensions=dimensions):
            pass

    _emit(name, write)


def _emit(name: str, write: Callable[[], None]) -> None:
    # Powertools' own switch (POWERTOOLS_METRICS_DISABLED, off in the tests and the local stack):
    # a disabled metric set is never flushed, so nothing may accumulate in it either. The DEBUG
    # line says what was counted either way (the local stack shows it).
    disabled = is_metrics_disabled()
    logger.debug("counted", extra={"metric": name, "emitted": not disabled})
    if disabled:
        return
    try:
        write()
    except Exception as exc:  # a metric never changes what the domain decided (it has happened)
        logger.warning("metric not recorded", extra={"metric": name, "error_type": type(exc).__name__})


# ---------------------------------------------------------------- links


def link_created() -> None:
    _count("LinksCreated")


def link_unlocked() -> None:
    _count("LinksUnlocked")


# ---------------------------------------------------------------- codes (links and invitations)


def wrong_code(share: str) -> None:
    """A code judged wrong (the locking one included); `share`: link or invitation."""
    _count_by("WrongCodes", share=_known(share, SHARES))


def locked(share: str) -> None:
    """A link or an invitation locked by its last allowed wrong code."""
    _count_by("Locks", share=_known(share, SHARES))


# ---------------------------------------------------------------- invitations


def invitation_sent(channel: str, status: str) -> None:
    """One channel of one send of an invitation: email, sms or postal; sent, queued or failed."""
    _count_by("InvitationsSent", channel=_known(channel, CHANNELS), status=_known(status, STATUSES))


def invitation_accepted() -> None:
    _count("InvitationsAccepted")


def reminder_sent() -> None:
    _count("RemindersSent")


def reminder_deferred() -> None:
    """A reminder found due in quiet hours, moved to the next allowed moment."""
    _count("RemindersDeferred")


def letter_posted(status: str, cost_cents: int) -> None:
    """A letter made and handed on: `queued` for the manual print step (or `sent` to the provider);
    what it costs, in euro cents, either way."""
    if status == "queued":
        _count("LettersQueued")
    _count("LetterCostCents", cost_cents, MetricUnit.NoUnit)


# ---------------------------------------------------------------- quotas


QUOTA_CHANNELS: Final = frozenset({"email", "sms", "letter"})
QUOTA_SCOPES: Final = frozenset({"vault", "user"})


def quota_exceeded(channel: str, scope: str) -> None:
    """A send refused (429, or a reminder deferred) because a vault's or a user's counter is full."""
    _count_by("QuotaExceeded", channel=_known(channel, QUOTA_CHANNELS), scope=_known(scope, QUOTA_SCOPES))


# ---------------------------------------------------------------- channels and the stream


def email_failed() -> None:
    _count("EmailsFailed")


def sms_failed() -> None:
    _count("SmsFailed")


def stream_record_failed() -> None:
    """A shares-stream record reported in batchItemFailures (Lambda retries from it)."""
    _count("StreamRecordsFailed")
