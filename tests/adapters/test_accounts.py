"""The guest accounts adapter against moto's Cognito, with the user pool template.yaml defines.

Whether a password is really set is proved by signing in with it (USER_PASSWORD_AUTH through the
template's app client), never by reading moto's state.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from vault_share import ids
from vault_share.adapters.accounts import MARKER, AccountExists, Accounts, PasswordPolicy
from vault_share.errors import Unprocessable

from devstack import template
from tests.fixtures import Aws

STRONG = "Bienvenue-2026"
OTHER_STRONG = "Autre-Mot-2027"


@dataclass
class Recording:
    """The boto3 client, recording each operation it is asked; `fail` makes the next calls of an
    operation raise what Cognito would (a throttled or interrupted request)."""

    client: Any
    calls: list[str] = field(default_factory=list)
    fail: dict[str, int] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)

        def call(**kwargs: Any) -> Any:
            self.calls.append(name)
            if self.fail.get(name):
                self.fail[name] -= 1
                raise ClientError({"Error": {"Code": "InternalErrorException", "Message": "boom"}}, name)
            return method(**kwargs)

        return call


@pytest.fixture(scope="module")
def cognito(aws: Aws) -> Any:
    return boto3.client("cognito-idp")


@pytest.fixture
def recording(cognito: Any) -> Recording:
    return Recording(cognito)


@pytest.fixture
def accounts(aws: Aws, recording: Recording) -> Accounts:
    return Accounts(recording, aws.ref("UserPool"))


def email() -> str:
    return f"guest.{uuid.uuid4().hex[:10]}@example.fr"


def signs_in(aws: Aws, cognito: Any, address: str, password: str) -> bool:
    try:
        answer = cognito.initiate_auth(
            ClientId=aws.ref("UserPoolClient"),
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": address, "PASSWORD": password},
        )
    except ClientError as exc:
        assert exc.response["Error"]["Code"] in ("NotAuthorizedException", "UserNotFoundException"), exc
        return False
    return "AuthenticationResult" in answer  # not a NEW_PASSWORD_REQUIRED challenge


def users_with(cognito: Any, pool: str, address: str) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = cognito.list_users(UserPoolId=pool, Filter=f'email = "{address}"')["Users"]
    return users


def created_otherwise(cognito: Any, pool: str, address: str, password: str | None) -> str:
    """An account made as the seed and an administrator make them (no marker): with a permanent
    password, or (None) still waiting for its holder to choose one (FORCE_CHANGE_PASSWORD)."""
    user = cognito.admin_create_user(
        UserPoolId=pool,
        Username=address,
        UserAttributes=[{"Name": "email", "Value": address}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
        TemporaryPassword="Temporaire-1234",
    )["User"]
    if password is not None:
        cognito.admin_set_user_password(UserPoolId=pool, Username=address, Password=password, Permanent=True)
    return str(user["Username"])


# ---------------------------------------------------------------- find


def test_find_answers_the_account_of_an_address_or_none(aws: Aws, accounts: Accounts, cognito: Any) -> None:
    address = email()
    assert accounts.find(address) is None
    username = created_otherwise(cognito, aws.ref("UserPool"), address, STRONG)
    found = accounts.find(address)
    assert found is not None
    # In a pool whose usernames are e-mails, the username is Cognito's UUID and `sub` the user id.
    assert (found.username, found.email, found.status, found.invitation_id) == (username, address, "CONFIRMED", None)
    assert found.user_id == next(
        a["Value"] for a in cognito.admin_get_user(UserPoolId=aws.ref("UserPool"), Username=address)["UserAttributes"]
        if a["Name"] == "sub"
    )  # fmt: skip


# ---------------------------------------------------------------- create


def test_create_makes_a_verified_account_that_signs_in(aws: Aws, accounts: Accounts, cognito: Any) -> None:
    address, invitation = email(), ids.new_id()
    account = accounts.create(address, STRONG, invitation_id=invitation)
    assert (account.email, account.invitation_id) == (address, invitation)
    assert signs_in(aws, cognito, address, STRONG)
    (user,) = users_with(cognito, aws.ref("UserPool"), address)
    attributes = {a["Name"]: a["Value"] for a in user["Attributes"]}
    assert attributes["sub"] == account.user_id
    assert attributes["email_verified"] == "true"
    assert attributes[MARKER] == invitation
    assert user["UserStatus"] == "CONFIRMED"


def test_a_new_account_costs_two_requests_once_the_policy_is_known(
    aws: Aws, accounts: Accounts, recording: Recording
) -> None:
    accounts.create(email(), STRONG, invitation_id=ids.new_id())
    assert recording.calls == ["describe_user_pool", "admin_create_user", "admin_set_user_password"]
    recording.calls.clear()
    accounts.create(email(), STRONG, invitation_id=ids.new_id())
    assert recording.calls == ["admin_create_user", "admin_set_user_password"]


def test_a_retry_after_a_failure_between_the_two_calls_completes_the_same_account(
    aws: Aws, accounts: Accounts, recording: Recording, cognito: Any
) -> None:
    address, invitation = email(), ids.new_id()
    recording.fail["admin_set_user_password"] = 1
    with pytest.raises(ClientError):
        accounts.create(address, STRONG, invitation_id=invitation)
    half = accounts.find(address)
    assert half is not None and half.status == "FORCE_CHANGE_PASSWORD"
    assert not signs_in(aws, cognito, address, STRONG)

    again = accounts.create(address, STRONG, invitation_id=invitation)
    assert again.user_id == half.user_id
    assert len(users_with(cognito, aws.ref("UserPool"), address)) == 1
    assert signs_in(aws, cognito, address, STRONG)


def test_a_retry_after_both_calls_ends_with_the_same_account_and_its_password(
    aws: Aws, accounts: Accounts, cognito: Any
) -> None:
    address, invitation = email(), ids.new_id()
    first = accounts.create(address, STRONG, invitation_id=invitation)
    second = accounts.create(address, STRONG, invitation_id=invitation)
    assert second.user_id == first.user_id
    assert len(users_with(cognito, aws.ref("UserPool"), address)) == 1
    assert signs_in(aws, cognito, address, STRONG)


def test_a_failed_creation_is_retried_from_the_start(aws: Aws, accounts: Accounts, recording: Recording) -> None:
    address, invitation = email(), ids.new_id()
    recording.fail["admin_create_user"] = 1
    with pytest.raises(ClientError):
        accounts.create(address, STRONG, invitation_id=invitation)
    assert accounts.find(address) is None
    assert accounts.create(address, STRONG, invitation_id=invitation).invitation_id == invitation


@pytest.mark.parametrize("password", [STRONG, None], ids=["confirmed", "awaiting its first password"])
def test_an_account_made_otherwise_is_never_given_a_password(
    aws: Aws, accounts: Accounts, recording: Recording, cognito: Any, password: str | None
) -> None:
    """Whatever its status: an administrator's account awaiting its holder's password is in
    FORCE_CHANGE_PASSWORD too, and is not the invitation's to set."""
    pool, address = aws.ref("UserPool"), email()
    username = created_otherwise(cognito, pool, address, password)
    before = cognito.admin_get_user(UserPoolId=pool, Username=address)
    with pytest.raises(AccountExists) as refused:
        accounts.create(address, OTHER_STRONG, invitation_id=ids.new_id())
    assert (refused.value.status, refused.value.code) == (409, "account_exists")
    assert "admin_set_user_password" not in recording.calls
    after = cognito.admin_get_user(UserPoolId=pool, Username=address)
    assert (after["Username"], after["UserStatus"], after["UserAttributes"]) == (
        username,
        before["UserStatus"],
        before["UserAttributes"],
    )
    assert not signs_in(aws, cognito, address, OTHER_STRONG)
    if password is not None:
        assert signs_in(aws, cognito, address, password)


def test_an_account_of_another_invitation_is_not_this_ones(aws: Aws, accounts: Accounts, cognito: Any) -> None:
    address = email()
    accounts.create(address, STRONG, invitation_id=ids.new_id())
    with pytest.raises(AccountExists):
        accounts.create(address, OTHER_STRONG, invitation_id=ids.new_id())
    assert signs_in(aws, cognito, address, STRONG)
    assert not signs_in(aws, cognito, address, OTHER_STRONG)


def test_the_marker_is_immutable_in_the_template() -> None:
    """What makes the marker unforgeable is Cognito's rule for immutable attributes (written at
    creation only); moto does not enforce it, so the template's declaration is what is checked."""
    schema = template.load()["Resources"]["UserPool"]["Properties"]["Schema"]
    (marker,) = [a for a in schema if f"custom:{a['Name']}" == MARKER]
    assert marker["Mutable"] is False
    assert marker["AttributeDataType"] == "String"
    assert int(marker["StringAttributeConstraints"]["MaxLength"]) >= len(ids.new_id())


# ---------------------------------------------------------------- password policy


def test_the_policy_is_the_pools_and_is_read_once(aws: Aws, accounts: Accounts, recording: Recording) -> None:
    declared = template.load()["Resources"]["UserPool"]["Properties"]["Policies"]["PasswordPolicy"]
    for _ in range(3):
        accounts.check_password(STRONG)
    assert accounts.policy == PasswordPolicy.of(declared)
    assert accounts.policy.minimum_length == 10
    assert recording.calls == ["describe_user_pool"]


WEAK = {
    "court1A": ["minimumLength"],
    "toutenminuscule1": ["uppercase"],
    "TOUTENMAJUSCULE1": ["lowercase"],
    "Sanschiffreaucun": ["number"],
    "sans": ["minimumLength", "uppercase", "number"],
}


@pytest.mark.parametrize(("password", "missing"), WEAK.items(), ids=list(WEAK))
def test_a_weak_password_is_422_naming_what_it_lacks_and_creates_nothing(
    aws: Aws, accounts: Accounts, recording: Recording, cognito: Any, password: str, missing: list[str]
) -> None:
    address = email()
    with pytest.raises(Unprocessable) as refused:
        accounts.create(address, password, invitation_id=ids.new_id())
    error = refused.value
    assert (error.status, error.code, error.extra["missing"]) == (422, "weak_password", missing)
    wording = {
        "minimumLength": "au moins 10 caractères",
        "uppercase": "une lettre majuscule",
        "lowercase": "une lettre minuscule",
        "number": "un chiffre",
    }
    assert error.message.startswith("Mot de passe trop faible : il doit comporter ")
    for code in missing:
        assert wording[code] in error.message
    for code in set(wording) - set(missing):
        assert wording[code] not in error.message
    assert password not in error.message
    assert recording.calls == ["describe_user_pool"]  # nothing written
    assert accounts.find(address) is None
    # Cognito itself refuses it too: the check is not stricter than the pool on these rules.
    with pytest.raises(ClientError) as cognito_says:
        cognito.admin_set_user_password(
            UserPoolId=aws.ref("UserPool"),
            Username=created_otherwise(cognito, aws.ref("UserPool"), email(), None),
            Password=password,
            Permanent=True,
        )
    assert cognito_says.value.response["Error"]["Code"] == "InvalidPasswordException"


def test_the_rules_cognito_adds_to_any_policy() -> None:
    policy = PasswordPolicy(minimum_length=8, require_symbols=True)
    assert policy.missing("Abcdefg1!") == {}
    assert policy.missing("Abcd efg1") == {}  # a space inside is a symbol
    assert list(policy.missing(" Abcdefg1!")) == ["edges"]
    assert list(policy.missing("Abcdefg1! ")) == ["edges"]
    assert list(policy.missing("Abcdefg12")) == ["symbol"]
    assert list(policy.missing("Ab1!" + "x" * 253)) == ["maximumLength"]
    # Letters and digits are Basic Latin ones: "É" is no uppercase letter for Cognito.
    assert list(policy.missing("élan-vital1É")) == ["uppercase"]
    relaxed = PasswordPolicy(6, False, False, False, False)
    assert relaxed.missing("aaaaaa") == {}


def test_a_password_cognito_refuses_after_the_check_leaves_a_completable_account(
    aws: Aws, recording: Recording, cognito: Any
) -> None:
    """A rule the check does not know (here: a policy given weaker than the pool's) is Cognito's to
    enforce: 422, the account stays this invitation's, and a retry with a stronger password ends it."""
    lenient = Accounts(recording, aws.ref("UserPool"), policy=PasswordPolicy(6, True, True, True, False))
    address, invitation = email(), ids.new_id()
    with pytest.raises(Unprocessable) as refused:
        lenient.create(address, "Court1", invitation_id=invitation)
    assert refused.value.code == "weak_password"
    assert "Court1" not in refused.value.message
    assert not signs_in(aws, cognito, address, "Court1")
    account = lenient.create(address, STRONG, invitation_id=invitation)
    assert account.invitation_id == invitation
    assert signs_in(aws, cognito, address, STRONG)
    assert "describe_user_pool" not in recording.calls
