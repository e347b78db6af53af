"""The stream side: notify on a batch of 100 link events, and the expiry sweep's reads."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from bench.counting import COUNTER
from bench.world import REGION, World

_serialize = TypeSerializer().serialize


def _link_image(world: World, link_id: str, created_at: str) -> dict[str, Any]:
    """A new link as the stream shows it (the shape LinkStore.insert writes, fewer documents)."""
    doc = world.document_ids[0]
    values: dict[str, Any] = {
        "pk": f"LINK#{uuid.uuid4().hex}",
        "kind": "link",
        "linkId": link_id,
        "vaultId": world.vault_id,
        "dossierId": world.dossier_id,
        "vaultName": "GARAGE BENCH",
        "createdBy": world.owner.user_id,
        "creatorEmail": world.owner.email,
        "createdAt": created_at,
        "expiresAt": "2099-01-01T00:00:00.000Z",
        "status": "active",
        "failedAttempts": 0,
        "documentOrder": [doc],
        "documents": {doc: {"fileName": "piece-00.pdf", "contentType": "application/pdf", "size": 5}},
    }
    return {k: _serialize(v) for k, v in values.items()}


def link_created_batch(world: World, size: int = 100) -> dict[str, Any]:
    """`size` INSERT records of new links (link.created: journal + notification, no e-mail)."""
    stream_arn = world.resolver.get_att("SharesTable", "StreamArn")
    records = []
    for n in range(size):
        image = _link_image(world, uuid.uuid4().hex, f"2026-11-26T10:{n // 60:02d}:{n % 60:02d}.000Z")
        records.append(
            {
                "eventID": uuid.uuid4().hex,
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": REGION,
                "dynamodb": {
                    "ApproximateCreationDateTime": 1795601703,
                    "Keys": {"pk": image["pk"]},
                    "NewImage": image,
                    "SequenceNumber": f"{111100000000000000000000 + n}",
                    "SizeBytes": 300,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": records}


def batch_requests(world: World, runs: int) -> list[int]:
    """AWS requests notify makes for one batch of 100 link events, per run."""
    function = world.functions["NotifyFunction"]
    counts = []
    for _ in range(runs):
        event = link_created_batch(world)
        with COUNTER.window() as window:
            answer = function.handler(event, function.context())
        if answer.get("batchItemFailures"):
            raise RuntimeError(f"notify failed records: {answer}")
        counts.append(window.requests)
    return counts


def sweep_items_read(world: World, active: int = 10_000, expired: int = 10) -> tuple[int, int]:
    """(items the sweep read, items it expired) with `expired` due links among `active` others."""
    import boto3
    from vault_share import clock

    ddb = boto3.client("dynamodb")
    table = world.env["SHARES_TABLE"]
    now = clock.now()
    future = clock.iso(now + timedelta(days=7))
    past = clock.iso(now - timedelta(minutes=1))
    items = [(future, "active") for _ in range(active)] + [(past, "active") for _ in range(expired)]
    for start in range(0, len(items), 25):
        batch = [
            {
                "PutRequest": {
                    "Item": {
                        "pk": {"S": f"LINK#{uuid.uuid4().hex}"},
                        "kind": {"S": "link"},
                        "status": {"S": status},
                        "expiryPk": {"S": "LINK"},
                        "expiresAt": {"S": expires},
                    }
                }
            }
            for expires, status in items[start : start + 25]
        ]
        ddb.batch_write_item(RequestItems={table: batch})
    function = world.functions["NotifyFunction"]
    answer = function.handler({"task": "expiry_sweep"}, function.context())
    return int(answer["itemsRead"]), int(answer["expired"])
