"""The local stack, started exactly as the README starts it, for end-to-end tests over HTTP.

One stack per session: `python -m devstack --port <free port>` from the repository
root, console captured to a file. Teardown checks that it stops cleanly on SIGTERM
and that its console never shows a token handed out during the session.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import urllib3

from devstack.client import ApiClient
from tests.fixtures import report

REPO = Path(__file__).resolve().parents[2]
READY_DEADLINE_SECONDS = 60.0
STOP_DEADLINE_SECONDS = 15.0
POLL_SECONDS = 0.2

# Three base64url parts, the first two JSON objects: a JWT (ID, access) wherever it is printed.
JWT_SHAPE = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def readme_environment() -> dict[str, str]:
    """The caller's environment without what tests/conftest.py injected for the in-process suites.

    A developer running `make run` has no table names, fake credentials or Powertools settings
    exported; the stack must bring its own.
    """
    from vault_share.settings import Settings

    injected = set(Settings.variables())
    return {
        name: value
        for name, value in os.environ.items()
        if name not in injected and not name.startswith(("AWS_", "POWERTOOLS_"))
    }


@dataclass
class Stack:
    api_url: str
    info: dict[str, Any]
    log_path: Path
    ready_seconds: float
    # Every token and password handed out during the session; none may reach the console.
    secrets: set[str] = field(default_factory=set)

    @property
    def demo(self) -> dict[str, Any]:
        demo: dict[str, Any] = self.info["demo"]
        return demo

    def aws(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.info["awsEndpoint"],
            region_name=self.info["region"],
            aws_access_key_id="local",
            aws_secret_access_key="local",  # the embedded AWS: any credentials do
        )

    def cognito(self) -> Any:
        return self.aws("cognito-idp")

    def documents_bucket(self) -> str:
        """The template's DocumentsBucket in the embedded S3."""
        buckets = [
            b["Name"] for b in self.aws("s3").list_buckets()["Buckets"] if "documentsbucket" in b["Name"].lower()
        ]
        assert len(buckets) == 1, buckets
        return str(buckets[0])

    def authenticate(self, email: str, password: str) -> dict[str, Any]:
        """A real Cognito InitiateAuth (USER_PASSWORD_AUTH) against the embedded pool: every token."""
        answer = self.cognito().initiate_auth(
            ClientId=self.info["userPoolClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
        result: dict[str, Any] = answer["AuthenticationResult"]
        self.secrets.update(str(result[k]) for k in ("IdToken", "AccessToken", "RefreshToken") if result.get(k))
        return result

    def sign_in(self, email: str, password: str) -> str:
        """The ID token: the bearer token of every owner endpoint."""
        return str(self.authenticate(email, password)["IdToken"])

    def create_user(self, email: str, password: str) -> None:
        """A confirmed account with a permanent password in the embedded user pool."""
        cognito = self.cognito()
        pool = self.info["userPoolId"]
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)
        self.secrets.add(password)

    def client(self, token: str | None = None) -> ApiClient:
        return ApiClient(self.api_url, token)

    def console(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _tail(path: Path, lines: int = 40) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _wait_ready(process: subprocess.Popen[bytes], api_url: str, log_path: Path) -> dict[str, Any]:
    """Poll GET /_local/stack until it answers with the seeded demo.

    The gateway answers before the seed has run (the seed goes through the API), with empty
    demo ids: ready means the demo is there too.
    """
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=1, read=5))
    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the stack exited with code {process.returncode} before it was ready:\n{_tail(log_path)}")
        try:
            answer = http.request("GET", f"{api_url}/_local/stack")
            last = f"HTTP {answer.status}"
            if answer.status == 200:
                info: dict[str, Any] = json.loads(answer.data)
                if (info.get("demo") or {}).get("vaultId"):
                    return info
                last = "answered, demo not seeded yet"
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            last = type(exc).__name__
        time.sleep(POLL_SECONDS)
    pytest.fail(f"the stack was not ready within {READY_DEADLINE_SECONDS:.0f} s ({last}):\n{_tail(log_path)}")


def _stop(process: subprocess.Popen[bytes]) -> tuple[int | None, float]:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        code: int | None = process.wait(timeout=STOP_DEADLINE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        code = None
    return code, time.monotonic() - started


def leaks(console: str, secrets: set[str]) -> list[str]:
    """Where the console shows a secret (line numbers and a redacted prefix, never the secret itself)."""
    found = []
    for number, line in enumerate(console.splitlines(), 1):
        for secret in secrets:
            if secret and secret in line:
                found.append(f"line {number}: a session secret ({secret[:6]}…, {len(secret)} chars)")
        for match in JWT_SHAPE.finditer(line):
            found.append(f"line {number}: a JWT ({match.group()[:10]}…)")
    return found


@contextmanager
def running_stack(config: pytest.Config, log_dir: Path, label: str = "local stack") -> Iterator[Stack]:
    """The local stack started as the README starts it; on exit: a clean SIGTERM stop and no secret on its console."""
    log_path = log_dir / "console.log"
    port = free_port()
    api_url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    with log_path.open("wb") as console:
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack", "--port", str(port)],
            cwd=REPO,
            env=readme_environment(),
            stdout=console,
            stderr=subprocess.STDOUT,
        )
    try:
        info = _wait_ready(process, api_url, log_path)
    except BaseException:
        process.kill()
        process.wait()
        raise
    ready = time.monotonic() - started
    report(config, f"e2e: {label} ready in {ready:.1f} s (console: {log_path})")
    running = Stack(api_url=api_url, info=info, log_path=log_path, ready_seconds=ready)
    try:
        yield running
    finally:
        code, seconds = _stop(process) if process.poll() is None else (process.returncode, 0.0)
    report(config, f"e2e: {label} stopped in {seconds:.1f} s with code {code}")
    assert code == 0, (
        f"SIGTERM must stop the stack cleanly within {STOP_DEADLINE_SECONDS:.0f} s (exit code {code}):\n"
        f"{_tail(log_path)}"
    )
    found = leaks(running.console(), running.secrets)
    assert not found, f"the stack's console shows secrets ({log_path}):\n" + "\n".join(found)


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(request.config, tmp_path_factory.mktemp("devstack")) as running:
        # The demo owner's tokens are the ones that matter most: sign in once so they are known.
        running.sign_in(running.demo["owner"]["email"], running.demo["owner"]["password"])
        yield running


@pytest.fixture(scope="session")
def sign_in(stack: Stack) -> Callable[[str, str], str]:
    """`sign_in(email, password)` -> ID token, by a real InitiateAuth against the embedded Cognito."""
    return stack.sign_in


@pytest.fixture(scope="session")
def owner_token(stack: Stack, sign_in: Callable[[str, str], str]) -> str:
    return sign_in(stack.demo["owner"]["email"], stack.demo["owner"]["password"])


@pytest.fixture(scope="session")
def owner(stack: Stack, owner_token: str) -> ApiClient:
    return stack.client(owner_token)


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    token: str
    api: ApiClient


@pytest.fixture(scope="session")
def stranger(stack: Stack, sign_in: Callable[[str, str], str]) -> Account:
    """A second account of the same pool, with no vault of its own yet."""
    email = f"stranger.{uuid.uuid4().hex[:8]}@example.fr"
    password = f"Stranger-{uuid.uuid4().hex[:10]}-X9"
    stack.create_user(email, password)
    token = sign_in(email, password)
    return Account(email, password, token, stack.client(token))
