"""The authenticator app (TOTP MFA) on the local stack's Cognito, over HTTP as the console calls it:
the secret, its first code, the preference, GetUser's settings and the code asked at sign-in.

The pool and its client are template.yaml's, provisioned as the local stack does; the codes are
computed here (RFC 6238) from the secret Cognito gave, and a wrong one must be refused.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from devstack import cognito, template
from devstack.provision import Provisioner
from devstack.stack import REGION
from tests.devstack.totp import code_now, totp, wrong_code

EMAIL = "garage.auto@example.fr"
OTHER = "carrosserie@example.fr"
PASSWORD = "Coffre-fort-2026"


@pytest.fixture(scope="module")
def pool(moto_server: str) -> Iterator[dict[str, str]]:
    undo = cognito.missing_operations()
    try:
        document = template.load()
        parameters = {**template.parameter_defaults(document), "AllowPasswordAuth": "true"}
        resolver = template.stack_resolver(parameters, "vault-share-totp", REGION, "123456789012")
        wanted = ("UserPool", "UserPoolClient")
        Provisioner(resolver, "vault-share-totp", REGION, "123456789012").create_all(
            {lid: document["Resources"][lid] for lid in wanted}
        )
        pool_id, client_id = (resolver.ref(lid) for lid in wanted)
        idp = boto3.client("cognito-idp")
        for email in (EMAIL, OTHER):
            idp.sign_up(ClientId=client_id, Username=email, Password=PASSWORD)
            idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=email)
        yield {"pool": pool_id, "client": client_id}
    finally:
        undo()


def sign_in(client_id: str, email: str = EMAIL) -> dict[str, Any]:
    return boto3.client("cognito-idp").initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD}
    )


def mfa_settings(access_token: str) -> tuple[list[str], str]:
    user = boto3.client("cognito-idp").get_user(AccessToken=access_token)
    return user.get("UserMFASettingList", []), user.get("PreferredMfaSetting", "")


def test_the_helper_computes_rfc_6238_codes() -> None:
    secret = base64.b32encode(b"12345678901234567890").decode()  # RFC 6238, appendix B (SHA-1)
    assert [totp(secret, at) for at in (59, 1111111109, 1234567890, 2000000000)] == [
        "287082",
        "081804",
        "005924",
        "279037",
    ]


def test_an_account_sets_up_its_authenticator_app_signs_in_with_it_and_turns_it_off(pool: dict[str, str]) -> None:
    idp = boto3.client("cognito-idp")
    access = sign_in(pool["client"])["AuthenticationResult"]["AccessToken"]
    assert mfa_settings(access) == ([], "")

    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    # 160 bits in base32, as Cognito gives them (and as authenticator apps take them), one per account.
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    other = idp.associate_software_token(
        AccessToken=sign_in(pool["client"], OTHER)["AuthenticationResult"]["AccessToken"]
    )
    assert other["SecretCode"] != secret
    # A wrong code is refused (moto alone took any code), and nothing is turned on.
    with pytest.raises(idp.exceptions.CodeMismatchException):
        idp.verify_software_token(AccessToken=access, UserCode=wrong_code(secret), FriendlyDeviceName="phone")
    with pytest.raises(idp.exceptions.CodeMismatchException):  # the other account's code
        idp.verify_software_token(AccessToken=access, UserCode=code_now(other["SecretCode"]))
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True})
    assert idp.verify_software_token(AccessToken=access, UserCode=code_now(secret))["Status"] == "SUCCESS"
    # What Amplify's updateMFAPreference({totp: 'PREFERRED'}) sends; fetchMFAPreference reads GetUser.
    idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert mfa_settings(access) == (["SOFTWARE_TOKEN_MFA"], "SOFTWARE_TOKEN_MFA")

    # Signing in now asks for the code: a wrong one is refused, the right one gets the tokens.
    challenge = sign_in(pool["client"])
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and "AuthenticationResult" not in challenge

    def answer(code: str) -> dict[str, Any]:
        return idp.respond_to_auth_challenge(
            ClientId=pool["client"],
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": EMAIL, "SOFTWARE_TOKEN_MFA_CODE": code},
        )

    with pytest.raises(idp.exceptions.CodeMismatchException):
        answer(wrong_code(secret))
    access = answer(code_now(secret))["AuthenticationResult"]["AccessToken"]

    # Turned off (Amplify's updateMFAPreference({totp: 'DISABLED'})): the next sign-in asks no code.
    idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})
    assert mfa_settings(access) == ([], "")
    assert "AuthenticationResult" in sign_in(pool["client"])
