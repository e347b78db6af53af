"""The state of a guarded item, read from the item alone: one rule for every reader.

The attempt write (`attempts.attempt`) moves an item from its open status to its success
status in the same UpdateItem that judges the code; the fifth miss leaves the status open
with `failedAttempts` at MAX_ATTEMPTS, and a second write records the lock. Whoever reads
the item in between (the page, the list, the journal, the sweep, revoke) must already see it
locked: that is what `state` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_ATTEMPTS = 5
LOCKED = "locked"
EXPIRED = "expired"


@dataclass(frozen=True)
class Guard:
    """How one kind of item names its states."""

    open: str  # the one status in which a code is judged
    success: str  # what the right code turns it into
    expiry_partition: str  # its `expiryPk` while open (the sweep reads that partition of the expiry index)


# Where a won item's `expiryPk` goes: a partition of the expiry index that no sweep reads.
ENDED = "ENDED"


def failed_attempts(item: dict[str, Any]) -> int:
    return int(item.get("failedAttempts") or 0)


def state(guard: Guard, item: dict[str, Any], now: str | None = None) -> str:
    """The item's status as users see it. With `now`, an open item past `expiresAt` is
    expired even before the sweep marks it; without, only what was written counts."""
    status = str(item.get("status"))
    if status != guard.open:
        return status
    if failed_attempts(item) >= MAX_ATTEMPTS:
        return LOCKED
    if now is not None and str(item.get("expiresAt", "")) <= now:
        return EXPIRED
    return status
