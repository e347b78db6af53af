"""The one clock of the domain.

Production reads the system time. The local stack moves it forward
(`POST /_local/clock`) to exercise expiry and reminders without waiting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    return datetime.now(UTC) + _offset


def advance(seconds: float) -> datetime:
    global _offset
    if seconds < 0:
        raise ValueError("the clock only moves forward")
    _offset += timedelta(seconds=seconds)
    return now()


def reset() -> None:
    global _offset
    _offset = timedelta(0)


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with `Z`, millisecond precision: sorts as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
