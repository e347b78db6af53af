"""The Cognito user-pool authorizer of API Gateway, emulated for real.

The bearer ID token is verified against the embedded user pool's JWKS
(signature, expiry, issuer, audience, token use); its claims then reach the
function as API Gateway passes them: every value a string.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vault_share.adapters.id_tokens import IdTokens, InvalidToken, jwks_url


class AuthorizationError(Exception):
    pass


class CognitoAuthorizer:
    def __init__(self, aws_endpoint: str, region: str, user_pool_id: str, client_ids: list[str]) -> None:
        self._tokens = IdTokens(jwks_url(region, user_pool_id, aws_endpoint), region, user_pool_id, client_ids)
        self.issuer = self._tokens.issuer
        self.client_ids = client_ids

    def claims(self, authorization: str | None) -> dict[str, str]:
        """The claims of a valid `Authorization` header value, as API Gateway passes them.
        API Gateway's Cognito authorizer accepts the raw token or "Bearer <token>"."""
        try:
            claims = self._tokens.verify(authorization)
        except InvalidToken as exc:
            raise AuthorizationError(str(exc)) from None
        return {name: _as_string(name, value) for name, value in claims.items()}


def _as_string(name: str, value: Any) -> str:
    if name in ("exp", "iat"):
        return datetime.fromtimestamp(int(value), UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
