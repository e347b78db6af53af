"""What one process must add to behave like many Lambda environments and DynamoDB.

The local stack runs concurrent invocations as threads of one process, where
Lambda would give each its own execution environment, and serves DynamoDB
from moto, which does not make each request atomic the way DynamoDB does.
Two corrections restore the real semantics; both are undone by the callable
they return (tests install them for a while).

- Powertools keeps the current event on a class (`BaseRouter.current_event`),
  shared by every resolver of the process: each thread gets its own here.
- Every DynamoDB request of the embedded AWS runs alone (DynamoDB applies a
  conditional write atomically; moto evaluates, then writes).

A third keeps moto's transactions from slowing down as tables grow (`light_transactions`).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from moto.dynamodb.responses import DynamoHandler

Undo = Callable[[], None]


def patch(owner: type | ModuleType, name: str, value: Any) -> Undo:
    had = name in owner.__dict__
    previous = owner.__dict__.get(name)
    setattr(owner, name, value)

    def undo() -> None:
        if had:
            setattr(owner, name, previous)
        else:
            delattr(owner, name)

    return undo


def one_event_per_thread() -> Undo:
    """Each invocation sees its own event and context, as in its own execution environment."""
    local = threading.local()
    resolve = APIGatewayRestResolver.resolve

    def resolve_here(self: APIGatewayRestResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
        local.event, local.context = self._to_proxy_event(event), context
        return resolve(self, event, context)

    def per_thread(name: str) -> property:
        return property(lambda _self: getattr(local, name), lambda _self, value: setattr(local, name, value))

    undos = [
        patch(APIGatewayRestResolver, "resolve", resolve_here),
        patch(APIGatewayRestResolver, "current_event", per_thread("event")),
        patch(APIGatewayRestResolver, "lambda_context", per_thread("context")),
    ]

    def undo_all() -> None:
        for undo in reversed(undos):
            undo()

    return undo_all


def atomic_dynamodb() -> Undo:
    """One DynamoDB request at a time in the embedded AWS."""
    lock = threading.RLock()
    call_action = DynamoHandler.call_action

    def atomic(self: DynamoHandler) -> Any:
        with lock:
            return call_action(self)

    return patch(DynamoHandler, "call_action", atomic)


class _Rollback:
    """What moto keeps of a table for a transaction's rollback: the items at its keys, the stream's length."""

    def __init__(self, table: Any, keys: list[tuple[Any, Any]]) -> None:
        self.table = table
        self.items = [(h, r, copy.deepcopy(table.get_item(h, r))) for h, r in keys]
        self.stream = len(table.stream_shard.items) if table.stream_shard is not None else None

    def restore(self) -> None:
        items = self.table.items
        for hash_key, range_key, item in reversed(self.items):
            if range_key is not None:
                if item is None:
                    items[hash_key].pop(range_key, None)
                else:
                    items[hash_key][range_key] = item
            elif item is None:
                items.pop(hash_key, None)
            else:
                items[hash_key] = item
        if self.stream is not None:
            del self.table.stream_shard.items[self.stream :]


def light_transactions() -> Undo:
    """A transaction's rollback keeps what the transaction touches, not the whole table.

    moto deep-copies every table a TransactWriteItems names (its items and its stream's whole
    history) before writing, to put it back if an operation fails: a cost that grows with the
    table, paid by every transaction. Under load the local stack spent its time copying (an
    e-mailed link is a transaction since the quotas). DynamoDB's rollback concerns the items of the
    transaction; so does this one: moto's copy of a table becomes the items at the transaction's
    keys and the stream's length, and its restore puts those back. The requests are serialised
    (`atomic_dynamodb`), so the class attribute set here for the call is seen by that call only.
    """
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    transact = DynamoDBBackend.transact_write_items

    def light(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        keys: dict[str, list[tuple[Any, Any]]] = {}
        for entry in transact_items:
            operation: dict[str, Any] = next(iter(entry.values()), {})
            table = self.tables.get(str(operation.get("TableName")))
            if table is None:
                continue
            key = operation.get("Key") or {
                name: operation.get("Item", {}).get(name)
                for name in (table.hash_key_attr, table.range_key_attr)
                if name and name in operation.get("Item", {})
            }
            try:
                keys.setdefault(table.name, []).append(self.get_keys_value(table, key))
            except Exception:  # noqa: S112 (a malformed key: moto refuses it in the transaction itself)
                continue
        kept: dict[str, _Rollback] = {}

        def keep(table: Any, _memo: Any) -> _Rollback:
            if table.name not in kept:
                kept[table.name] = _Rollback(table, keys.get(table.name, []))
            return kept[table.name]

        undo = patch(Table, "__deepcopy__", keep)
        try:
            return transact(self, transact_items)
        finally:
            undo()
            for name, rollback in kept.items():
                if self.tables.get(name) is rollback:  # moto rolled back: it put our copy in place
                    self.tables[name] = rollback.table
                    rollback.restore()

    return patch(DynamoDBBackend, "transact_write_items", light)
