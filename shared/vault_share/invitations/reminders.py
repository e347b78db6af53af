"""The scheduled reminders ("relances"): pending invitations re-sent on their cadence.

The sparse `relaunch` index holds only invitations whose next reminder is set, keyed by that
time: a run reads the due ones and nothing else. A reminder re-sends the same link and code on the
same channels, except that **letters are never re-sent automatically** (a letter reminder is an
owner's decision, and paid). No reminder goes out in French quiet hours (21:00–08:00 Paris, Sundays,
public holidays): one found due then is deferred to the next allowed moment. Each reminder is claimed
by the store's conditional relaunch, so two runs never send it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vault_share import clock, observability
from vault_share.dynamo import conditional_update
from vault_share.guard.states import MAX_ATTEMPTS
from vault_share.invitations import delivery, schedule
from vault_share.invitations.owner import Inviting
from vault_share.invitations.store import INVITATION, RELAUNCH_PARTITION


@dataclass
class RunResult:
    items_read: int = 0
    relaunched: int = 0
    deferred: int = 0
    retired: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "itemsRead": self.items_read,
            "relaunched": self.relaunched,
            "deferred": self.deferred,
            "retired": self.retired,
        }


def run(inviting: Inviting) -> RunResult:
    moment = clock.now()
    now = clock.iso(moment)
    result = RunResult()
    for pk in _due(inviting, now, result):
        invitation = inviting.store.get(pk)
        if invitation is None:
            continue
        if invitation.state(now) != INVITATION.open:
            _retire(inviting, pk)
            result.retired += 1
            continue
        if not schedule.allowed(moment):
            later = clock.iso(schedule.next_allowed(moment))
            _defer(inviting, pk, str(invitation.next_relaunch_at), later)
            result.deferred += 1
            observability.reminder_deferred()
            continue
        number = invitation.relaunch_count + 1
        following = inviting.cadence.next_reminder(moment, number, clock.parse_iso(invitation.expires_at))
        on = [c for c in delivery.sent_on(invitation.link_channel, invitation.code_channel)
              if not (c == delivery.LINK and invitation.link_channel == "postal")]  # fmt: skip
        changed = inviting.store.relaunch(
            pk, invitation.relaunch_count, now, now, on, clock.iso(following) if following else None
        )
        if not changed.applied or changed.item is None:
            continue  # another run, an owner's relaunch or an acceptance got there first
        secrets = delivery.unseal(inviting.sealer, changed.item)
        delivery.deliver(inviting.store, changed.item, secrets, number, on, inviting.channels)
        result.relaunched += 1
        observability.reminder_sent()
    return result


def _due(inviting: Inviting, now: str, result: RunResult) -> list[str]:
    kwargs: dict[str, Any] = {
        "TableName": inviting.shares_table,
        "IndexName": "relaunch",
        "KeyConditionExpression": "relaunchPk = :p AND nextRelaunchAt <= :now",
        "ExpressionAttributeValues": {":p": {"S": RELAUNCH_PARTITION}, ":now": {"S": now}},
    }
    found: list[str] = []
    while True:
        page = inviting.dynamodb.query(**kwargs)
        result.items_read += int(page.get("ScannedCount", len(page["Items"])))
        found += [item["pk"]["S"] for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _retire(inviting: Inviting, pk: str) -> None:
    """No longer pending (accepted, cancelled, expired, locked): out of the reminders' index."""
    conditional_update(
        inviting.dynamodb,
        inviting.shares_table,
        {"pk": pk},
        "REMOVE relaunchPk, nextRelaunchAt",
        "#status <> :pending OR failedAttempts >= :max OR expiresAt <= :now",
        {":pending": INVITATION.open, ":max": MAX_ATTEMPTS, ":now": clock.iso(clock.now())},
        {"#status": "status"},
    )


def _defer(inviting: Inviting, pk: str, seen: str, later: str) -> None:
    """Quiet hours: the reminder waits for the next allowed moment (unless it changed meanwhile)."""
    conditional_update(
        inviting.dynamodb,
        inviting.shares_table,
        {"pk": pk},
        "SET nextRelaunchAt = :later",
        "nextRelaunchAt = :seen AND #status = :pending",
        {":later": later, ":seen": seen, ":pending": INVITATION.open},
        {"#status": "status"},
    )
