"""The caller, as the Cognito authorizer describes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vault_share.errors import Unauthorized


@dataclass(frozen=True)
class Caller:
    user_id: str
    email: str


def caller_from_event(event: Any) -> Caller:
    """Read `requestContext.authorizer.claims` (all strings, as API Gateway passes them).

    API Gateway rejects unauthenticated requests before the function runs;
    this check is the second line, for a route wired without the authorizer.
    """
    context = event.get("requestContext") or {}
    claims = (context.get("authorizer") or {}).get("claims") or {}
    sub, email, token_use = claims.get("sub"), claims.get("email"), claims.get("token_use")
    if not sub or not email or token_use != "id":  # noqa: S105 (a claim value, not a secret)
        raise Unauthorized()
    return Caller(user_id=sub, email=email.lower())
