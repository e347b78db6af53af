"""The Cognito user-pool authorizer of API Gateway, emulated for real.

The bearer ID token is verified against the embedded user pool's JWKS
(signature, expiry, issuer, audience, token use); its claims then reach the
function as API Gateway passes them: every value a string.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jwt


class AuthorizationError(Exception):
    pass


class CognitoAuthorizer:
    def __init__(self, aws_endpoint: str, region: str, user_pool_id: str, client_ids: list[str]) -> None:
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self.client_ids = client_ids
        self._jwks = jwt.PyJWKClient(f"{aws_endpoint}/{user_pool_id}/.well-known/jwks.json", cache_keys=True)

    def claims(self, authorization: str | None) -> dict[str, str]:
        """The claims of a valid `Authorization` header value, as API Gateway passes them."""
        if not authorization:
            raise AuthorizationError("missing token")
        # API Gateway's Cognito authorizer accepts the raw token or "Bearer <token>".
        token = authorization.removeprefix("Bearer ").strip()
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self.client_ids,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "aud", "iss", "token_use"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthorizationError(type(exc).__name__) from None
        if claims.get("token_use") != "id":
            raise AuthorizationError("not an id token")
        return {name: _as_string(name, value) for name, value in claims.items()}


def _as_string(name: str, value: Any) -> str:
    if name in ("exp", "iat"):
        return datetime.fromtimestamp(int(value), UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
