"""Cognito operations the console's Amplify calls and moto lacks, answered as Cognito answers them.

- `GetTokensFromRefreshToken`: Amplify v6 refreshes its tokens with it (Cognito's refresh API since
  2025). moto knows only the older `InitiateAuth` with `REFRESH_TOKEN_AUTH`, which gives the same
  tokens for a refresh token it issued and refuses a revoked or unknown one: it is answered so.
"""

from __future__ import annotations

from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult

from devstack.isolation import Undo, patch


def refresh_by_token() -> Undo:
    def get_tokens_from_refresh_token(self: CognitoIdpResponse) -> ActionResult:
        parameters = {"REFRESH_TOKEN": self._get_param("RefreshToken")}
        result = self._get_region_agnostic_backend().initiate_auth(
            self._get_param("ClientId"), "REFRESH_TOKEN_AUTH", parameters
        )
        return ActionResult(result)

    return patch(CognitoIdpResponse, "get_tokens_from_refresh_token", get_tokens_from_refresh_token)
