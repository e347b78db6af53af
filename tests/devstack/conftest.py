"""Each module of these tests talks to its own moto server, over HTTP, as the local stack does."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from devstack.stack import aws_environment


@pytest.fixture(scope="module", autouse=True)
def moto_server() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    with pytest.MonkeyPatch.context() as env:
        for name, value in aws_environment(endpoint).items():
            env.setenv(name, value)
        yield endpoint
    server.stop()


def wait_for(predicate: Callable[[], Any], timeout: float = 3.0) -> Any:
    """The predicate's first truthy result, polled every 10 ms up to `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)
