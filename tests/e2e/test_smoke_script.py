"""scripts/smoke.py, the deploy guide's smoke test, run as the README says against the local stack;
and what it does when a promise is broken or the service does not answer."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scripts import smoke
from tests.e2e.conftest import REPO, Stack, free_port


def test_the_smoke_script_passes_against_the_local_stack(stack: Stack) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "scripts.smoke", stack.api_url],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[-1] == "smoke test passed"
    assert [line for line in lines if line.startswith("ok: ")][1:] == [
        "ok: dossier and document",
        "ok: link: shown, a wrong code counted, unlocked once, downloaded",
        "ok: journal, notification, revoke",
        "ok: person, invitation not sent, cancelled",
    ]
    # Run twice, it reuses its vault rather than making one each time.
    again = subprocess.run(
        [sys.executable, "-m", "scripts.smoke", stack.api_url], cwd=REPO, capture_output=True, text=True, timeout=180
    )
    assert again.returncode == 0, again.stdout + again.stderr
    owner = stack.demo["owner"]
    vaults = stack.client(stack.sign_in(owner["email"], owner["password"])).get("/vaults").json()["vaults"]
    assert [v["name"] for v in vaults].count(smoke.SMOKE_VAULT) == 1


class Lenient(BaseHTTPRequestHandler):
    """A service that breaks the first promise: it answers 200 to an unauthenticated request."""

    def do_GET(self) -> None:
        body = b'{"vaults": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def lenient() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Lenient)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_a_broken_promise_is_named_and_stops_the_run(lenient: str) -> None:
    with pytest.raises(smoke.Broken, match="no token: 401: expected 401, got 200"):
        smoke.run(lenient, "a-token", print)


def test_a_service_that_does_not_answer_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert smoke.main([f"http://127.0.0.1:{free_port()}"]) == 1
    assert "BROKEN:" in capsys.readouterr().err
