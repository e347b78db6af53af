"""No secret and no contact detail leaves a function by a trace, a log line or a metric.

Traces: with `Tracing: Active`, Lambda writes each invocation's segment; a function would add
subsegments of its own (and, with Powertools' Tracer, its answers as metadata: share URLs and codes,
contact details, presigned forms) only through the X-Ray SDK, which no function loads
(vault_share.observability says why). Here a UDP socket stands in for the X-Ray daemon (its
protocol: a JSON header line, then the segment JSON, one datagram each) and a child process
(tests/handlers/traced_flows.py) runs every flow the Lambda way with tracing on, `_X_AMZN_TRACE_ID`
sampled and AWS_XRAY_DAEMON_ADDRESS pointing at it: nothing may reach it, and the SDK is never
imported. Logs and EMF metrics are the two other ways out of a function: a log line with an event,
a request body or an SDK's wire log, a metric dimension holding an id or an address. The child runs
with metrics on (the template's namespace and service) and every logger at DEBUG; its stdout and
stderr are the function's log stream (its JSON log lines, its EMF documents, any other logger).
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from devstack import template

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


@dataclass
class Captured:
    """What left the child: X-Ray segments, log lines, EMF documents; the secrets it held."""

    root: str
    segments: list[dict[str, Any]]
    log_lines: list[dict[str, Any]]  # the functions' JSON log lines (Powertools' Logger)
    other_lines: list[str]  # every other logger's lines (stderr), by their first line
    metrics: list[dict[str, Any]]  # EMF documents
    texts: dict[str, list[str]]  # per channel: every raw text and every string inside it
    secrets: dict[str, list[str]]
    loaded_xray_sdk: list[str]  # the child's modules of the X-Ray SDK, after every flow


def _json(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


def run_traced_flows(tmp_path: Path) -> Captured:
    """Runs the child under a trace id of its own and collects what its functions let out."""
    daemon = Daemon()
    root = f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    out = tmp_path / "answers.json"
    globals_ = template.load()["Globals"]["Function"]["Environment"]["Variables"]
    env = {
        **os.environ,
        "AWS_XRAY_DAEMON_ADDRESS": daemon.address,
        "LAMBDA_TASK_ROOT": str(ROOT / "functions"),
        "AWS_LAMBDA_FUNCTION_NAME": "vault-share-traced",
        "_X_AMZN_TRACE_ID": f"Root={root};Parent={secrets.token_hex(8)};Sampled=1",
        "POWERTOOLS_METRICS_NAMESPACE": str(globals_["POWERTOOLS_METRICS_NAMESPACE"]),
        "POWERTOOLS_SERVICE_NAME": str(globals_["POWERTOOLS_SERVICE_NAME"]),
        "TRACED_FLOWS_OUT": str(out),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-s", "-p", "no:cacheprovider", str(CHILD)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=CHILD_SECONDS,
        )
    finally:
        datagrams = daemon.close()
    assert done.returncode == 0, f"the traced flows failed:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    texts: dict[str, list[str]] = {"trace": [], "log": [], "metric": []}
    segments = []
    for datagram in datagrams:
        text = datagram.decode("utf-8")
        header, _, body = text.partition("\n")
        assert json.loads(header) == HEADER, header
        segment = json.loads(body)
        segments.append(segment)
        texts["trace"] += [text, *_strings(segment)]
    log_lines, metrics = [], []
    for line in done.stdout.splitlines():
        value = _json(line)
        channel = "metric" if isinstance(value, dict) and "_aws" in value else "log"
        texts[channel].append(line)
        if value is not None:
            texts[channel].extend(_strings(value))
        if channel == "metric":
            metrics.append(value)
        elif isinstance(value, dict) and "level" in value:
            log_lines.append(value)
    texts["log"] += done.stderr.splitlines()
    other_lines = [line for line in done.stderr.splitlines() if re.match(r"(DEBUG|INFO|WARNING|ERROR) ", line)]
    written = json.loads(out.read_text(encoding="utf-8"))
    return Captured(root, segments, log_lines, other_lines, metrics, texts, written["secrets"], written["xray_sdk"])


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Captured:
    return run_traced_flows(tmp_path_factory.mktemp("traces"))


def _names(segment: dict[str, Any]) -> Iterator[str]:
    yield str(segment.get("name"))
    for child in segment.get("subsegments", []):
        yield from _names(child)


def test_no_function_writes_a_trace_segment_of_its_own(traced: Captured) -> None:
    assert traced.segments == [], [segment.get("name") for segment in traced.segments]
    assert traced.loaded_xray_sdk == [], "a function imported the X-Ray SDK"
    assert traced.log_lines, "the flows ran nothing: the test would prove nothing"


FUNCTIONS = {
    "VaultFunction",
    "CreateLinkFunction",
    "DownloadFunction",
    "InviteFunction",
    "AcceptFunction",
    "NotifyFunction",
}


def test_the_log_stream_holds_every_functions_lines_at_debug(traced: Captured) -> None:
    lines = traced.log_lines
    # Every function but the vault's logs something on these flows (it logs failures only).
    assert {line["function_name"] for line in lines} == FUNCTIONS - {"VaultFunction"}
    assert {"DEBUG", "INFO", "WARNING"} <= {line["level"] for line in lines}
    messages = {line["message"] for line in lines}
    assert {"counted", "link e-mail failed", "reminders", "expiry sweep"} <= messages, messages
    assert all(line.get("correlation_id") for line in lines), "every line is tied to its invocation"
    # Every other logger at DEBUG too (the AWS SDK's and PynamoDB's are held at INFO by
    # vault_share.observability, or they would log signed requests and items).
    assert any(line.startswith("DEBUG ") for line in traced.other_lines), traced.other_lines[:20]


EVERY_METRIC = {
    "LinksCreated", "LinksUnlocked", "WrongCodes", "Locks", "InvitationsSent", "InvitationsAccepted",
    "RemindersSent", "RemindersDeferred", "LettersQueued", "LetterCostCents", "EmailsFailed",
}  # fmt: skip


def test_the_metrics_are_the_template_namespaces(traced: Captured) -> None:
    names: set[str] = set()
    for document in traced.metrics:
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "VaultShare"
        names |= {metric["Name"] for metric in directive["Metrics"]}
    # The child runs the reminders at the reminder's own (allowed) time: it is sent, never deferred.
    assert EVERY_METRIC - {"RemindersDeferred"} <= names, EVERY_METRIC - names


def _variants(secret: str) -> set[str]:
    """The secret as it could be written: as is, URL-encoded, JSON-escaped."""
    return {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}


SECRETS = {
    "token", "code", "share URL", "invite URL", "grant", "download URL", "presigned download URL",
    "presigned signature", "presigned upload form", "password", "personal code", "pepper",
}  # fmt: skip
CONTACTS = {"recipient e-mail", "person e-mail", "mobile", "postal address", "owner e-mail"}


@pytest.mark.parametrize("channel", ["log", "metric"])  # traces: nothing at all, above
def test_no_secret_or_contact_detail_leaves_by_any_channel(traced: Captured, channel: str) -> None:
    found = traced.secrets
    assert set(found) == SECRETS | CONTACTS, set(found) ^ (SECRETS | CONTACTS)
    texts = traced.texts[channel]
    assert texts, f"nothing was captured on the {channel} channel: the test would prove nothing"
    for kind, values in found.items():
        for value in values:
            assert len(value) >= 5, (kind, len(value))
            # Six digits may occur by chance inside a number (a timestamp's fraction, "…151.123456"
            # found by CI): only a whole number counts.
            patterns = [re.compile(rf"(?<![0-9])(?<![0-9]\.){re.escape(v)}(?![0-9])") for v in _variants(value)]
            for text in texts:
                hit = next((p for p in patterns if p.search(text)), None)
                if hit is not None:
                    where = hit.sub("<here>", text)
                    start = max(where.index("<here>") - 80, 0)
                    pytest.fail(f"a {kind} is in a {channel}: …{where[start : start + 160]!r}…")
