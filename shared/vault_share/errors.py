"""Domain errors. `api.resolver` maps each to its HTTP answer in one place.

Messages are French (they reach users) and never carry a secret.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"
    message = "Requête invalide."

    def __init__(self, message: str | None = None, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        if code:
            self.code = code
        self.extra = extra


class BadRequest(DomainError):
    pass


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    message = "Authentification requise."


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message = "Action non autorisée."


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = "Ressource introuvable."


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = "Conflit avec l'état actuel."


class Gone(DomainError):
    status = 410
    code = "gone"
    message = "Cette ressource n'est plus disponible."


class Unprocessable(DomainError):
    status = 422
    code = "validation_error"
    message = "Données invalides."


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"
    message = "Trop de demandes : réessayez plus tard."


class Unavailable(DomainError):
    """A service this request needs failed; nothing was consumed, the same request may be retried."""

    status = 503
    code = "unavailable"
    message = "Service momentanément indisponible : réessayez dans un instant."
