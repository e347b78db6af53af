"""The local gateway's events are API Gateway's events: same keys, nesting and JSON types as the samples.

Samples: tests/events (AWS's documented shapes, see its README). Also unit tests of
the gateway's routing (RouteTable) and of the mapping of Lambda answers (map_response).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack import template
from devstack.authorizer import CognitoAuthorizer
from devstack.events import HttpAnswer, RouteTable, build_event, map_response
from devstack.functions import FunctionPool
from devstack.gateway import Gateway
from devstack.template import ApiRoute

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "tests" / "events"

REGION = "eu-west-3"
ACCOUNT = "123456789012"
POOL_ID = f"{REGION}_AbCdEfGhI"
CLIENT_ID = "1049971ba5a04ff2a51c9f1380"
COGNITO_DATE = "%a %b %d %H:%M:%S UTC %Y"
COGNITO_DATE_SHAPE = re.compile(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}")
REQUEST_TIME = "%d/%b/%Y:%H:%M:%S %z"


def sample(name: str) -> dict[str, Any]:
    path = SAMPLES / name
    assert path.is_file(), f"sample {path} not found"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


PROXY = sample("apigw-rest-proxy.json")
AUTHORIZER = sample("apigw-rest-cognito-authorizer-context.json")["authorizer"]


def with_authorizer(event: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(event)
    merged["requestContext"]["authorizer"] = copy.deepcopy(AUTHORIZER)
    return merged


# ---------------------------------------------------------------- shape comparison


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return f"not JSON ({type(value).__name__})"


# Objects whose keys depend on the request (header names, parameters, claims): values are compared, not keys.
FREE_KEYS = {
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
}
# Null in AWS's events too when the request has none (GET without body, resource without parameter...).
NULLABLE = {"body", "pathParameters", "headers", "multiValueHeaders", "requestContext.identity.userAgent"}
# Where the sample shows null, what AWS sends when there is a value.
WHEN_SET: dict[str, Any] = {
    "queryStringParameters": {"name": "value"},
    "multiValueQueryStringParameters": {"name": ["value"]},
    "stageVariables": {"name": "value"},
}


def shape_mismatches(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Every difference of keys, nesting or JSON type between a sample and an event."""
    where = path or "<root>"
    if expected is None:
        if actual is None:
            return []
        if path in WHEN_SET:
            return shape_mismatches(WHEN_SET[path], actual, path)
        if path.startswith("requestContext.identity.") and isinstance(actual, str):
            return []
        return [f"{where}: null in the sample, {json_type(actual)} here"]
    if actual is None:
        return [] if path in NULLABLE else [f"{where}: {json_type(expected)} in the sample, null here"]
    if json_type(expected) != json_type(actual):
        return [f"{where}: {json_type(expected)} in the sample, {json_type(actual)} here"]
    found: list[str] = []
    if isinstance(expected, dict):
        if path in FREE_KEYS or path.endswith(".claims"):
            model = next(iter(expected.values()))
            for key, value in actual.items():
                found += shape_mismatches(model, value, f"{path}.{key}")
            return found
        for key in sorted(expected.keys() - actual.keys()):
            found.append(f"{where}: missing key {key!r}")
        for key in sorted(actual.keys() - expected.keys()):
            found.append(f"{where}: extra key {key!r}")
        for key in sorted(expected.keys() & actual.keys()):
            found += shape_mismatches(expected[key], actual[key], f"{path}.{key}" if path else key)
    elif isinstance(expected, list) and expected:
        for index, item in enumerate(actual):
            found += shape_mismatches(expected[0], item, f"{path}[{index}]")
    return found


def test_the_comparison_itself_sees_differences() -> None:
    """Guards the guard: a missing key, an extra key, a wrong type or an unexpected null are reported."""
    event = copy.deepcopy(PROXY)
    assert shape_mismatches(PROXY, event) == []
    del event["requestContext"]["identity"]["caller"]
    event["requestContext"]["extra"] = 1
    event["requestContext"]["requestTimeEpoch"] = "1795601703000"
    event["isBase64Encoded"] = None
    event["multiValueHeaders"]["Accept"] = "application/json"
    assert set(shape_mismatches(PROXY, event)) == {
        "isBase64Encoded: boolean in the sample, null here",
        "multiValueHeaders.Accept: array in the sample, string here",
        "requestContext: extra key 'extra'",
        "requestContext.identity: missing key 'caller'",
        "requestContext.requestTimeEpoch: integer in the sample, string here",
    }


# ---------------------------------------------------------------- build_event


def sample_request(**overrides: Any) -> dict[str, Any]:
    """build_event's arguments for the very request the proxy sample describes."""
    context = PROXY["requestContext"]
    arguments: dict[str, Any] = {
        "route": ApiRoute("DownloadFunction", PROXY["resource"], PROXY["httpMethod"], authorized=False),
        "path": PROXY["path"],
        "path_parameters": dict(PROXY["pathParameters"]),
        "method": PROXY["httpMethod"],
        "query": "",
        "headers": list(PROXY["headers"].items()),
        "body": PROXY["body"].encode("utf-8"),
        "source_ip": context["identity"]["sourceIp"],
        "stage": context["stage"],
        "api_id": context["apiId"],
        "account": context["accountId"],
        "claims": None,
        "now": datetime.strptime(context["requestTime"], REQUEST_TIME),
    }
    arguments.update(overrides)
    return arguments


def without_request_ids(event: dict[str, Any]) -> dict[str, Any]:
    """Per-request values (ids, the epoch: the sample's epoch is a day off its own requestTime)."""
    stripped = copy.deepcopy(event)
    for name in ("requestId", "extendedRequestId", "resourceId", "requestTimeEpoch"):
        stripped["requestContext"].pop(name)
    return stripped


def test_build_event_reproduces_the_sample() -> None:
    arguments = sample_request()
    event = build_event(**arguments)
    assert shape_mismatches(PROXY, event) == []
    assert without_request_ids(event) == without_request_ids(PROXY)
    context = event["requestContext"]
    assert context["requestTimeEpoch"] == int(arguments["now"].timestamp() * 1000)
    assert uuid.UUID(context["requestId"])
    assert re.fullmatch(r"[0-9a-z]{6}", context["resourceId"])
    assert json.loads(json.dumps(event)) == event


VARIANTS: dict[str, dict[str, Any]] = {
    "get-no-body-no-parameter": {
        "route": ApiRoute("VaultFunction", "/vaults", "GET", authorized=True),
        "path": "/vaults",
        "path_parameters": {},
        "method": "GET",
        "body": b"",
        "headers": [("Accept", "application/json"), ("Host", "abcdef1234.execute-api.eu-west-3.amazonaws.com")],
    },
    "query-string": {
        "route": ApiRoute("VaultFunction", "/vaults/{vaultId}/persons", "GET", authorized=True),
        "path": "/vaults/v1/persons",
        "path_parameters": {"vaultId": "v1"},
        "method": "GET",
        "query": "q=DUP%C3%94NT&q=dupont&empty=",
        "body": b"",
    },
    "binary-body": {"body": b"%PDF-1.4\n\xff\xfe\x00\x01"},
    "repeated-header": {"headers": [*PROXY["headers"].items(), ("X-Custom", "one"), ("X-Custom", "two")]},
    "no-user-agent": {"headers": [("Accept", "application/json")]},
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("authenticated", [False, True], ids=["public", "cognito"])
def test_build_event_shapes(variant: str, authenticated: bool) -> None:
    claims = {name: str(value) for name, value in AUTHORIZER["claims"].items()} if authenticated else None
    event = build_event(**sample_request(**VARIANTS[variant], claims=claims))
    expected = with_authorizer(PROXY) if authenticated else PROXY
    assert shape_mismatches(expected, event) == []
    assert json.loads(json.dumps(event)) == event
    assert ("authorizer" in event["requestContext"]) is authenticated


def test_build_event_values_follow_api_gateway() -> None:
    event = build_event(**sample_request(**VARIANTS["query-string"]))
    assert event["multiValueQueryStringParameters"] == {"q": ["DUPÔNT", "dupont"], "empty": [""]}
    assert event["queryStringParameters"] == {"q": "dupont", "empty": ""}  # the last value, as AWS does
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert event["pathParameters"] == {"vaultId": "v1"}
    assert event["resource"] == event["requestContext"]["resourcePath"] == "/vaults/{vaultId}/persons"
    assert event["requestContext"]["path"] == "/v1/vaults/v1/persons"

    event = build_event(**sample_request(**VARIANTS["get-no-body-no-parameter"]))
    assert event["pathParameters"] is None and event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None

    binary = VARIANTS["binary-body"]["body"]
    event = build_event(**sample_request(body=binary))
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == binary

    event = build_event(**sample_request(**VARIANTS["repeated-header"]))
    assert event["multiValueHeaders"]["X-Custom"] == ["one", "two"]
    assert event["headers"]["X-Custom"] == "two"


# ---------------------------------------------------------------- through the gateway


class RecordingPool:
    """Stands for a function: records the event it is given."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}


class LocalKeys:
    """The user pool's JWKS, served from memory instead of the embedded Cognito."""

    def __init__(self, public_key: Any) -> None:
        self.jwk = jwt.PyJWK(jwt.algorithms.RSAAlgorithm.to_jwk(public_key, as_dict=True), algorithm="RS256")

    def get_signing_key_from_jwt(self, _token: str) -> jwt.PyJWK:
        return self.jwk


class Signer:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def id_token(self, **changes: Any) -> tuple[str, dict[str, Any]]:
        """An ID token with the claims of the Cognito sample, typed as Cognito types them in the JWT."""
        now = int(time.time())
        user = str(uuid.uuid4())
        claims: dict[str, Any] = {
            "sub": user,
            "email_verified": True,
            "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}",
            "cognito:username": user,
            "aud": CLIENT_ID,
            "event_id": str(uuid.uuid4()),
            "token_use": "id",
            "auth_time": now - 60,
            "exp": now + 3600,
            "iat": now - 60,
            "email": "owner@garage-auto.example",
        }
        claims.update(changes)
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "local"}), claims


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer()


@pytest.fixture
def gateway(signer: Signer, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Gateway, dict[str, RecordingPool]]]:
    specs = template.functions(template.load())
    pools = {spec.logical_id: RecordingPool() for spec in specs}
    authorizer = CognitoAuthorizer("http://127.0.0.1:9", REGION, POOL_ID, [CLIENT_ID])
    monkeypatch.setattr(authorizer._tokens, "_jwks", LocalKeys(signer.key.public_key()))
    front = Gateway(host="127.0.0.1", port=0, stage="v1", account=ACCOUNT)
    front.mount(
        routes=[route for spec in specs for route in spec.routes],
        pools=cast(dict[str, FunctionPool], pools),
        authorizer=authorizer,
        cors={},
        local_routes={},
    )
    try:
        yield front, pools
    finally:
        front.server.server_close()


def recorded(pools: dict[str, RecordingPool]) -> list[dict[str, Any]]:
    return [event for pool in pools.values() for event in pool.events]


def test_gateway_event_for_the_sample_request(gateway: tuple[Gateway, dict[str, RecordingPool]]) -> None:
    front, pools = gateway
    answer = front.handle(
        PROXY["httpMethod"],
        PROXY["path"],
        list(PROXY["headers"].items()),
        PROXY["body"].encode(),
        PROXY["requestContext"]["identity"]["sourceIp"],
    )
    assert answer.status == 200
    (event,) = recorded(pools)
    assert pools["DownloadFunction"].events == [event]
    assert shape_mismatches(PROXY, event) == []
    moment = datetime.strptime(event["requestContext"]["requestTime"], REQUEST_TIME)
    assert abs(moment.timestamp() - time.time()) < 120
    assert event["requestContext"]["requestTimeEpoch"] // 1000 == int(moment.timestamp())
    assert event["requestContext"]["apiId"] == front.api_id
    expected = without_request_ids(PROXY)
    actual = without_request_ids(event)
    for name in ("requestTime", "apiId"):
        expected["requestContext"].pop(name)
        actual["requestContext"].pop(name)
    assert actual == expected


def test_gateway_passes_cognito_claims_as_strings(
    gateway: tuple[Gateway, dict[str, RecordingPool]], signer: Signer
) -> None:
    front, pools = gateway
    token, raw = signer.id_token()
    headers = [*PROXY["headers"].items(), ("Authorization", f"Bearer {token}")]
    answer = front.handle("GET", "/vaults/v1/dossiers/d1?limit=5", headers, b"", "203.0.113.7")
    assert answer.status == 200, answer.body
    (event,) = recorded(pools)
    assert pools["VaultFunction"].events == [event]
    assert shape_mismatches(with_authorizer(PROXY), event) == []
    assert event["requestContext"]["authorizer"].keys() == AUTHORIZER.keys()

    claims = event["requestContext"]["authorizer"]["claims"]
    assert claims.keys() == AUTHORIZER["claims"].keys()
    assert all(isinstance(value, str) for value in claims.values()), claims
    for name in ("exp", "iat"):
        assert COGNITO_DATE_SHAPE.fullmatch(AUTHORIZER["claims"][name])  # the sample's own format
        assert COGNITO_DATE_SHAPE.fullmatch(claims[name]), claims[name]
        assert datetime.strptime(claims[name], COGNITO_DATE).replace(tzinfo=UTC).timestamp() == raw[name]
    assert claims["email_verified"] == "true"
    assert claims["auth_time"] == str(raw["auth_time"])
    assert claims["sub"] == raw["sub"] and claims["email"] == raw["email"]
    assert event["pathParameters"] == {"vaultId": "v1", "dossierId": "d1"}
    assert event["headers"]["Authorization"] == f"Bearer {token}"


@pytest.mark.parametrize(
    "case", ["missing", "garbage", "expired", "access-token", "other-audience", "other-issuer", "unsigned"]
)
def test_gateway_refuses_bad_tokens_before_any_function(
    gateway: tuple[Gateway, dict[str, RecordingPool]], signer: Signer, case: str
) -> None:
    front, pools = gateway
    now = int(time.time())
    token = {
        "missing": None,
        "garbage": "garbage",
        "expired": signer.id_token(exp=now - 10, iat=now - 3610)[0],
        "access-token": signer.id_token(token_use="access")[0],
        "other-audience": signer.id_token(aud="another-client")[0],
        "other-issuer": signer.id_token(iss=f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_Other")[0],
        "unsigned": jwt.encode(signer.id_token()[1], key="", algorithm="none"),
    }[case]
    headers = [("Accept", "application/json")]
    if token is not None:
        headers.append(("Authorization", f"Bearer {token}"))
    answer = front.handle("GET", "/vaults", headers, b"", "203.0.113.7")
    assert answer.status == 401, (case, answer.body)
    assert json.loads(answer.body)["error"] == "unauthorized"
    assert recorded(pools) == []


# ---------------------------------------------------------------- RouteTable


def route(path: str, method: str = "GET", function: str = "F") -> ApiRoute:
    return ApiRoute(function, path, method, authorized=True)


@pytest.mark.parametrize("reverse", [False, True], ids=["listed-first", "listed-last"])
def test_literal_beats_parameter(reverse: bool) -> None:
    routes = [route("/items/{id}"), route("/items/new")]
    table = RouteTable(routes[::-1] if reverse else routes)
    found, params, _ = table.match("GET", "/items/new")
    assert found is not None and found.path == "/items/new" and params == {}
    found, params, _ = table.match("GET", "/items/42")
    assert found is not None and found.path == "/items/{id}" and params == {"id": "42"}


@pytest.mark.parametrize("reverse", [False, True], ids=["listed-first", "listed-last"])
def test_literal_beats_parameter_segment_by_segment(reverse: bool) -> None:
    """API Gateway walks the resource tree: at the first segment where they differ, the literal wins."""
    routes = [route("/a/{x}/c"), route("/a/b/{y}")]
    table = RouteTable(routes[::-1] if reverse else routes)
    found, params, _ = table.match("GET", "/a/b/c")
    assert found is not None and found.path == "/a/b/{y}" and params == {"y": "c"}
    found, params, _ = table.match("GET", "/a/z/c")
    assert found is not None and found.path == "/a/{x}/c" and params == {"x": "z"}


@pytest.mark.parametrize("reverse", [False, True], ids=["listed-first", "listed-last"])
def test_parameter_beats_greedy_parameter(reverse: bool) -> None:
    routes = [route("/files/{proxy+}"), route("/files/{name}")]
    table = RouteTable(routes[::-1] if reverse else routes)
    found, params, _ = table.match("GET", "/files/report.pdf")
    assert found is not None and found.path == "/files/{name}" and params == {"name": "report.pdf"}
    found, params, _ = table.match("GET", "/files/2026/11/report.pdf")
    assert found is not None and found.path == "/files/{proxy+}" and params == {"proxy": "2026/11/report.pdf"}


def test_parameter_spans_one_segment_only() -> None:
    table = RouteTable([route("/items/{id}")])
    assert table.match("GET", "/items/1/2") == (None, {}, [])
    assert table.match("GET", "/items/") == (None, {}, [])
    assert table.match("GET", "/items") == (None, {}, [])


def test_trailing_slash() -> None:
    table = RouteTable([route("/vaults"), route("/items/{id}")])
    found, params, _ = table.match("GET", "/vaults/")
    assert found is not None and found.path == "/vaults" and params == {}
    found, params, _ = table.match("GET", "/items/42/")
    assert found is not None and params == {"id": "42"}
    assert table.match("GET", "/vaults//")[0] is None


def test_wrong_method_lists_the_resource_methods() -> None:
    table = RouteTable(
        [route("/vaults", "POST"), route("/vaults", "GET"), route("/vaults/{vaultId}", "DELETE"), route("/me")]
    )
    found, params, allowed = table.match("DELETE", "/vaults")
    assert found is None and params == {}
    assert allowed == ["GET", "POST"]
    found, params, allowed = table.match("GET", "/vaults/v1")
    assert found is None and params == {"vaultId": "v1"} and allowed == ["DELETE"]
    found, _, allowed = table.match("POST", "/vaults")
    assert found is not None and found.method == "POST" and allowed == ["GET", "POST"]
    assert table.match("GET", "/nowhere") == (None, {}, [])


def test_any_method() -> None:
    table = RouteTable([route("/hook", "ANY")])
    for method in ("GET", "POST", "PATCH", "DELETE"):
        found, _, _ = table.match(method, "/hook")
        assert found is not None and found.method == "ANY", method


def test_every_template_route_routes_to_itself() -> None:
    """No two routes of template.yaml shadow each other."""
    routes = [r for spec in template.functions(template.load()) for r in spec.routes]
    table = RouteTable(routes)
    for api_route in routes:
        concrete = re.sub(r"\{[^}]+\}", "x1", api_route.path)
        found, _, allowed = table.match(api_route.method, concrete)
        assert found == api_route, (api_route, found)
        assert api_route.method in allowed


# ---------------------------------------------------------------- map_response


def headers_of(answer: HttpAnswer) -> list[tuple[str, str]]:
    return sorted(answer.headers)


def test_map_response_merges_headers_as_api_gateway_does() -> None:
    answer = map_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "X-Both": "single"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-Both": ["m1", "m2"]},
            "body": '{"ok": "é"}',
            "isBase64Encoded": False,
        }
    )
    assert answer.status == 201
    assert headers_of(answer) == [
        ("Content-Type", "application/json"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("X-Both", "m1"),
        ("X-Both", "m2"),
    ]
    assert answer.body == '{"ok": "é"}'.encode()


def test_map_response_decodes_base64_bodies() -> None:
    content = b"%PDF-1.4\n\x00\xff\xfe binary"
    answer = map_response(
        {"statusCode": 200, "body": base64.b64encode(content).decode(), "isBase64Encoded": True, "headers": {}}
    )
    assert answer.status == 200 and answer.body == content


def test_map_response_without_body() -> None:
    for result in ({"statusCode": 204}, {"statusCode": 302, "headers": {"Location": "/x"}, "body": None}):
        answer = map_response(result)
        assert answer.status == result["statusCode"] and answer.body == b""


@pytest.mark.parametrize(
    "result",
    [
        None,
        "200",
        [],
        {},
        {"body": "{}"},
        {"statusCode": "200"},
        {"statusCode": 200.0},
        {"statusCode": True},
        {"statusCode": 200, "headers": ["Content-Type: text/plain"]},
        {"statusCode": 200, "multiValueHeaders": {"Set-Cookie": "a=1"}},
        {"statusCode": 200, "body": {"already": "json"}},
        {"statusCode": 200, "body": "%%% not base64 %%%", "isBase64Encoded": True},
        {"statusCode": 200, "body": "{}", "isBase64Encoded": "false"},
    ],
    ids=repr,
)
def test_malformed_answers_are_502(result: Any) -> None:
    answer = map_response(result)
    assert answer.status == 502
    assert json.loads(answer.body) == {"message": "Internal server error"}
