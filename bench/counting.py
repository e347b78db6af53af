"""Counts every AWS request this process sends, whoever created the client.

Two hooks, installed before anything creates a botocore session:

- `botocore.session.Session.__init__` is wrapped to register a `before-send`
  handler on each new session. Every client (boto3's, the ones the handlers
  create in `vault_share.adapters.aws`, Powertools Idempotency,
  PynamoDB's own `botocore.session.get_session()`) is created from a botocore
  Session, and copies that session's event handlers; botocore emits
  `before-send.<service>.<Operation>` once per HTTP attempt, just before the
  request would go on the wire (retries included). This is the count reported.
- `BaseClient._make_api_call` is wrapped at class level (so for every client,
  whatever its session) to count API calls. Each counted window checks that
  both agree: a call that `before-send` did not see would mean a client escaped
  the session hook, and the figure would be refused rather than under-counted.

The same session hook registers an `after-call.dynamodb` handler, which adds up the items
DynamoDB's answers say were read (`items_read`): a Query's or Scan's `ScannedCount` (the items
it read, before any filter: what it is charged for, where `Count` is what the filter kept), one
per item a GetItem, BatchGetItem or TransactGetItems answered. Writes that return the item
(ReturnValues) read nothing: DynamoDB charges them as writes.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Window:
    """What one measured step sent: operation names, e.g. `dynamodb.UpdateItem`."""

    sent: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    aws_ms: float = 0.0  # time spent inside client calls (request, wait, parse)
    items_read: int = 0  # what DynamoDB's answers to read operations say they read

    @property
    def requests(self) -> int:
        return len(self.sent)


class Counter:
    def __init__(self) -> None:
        self._window: Window | None = None
        self.installed = False

    def on_send(self, event_name: str, **_: Any) -> None:
        if self._window is not None:
            self._window.sent.append(event_name.removeprefix("before-send."))

    def on_dynamodb_answer(self, event_name: str, parsed: dict[str, Any], **_: Any) -> None:
        if self._window is not None:
            self._window.items_read += items_read(event_name.rsplit(".", 1)[-1], parsed)

    def on_call(self, service: str, operation: str, elapsed_ms: float) -> None:
        if self._window is not None:
            self._window.calls.append(f"{service}.{operation}")
            self._window.aws_ms += elapsed_ms

    @contextmanager
    def window(self) -> Iterator[Window]:
        if not self.installed:
            raise RuntimeError("bench.counting.install() must run before any AWS client exists")
        window = Window()
        self._window = window
        try:
            yield window
        finally:
            self._window = None
        if len(window.sent) < len(window.calls):
            raise RuntimeError(f"a client escaped the before-send hook: calls {window.calls}, sent {window.sent}")


def items_read(operation: str, answer: dict[str, Any]) -> int:
    """The items one DynamoDB answer says its operation read (0 for a write or an error)."""
    if operation in ("Query", "Scan"):
        return int(answer.get("ScannedCount", 0))
    if operation == "GetItem":
        return 1 if answer.get("Item") else 0
    if operation == "BatchGetItem":
        return sum(len(items) for items in answer.get("Responses", {}).values())
    if operation == "TransactGetItems":
        return sum(1 for response in answer.get("Responses", []) if response.get("Item"))
    return 0


COUNTER = Counter()


def install() -> None:
    """Hook botocore; refuses to run late (a session made earlier would not be counted)."""
    if COUNTER.installed:
        return
    late = [name for name in ("vault_share", "pynamodb", "aws_lambda_powertools") if name in sys.modules]
    if late:
        raise RuntimeError(f"install the request counter before importing {late}")
    import boto3
    import botocore.client
    import botocore.session

    if boto3.DEFAULT_SESSION is not None:
        raise RuntimeError("boto3's default session exists already: its clients would not be counted")

    original_init = botocore.session.Session.__init__

    @functools.wraps(original_init)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.register("before-send", COUNTER.on_send)
        self.register("after-call.dynamodb", COUNTER.on_dynamodb_answer)

    original_call = botocore.client.BaseClient._make_api_call

    @functools.wraps(original_call)
    def make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        started = time.perf_counter()
        try:
            return original_call(self, operation_name, api_params)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            COUNTER.on_call(self.meta.service_model.service_id.hyphenize(), operation_name, elapsed_ms)

    setattr(botocore.session.Session, "__init__", init)  # noqa: B010
    setattr(botocore.client.BaseClient, "_make_api_call", make_api_call)  # noqa: B010
    COUNTER.installed = True
