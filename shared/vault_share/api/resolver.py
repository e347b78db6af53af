"""One place that turns domain outcomes into HTTP answers.

Every handler builds its resolver here so that errors, validation failures,
body limits, CORS and cache headers behave the same on every route.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from botocore.awsrequest import AWSResponse
from botocore.exceptions import BotoCoreError, ClientError
from botocore.retries.standard import RetryContext, ThrottledRetryableChecker, TransientRetryableChecker

from vault_share.errors import DomainError, Unavailable
from vault_share.settings import get_settings

# Bodies are small JSON documents; files go straight to S3.
MAX_BODY_BYTES = 64 * 1024
# No body of the contract nests deeper than a few levels; Python's parser recurses once a level.
MAX_JSON_DEPTH = 32

logger = Logger(child=True)

NO_STORE = {"Cache-Control": "no-store"}


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers={**NO_STORE, **(headers or {})},
    )


def error_response(http_status: int, code: str, message: str, /, **extra: Any) -> Response:
    return json_response(http_status, {"error": code, "message": message, **extra})


def _body_size(app: APIGatewayRestResolver) -> int:
    """Size in bytes of the body as the client sent it (not in characters, not base64)."""
    body = app.current_event.body
    if not body:
        return 0
    if app.current_event.is_base64_encoded:
        return len(body) // 4 * 3 - body[-2:].count("=")
    return len(body.encode("utf-8"))


# A string (escapes included, closing quote optional) or one bracket: what a depth count needs.
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


def too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text nests arrays and objects deeper than `limit`: one linear scan, brackets
    inside strings ignored, that never recurses (the parser would, and fail with RecursionError)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for token in _JSON_TOKENS.finditer(text):
        char = text[token.start()]
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth = max(depth - 1, 0)
    return False


def _json_loads(text: str) -> Any:
    """The resolver's JSON parser (Powertools' validation reads the body through it)."""
    if too_deep(text):
        raise json.JSONDecodeError("nested too deeply", text, 0)
    return json.loads(text)


def _content_type(app: APIGatewayRestResolver) -> str:
    return (app.current_event.headers.get("content-type") or "").strip().lower()


def _is_json(app: APIGatewayRestResolver) -> bool:
    content_type = _content_type(app)
    return not content_type or content_type.startswith("application/json")


def _is_form(app: APIGatewayRestResolver) -> bool:
    return _content_type(app).startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def _nested_too_deep(app: APIGatewayRestResolver) -> bool:
    """Any body but a form may reach a JSON parser (a route may read it itself): checked first."""
    if not app.current_event.body or _is_form(app):
        return False
    try:
        text = app.current_event.decoded_body or ""
    except (ValueError, UnicodeDecodeError):  # not base64 or not UTF-8: not JSON either
        return False
    return too_deep(text)


def _body_problem(app: APIGatewayRestResolver) -> Response | None:
    """What is wrong with the body whatever the route expects: 413 if too big, 400 if nested too
    deeply or, for a JSON body, if not a JSON object. (Powertools would take `[{...}]` for its
    first element.) Runs before any route."""
    if _body_size(app) > MAX_BODY_BYTES:
        return error_response(413, "payload_too_large", "Requête trop volumineuse.")
    if _nested_too_deep(app):
        return error_response(
            400, "invalid_json", f"Le corps de la requête est trop imbriqué (au plus {MAX_JSON_DEPTH} niveaux)."
        )
    if app.current_event.body and _is_json(app):
        try:
            body = app.current_event.json_body
        except (ValueError, UnicodeDecodeError):  # JSONDecodeError is a ValueError
            return _invalid_json()
        if not isinstance(body, dict):
            return _invalid_json()
    return None


# ---------------------------------------------------------------- AWS failing a request

# What a client should wait before sending again a request AWS failed (botocore already retried it).
RETRY_AFTER_SECONDS = 2
# DynamoDB's reasons for cancelling a transaction that may pass when sent again.
_TRANSIENT_CANCELLATIONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"})
_THROTTLED = ThrottledRetryableChecker()
_TRANSIENT = TransientRetryableChecker()


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what it wraps: Python's chain (as a traceback shows it) and PynamoDB's `cause`."""
    pending: list[BaseException | None] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.append(current.__cause__)
        if not current.__suppress_context__:
            pending.append(current.__context__)
        cause = getattr(current, "cause", None)
        pending.append(cause if isinstance(cause, BaseException) else None)


def _transient(error: BaseException) -> bool:
    """What botocore's standard retry mode retries (its own lists): throttling, timeouts, lost
    connections and 5xx; and a DynamoDB transaction cancelled by throttling or a conflict."""
    if isinstance(error, ClientError):
        response: dict[str, Any] = dict(error.response)
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        http = AWSResponse("", status, {}, None) if isinstance(status, int) else None
        context = RetryContext(attempt_number=1, parsed_response=response, http_response=http)
        reasons = {reason.get("Code") for reason in response.get("CancellationReasons") or []}
        return (
            _THROTTLED.is_retryable(context)
            or _TRANSIENT.is_retryable(context)
            or bool(reasons & _TRANSIENT_CANCELLATIONS)
        )
    if isinstance(error, BotoCoreError):
        return bool(_TRANSIENT.is_retryable(RetryContext(attempt_number=1, caught_exception=error)))
    return False


def aws_unavailable(exc: BaseException) -> bool:
    """Whether `exc` is, or wraps (PynamoDB, Powertools idempotency), AWS failing
    for a moment: the request is not at fault and the same one may pass if sent again."""
    return any(_transient(cause) for cause in _causes(exc))


def _aws_code(exc: BaseException) -> str | None:
    for cause in _causes(exc):
        if isinstance(cause, ClientError):
            return str(cause.response.get("Error", {}).get("Code"))
        if isinstance(cause, BotoCoreError):
            return type(cause).__name__
    return None


def retry_headers(exc: DomainError) -> dict[str, str]:
    """Retry-After on a 503 (the same request may be sent again in a moment), and on an error that
    says when to retry (`retryAfterSeconds`: a 429)."""
    if exc.status == 503:
        return {"Retry-After": str(RETRY_AFTER_SECONDS)}
    after = exc.extra.get("retryAfterSeconds")
    return {"Retry-After": str(after)} if isinstance(after, int) else {}


def _on_domain_error(exc: DomainError) -> Response:
    return json_response(exc.status, {"error": exc.code, "message": exc.message, **exc.extra}, retry_headers(exc))


def _invalid_json() -> Response:
    return error_response(400, "invalid_json", "Le corps de la requête doit être un objet JSON valide.")


# French text per pydantic error type; `{name}` comes from the error's context, never from the input.
_FIELD_MESSAGES = {
    "missing": "Champ obligatoire.",
    "extra_forbidden": "Champ inconnu.",
    "string_type": "Doit être une chaîne de caractères.",
    "string_unicode": "Texte non valide : caractère hors Unicode.",
    "string_too_short": "Trop court : au moins {min_length} caractère(s).",
    "string_too_long": "Trop long : au plus {max_length} caractères.",
    "string_pattern_mismatch": "Format non accepté.",
    "int_type": "Doit être un nombre entier.",
    "int_parsing": "Doit être un nombre entier.",
    "int_from_float": "Doit être un nombre entier.",
    "bool_type": "Doit valoir true ou false.",
    "bool_parsing": "Doit valoir true ou false.",
    "greater_than": "Doit être supérieur à {gt}.",
    "greater_than_equal": "Doit être supérieur ou égal à {ge}.",
    "less_than": "Doit être inférieur à {lt}.",
    "less_than_equal": "Doit être inférieur ou égal à {le}.",
    "model_type": "Doit être un objet JSON.",
    "model_attributes_type": "Doit être un objet JSON.",
    "dict_type": "Doit être un objet JSON.",
    "list_type": "Doit être une liste.",
    "too_short": "Pas assez d'éléments : au moins {min_length}.",
    "too_long": "Trop d'éléments : au plus {max_length}.",
}


def _field_message(error: Any) -> str:
    kind, ctx = error.get("type"), error.get("ctx") or {}
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return "Valeur non autorisée" + (f" ; valeurs possibles : {', '.join(allowed)}." if allowed else ".")
    if kind == "value_error" and isinstance(ctx.get("error"), ValueError):
        # Our validators raise ValueError with a French sentence (see vault_share.contact).
        text = str(ctx["error"]).strip().rstrip(".")
        return f"{text[:1].upper()}{text[1:]}." if text else "Valeur non acceptée."
    template = _FIELD_MESSAGES.get(str(kind))
    if template is None:
        return "Valeur non acceptée."
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return "Valeur non acceptée."


def _on_validation_error(exc: RequestValidationError) -> Response:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors) or any(
        e.get("type") in ("model_attributes_type", "model_type") and tuple(e.get("loc", ())) == ("body",)
        for e in errors
    ):
        return _invalid_json()
    # loc, type and our own text only: input values may hold codes or passwords.
    fields = [
        {"field": ".".join(str(part) for part in e.get("loc", ())), "type": e.get("type"), "message": _field_message(e)}
        for e in errors
    ]
    return error_response(422, "validation_error", "Données invalides.", fields=fields)


def _on_not_found(_exc: NotFoundError) -> Response:
    return error_response(404, "not_found", "Ressource introuvable.")


def _on_unexpected(exc: Exception) -> Response:
    logger.exception("unhandled error", extra={"error_type": type(exc).__name__})
    return error_response(500, "internal_error", "Une erreur interne est survenue.")


def make_resolver(*, cors: bool = True, validation: bool = True) -> APIGatewayRestResolver:
    """A REST (payload 1.0) resolver with the project's error shapes, and Powertools' request
    validation unless `validation` is False: the recipients' functions read their few fields
    themselves (api.public), and validation would import pydantic into their cold start."""
    cors_config = None
    if cors:
        cors_config = CORSConfig(
            allow_origin=get_settings().frontend_origin,
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            max_age=600,
        )
    app = APIGatewayRestResolver(
        enable_validation=validation,
        cors=cors_config,
        serializer=partial(json.dumps, separators=(",", ":"), ensure_ascii=False),
        json_body_deserializer=_json_loads,
    )

    # Powertools validates the request before any middleware runs: the body checks run in the
    # middleware (valid requests) and again when validation or decoding fails, so that an
    # oversized or non-object body gets the same answer whatever it holds.
    def check_body(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
        return _body_problem(app) or next_middleware(app)

    def on_validation_error(exc: RequestValidationError) -> Response:
        return _body_problem(app) or _on_validation_error(exc)

    def on_undecodable_body(_exc: UnicodeDecodeError) -> Response:
        # A body that is not UTF-8 (API Gateway passes it base64-encoded) cannot be JSON.
        return _body_problem(app) or _invalid_json()

    def on_unsupported_media_type(_exc: Exception) -> Response:
        return _body_problem(app) or error_response(
            415, "unsupported_media_type", "Type de contenu non pris en charge : envoyez du JSON."
        )

    def on_unexpected(exc: Exception) -> Response:
        if not aws_unavailable(exc):
            return _on_unexpected(exc)
        # Types and codes only: AWS's messages may quote the request.
        logger.warning("AWS unavailable", extra={"error_type": type(exc).__name__, "aws_error": _aws_code(exc)})
        # Answered as the route's own 503 would be (a public site renders it as a page for browsers).
        handler = app.exception_handler_manager.lookup_exception_handler(Unavailable) or _on_domain_error
        answer: Response = handler(Unavailable())
        return answer

    def on_value_error(exc: ValueError) -> Response:
        # Powertools' validation parses a multipart body before any route and raises a bare
        # ValueError when its Content-Type names no boundary: not a form it can read.
        content_type = _content_type(app)
        if content_type.startswith("multipart/form-data") and "boundary=" not in content_type:
            return on_unsupported_media_type(exc)
        return on_unexpected(exc)

    app.use(middlewares=[check_body])
    handlers: list[tuple[type[Exception], Callable[[Any], Response]]] = [
        (DomainError, _on_domain_error),
        (RequestValidationError, on_validation_error),
        (RequestUnsupportedContentType, on_unsupported_media_type),
        (UnicodeDecodeError, on_undecodable_body),
        (ValueError, on_value_error),
        (NotFoundError, _on_not_found),
        (Exception, on_unexpected),
    ]
    for exc_class, handler in handlers:
        app.exception_handler(exc_class)(handler)
    return app
