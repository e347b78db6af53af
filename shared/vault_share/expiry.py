"""Expiry becomes an event: the scheduled sweep marks what passed its expiry.

Active links (and pending invitations) carry `expiryPk`, so the sparse
`expiry` index holds only them, sorted by `expiresAt`: the sweep reads the due
ones and nothing else. Each is marked with a conditional update, whose stream
record becomes the journal entry. Requests never decide expiry by this sweep:
they compare timestamps themselves (DynamoDB TTL deletes late).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from vault_share import clock
from vault_share.adapters.aws import client
from vault_share.settings import get_settings

# expiryPk value -> status that is still "open" for that kind of item.
OPEN_STATUS = {"LINK": "active", "INVITATION": "pending"}


@dataclass
class SweepResult:
    items_read: int = 0
    expired: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"itemsRead": self.items_read, "expired": self.expired}


def sweep(dynamodb: Any = None, table: str | None = None) -> SweepResult:
    ddb = dynamodb or client("dynamodb")
    table = table or get_settings().shares_table
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
                if _expire(ddb, table, item["pk"]["S"], open_status, now):
                    result.expired += 1
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return result


def _expire(ddb: Any, table: str, pk: str, open_status: str, now: str) -> bool:
    try:
        ddb.update_item(
            TableName=table,
            Key={"pk": {"S": pk}},
            UpdateExpression="SET #status = :expired, expiredAt = :now REMOVE expiryPk",
            ConditionExpression="#status = :open AND expiresAt <= :now",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":expired": {"S": "expired"}, ":open": {"S": open_status}, ":now": {"S": now}},
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False  # used, revoked or locked meanwhile
        raise
    return True
