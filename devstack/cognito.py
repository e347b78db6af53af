"""Cognito operations the console's Amplify calls and moto lacks, answered as Cognito answers them.

- `GetTokensFromRefreshToken`: Amplify v6 refreshes its tokens with it (Cognito's refresh API since
  2025). moto knows only the older `InitiateAuth` with `REFRESH_TOKEN_AUTH`, which gives the same
  tokens for a refresh token it issued and refuses a revoked or unknown one: it is answered so.
- `RevokeToken`: Amplify's sign-out revokes the refresh token. moto answers it with a 500 (and no
  CORS header, so the browser reports a blocked call). Here the token stops refreshing, as in
  Cognito; an unknown token is accepted, as RFC 7009 and Cognito do.
- The authenticator app (TOTP MFA). moto takes any code unless `MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP`
  is true, and then checks it against one secret for every account, `asdfasdfasdf` (60 bits, lower
  case: an app such as Google Authenticator refuses it as too short). Here the codes are checked, and
  `AssociateSoftwareToken` gives each account a secret of its own, 160 random bits in base32 as
  Cognito's; `VerifySoftwareToken` checks the code against it and, once verified, so does the
  `SOFTWARE_TOKEN_MFA` challenge at sign-in. A wrong code is refused with CodeMismatchException.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from moto.cognitoidp import models
from moto.cognitoidp.models import cognitoidp_backends
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult

from devstack.isolation import Undo, patch


def _pools() -> Iterator[tuple[Any, Any]]:
    """(backend, pool) for every user pool: Amplify's calls are unsigned, the region is not known."""
    for backends in cognitoidp_backends.values():
        for region, backend in backends.items():
            for pool in backend.user_pools.values() if region != "global" else ():
                yield backend, pool


def _revoke_token(self: CognitoIdpResponse) -> ActionResult:
    # Sent unsigned, as Amplify sends it: every pool is looked at (as moto's region-agnostic operations do).
    token, client_id = self._get_param("Token"), self._get_param("ClientId")
    for _backend, pool in _pools():
        issued = pool.refresh_tokens.get(token)
        if issued and issued[0] == client_id:
            pool.refresh_tokens[token] = None  # what moto's GlobalSignOut keeps for a revoked token
    return ActionResult({})


def _get_tokens_from_refresh_token(self: CognitoIdpResponse) -> ActionResult:
    parameters = {"REFRESH_TOKEN": self._get_param("RefreshToken")}
    result = self._get_region_agnostic_backend().initiate_auth(
        self._get_param("ClientId"), "REFRESH_TOKEN_AUTH", parameters
    )
    return ActionResult(result)


# ------------------------------------------------------------------ the authenticator app's secret

# Per account (pool id, username): the secret being set up, and the one verified.
_pending: dict[tuple[str, str], str] = {}
_verified: dict[tuple[str, str], str] = {}
# The secret moto's code check uses in this request (moto's server answers each in a thread).
_checking = threading.local()


def _account(response: CognitoIdpResponse) -> tuple[str, str] | None:
    """Whose request this is: by its access token, or by its sign-in session."""
    token, session = response._get_param("AccessToken"), response._get_param("Session")
    for backend, pool in _pools():
        if token and token in pool.access_tokens:
            return pool.id, pool._get_user(pool.access_tokens[token][1]).username
        if session and session in backend.sessions:
            username, session_pool = backend.sessions[session]
            if session_pool is pool:
                return pool.id, pool._get_user(username).username
    return None


@contextmanager
def _checked_against(secret: str | None) -> Iterator[None]:
    _checking.secret = secret
    try:
        yield
    finally:
        _checking.secret = None


def _new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode()


def _code_checker(original: Callable[[str], Any]) -> Callable[[str], Any]:
    """moto's `cognito_totp(its one secret)`, made to check against this request's account's secret."""

    def cognito_totp(key: str) -> Any:
        return original(getattr(_checking, "secret", None) or key)

    return cognito_totp


def _associate_software_token(original: Callable[[CognitoIdpResponse], ActionResult]) -> Callable[..., ActionResult]:
    def associate(self: CognitoIdpResponse) -> ActionResult:
        answer = original(self)  # moto's checks of the token or session
        account = _account(self)
        assert account is not None, "moto accepted the token or session: it names an account"
        _pending[account] = secret = _new_secret()
        return ActionResult({**cast(dict[str, str], answer.result), "SecretCode": secret})

    return associate


def _verify_software_token(original: Callable[[CognitoIdpResponse], ActionResult]) -> Callable[..., ActionResult]:
    def verify(self: CognitoIdpResponse) -> ActionResult:
        account = _account(self)
        pending = _pending.get(account) if account else None
        # Without a secret set up, a secret of no one's: no code matches (moto would take any).
        with _checked_against(pending or _new_secret()):
            answer = original(self)
        if account and pending:
            _verified[account] = _pending.pop(account)
        return answer

    return verify


def _respond_to_auth_challenge(original: Callable[[CognitoIdpResponse], ActionResult]) -> Callable[..., ActionResult]:
    def respond(self: CognitoIdpResponse) -> ActionResult:
        if self._get_param("ChallengeName") != "SOFTWARE_TOKEN_MFA":
            return original(self)
        account = _account(self)
        with _checked_against((_verified.get(account) if account else None) or _new_secret()):
            return original(self)

    return respond


def _environment(name: str, value: str) -> Undo:
    previous = os.environ.get(name)
    os.environ[name] = value

    def undo() -> None:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous

    return undo


def missing_operations() -> Undo:
    """The operations above, answered by moto's server until the returned undo runs."""
    undos = [
        _environment("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true"),
        patch(models, "cognito_totp", _code_checker(models.cognito_totp)),
        patch(CognitoIdpResponse, "get_tokens_from_refresh_token", _get_tokens_from_refresh_token),
        patch(CognitoIdpResponse, "revoke_token", _revoke_token),
        patch(
            CognitoIdpResponse,
            "associate_software_token",
            _associate_software_token(CognitoIdpResponse.associate_software_token),
        ),
        patch(
            CognitoIdpResponse,
            "verify_software_token",
            _verify_software_token(CognitoIdpResponse.verify_software_token),
        ),
        patch(
            CognitoIdpResponse,
            "respond_to_auth_challenge",
            _respond_to_auth_challenge(CognitoIdpResponse.respond_to_auth_challenge),
        ),
    ]

    def undo() -> None:
        for one in reversed(undos):
            one()
        _pending.clear()
        _verified.clear()

    return undo
