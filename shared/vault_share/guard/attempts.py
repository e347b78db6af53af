"""The one write that judges a code: a single conditional UpdateItem, right or wrong.

The item keeps, besides `codeMac`, a map keyed by that MAC (`rightCode`) holding what the
right code turns the item into. An attempt with MAC m writes

    status         = if_not_exists(rightCode.m.status, <open>)
    failedAttempts = failedAttempts + if_not_exists(rightCode.m.missed, 1)
    expiryPk       = if_not_exists(rightCode.m.expiryPk, <open partition>)

under "open, not expired, fewer than MAX_ATTEMPTS misses": DynamoDB itself tells the right
code (its entry exists) from a wrong one (it does not), in the same atomic write that counts
the miss and takes a won item out of the sweep's partition of the expiry index. So whatever
the concurrency, at most MAX_ATTEMPTS misses and one success are ever judged, each for exactly
one request; every later attempt is refused unjudged, and the item as it was comes back with
the refusal (no second read). The function compares nothing itself: no MAC is read back.

Attributes the caller wants on success (`on_success`) are written by every judged attempt: a
miss leaves the item open, and the next judged attempt overwrites them, so they mean something
once the status is the success status, when no attempt can be judged any more. The fifth miss
leaves the status open (`states.state` reads it as locked); a second write records the lock.

Each attempt writes its own id (`attemptId`) and is judged only where the item does not hold it
already: when botocore sends the write again because the answer of its first send was lost, the
second send is refused and the item it comes back with says how the first was judged. A code is
judged once per attempt, however often its write was sent. `judged_before` tells, by a read, how
an attempt whose answer never came back was judged, if it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from vault_share import ids, observability
from vault_share.dynamo import conditional_update, from_item, to_item
from vault_share.errors import DomainError
from vault_share.guard.states import ENDED, LOCKED, MAX_ATTEMPTS, Guard, failed_attempts

Verdict = Literal["won", "wrong", "locked", "refused"]


class WrongCode(DomainError):
    """A judged code that was not the right one (403), for links and invitations alike."""

    status = 403
    code = "wrong_code"
    message = "Code incorrect."

    def __init__(self, item: Any, failed_attempts: int) -> None:
        super().__init__(attemptsLeft=max(0, MAX_ATTEMPTS - failed_attempts))
        # The item as the attempt left it, for the page that asks again (never serialised).
        self.item = item


def guarded_attributes(guard: Guard, mac: str) -> dict[str, Any]:
    """What a new guarded item carries so that `attempt` can judge its code."""
    return {
        "codeMac": mac,
        "failedAttempts": 0,
        "expiryPk": guard.expiry_partition,
        "rightCode": {mac: {"status": guard.success, "missed": 0, "expiryPk": ENDED}},
    }


@dataclass(frozen=True)
class Judged:
    """`won`, `wrong`, `locked` (this miss was the last one allowed) or `refused` (not judged:
    the item is not open, is expired or locked; `item` is then as it was, None if absent)."""

    verdict: Verdict
    item: dict[str, Any] | None


def attempt(
    ddb: Any,
    table: str,
    key: dict[str, Any],
    guard: Guard,
    mac: str,
    now: str,
    on_success: dict[str, Any],
    also: tuple[str, dict[str, Any]] | None = None,
    attempt_id: str | None = None,
) -> Judged:
    """`also`: a further condition (and its values) without which the attempt is refused
    unjudged, as a closed item is: what the item must be for this form of the code to apply.
    `attempt_id`: this attempt's own id (a new one if None), for `judged_before`."""
    attempt_id = attempt_id or ids.new_id()
    names = {"#status": "status", "#mac": mac}
    values: dict[str, Any] = {
        ":open": guard.open,
        ":one": 1,
        ":now": now,
        ":max": MAX_ATTEMPTS,
        ":partition": guard.expiry_partition,
        ":attempt": attempt_id,
    }
    condition = (
        "#status = :open AND expiresAt > :now AND failedAttempts < :max"
        " AND (attribute_not_exists(attemptId) OR attemptId <> :attempt)"
    )
    if also is not None:
        condition = f"{condition} AND ({also[0]})"
        values.update(also[1])
    sets = [
        "#status = if_not_exists(rightCode.#mac.#status, :open)",
        "failedAttempts = failedAttempts + if_not_exists(rightCode.#mac.missed, :one)",
        "expiryPk = if_not_exists(rightCode.#mac.expiryPk, :partition)",
        "attemptId = :attempt",
    ]
    for i, (attribute, value) in enumerate(on_success.items()):
        names[f"#s{i}"], values[f":s{i}"] = attribute, value
        sets.append(f"#s{i} = :s{i}")
    outcome = conditional_update(
        ddb,
        table,
        key,
        "SET " + ", ".join(sets),
        condition,
        values,
        names,
    )
    if outcome.new is None:
        if outcome.old is not None and outcome.old.get("attemptId") == attempt_id:
            return _verdict(ddb, table, key, guard, now, outcome.old)  # botocore sent it again: judged once
        return Judged("refused", outcome.old)
    return _verdict(ddb, table, key, guard, now, outcome.new)


def judged_before(ddb: Any, table: str, key: dict[str, Any], guard: Guard, attempt_id: str, now: str) -> Judged | None:
    """How the attempt `attempt_id` was judged, read back (consistently) after its write failed:
    None if it was not, or if that cannot be told (the read failed, a later attempt was judged)."""
    try:
        found = ddb.get_item(TableName=table, Key=to_item(key), ConsistentRead=True).get("Item")
    except Exception:
        return None
    item = from_item(found) if found else None
    if item is None or item.get("attemptId") != attempt_id:
        return None
    return _verdict(ddb, table, key, guard, now, item)


def _verdict(ddb: Any, table: str, key: dict[str, Any], guard: Guard, now: str, item: dict[str, Any]) -> Judged:
    """The verdict of the judged attempt that left `item` as it is."""
    if item.get("status") == guard.success:
        return Judged("won", item)
    observability.wrong_code(guard.expiry_partition.lower())  # link or invitation
    if failed_attempts(item) >= MAX_ATTEMPTS:
        observability.locked(guard.expiry_partition.lower())
        return Judged("locked", _record_lock(ddb, table, key, guard, now) or item)
    return Judged("wrong", item)


def _record_lock(ddb: Any, table: str, key: dict[str, Any], guard: Guard, now: str) -> dict[str, Any] | None:
    """Write down the lock the fifth miss decided (readers already see it: `states.state`),
    and leave the sparse expiry index: a locked item never expires."""
    outcome = conditional_update(
        ddb,
        table,
        key,
        "SET #status = :locked, lockedAt = :now REMOVE expiryPk",
        "#status = :open AND failedAttempts >= :max",
        {":locked": LOCKED, ":now": now, ":open": guard.open, ":max": MAX_ATTEMPTS},
        {"#status": "status"},
    )
    return outcome.new
