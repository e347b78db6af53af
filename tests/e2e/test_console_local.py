"""What the local stack gives the owner console beyond the API: its config at /app/config.json,
and the Cognito refresh call Amplify makes (GetTokensFromRefreshToken), which moto lacks."""

from __future__ import annotations

import json
import urllib.request

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import Stack


def test_the_console_config_is_the_running_stack(stack: Stack) -> None:
    with urllib.request.urlopen(f"{stack.api_url}/app/config.json", timeout=10) as answer:
        config = json.load(answer)
    assert config["apiUrl"] == stack.info["apiUrl"]
    assert config["userPoolId"] == stack.info["userPoolId"]
    assert config["userPoolClientId"] == stack.info["userPoolClientId"]
    assert config["cognitoEndpoint"] == stack.info["awsEndpoint"]
    assert config["authFlow"] == "USER_PASSWORD_AUTH"
    assert config["letterCostCents"] == 182


def test_a_refresh_token_gives_a_new_id_token_the_api_takes(stack: Stack) -> None:
    owner = stack.demo["owner"]
    first = stack.authenticate(owner["email"], owner["password"])
    refreshed = stack.cognito().get_tokens_from_refresh_token(
        ClientId=stack.info["userPoolClientId"], RefreshToken=first["RefreshToken"]
    )["AuthenticationResult"]
    stack.secrets.update({refreshed["IdToken"], refreshed["AccessToken"]})
    assert refreshed["IdToken"] != first["IdToken"]
    assert refreshed["TokenType"] == "Bearer"
    answer = stack.client(refreshed["IdToken"]).get("/vaults")
    assert answer.status == 200
    assert stack.demo["vaultId"] in [v["vaultId"] for v in answer.json()["vaults"]]


def test_an_unknown_refresh_token_is_refused_as_cognito_refuses_it(stack: Stack) -> None:
    with pytest.raises(ClientError) as refused:
        stack.cognito().get_tokens_from_refresh_token(
            ClientId=stack.info["userPoolClientId"], RefreshToken="not-a-refresh-token"
        )
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_a_revoked_refresh_token_refreshes_no_more(stack: Stack) -> None:
    owner = stack.demo["owner"]
    tokens = stack.authenticate(owner["email"], owner["password"])
    cognito, client = stack.cognito(), stack.info["userPoolClientId"]
    cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=client)
    with pytest.raises(ClientError) as refused:
        cognito.get_tokens_from_refresh_token(ClientId=client, RefreshToken=tokens["RefreshToken"])
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    # Revoking what was never issued is not an error (RFC 7009, as Cognito answers it).
    cognito.revoke_token(Token="never-issued", ClientId=client)
