"""The scheduled reminders ("relances"), and the sends left behind: what the hourly run does.

The sparse `relaunch` index holds only pending invitations the run must look at, keyed by when
(`nextRelaunchAt`): the next reminder, or a send to make again (invitations.delivery). A run reads
the due ones and nothing else, and for each:

- a reminder due re-sends the same link and code on the same channels (a new send number);
  **a letter invitation has none**: letters are never re-sent automatically, and an SMS with the
  code alone would open nothing (delivery.next_reminder);
- else the channels left behind (a claim never recorded after STALE_CLAIM, a failure) are sent
  again under the same send number, each under a new conditional claim;
- else the invitation waits for its next reminder, or leaves the index.

No send goes out in French quiet hours (21:00–08:00 Paris, Sundays, public holidays): an
invitation found due then is deferred to the next allowed moment. Every send is claimed by a
conditional write of the store, so two runs never send it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vault_share import clock, observability, quotas
from vault_share.dynamo import conditional_update
from vault_share.guard.states import MAX_ATTEMPTS
from vault_share.invitations import delivery, schedule
from vault_share.invitations.owner import Inviting
from vault_share.invitations.store import INVITATION, RELAUNCH_PARTITION, Invitation


@dataclass
class RunResult:
    items_read: int = 0
    relaunched: int = 0
    retried: int = 0  # sends made again (one per send number claimed again)
    deferred: int = 0
    retired: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "itemsRead": self.items_read,
            "relaunched": self.relaunched,
            "retried": self.retried,
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
        reminder = delivery.next_reminder(inviting.cadence, invitation)
        if reminder is not None and reminder <= moment:
            sent = _remind(inviting, invitation, moment)
            result.relaunched += sent or 0
            result.deferred += sent is None
            continue
        left_behind = delivery.stuck(invitation, moment)
        if left_behind:
            for n, on in left_behind.items():
                sent = _retry(inviting, invitation, n, on, moment)
                result.retried += sent or 0
                result.deferred += sent is None
                if sent is None:
                    break  # deferred: looked at again when the vault's window ends
            continue
        _wait(inviting, invitation, reminder)
    return result


def _charged(
    inviting: Inviting, invitation: Invitation, on: list[str], moment: datetime
) -> list[quotas.Counter] | None:
    """A scheduled send counted against its vault's quotas (no user made it go); None when the vault
    is over quota: the invitation is then deferred to the end of the vault's window (the run goes on)."""
    counted = delivery.quota_channels(invitation.link_channel, invitation.code_channel, on)
    charged = quotas.counters(invitation.vault_id, None, counted, moment)
    try:
        quotas.charge(inviting.dynamodb, inviting.vault_table, charged, moment)
    except quotas.QuotaExceeded as exc:
        _defer(inviting, invitation.pk, str(invitation.next_relaunch_at), clock.iso(exc.counter.ends))
        return None
    return charged


def _remind(inviting: Inviting, invitation: Invitation, moment: datetime) -> int | None:
    """The next reminder, claimed by the store's conditional relaunch: 1 if this run sent it, None
    if the vault is over quota (deferred)."""
    now = clock.iso(moment)
    number = invitation.relaunch_count + 1
    on = delivery.sent_on(invitation.link_channel, invitation.code_channel)
    charged = _charged(inviting, invitation, on, moment)
    if charged is None:
        return None
    changed = inviting.store.relaunch(invitation.pk, invitation.relaunch_count, now, now, on, delivery.check_at(moment))
    if not changed.applied or changed.item is None:
        quotas.give_back(inviting.dynamodb, inviting.vault_table, charged)
        return 0  # another run, an owner's relaunch or an acceptance got there first
    secrets = delivery.unseal(inviting.sealer, changed.item)
    delivery.deliver(inviting.store, changed.item, secrets, number, on, inviting.channels, inviting.cadence)
    observability.reminder_sent()
    return 1


def _retry(inviting: Inviting, invitation: Invitation, number: int, on: list[str], moment: datetime) -> int | None:
    """Send `number` again on the channels `on` it left behind, under a new claim: 1 if this run did,
    None if the vault is over quota (deferred)."""
    charged = _charged(inviting, invitation, on, moment)
    if charged is None:
        return None
    seen = {channel: dict(invitation.channels[channel]) for channel in on}
    changed = inviting.store.retry(invitation.pk, seen, clock.iso(moment), delivery.check_at(moment))
    if not changed.applied or changed.item is None:
        quotas.give_back(inviting.dynamodb, inviting.vault_table, charged)
        return 0  # another run's retry, a relaunch, or the first claim's record got there first
    secrets = delivery.unseal(inviting.sealer, changed.item)
    delivery.deliver(inviting.store, changed.item, secrets, number, on, inviting.channels, inviting.cadence)
    return 1


def _wait(inviting: Inviting, invitation: Invitation, reminder: datetime | None) -> None:
    """Nothing to send now: found again at the next reminder, or out of the index (none left)."""
    seen = {":seen": str(invitation.next_relaunch_at), ":pending": INVITATION.open}
    condition = "nextRelaunchAt = :seen AND #status = :pending"
    names = {"#status": "status"}
    if reminder is None:
        conditional_update(inviting.dynamodb, inviting.shares_table, {"pk": invitation.pk},
                           "REMOVE relaunchPk, nextRelaunchAt", condition, seen, names)  # fmt: skip
        return
    conditional_update(inviting.dynamodb, inviting.shares_table, {"pk": invitation.pk},
                       "SET nextRelaunchAt = :at", condition, {**seen, ":at": clock.iso(reminder)}, names)  # fmt: skip


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
