"""Cognito ID tokens verified the way API Gateway's user-pool authorizer does: signature against
the pool's JWKS, expiry, issuer, audience, token use. For a public route that an account holder may
also call signed in (accepting an invitation into an existing account), and for the local stack's
authorizer.

PyJWT (with `cryptography`) checks the RS256 signature and the registered claims; the JWKS is
fetched once and cached per container. Both are imported on the first token to verify: importing
them (`cryptography` mostly) costs a cold start about 100 ms that most requests never need.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jwt


class InvalidToken(Exception):
    pass


def jwks_url(region: str, user_pool_id: str, aws_endpoint: str | None = None) -> str:
    """Where the pool publishes its keys: Cognito's, or the embedded AWS's locally."""
    base = aws_endpoint.rstrip("/") if aws_endpoint else f"https://cognito-idp.{region}.amazonaws.com"
    return f"{base}/{user_pool_id}/.well-known/jwks.json"


class IdTokens:
    def __init__(self, jwks: str, region: str, user_pool_id: str, client_ids: list[str]) -> None:
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self.client_ids = client_ids
        self._jwks_url = jwks
        self._jwks: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()

    def _keys(self) -> jwt.PyJWKClient:
        with self._lock:
            if self._jwks is None:
                import jwt

                self._jwks = jwt.PyJWKClient(self._jwks_url, cache_keys=True)
            return self._jwks

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """The claims of a valid ID token (`Bearer <token>` or the raw token); InvalidToken otherwise."""
        if not authorization:
            raise InvalidToken("missing token")
        token = authorization.removeprefix("Bearer ").strip()
        keys = self._keys()
        import jwt

        try:
            key = keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self.client_ids,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "aud", "iss", "token_use"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(type(exc).__name__) from None
        if claims.get("token_use") != "id":
            raise InvalidToken("not an id token")
        return claims
