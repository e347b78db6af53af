"""Recipient side of one-time links: page, unlock (the one consuming step), file redirects.

GET and HEAD never change anything: e-mail scanners fetch links.

No Powertools Tracer here: importing the X-Ray SDK costs this hot path about
a third of its cold start, and `Tracing: Active` still traces the invocation.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from vault_share.adapters.documents import default_store as default_documents
from vault_share.api.resolver import make_resolver
from vault_share.errors import BadRequest, DomainError, Gone, NotFound
from vault_share.links import pages, recipient
from vault_share.links.rules import WrongCode, link_gone, link_not_found
from vault_share.links.store import Link, default_store
from vault_share.pages import SECURITY_HEADERS, html_response, wants_html

logger = Logger()
app = make_resolver(cors=False)

CODE_LENGTH = 6


def _json(status: int, body: Any) -> Response:
    return Response(status_code=status, content_type="application/json", body=body, headers=dict(SECURITY_HEADERS))


def _html() -> bool:
    return wants_html(app.current_event.headers.get("Accept"))


def _error(exc: DomainError, link: Link | None = None) -> Response:
    """JSON for programs, a page for people; same status either way."""
    if not _html():
        return _json(exc.status, {"error": exc.code, "message": exc.message, **exc.extra})
    if isinstance(exc, WrongCode) and link is not None:
        body = pages.code_form(link, "Code incorrect.", exc.extra.get("attemptsLeft"))
    elif isinstance(exc, BadRequest) and link is not None:
        body = pages.bad_code_format(link)
    elif isinstance(exc, Gone) and "status" in exc.extra:
        body = pages.gone(exc.extra["status"])
    elif isinstance(exc, Gone):
        body = pages.download_unavailable()
    else:
        body = pages.not_found()
    return html_response(exc.status, pages.TITLE, body)


def _plausible(token: str) -> bool:
    return 20 <= len(token) <= 100


@app.route("/share/<token>", method=["GET", "HEAD"])
def show(token: str) -> Any:
    try:
        if not _plausible(token):
            raise link_not_found()
        link, status = recipient.view(token, default_store())
        if status != "active":
            raise link_gone(status)
    except DomainError as exc:
        return _error(exc)
    if _html():
        return html_response(200, pages.TITLE, pages.code_form(link))
    return _json(200, recipient.summary(link, status))


def _submitted_code() -> str:
    event = app.current_event
    content_type = (event.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    raw = event.decoded_body or ""
    code: Any = None
    try:
        if content_type == "application/x-www-form-urlencoded":
            code = (parse_qs(raw).get("code") or [None])[0]
        else:
            parsed = json.loads(raw)
            code = parsed.get("code") if isinstance(parsed, dict) else None
    except ValueError:
        code = None
    if not isinstance(code, str) or len(code) != CODE_LENGTH or not code.isascii() or not code.isdigit():
        raise BadRequest("Le code doit comporter exactement 6 chiffres.", code="invalid_code")
    return code


@app.post("/share/<token>")
def unlock(token: str) -> Any:
    store = default_store()
    link: Link | None = None
    try:
        if not _plausible(token):
            raise link_not_found()
        try:
            code = _submitted_code()
        except BadRequest:
            # A malformed code changes nothing; browsers get the form back.
            link = recipient.find(token, store) if _html() else None
            raise
        unlocked = recipient.unlock(token, code, store)
    except WrongCode as exc:
        return _error(exc, exc.link)
    except DomainError as exc:
        return _error(exc, link)
    answer = recipient.unlocked_json(token, unlocked)
    if _html():
        return html_response(200, pages.TITLE, pages.downloads(answer["documents"], answer["downloadsExpireAt"]))
    return _json(200, answer)


@app.get("/share/<token>/files/<documentId>")
def fetch(token: str, documentId: str) -> Any:  # noqa: N803
    grant = app.current_event.query_string_parameters.get("grant") or ""
    try:
        if not _plausible(token) or not grant:
            raise NotFound("Téléchargement introuvable.", code="download_not_found")
        url = recipient.fetch(token, documentId, grant, default_store(), default_documents())
    except DomainError as exc:
        return _error(exc)
    return Response(status_code=302, headers={**SECURITY_HEADERS, "Location": url}, body="")


def _secured(answer: dict[str, Any]) -> dict[str, Any]:
    """Every answer under /share carries the page headers, the resolver's own errors
    (invalid JSON, oversized body, unknown route) included: a URL holding a token must
    never leak by Referer, cache or frame."""
    headers = answer.setdefault("multiValueHeaders", {})
    present = {name.lower() for name in (*headers, *(answer.get("headers") or {}))}
    for name, value in SECURITY_HEADERS.items():
        if name.lower() not in present:
            headers[name] = [value]
    return answer


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _secured(app.resolve(event, context))
