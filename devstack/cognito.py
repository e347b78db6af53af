"""Cognito operations the console's Amplify calls and moto lacks, answered as Cognito answers them.

- `GetTokensFromRefreshToken`: Amplify v6 refreshes its tokens with it (Cognito's refresh API since
  2025). moto knows only the older `InitiateAuth` with `REFRESH_TOKEN_AUTH`, which gives the same
  tokens for a refresh token it issued and refuses a revoked or unknown one: it is answered so.
- `RevokeToken`: Amplify's sign-out revokes the refresh token. moto answers it with a 500 (and no
  CORS header, so the browser reports a blocked call). Here the token stops refreshing, as in
  Cognito; an unknown token is accepted, as RFC 7009 and Cognito do.
"""

from __future__ import annotations

from moto.cognitoidp.models import cognitoidp_backends
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult

from devstack.isolation import Undo, patch


def _revoke_token(self: CognitoIdpResponse) -> ActionResult:
    # Sent unsigned, as Amplify sends it: the region is not known, every pool is looked at (as moto's
    # own region-agnostic operations do).
    token, client_id = self._get_param("Token"), self._get_param("ClientId")
    for backends in cognitoidp_backends.values():
        for region, backend in backends.items():
            for pool in backend.user_pools.values() if region != "global" else ():
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


def missing_operations() -> Undo:
    """Both operations above, answered by moto's server until the returned undo runs."""
    undos = [
        patch(CognitoIdpResponse, "get_tokens_from_refresh_token", _get_tokens_from_refresh_token),
        patch(CognitoIdpResponse, "revoke_token", _revoke_token),
    ]

    def undo() -> None:
        for one in reversed(undos):
            one()

    return undo
