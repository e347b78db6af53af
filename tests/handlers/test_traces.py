"""No secret and no contact detail reaches a trace.

With `Tracing: Active`, Powertools' Tracer records each handler's answer as subsegment metadata
unless told not to: the create-link answer (share URL and code), persons' contact details, presigned
upload forms, all in X-Ray. Tracing is off in the suite and in the local stack, so nothing showed it.

Here a UDP socket stands in for the X-Ray daemon (its protocol: a JSON header line, then the segment
JSON, one datagram each) and a child process (tests/handlers/traced_flows.py) runs the handlers the
Lambda way with tracing on and AWS_XRAY_DAEMON_ADDRESS pointing at it. In Lambda mode the X-Ray SDK
never sends the function's segment (Lambda does): it streams every closed subsegment under a facade
segment named by _X_AMZN_TRACE_ID, the handler's `## lambda_handler` included.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("traced_flows.py")
HEADER = {"format": "json", "version": 1}
CHILD_SECONDS = 240


def _strings(value: Any) -> Iterator[str]:
    """Every string in a segment, keys included; a string that is JSON is opened too."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)
    elif isinstance(value, str):
        yield value
        if value[:1] in "{[":
            with contextlib.suppress(ValueError):
                yield from _strings(json.loads(value))
    elif value is not None:
        yield str(value)


class Daemon:
    """Collects what is sent to it over UDP, as the X-Ray daemon would receive it."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.datagrams: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        host, port = self.socket.getsockname()
        return f"{host}:{port}"

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                self.datagrams.append(self.socket.recv(65535))
            except TimeoutError:
                continue

    def close(self) -> list[bytes]:
        time.sleep(0.3)  # loopback delivers at once; leave the last datagrams time to be read
        self._stop.set()
        self._thread.join()
        self.socket.close()
        return self.datagrams


def run_traced_flows(tmp_path: Path) -> tuple[str, list[dict[str, Any]], list[str], dict[str, list[str]]]:
    """Runs the child; the trace id it ran under, the segments received, their texts, the child's secrets."""
    daemon = Daemon()
    root = f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    out = tmp_path / "answers.json"
    env = {
        **os.environ,
        "AWS_XRAY_DAEMON_ADDRESS": daemon.address,
        "LAMBDA_TASK_ROOT": str(ROOT / "functions"),
        "AWS_LAMBDA_FUNCTION_NAME": "vault-share-traced",
        "_X_AMZN_TRACE_ID": f"Root={root};Parent={secrets.token_hex(8)};Sampled=1",
        "TRACED_FLOWS_OUT": str(out),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", str(CHILD)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=CHILD_SECONDS,
        )
    finally:
        datagrams = daemon.close()
    assert done.returncode == 0, f"the traced flows failed:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    segments, texts = [], []
    for datagram in datagrams:
        text = datagram.decode("utf-8")
        header, _, body = text.partition("\n")
        assert json.loads(header) == HEADER, header
        segment = json.loads(body)
        segments.append(segment)
        texts.append(text)
        texts.extend(_strings(segment))
    return root, segments, texts, json.loads(out.read_text(encoding="utf-8"))["secrets"]


@pytest.fixture(scope="module")
def traced(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, list[dict[str, Any]], list[str], dict[str, list[str]]]:
    return run_traced_flows(tmp_path_factory.mktemp("traces"))


def _names(segment: dict[str, Any]) -> Iterator[str]:
    yield str(segment.get("name"))
    for child in segment.get("subsegments", []):
        yield from _names(child)


def test_the_listener_receives_the_handlers_subsegments(traced: Any) -> None:
    root, segments, _, _ = traced
    assert segments, "no segment reached the listener: the test would prove nothing"
    assert {s["trace_id"] for s in segments} == {root}
    assert all(s["type"] == "subsegment" for s in segments), "in Lambda mode only subsegments are sent"
    names = [name for s in segments for name in _names(s)]
    # create/list/revoke links, the vault routes, notify and invite: one `## lambda_handler` per call.
    assert names.count("## lambda_handler") >= 20, names
    assert {"dynamodb", "email"} <= set(names), set(names)  # AWS calls: DynamoDB, SES


def _variants(secret: str) -> set[str]:
    """The secret as it could be written: as is, URL-encoded, JSON-escaped."""
    return {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}


def test_no_secret_or_contact_detail_is_in_any_segment(traced: Any) -> None:
    _, _, texts, found = traced
    kinds = {
        "token", "code", "share URL", "grant", "download URL", "presigned download URL", "presigned signature",
        "presigned upload form", "recipient e-mail", "person e-mail", "mobile", "postal address", "personal code",
        "pepper", "owner e-mail",
    }  # fmt: skip
    assert kinds <= set(found), set(found) ^ kinds
    for kind, values in found.items():
        for value in values:
            assert len(value) >= 5, (kind, len(value))
            # Six digits may occur by chance inside a number: only a whole number counts.
            patterns = [re.compile(rf"(?<![0-9]){re.escape(v)}(?![0-9])") for v in _variants(value)]
            for text in texts:
                hit = next((p for p in patterns if p.search(text)), None)
                if hit is not None:
                    where = hit.sub("<here>", text)
                    start = max(where.index("<here>") - 80, 0)
                    pytest.fail(f"a {kind} is in a trace: …{where[start : start + 160]!r}…")
