"""Expiry becomes an event: the scheduled sweep marks what passed its expiry.

Open links (and pending invitations) carry `expiryPk`, so the sparse `expiry` index holds
only them, sorted by `expiresAt`: the sweep reads the due ones and nothing else. Each is
marked with a conditional update, whose stream record becomes the journal entry. Requests
never decide expiry by this sweep: they compare timestamps themselves (DynamoDB TTL deletes
late).

The code-judging write (vault_share.guard.attempts) moves a won item to a partition the sweep
never reads. An item locked by its fifth miss leaves the index when its lock is written down;
should that second write be lost, the sweep takes the item out when it falls due.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vault_share import clock
from vault_share.dynamo import conditional_update
from vault_share.guard.states import MAX_ATTEMPTS

# expiryPk value -> status that is still "open" for that kind of item.
OPEN_STATUS = {"LINK": "active", "INVITATION": "pending"}


@dataclass
class SweepResult:
    items_read: int = 0
    expired: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"itemsRead": self.items_read, "expired": self.expired}


def sweep(ddb: Any, table: str) -> SweepResult:
    now = clock.iso(clock.now())
    result = SweepResult()
    for partition, open_status in OPEN_STATUS.items():
        kwargs: dict[str, Any] = {
            "TableName": table,
            "IndexName": "expiry",
            "KeyConditionExpression": "expiryPk = :p AND expiresAt <= :now",
            "ExpressionAttributeValues": {":p": {"S": partition}, ":now": {"S": now}},
        }
        while True:
            page = ddb.query(**kwargs)
            result.items_read += int(page.get("ScannedCount", len(page["Items"])))
            for item in page["Items"]:
                if _expire(ddb, table, item["pk"]["S"], partition, open_status, now):
                    result.expired += 1
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return result


def _expire(ddb: Any, table: str, pk: str, partition: str, open_status: str, now: str) -> bool:
    """Open and due -> expired; an item no longer open (won, revoked, locked) leaves the index."""
    values = {":expired": "expired", ":open": open_status, ":now": now, ":max": MAX_ATTEMPTS}
    names = {"#status": "status"}
    expired = conditional_update(
        ddb,
        table,
        {"pk": pk},
        "SET #status = :expired, expiredAt = :now REMOVE expiryPk",
        "#status = :open AND expiresAt <= :now AND (attribute_not_exists(failedAttempts) OR failedAttempts < :max)",
        values,
        names,
    )
    if expired.applied:
        return True
    if expired.old is not None and expired.old.get("expiryPk") == partition:
        conditional_update(
            ddb,
            table,
            {"pk": pk},
            "REMOVE expiryPk",
            "expiryPk = :p AND (#status <> :open OR failedAttempts >= :max)",
            {":p": partition, ":open": open_status, ":max": MAX_ATTEMPTS},
            names,
        )
    return False
