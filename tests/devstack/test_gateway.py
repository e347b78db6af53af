"""The gateway's own rules, over real HTTP: loopback hosts only, JSON-only /_local POSTs,
path parameters as API Gateway REST passes them, and a clock that refuses absurd moves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, cast

import pytest
from vault_share import clock

from devstack.events import HttpAnswer
from devstack.functions import FunctionPool
from devstack.gateway import Gateway, json_answer
from devstack.stack import MAX_CLOCK_LEAD, LocalStack
from devstack.template import ApiRoute
from tests import raw_http
from tests.raw_http import french_error

SHARE = ApiRoute("DownloadFunction", "/share/{token}", "GET", authorized=False)


class Recorder:
    """Stands for a function, or a /_local handler: keeps what it was given."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.bodies: list[bytes] = []

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 200, "body": "{}"}

    def local(self, _query: str, body: bytes, _headers: dict[str, str]) -> HttpAnswer:
        self.bodies.append(body)
        return json_answer(200, {"ok": True})


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Gateway, Recorder]]:
    recorder = Recorder()
    front = Gateway(host="127.0.0.1", port=0, stage="v1", account="123456789012")
    stack = LocalStack()
    front.mount(
        routes=[SHARE],
        pools=cast(dict[str, FunctionPool], {"DownloadFunction": recorder}),
        authorizer=cast(Any, None),
        cors={},
        local_routes={
            ("GET", "/_local/stack"): recorder.local,
            ("POST", "/_local/schedules/run"): recorder.local,
            ("GET", "/_local/clock"): stack._clock,
            ("POST", "/_local/clock"): stack._clock,
        },
    )
    front.start()
    try:
        yield front, recorder
    finally:
        front.stop()


@pytest.fixture
def gateway(served: tuple[Gateway, Recorder]) -> Iterator[Gateway]:
    clock.reset()
    yield served[0]
    clock.reset()


@pytest.fixture
def recorder(served: tuple[Gateway, Recorder]) -> Recorder:
    recorder = served[1]
    recorder.events.clear()
    recorder.bodies.clear()
    return recorder


def send(gateway: Gateway, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    return raw_http.send(gateway.port, method, path, **kwargs)


# ---------------------------------------------------------------- Host (DNS rebinding)


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LocalHost", "[::1]"])
def test_loopback_hosts_on_the_port_are_served(gateway: Gateway, recorder: Recorder, name: str) -> None:
    status, _ = send(gateway, "GET", "/share/t0k3n", hosts=[f"{name}:{gateway.port}"])
    assert status == 200
    assert len(recorder.events) == 1


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "localhost.evil.example:{port}",
        "127.0.0.1.nip.io:{port}",
        "127.0.0.1",  # no port: a page served on port 80 of a rebound name
        "localhost:1",
        "127.0.0.1:{port}@evil.example",
    ],
)
def test_any_other_host_is_misdirected_and_reaches_nothing(gateway: Gateway, recorder: Recorder, host: str) -> None:
    for method, path in (("GET", "/share/t0k3n"), ("GET", "/_local/stack")):
        status, body = send(gateway, method, path, hosts=[host.format(port=gateway.port)])
        assert status == 421, (host, path)
        french_error(body, "misdirected_request")
    assert recorder.events == [] and recorder.bodies == []


@pytest.mark.parametrize("hosts", [[], ["", ""], ["127.0.0.1:{port}", "evil.example"]], ids=["none", "empty", "two"])
def test_a_missing_or_repeated_host_is_a_bad_request(gateway: Gateway, recorder: Recorder, hosts: list[str]) -> None:
    status, body = send(gateway, "GET", "/share/t0k3n", hosts=[h.format(port=gateway.port) for h in hosts])
    assert status == 400
    french_error(body, "invalid_host")
    assert recorder.events == []


def test_a_malformed_content_length_is_a_bad_request(gateway: Gateway, recorder: Recorder) -> None:
    status, body = send(gateway, "GET", "/share/t0k3n", headers={"Content-Length": "12abc"})
    assert status == 400
    french_error(body, "invalid_content_length")
    assert recorder.events == []


# ---------------------------------------------------------------- /_local POSTs (cross-site forms)


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonp"],
)
def test_local_posts_without_json_are_refused(gateway: Gateway, recorder: Recorder, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    status, body = send(gateway, "POST", "/_local/schedules/run", headers=headers, body=b"{}")
    assert status == 415
    french_error(body, "unsupported_media_type")
    assert recorder.bodies == []


@pytest.mark.parametrize("content_type", ["application/json", "Application/JSON; charset=utf-8"])
def test_local_posts_in_json_are_served(gateway: Gateway, recorder: Recorder, content_type: str) -> None:
    status, _ = send(gateway, "POST", "/_local/schedules/run", headers={"Content-Type": content_type}, body=b"{}")
    assert status == 200
    assert recorder.bodies == [b"{}"]
    assert send(gateway, "GET", "/_local/stack")[0] == 200  # GETs need no content type


# ---------------------------------------------------------------- path parameters


def test_path_and_path_parameters_are_passed_as_sent(gateway: Gateway, recorder: Recorder) -> None:
    """API Gateway REST keeps the percent-encoding in `path` and `pathParameters` (HTTP APIs decode
    them): a live capture shows `/capture/space%20value` as `{"proxy": "capture/space%20value"}`.
    An encoded slash stays inside its segment; `+` is a plain character in a path."""
    raw = "/share/a%2Fb+c%20d%C3%A9"
    status, _ = send(gateway, "GET", raw + "?grant=x%2By+z")
    assert status == 200
    (event,) = recorder.events
    assert event["path"] == raw
    assert event["requestContext"]["path"] == f"/v1{raw}"
    assert event["pathParameters"] == {"token": "a%2Fb+c%20d%C3%A9"}
    assert event["queryStringParameters"] == {"grant": "x+y z"}  # the query string is decoded
    assert send(gateway, "GET", "/share/a/b")[0] == 404  # a real slash is another resource


# ---------------------------------------------------------------- the local clock


def post_clock(gateway: Gateway, body: bytes) -> tuple[int, Any]:
    return send(gateway, "POST", "/_local/clock", headers={"Content-Type": "application/json"}, body=body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"advanceSeconds": 315576001}',  # more than 10 years
        b'{"advanceSeconds": 1e400}',  # a float that overflows to infinity
        b'{"advanceSeconds": NaN}',
        b'{"advanceSeconds": Infinity}',
        b'{"advanceSeconds": -Infinity}',
        b'{"advanceSeconds": 1000000000000000000000000000000}',
        b'{"advanceSeconds": ' + b"9" * 400 + b"}",  # an int no float can hold
        b'{"advanceSeconds": ' + b"9" * 5000 + b"}",  # past Python's int conversion limit
        b'{"advanceSeconds": -0.5}',
        b'{"advanceSeconds": "1"}',
        b'"advanceSeconds"',
    ],
    ids=[
        "11-years",
        "overflow",
        "nan",
        "inf",
        "minus-inf",
        "huge-int",
        "400-digits",
        "5000-digits",
        "negative",
        "string",
        "not-object",
    ],
)
def test_absurd_clock_moves_are_refused(gateway: Gateway, body: bytes) -> None:
    before = send(gateway, "GET", "/_local/clock")[1]["now"]
    status, answer = post_clock(gateway, body)
    assert status == 400
    french_error(answer, "invalid_clock")
    after = send(gateway, "GET", "/_local/clock")[1]["now"]
    assert clock.parse_iso(after) - clock.parse_iso(before) < timedelta(seconds=60)


def test_the_clock_runs_at_most_ten_years_ahead_in_all(gateway: Gateway) -> None:
    nine_years = int(MAX_CLOCK_LEAD.total_seconds() * 0.9)
    assert post_clock(gateway, json.dumps({"advanceSeconds": nine_years}).encode())[0] == 200
    status, answer = post_clock(gateway, json.dumps({"advanceSeconds": nine_years // 5}).encode())
    assert status == 400
    french_error(answer, "invalid_clock")
    assert post_clock(gateway, b'{"advanceSeconds": 0}')[0] == 200
    assert post_clock(gateway, b'{"advanceSeconds": 3600.5}')[0] == 200
