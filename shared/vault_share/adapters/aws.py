"""boto3 clients, one per service and container, all from one session (cold start pays once).

A session loads botocore's data files once; sharing it saves each further
client that work. Sessions are not thread-safe, so creation is locked (the
local stack serves concurrent requests in one process); clients are.

Libraries that make their own clients (PynamoDB) get the same session (`SharedSession`).

Creating a client still loads its service's model (tens of milliseconds, more for the first):
`lazy_client` defers that to the first call, for a service some requests of a function never use.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)
_lock = threading.Lock()


@cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


def client(service: str) -> Any:
    """Endpoint and region come from the environment (AWS_ENDPOINT_URL locally)."""
    with _lock:
        return _client(service)


@cache
def _client(service: str) -> Any:
    return _session().client(service, config=_CONFIG)


class SharedSession:
    """Stands for a botocore session where a library makes clients of its own (PynamoDB, one
    connection per model): they are made from the one session, under the same lock, and asked
    twice alike they are the same client (botocore's clients are thread-safe), so a request that
    reads three models makes one client, not three at 10-15 ms each. PynamoDB registers a
    `before-send` handler on each client it is given: one per model class, a bounded few. A client
    that has no credentials is never handed out again (PynamoDB asks anew, as botocore would keep a
    failed credential look-up forever)."""

    def create_client(
        self, service_name: str, region_name: str | None = None, *, config: Config | None = None, **kwargs: Any
    ) -> Any:
        options = sorted(getattr(config, "_user_provided_options", {}).items())
        key = repr((service_name, region_name, sorted(kwargs.items()), options))
        with _lock:
            made = _shared_clients.get(key)
            if made is None or (made._request_signer and not made._request_signer._credentials):
                made = _shared_clients[key] = _session()._session.create_client(
                    service_name, region_name, config=config, **kwargs
                )
            return made


_shared_clients: dict[str, Any] = {}


class LazyClient:
    """Stands for `client(service)`, made on its first use (then the same client as `client(service)`)."""

    def __init__(self, service: str) -> None:
        self._service = service

    def __getattr__(self, name: str) -> Any:
        return getattr(client(self._service), name)

    def __repr__(self) -> str:
        return f"LazyClient({self._service!r})"


def lazy_client(service: str) -> Any:
    return LazyClient(service)


def reset() -> None:
    """Forget every client (tests that switch the embedded AWS)."""
    with _lock:
        _client.cache_clear()
        _session.cache_clear()
        _shared_clients.clear()
