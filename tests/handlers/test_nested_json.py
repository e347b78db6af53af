"""Deeply nested JSON under the 64 KB limit: 400 `invalid_json` on every JSON route, nothing written.

Python's JSON parser recurses once a level: `[[[[...]]]]` 20,000 deep raised RecursionError, a 500
with a traceback in the log, on the public unlock as on the owner routes. The resolver refuses any
body nested deeper than 32 levels before a parser (Powertools' or a route's own) sees it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.fixtures import Api, HttpResult
from tests.handlers.test_links import World, attribute, build_world, call, counts, create, ok

LEVELS = 20_000
NESTED = {
    "array": "[" * LEVELS + "]" * LEVELS,
    "object": '{"a":' * (LEVELS // 2) + "1" + "}" * (LEVELS // 2),
    "inside a field": '{"name": "x", "documentIds": ' + "[" * LEVELS + "]" * LEVELS + "}",
}


def nested(depth: int) -> str:
    """An object `{"name": "Coffre", "extra": [[...]]}` whose nesting is `depth` levels in all."""
    return '{"name": "Coffre", "extra": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.fixture(scope="module")
def world(api: Api) -> World:
    return build_world(api)


Route = Callable[[World], tuple[str, str, dict[str, str]]]
JSON = {"Content-Type": "application/json"}
ROUTES: dict[str, Route] = {
    "create vault": lambda w: ("POST", "/vaults", JSON),
    "create dossier": lambda w: ("POST", f"/vaults/{w.vault_id}/dossiers", JSON),
    "create document": lambda w: ("POST", f"/vaults/{w.vault_id}/dossiers/{w.dossier_id}/documents", JSON),
    "create person": lambda w: ("POST", f"/vaults/{w.vault_id}/persons", JSON),
    "create link": lambda w: ("POST", w.links_path, JSON),
    "create link, idempotent": lambda w: ("POST", w.links_path, {**JSON, "Idempotency-Key": "nested-json-key"}),
}
UNLOCK_HEADERS = {
    "JSON": JSON,
    "no content type": {},
    "text/plain": {"Content-Type": "text/plain"},
    "browser": {**JSON, "Accept": "text/html"},
}


def assert_refused(answer: HttpResult) -> None:
    assert answer.status == 400, answer.body[:300]
    body = answer.json()
    assert body["error"] == "invalid_json", body
    assert "imbriqué" in body["message"], body


def assert_quiet(capfd: pytest.CaptureFixture[str]) -> None:
    out, err = capfd.readouterr()
    for trace in ("Traceback", "RecursionError", "unhandled error"):
        assert trace not in out + err, (out + err)[-2000:]


@pytest.mark.parametrize("shape", list(NESTED))
@pytest.mark.parametrize("route", list(ROUTES))
def test_owner_routes_refuse_deep_nesting(
    api: Api, world: World, route: str, shape: str, capfd: pytest.CaptureFixture[str]
) -> None:
    method, path, headers = ROUTES[route](world)
    raw = NESTED[shape].encode()
    assert len(raw) < 64 * 1024
    before = counts()
    assert_refused(call(api, method, path, user=world.owner, raw_body=raw, headers=headers))
    assert counts() == before
    assert_quiet(capfd)


@pytest.mark.parametrize("shape", list(NESTED))
@pytest.mark.parametrize("sent", list(UNLOCK_HEADERS))
def test_the_public_unlock_refuses_deep_nesting(
    api: Api, world: World, sent: str, shape: str, capfd: pytest.CaptureFixture[str]
) -> None:
    link = create(api, world)
    before = counts()
    answer = call(api, "POST", link.share, raw_body=NESTED[shape].encode(), headers=UNLOCK_HEADERS[sent])
    assert_refused(answer)
    assert answer.headers.get("Referrer-Policy") == "no-referrer", answer.headers
    assert counts() == before
    assert (attribute(link.token, "status"), attribute(link.token, "failedAttempts")) == ("active", 0)
    assert_quiet(capfd)
    # The link still works with its code.
    assert ok(call(api, "POST", link.share, {"code": link.code}))["documents"]


def test_the_limit_is_32_levels(api: Api, world: World) -> None:
    path = "/vaults"
    before = counts()
    at_limit = call(api, "POST", path, user=world.owner, raw_body=nested(32).encode(), headers=JSON)
    # Parsed, then refused by the model for its unknown field.
    assert (at_limit.status, at_limit.json()["error"]) == (422, "validation_error"), at_limit.body
    assert_refused(call(api, "POST", path, user=world.owner, raw_body=nested(33).encode(), headers=JSON))
    assert counts() == before


@pytest.mark.parametrize(
    "name",
    ["[[[[" * 25, "{" * 60 + "}", 'a \\" ' + "[" * 60, "\\\\" + "{[" * 40],
    ids=["brackets", "braces", "escaped quote", "escaped backslash"],
)
def test_brackets_inside_strings_do_not_count(api: Api, world: World, name: str) -> None:
    raw = '{"name": "' + name + '"}'
    answer = ok(call(api, "POST", "/vaults", user=world.owner, raw_body=raw.encode(), headers=JSON), 201)
    assert answer["name"] == json.loads(raw)["name"]


def test_a_wrong_code_in_a_deep_body_is_not_evaluated(api: Api, world: World) -> None:
    link = create(api, world)
    wrong = f"{(int(link.code) + 1) % 1_000_000:06d}"
    body: Any = {"code": wrong}
    for _ in range(40):
        body = {"code": wrong, "x": body}
    assert_refused(call(api, "POST", link.share, raw_body=json.dumps(body).encode(), headers=JSON))
    assert attribute(link.token, "failedAttempts") == 0
