"""Pages and JSON for people without an account (recipients of links, invited guests).

One toolkit for every public function: each answer carries the security headers (the
resolver's own errors too: a URL holding a token must never leak by Referer, cache or
frame), errors are JSON for programs and a French page for browsers with the same status,
and a submitted field is read from a form or a JSON body alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.shared.cookies import Cookie

from vault_share.api.resolver import make_resolver, retry_headers
from vault_share.errors import DomainError, Unavailable
from vault_share.pages import SECURITY_HEADERS, page

FORM = "application/x-www-form-urlencoded"


class PublicSite:
    """A resolver for public routes, with the answers its pages need.

    `error_page` turns a domain error into the body of the page a browser gets."""

    def __init__(
        self, title: str, error_page: Callable[[DomainError], str], app: APIGatewayRestResolver | None = None
    ) -> None:
        # A function serving owner routes too passes its own resolver (CORS on for those).
        self.app: APIGatewayRestResolver = app or make_resolver(cors=False, validation=False)
        self._title = title
        self._error_page = error_page
        # AWS failing a request (the resolver's mapping): a page for browsers too.
        self.app.exception_handler(Unavailable)(self.error)

    # ---------------------------------------------------------------- the request

    def wants_html(self) -> bool:
        """Browsers ask for text/html first; API clients ask for JSON."""
        return "text/html" in (self.app.current_event.headers.get("Accept") or "")

    def field(self, name: str) -> Any:
        """A field of the body, sent as a form (browsers without JavaScript) or as a JSON object."""
        event = self.app.current_event
        content_type = (event.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        raw = event.decoded_body or ""
        try:
            if content_type == FORM:
                values = parse_qs(raw).get(name)
                return values[0] if values else None
            parsed = json.loads(raw)
        except ValueError:
            return None
        return parsed.get(name) if isinstance(parsed, dict) else None

    def cookie(self, name: str) -> str | None:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.app.current_event.headers.get("Cookie") or "")
        except CookieError:
            return None
        morsel = jar.get(name)
        return morsel.value if morsel is not None else None

    # ---------------------------------------------------------------- the answer

    def json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
        return Response(
            status_code=status,
            content_type="application/json",
            body=body,
            headers={**SECURITY_HEADERS, **(headers or {})},
        )

    def page(
        self, status: int, body_html: str, cookies: list[Cookie] | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        """A whole French page; `body_html` must already be escaped."""
        return Response(
            status_code=status,
            content_type="text/html; charset=utf-8",
            body=page(self._title, body_html),
            headers={**SECURITY_HEADERS, **(headers or {})},
            cookies=cookies,
        )

    def redirect(self, location: str) -> Response:
        return Response(status_code=302, headers={**SECURITY_HEADERS, "Location": location}, body="")

    def see_other(self, location: str) -> Response:
        """303 after a form's POST: the browser GETs `location` (relative to the request's URL)."""
        return Response(status_code=303, headers={**SECURITY_HEADERS, "Location": location}, body="")

    def error(self, exc: DomainError) -> Response:
        """JSON for programs, a page for people; same status either way."""
        if self.wants_html():
            return self.page(exc.status, self._error_page(exc), headers=retry_headers(exc))
        return self.json(exc.status, {"error": exc.code, "message": exc.message, **exc.extra}, retry_headers(exc))

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        return secured(self.app.resolve(event, context))


def secured(answer: dict[str, Any]) -> dict[str, Any]:
    """The security headers on an answer that lacks them (the resolver's own errors)."""
    headers = answer.setdefault("multiValueHeaders", {})
    present = {name.lower() for name in (*headers, *(answer.get("headers") or {}))}
    for name, value in SECURITY_HEADERS.items():
        if name.lower() not in present:
            headers[name] = [value]
    return answer
