"""`python -m devstack` itself: loopback hosts only, JSON-only /_local POSTs, a sane clock, and the
SES identity of the template verified in the embedded AWS."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import boto3
import pytest
from vault_share.clock import parse_iso

from devstack import template
from tests.e2e.conftest import Stack
from tests.raw_http import french_error, send


def port(stack: Stack) -> int:
    return int(urlsplit(stack.api_url).port or 80)


def now(stack: Stack) -> datetime:
    return parse_iso(stack.client().get("/_local/clock").json()["now"])


def unmoved(stack: Stack, before: datetime) -> bool:
    return now(stack) - before < timedelta(seconds=60)


@pytest.mark.parametrize("path", ["/_local/stack", "/_local/outbox", f"/share/{'x' * 43}"])
def test_a_rebound_name_gets_nothing(stack: Stack, path: str) -> None:
    status, body = send(port(stack), "GET", path, hosts=[f"attacker.example:{port(stack)}"])
    assert status == 421
    french_error(body, "misdirected_request")


def test_a_cross_site_form_cannot_move_the_clock(stack: Stack) -> None:
    before = now(stack)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, body = send(port(stack), "POST", "/_local/clock", headers=form, body=b'{"advanceSeconds": 86400}')
    assert status == 415
    french_error(body, "unsupported_media_type")
    status, body = send(port(stack), "POST", "/_local/schedules/run", headers={"Content-Type": "text/plain"})
    assert status == 415
    assert unmoved(stack, before)


@pytest.mark.parametrize("seconds", [b"1e400", b"NaN", b"400000000", b"9" * 400])
def test_an_absurd_clock_move_is_refused(stack: Stack, seconds: bytes) -> None:
    before = now(stack)
    json_type = {"Content-Type": "application/json"}
    status, body = send(
        port(stack), "POST", "/_local/clock", headers=json_type, body=b'{"advanceSeconds": ' + seconds + b"}"
    )
    assert status == 400
    french_error(body, "invalid_clock")
    assert unmoved(stack, before)


def test_the_stack_verified_the_template_ses_identity(stack: Stack) -> None:
    identity = template.parameter_defaults(template.load())["SesIdentity"]
    ses = boto3.client(
        "ses",
        endpoint_url=stack.info["awsEndpoint"],
        region_name=stack.info["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    assert identity in ses.list_identities()["Identities"]
