"""template.yaml provisioned in the embedded AWS as the local stack does it: the idempotency key,
the SES identity, and the functions' environment that refers to them."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from devstack import template
from devstack.provision import Provisioner
from devstack.stack import REGION, verify_ses_identity

STACK = "vault-share-provision"
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def provisioned(moto_server: str) -> tuple[template.Resolver, dict[str, Any]]:
    document = template.load()
    # The local stack names its own gateway as the console's origin (there is no CloudFront here).
    parameters = {**template.parameter_defaults(document), "FrontendOrigin": "http://127.0.0.1:3000"}
    resolver = template.stack_resolver(parameters, STACK, REGION, ACCOUNT)
    Provisioner(resolver, STACK, REGION, ACCOUNT).create_all(document["Resources"])
    return resolver, document


def test_the_idempotency_key_is_created_rotating_with_the_template_policy(
    provisioned: tuple[template.Resolver, dict[str, Any]],
) -> None:
    resolver, _ = provisioned
    kms = boto3.client("kms")
    arn = resolver.get_att("IdempotencyKey", "Arn")
    key_id = resolver.ref("IdempotencyKey")
    metadata = kms.describe_key(KeyId=arn)["KeyMetadata"]
    assert metadata["KeyId"] == key_id == resolver.get_att("IdempotencyKey", "KeyId")
    assert metadata["Arn"] == arn and metadata["KeyState"] == "Enabled"
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    assert [s["Principal"]["AWS"] for s in policy["Statement"]] == [f"arn:aws:iam::{ACCOUNT}:root"]

    sealed = kms.encrypt(KeyId=arn, Plaintext=b'{"url": "...", "code": "..."}')["CiphertextBlob"]
    assert kms.decrypt(KeyId=arn, CiphertextBlob=sealed)["Plaintext"] == b'{"url": "...", "code": "..."}'


def test_only_create_link_gets_the_key_arn_and_the_merged_environment_has_it(
    provisioned: tuple[template.Resolver, dict[str, Any]],
) -> None:
    resolver, document = provisioned
    specs = template.functions(document)
    holders = {spec.logical_id for spec in specs if "IDEMPOTENCY_KEY_ARN" in spec.environment}
    assert holders == {"CreateLinkFunction"}
    merged = template.merged_environment(resolver, specs)
    assert merged["IDEMPOTENCY_KEY_ARN"] == resolver.get_att("IdempotencyKey", "Arn")
    assert merged["SHARES_TABLE"] == resolver.ref("SharesTable")


def test_two_functions_setting_one_variable_differently_is_refused(
    provisioned: tuple[template.Resolver, dict[str, Any]],
) -> None:
    resolver, document = provisioned
    first, second, *_ = template.functions(document)
    second.environment = {**second.environment, "SHARES_TABLE": "another-table"}
    with pytest.raises(ValueError, match="SHARES_TABLE differs"):
        template.merged_environment(resolver, [first, second])


def test_the_ses_identity_named_by_the_template_is_verified(
    provisioned: tuple[template.Resolver, dict[str, Any]],
) -> None:
    resolver, _ = provisioned
    verify_ses_identity(resolver.parameters)
    identities = boto3.client("ses").list_identities()["Identities"]
    assert resolver.parameters["SesIdentity"] in identities

    verify_ses_identity({"SesIdentity": "sender@other.example", "SenderEmail": "sender@other.example"})
    assert "sender@other.example" in boto3.client("ses").list_identities(IdentityType="EmailAddress")["Identities"]


@pytest.mark.parametrize(
    ("identity", "sender"),
    [
        ("vault-share.example", "no-reply@elsewhere.example"),
        ("vault-share.example", "no-reply@mail.vault-share.example"),
        ("owner@vault-share.example", "no-reply@vault-share.example"),
    ],
)
def test_a_sender_outside_the_identity_is_a_template_error(moto_server: str, identity: str, sender: str) -> None:
    with pytest.raises(ValueError, match="SES identity"):
        verify_ses_identity({"SesIdentity": identity, "SenderEmail": sender})
