"""One HTTP request exactly as written: the Host headers given (none, several, foreign), any body."""

from __future__ import annotations

import http.client
import json
from typing import Any


def send(
    port: int,
    method: str,
    path: str,
    *,
    hosts: list[str] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> tuple[int, Any]:
    """(status, JSON body or None) of one request to 127.0.0.1:`port`; `hosts` defaults to that address."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for host in [f"127.0.0.1:{port}"] if hosts is None else hosts:
            connection.putheader("Host", host)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body or method == "POST":
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        answer = connection.getresponse()
        data = answer.read()
        return answer.status, json.loads(data) if data else None
    finally:
        connection.close()


def french_error(body: Any, code: str) -> None:
    """The contract's error shape: `{"error": code, "message": <a sentence>}`."""
    assert body["error"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
