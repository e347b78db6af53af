"""API Gateway REST (payload 1.0) proxy events and the mapping of their answers.

Shapes follow tests/events/apigw-rest-proxy.json exactly; tests compare them.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from devstack.template import ApiRoute

_PARAM = re.compile(r"\{([^}+]+)(\+?)\}")


# Precedence of a path segment: API Gateway prefers a literal to a parameter, and a parameter to a greedy one.
_LITERAL, _PARAMETER, _GREEDY = 0, 1, 2


def _segment_kind(segment: str) -> int:
    if segment.startswith("{") and segment.endswith("+}"):
        return _GREEDY
    return _PARAMETER if segment.startswith("{") else _LITERAL


@dataclass(frozen=True)
class CompiledRoute:
    route: ApiRoute
    pattern: re.Pattern[str]
    precedence: tuple[int, ...]

    @classmethod
    def of(cls, route: ApiRoute) -> CompiledRoute:
        regex, position = "", 0
        for match in _PARAM.finditer(route.path):
            regex += re.escape(route.path[position : match.start()])
            regex += f"(?P<{match.group(1)}>.+)" if match.group(2) else f"(?P<{match.group(1)}>[^/]+)"
            position = match.end()
        regex += re.escape(route.path[position:])
        precedence = tuple(_segment_kind(seg) for seg in route.path.split("/") if seg)
        return cls(route, re.compile(f"^{regex}/?$"), precedence)


class RouteTable:
    """Matches a path to its resource as API Gateway walks its resource tree.

    Segment by segment from the left, a literal wins over a parameter and a parameter over a
    greedy `{name+}`: sorting the routes by their segment kinds, lexicographically, tries them
    in that order.
    """

    def __init__(self, routes: list[ApiRoute]) -> None:
        self._routes = sorted((CompiledRoute.of(r) for r in routes), key=lambda c: c.precedence)

    def match(self, method: str, path: str) -> tuple[ApiRoute | None, dict[str, str], list[str]]:
        """(route, path parameters, methods allowed on that resource).

        `path` is the path as sent, and the parameters are its segments as sent, percent-encoding
        kept: that is what API Gateway REST puts in `path` and `pathParameters` (a live capture:
        `/capture/space%20value` gives `{"proxy": "capture/space%20value"}`; `a%2Fb` is one segment,
        `+` stays `+`). HTTP APIs decode both; REST APIs decode only the query string.
        """
        for compiled in self._routes:
            found = compiled.pattern.match(path)
            if not found:
                continue
            resource = compiled.route.path
            allowed = sorted({c.route.method for c in self._routes if c.route.path == resource})
            for candidate in self._routes:
                if candidate.route.path == resource and candidate.route.method in (method, "ANY"):
                    return candidate.route, found.groupdict(), allowed
            return None, found.groupdict(), allowed
        return None, {}, []


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]] | None:
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out or None


def _single(multi: dict[str, list[str]] | None) -> dict[str, str] | None:
    return {name: values[-1] for name, values in multi.items()} if multi else None


def build_event(
    *,
    route: ApiRoute,
    path: str,
    path_parameters: dict[str, str],
    method: str,
    query: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    stage: str,
    api_id: str,
    account: str,
    claims: dict[str, str] | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    request_id = str(uuid.uuid4())
    multi_headers = _multi(headers)
    multi_query = _multi(parse_qsl(query, keep_blank_values=True))
    user_agent = next((v for k, v in headers if k.lower() == "user-agent"), None)
    host = next((v for k, v in headers if k.lower() == "host"), f"{api_id}.execute-api.local")
    text_body: str | None
    is_base64 = False
    if not body:
        text_body = None
    else:
        try:
            text_body = body.decode("utf-8")
        except UnicodeDecodeError:
            text_body, is_base64 = base64.b64encode(body).decode("ascii"), True
    request_context: dict[str, Any] = {
        "accountId": account,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0],
        "extendedRequestId": request_id,
        "httpMethod": method,
        "identity": {
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "sourceIp": source_ip,
            "user": None,
            "userAgent": user_agent,
            "userArn": None,
        },
        "path": f"/{stage}{path}",
        "protocol": "HTTP/1.1",
        "requestId": request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "resourceId": format(abs(hash(route.path)) % 0xFFFFFF, "06x"),
        "resourcePath": route.path,
        "stage": stage,
    }
    if claims is not None:
        request_context["authorizer"] = {"claims": claims}
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": method,
        "headers": _single(multi_headers),
        "multiValueHeaders": multi_headers,
        "queryStringParameters": _single(multi_query),
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": request_context,
        "body": text_body,
        "isBase64Encoded": is_base64,
    }


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _well_formed(result: Any) -> bool:
    """The Lambda proxy answer's contract: what API Gateway refuses ("Malformed Lambda proxy response")."""
    if not isinstance(result, dict):
        return False
    status = result.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        return False
    headers, multi = result.get("headers"), result.get("multiValueHeaders")
    if headers is not None and not isinstance(headers, dict):
        return False
    if multi is not None and (
        not isinstance(multi, dict) or not all(isinstance(values, list) for values in multi.values())
    ):
        return False
    body, encoded = result.get("body"), result.get("isBase64Encoded", False)
    return (body is None or isinstance(body, str)) and isinstance(encoded, bool)


def map_response(result: Any) -> HttpAnswer:
    """A Lambda proxy answer as API Gateway turns it into HTTP; malformed answers are a 502."""
    if not _well_formed(result):
        return bad_gateway()
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    for name, value in (result.get("headers") or {}).items():
        if name not in multi:
            headers.append((name, str(value)))
    for name, values in multi.items():
        headers.extend((name, str(v)) for v in values)
    raw = result.get("body") or ""
    if result.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw, validate=True)
        except ValueError:  # binascii.Error
            return bad_gateway()
    else:
        body = raw.encode("utf-8")
    return HttpAnswer(result["statusCode"], headers, body)


def bad_gateway() -> HttpAnswer:
    return HttpAnswer(502, [("Content-Type", "application/json")], b'{"message": "Internal server error"}')
