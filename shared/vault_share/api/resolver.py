"""One place that turns domain outcomes into HTTP answers.

Every handler builds its resolver here so that errors, validation failures,
body limits, CORS and cache headers behave the same on every route.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from vault_share.errors import DomainError
from vault_share.settings import get_settings

# Bodies are small JSON documents; files go straight to S3.
MAX_BODY_BYTES = 64 * 1024

logger = Logger(child=True)

NO_STORE = {"Cache-Control": "no-store"}


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers={**NO_STORE, **(headers or {})},
    )


def error_response(status: int, code: str, message: str, **extra: Any) -> Response:
    return json_response(status, {"error": code, "message": message, **extra})


def _limit_body(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    body = app.current_event.body
    if body and len(body) > MAX_BODY_BYTES:
        return error_response(413, "payload_too_large", "Requête trop volumineuse.")
    return next_middleware(app)


def _on_domain_error(exc: DomainError) -> Response:
    return error_response(exc.status, exc.code, exc.message, **exc.extra)


def _on_validation_error(exc: RequestValidationError) -> Response:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors) or any(
        e.get("type") == "model_attributes_type" and tuple(e.get("loc", ())) == ("body",) for e in errors
    ):
        return error_response(400, "invalid_json", "Le corps de la requête doit être un objet JSON valide.")
    # loc and type only: input values may hold codes or passwords.
    fields = [
        {"field": ".".join(str(part) for part in e.get("loc", ())), "type": e.get("type"), "message": e.get("msg")}
        for e in errors
    ]
    return error_response(422, "validation_error", "Données invalides.", fields=fields)


def _on_not_found(_exc: NotFoundError) -> Response:
    return error_response(404, "not_found", "Ressource introuvable.")


def _on_unexpected(exc: Exception) -> Response:
    logger.exception("unhandled error", extra={"error_type": type(exc).__name__})
    return error_response(500, "internal_error", "Une erreur interne est survenue.")


def make_resolver(*, cors: bool = True) -> APIGatewayRestResolver:
    """A REST (payload 1.0) resolver with validation and the project's error shapes."""
    cors_config = None
    if cors:
        cors_config = CORSConfig(
            allow_origin=get_settings().frontend_origin,
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            max_age=600,
        )
    app = APIGatewayRestResolver(
        enable_validation=True,
        cors=cors_config,
        serializer=partial(json.dumps, separators=(",", ":"), ensure_ascii=False),
    )
    app.use(middlewares=[_limit_body])
    handlers: list[tuple[type[Exception], Callable[[Any], Response]]] = [
        (DomainError, _on_domain_error),
        (RequestValidationError, _on_validation_error),
        (NotFoundError, _on_not_found),
        (Exception, _on_unexpected),
    ]
    for exc_class, handler in handlers:
        app.exception_handler(exc_class)(handler)
    return app
