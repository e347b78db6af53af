"""A fingerprint of everything the local stack holds, read from moto's backends in this process.

`GET /_local/state` answers, in one cheap call:

    {"tables": {<table>: {<pk>|<sk>: <digest of the whole item>}},
     "buckets": {<bucket>: {<key>: <ETag of its latest version>}},
     "outbox": {"emails": n, "sms": n, "undelivered": n}}

so that a test can prove a request changed nothing by comparing the state before and after it
(the fuzzer does so around every refused request: scanning each table over HTTP cost it more
than the requests themselves). Letters are objects of the documents bucket, so they show there.
Local only, like the rest of /_local: never deployed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_COPY_TRIES = 5


def copied(read: Callable[[], T], empty: T) -> T:
    """`read()` over dicts that moto's server threads change meanwhile (free-threaded Python too):
    copy again on a clash, `empty` after a few tries."""
    for _ in range(_COPY_TRIES):
        try:
            return read()
        except RuntimeError:  # changed size during iteration
            continue
    return empty


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:20]


def tables(region: str, account: str) -> dict[str, dict[str, str]]:
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[account][region]
    result: dict[str, dict[str, str]] = {}
    no_tables: dict[str, Any] = {}
    for name, table in copied(lambda: dict(backend.tables), no_tables).items():
        no_items: list[Any] = []
        items = copied(table.all_items, no_items)
        result[name] = {
            f"{item.hash_key.value}|{item.range_key.value if item.range_key else ''}": _digest(item.to_json())
            for item in items
        }
    return result


def buckets(account: str, names: list[str]) -> dict[str, dict[str, str]]:
    from moto.s3.models import s3_backends

    backend = s3_backends[account]["aws"]
    result: dict[str, dict[str, str]] = {}
    for name in names:
        bucket = backend.buckets.get(name)
        keys = bucket.keys.items() if bucket is not None else []  # a copy (moto's _VersionedKeyStore)
        result[name] = {key: str(getattr(value, "etag", "deleted")) for key, value in keys}
    return result


def outbox_counts(region: str, account: str, failure_queue_urls: list[str]) -> dict[str, int]:
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends
    from moto.sqs.models import sqs_backends

    undelivered = 0
    for url in failure_queue_urls:
        queue = sqs_backends[account][region].queues.get(url.rstrip("/").rsplit("/", 1)[-1])
        if queue is not None:
            with queue._messages_lock:
                undelivered += len(queue._messages)
    return {
        "emails": len(ses_backends[account][region].sent_messages),
        "sms": len(sns_backends[account][region].sms_messages),
        "undelivered": undelivered,
    }


def fingerprint(region: str, account: str, bucket_names: list[str], failure_queue_urls: list[str]) -> dict[str, Any]:
    return {
        "tables": tables(region, account),
        "buckets": buckets(account, bucket_names),
        "outbox": outbox_counts(region, account, failure_queue_urls),
    }
