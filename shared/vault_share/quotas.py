"""Quotas on the messages sent on an owner's behalf (e-mails, SMS, letters), so that the service
relays no phishing or SMS pumping: per vault and per user (the caller who made the message go).

Fixed windows, one counter item per scope, channel and window in the vault table:

    pk = QUOTA#<VAULT|USER>#<id>#<channel>, sk = <window start, epoch seconds>, sent = n, ttl

A vault's window is the UTC day, a user's the hour (settings: QUOTA_*). A message is counted by
an `Update` "ADD sent :n" under "sent <= limit - n": DynamoDB applies it atomically, so whatever
the concurrency at most `limit` messages are counted in a window. A fixed window lets a burst of
up to twice the limit straddle a boundary; for abuse that bound is enough, and it costs one write
per counter and no read (a sliding window would read the previous one, or keep one item per
message). The counters of one send are parts of one TransactWriteItems (with the flow's own write
when it has one: `parts`), so that a refused counter counts nothing on any scope or channel, and
the request writes nothing. TTL removes a counter a day after its window ends.

What a counted message may leave behind: it stays counted when a later step fails (the provider
refuses it, the request dies), and when a compensating `give_back` itself fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from vault_share import observability
from vault_share.dynamo import refused_parts, update_request
from vault_share.errors import TooManyRequests
from vault_share.settings import get_settings

logger = Logger(child=True)

EMAIL: Final = "email"
SMS: Final = "sms"
LETTER: Final = "letter"
VAULT: Final = "VAULT"
USER: Final = "USER"
DAY: Final = 86400
HOUR: Final = 3600
# A counter outlives its window by this much, then TTL deletes it.
KEEP_SECONDS: Final = DAY

_NAMES = {EMAIL: "e-mails", SMS: "SMS", LETTER: "courriers"}
_PER = {DAY: "aujourd'hui", HOUR: "cette heure-ci"}
_WHOSE = {VAULT: "ce coffre", USER: "votre compte"}


class QuotaExceeded(TooManyRequests):
    """429: a counter is full; nothing was sent or written. `counter` (never serialised) says which."""

    code = "quota_exceeded"

    def __init__(self, message: str, counter: Counter, retry_after: int) -> None:
        super().__init__(message, channel=counter.channel, retryAfterSeconds=retry_after)
        self.counter = counter


def _limit(scope: str, channel: str) -> int:
    settings = get_settings()
    if scope == VAULT:
        return {
            EMAIL: settings.quota_vault_emails_per_day,
            SMS: settings.quota_vault_sms_per_day,
            LETTER: settings.quota_vault_letters_per_day,
        }[channel]
    return {
        EMAIL: settings.quota_user_emails_per_hour,
        SMS: settings.quota_user_sms_per_hour,
        LETTER: settings.quota_user_letters_per_hour,
    }[channel]


@dataclass(frozen=True)
class Counter:
    """One scope's counter of one channel in the current window, and what a send adds to it."""

    scope: str  # VAULT or USER
    owner: str  # the vault's or the user's id
    channel: str
    limit: int
    window: int  # seconds
    start: int  # the window's start, epoch seconds
    count: int = 1

    @property
    def key(self) -> dict[str, str]:
        return {"pk": f"QUOTA#{self.scope}#{self.owner}#{self.channel}", "sk": str(self.start)}

    @property
    def ends(self) -> datetime:
        return datetime.fromtimestamp(self.start + self.window, UTC)

    def retry_after(self, moment: datetime) -> int:
        return max(1, self.start + self.window - int(moment.timestamp()))


def counters(vault_id: str, user_id: str | None, channels: Mapping[str, int], moment: datetime) -> list[Counter]:
    """The counters a send of `channels` (channel -> messages) charges: the vault's (per day) and,
    when a user made it go, the user's (per hour). A scheduled send has no user."""
    epoch = int(moment.timestamp())
    scopes = [(VAULT, vault_id, DAY)] + ([(USER, user_id, HOUR)] if user_id else [])
    return [
        Counter(scope, owner, channel, _limit(scope, channel), window, epoch // window * window, count)
        for scope, owner, window in scopes
        for channel, count in channels.items()
        if count > 0
    ]


def requests(table: str, charged: Sequence[Counter]) -> list[dict[str, Any]]:
    """The updates that count `charged`, each refused when its counter is full (as a transaction's
    `Update` takes them, and as vault.guests.admit_guest's `together`)."""
    return [_count_request(table, counter) for counter in charged]


def parts(table: str, charged: Sequence[Counter]) -> list[dict[str, Any]]:
    """TransactWriteItems parts that count `charged`, each refused when its counter is full."""
    return [{"Update": request} for request in requests(table, charged)]


def _count_request(table: str, counter: Counter) -> dict[str, Any]:
    return update_request(
        table,
        counter.key,
        "ADD #sent :n SET #ttl = :ttl",
        "attribute_not_exists(#sent) OR #sent <= :room",
        {
            ":n": counter.count,
            ":room": counter.limit - counter.count,
            ":ttl": counter.start + counter.window + KEEP_SECONDS,
        },
        {"#sent": "sent", "#ttl": "ttl"},
    )


def exceeded(counter: Counter, moment: datetime) -> QuotaExceeded:
    """The 429 of a full counter: which channel, and when its window ends."""
    observability.quota_exceeded(counter.channel, counter.scope.lower())
    return QuotaExceeded(
        f"Limite d'envoi atteinte : {_WHOSE[counter.scope]} a envoyé ses {counter.limit} {_NAMES[counter.channel]} "
        f"autorisés {_PER[counter.window]}. Réessayez plus tard.",
        counter,
        counter.retry_after(moment),
    )


def check_room(charged: Sequence[Counter], moment: datetime) -> None:
    """A send larger than a limit is refused before anything is written (no condition could say so)."""
    for counter in charged:
        if counter.count > counter.limit:
            raise exceeded(counter, moment)


def charge(ddb: Any, table: str, charged: Sequence[Counter], moment: datetime) -> None:
    """Count `charged` on their own, all or nothing, in one request; QuotaExceeded (nothing
    counted) when one is full."""
    if not charged:
        return
    check_room(charged, moment)
    try:
        ddb.transact_write_items(TransactItems=parts(table, charged))
    except ClientError as exc:
        refused = refused_parts(exc)
        if not refused:
            raise
        raise exceeded(charged[refused[0]], moment) from None


def give_back(ddb: Any, table: str, charged: Sequence[Counter]) -> None:
    """Uncount `charged` (counted by `charge`) when what they were counted for was refused after
    all. Best effort: if this fails, they stay counted (logged, never raised over the refusal)."""
    if not charged:
        return
    updates = [
        {
            "Update": update_request(
                table,
                counter.key,
                "ADD #sent :minus",
                "#sent >= :n",
                {":minus": -counter.count, ":n": counter.count},
                {"#sent": "sent"},
            )
        }
        for counter in charged
    ]
    try:
        ddb.transact_write_items(TransactItems=updates)
    except Exception as exc:
        logger.warning("quota not given back", extra={"error_type": type(exc).__name__})
