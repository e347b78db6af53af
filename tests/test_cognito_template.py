"""The user pool and its web client as template.yaml hardens them (read from the template: moto
enforces none of it): SRP unless the local stack's parameter allows passwords, no e-mail written by
the client, TOTP offered, threat protection a parameter, the password and token rules stated."""

from __future__ import annotations

from typing import Any

from devstack import template

DOCUMENT = template.load()
POOL: dict[str, Any] = DOCUMENT["Resources"]["UserPool"]["Properties"]
CLIENT: dict[str, Any] = DOCUMENT["Resources"]["UserPoolClient"]["Properties"]


def resolved(value: Any, **parameters: str) -> Any:
    resolver = template.Resolver(parameters={**template.parameter_defaults(DOCUMENT), **parameters})
    return resolver.resolve(value)


def test_passwords_go_to_cognito_only_where_the_parameter_allows_it() -> None:
    assert DOCUMENT["Parameters"]["AllowPasswordAuth"]["Default"] == "false"
    deployed = resolved(CLIENT["ExplicitAuthFlows"])
    assert deployed == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    local = resolved(CLIENT["ExplicitAuthFlows"], AllowPasswordAuth="true")
    assert local == ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def test_the_client_reads_the_email_and_cannot_write_it() -> None:
    assert "email" in CLIENT["ReadAttributes"] and "email_verified" in CLIENT["ReadAttributes"]
    # Absent, WriteAttributes would let the client write every standard attribute, the e-mail too.
    assert CLIENT.get("WriteAttributes")
    assert not {"email", "email_verified", "phone_number"} & set(CLIENT["WriteAttributes"])
    assert not any(a.startswith("custom:") for a in CLIENT["WriteAttributes"])


def test_owners_may_add_an_authenticator_app() -> None:
    assert POOL["MfaConfiguration"] == "OPTIONAL"
    assert POOL["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


def test_threat_protection_is_a_parameter_and_brings_its_plan() -> None:
    assert DOCUMENT["Parameters"]["ThreatProtection"]["AllowedValues"] == ["OFF", "AUDIT", "ENFORCED"]
    assert resolved(POOL["UserPoolAddOns"], ThreatProtection="ENFORCED") == {"AdvancedSecurityMode": "ENFORCED"}
    assert resolved(POOL["UserPoolTier"]) == "ESSENTIALS"
    assert resolved(POOL["UserPoolTier"], ThreatProtection="AUDIT") == "PLUS"


def test_passwords_and_tokens_are_as_the_readme_states() -> None:
    policy = POOL["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 10
    assert policy["RequireLowercase"] and policy["RequireUppercase"] and policy["RequireNumbers"]
    assert POOL["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert POOL["DeletionProtection"] == "ACTIVE"
    assert (CLIENT["IdTokenValidity"], CLIENT["AccessTokenValidity"], CLIENT["RefreshTokenValidity"]) == (60, 60, 30)
    assert CLIENT["TokenValidityUnits"] == {"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "days"}
    assert CLIENT["EnableTokenRevocation"] is True
    assert CLIENT["PreventUserExistenceErrors"] == "ENABLED"
    assert CLIENT["GenerateSecret"] is False  # a browser keeps no secret
