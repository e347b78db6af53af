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
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from moto.dynamodb.responses import DynamoHandler

Undo = Callable[[], None]


def patch(owner: type, name: str, value: Any) -> Undo:
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
