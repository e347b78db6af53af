"""Each module of these tests talks to its own moto server, over HTTP, as the local stack does."""

from __future__ import annotations

from collections.abc import Iterator

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
