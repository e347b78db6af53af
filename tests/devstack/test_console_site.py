"""The console as the local stack serves it at /app/, over real HTTP: its config, deep links
answered by the app, cached assets, security headers, and nothing outside its build."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from devstack.console import ConsoleSite, config_for
from devstack.gateway import Gateway

INFO = {
    "apiUrl": "http://127.0.0.1:3000",
    "awsEndpoint": "http://127.0.0.1:4566",
    "region": "eu-west-3",
    "userPoolId": "eu-west-3_pool",
    "userPoolClientId": "client",
    "demo": {"owner": {"email": "owner@garage-auto.example", "password": "secret-Password1"}},
}
INDEX = b"<!doctype html><title>console</title>"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gateway, Path]]:
    dist = tmp_path_factory.mktemp("dist")
    (dist / "index.html").write_bytes(INDEX)
    (dist / "assets").mkdir()
    (dist / "assets" / "index-abc123.js").write_text("console.log(1)")
    (dist.parent / "secret.txt").write_text("outside the build")
    front = Gateway(host="127.0.0.1", port=0, stage="v1", account="123456789012")
    front.mount(routes=[], pools={}, authorizer=cast(Any, None), cors={}, local_routes={})
    front.console = ConsoleSite(config_for(INFO, 182), dist=dist, connect=[INFO["awsEndpoint"]])
    front.start()
    try:
        yield front, dist
    finally:
        front.stop()


def get(gateway: Gateway, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    try:
        connection.request(method, path, headers={"Host": f"127.0.0.1:{gateway.port}"})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def test_config_names_the_stack_and_never_the_demo_password(site: tuple[Gateway, Path]) -> None:
    status, headers, body = get(site[0], "/app/config.json")
    assert status == 200
    config = json.loads(body)
    assert config == {
        "apiUrl": "http://127.0.0.1:3000",
        "region": "eu-west-3",
        "userPoolId": "eu-west-3_pool",
        "userPoolClientId": "client",
        "cognitoEndpoint": "http://127.0.0.1:4566",
        "authFlow": "USER_PASSWORD_AUTH",
        "letterCostCents": 182,
    }
    assert b"secret-Password1" not in body
    assert headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["/app/", "/app/vaults/v1/dossiers/d1", "/app/vaults/v1/persons/p1?from=d1"])
def test_deep_links_are_answered_by_the_app(site: tuple[Gateway, Path], path: str) -> None:
    status, headers, body = get(site[0], path)
    assert (status, body) == (200, INDEX)
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-cache"


def test_app_without_slash_moves_to_the_app(site: tuple[Gateway, Path]) -> None:
    status, headers, _ = get(site[0], "/app")
    assert (status, headers["location"]) == (301, "/app/")


def test_hashed_assets_are_cached_for_a_year(site: tuple[Gateway, Path]) -> None:
    status, headers, body = get(site[0], "/app/assets/index-abc123.js")
    assert (status, body) == (200, b"console.log(1)")
    assert headers["content-type"].startswith("text/javascript") or headers["content-type"].startswith(
        "application/javascript"
    )
    assert headers["cache-control"] == "public, max-age=31536000, immutable"


def test_every_answer_carries_the_security_headers(site: tuple[Gateway, Path]) -> None:
    for path in ("/app/", "/app/config.json", "/app/assets/index-abc123.js"):
        _, headers, _ = get(site[0], path)
        policy = headers["content-security-policy"]
        assert "script-src 'self';" in policy
        assert "frame-ancestors 'none'" in policy
        # Cognito and the presigned uploads are the embedded AWS: the only other origin it may call.
        assert "connect-src 'self' http://127.0.0.1:4566;" in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    "path", ["/app/assets/missing.js", "/app/../secret.txt", "/app/%2e%2e/secret.txt", "/app/assets/../../secret.txt"]
)
def test_nothing_outside_the_build_and_no_made_up_file(site: tuple[Gateway, Path], path: str) -> None:
    status, _, body = get(site[0], path)
    assert b"outside the build" not in body
    assert status in (200, 404)
    if status == 200:  # an unknown path without an extension is a deep link: the app's page
        assert body == INDEX


def test_only_reads(site: tuple[Gateway, Path]) -> None:
    status, headers, body = get(site[0], "/app/", method="POST")
    assert status == 405
    assert headers["allow"] == "GET, HEAD"
    assert json.loads(body)["error"] == "method_not_allowed"


def test_an_unbuilt_console_says_how_to_build_it(tmp_path: Path) -> None:
    answer = ConsoleSite(config_for(INFO, 182), dist=tmp_path).answer("GET", "/app/")
    assert answer.status == 503
    assert "make run" in json.loads(answer.body)["message"]
