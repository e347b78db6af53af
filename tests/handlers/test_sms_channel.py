"""The SMS channel: the adapter's SNS request, what SNS (moto) keeps of it, and its grant in template.yaml.

The request is checked with botocore's Stubber, which validates it against the SNS service model
as the real client would send it; moto then shows the message delivered to the phone number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from vault_share.adapters.sms import SmsSender
from vault_share.invitations.sms import code_sms

from devstack import template
from tests.conftest import REGION
from tests.test_template_iam import DOCUMENT, Grant, Need, covers, grants, grants_of

PHONE = "+33612345678"
TEXT = code_sms("Garage des Lilas", "186691", datetime(2026, 12, 3, 16, 5, tzinfo=UTC))


def attributes(sender_id: str | None) -> dict[str, dict[str, str]]:
    expected = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
    if sender_id:
        expected["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}
    return expected


@pytest.mark.parametrize("sender_id", ["VaultShare", None, ""])
def test_the_publish_request(sender_id: str | None) -> None:
    sns = boto3.client("sns", region_name=REGION)
    with Stubber(sns) as stub:
        stub.add_response(
            "publish",
            {"MessageId": "3a5c2b1e-0000-4000-8000-000000000001"},
            {"PhoneNumber": PHONE, "Message": TEXT, "MessageAttributes": attributes(sender_id)},
        )
        assert SmsSender(sns, sender_id).send(PHONE, TEXT) == "3a5c2b1e-0000-4000-8000-000000000001"
        stub.assert_no_pending_responses()


@pytest.fixture
def sns() -> Iterator[object]:
    with mock_aws():
        yield boto3.client("sns", region_name=REGION)


def test_sns_delivers_it_to_the_phone_number(sns: object) -> None:
    from moto.sns.models import sns_backends

    sender = SmsSender(sns, "VaultShare")
    first = sender.send(PHONE, TEXT)
    second = sender.send("+33698765432", "Deuxième")
    kept = sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages
    assert list(kept.items()) == [(first, (PHONE, TEXT)), (second, ("+33698765432", "Deuxième"))]


def test_a_number_sns_refuses_is_an_error_of_the_client(sns: object) -> None:
    """The use case parses numbers to E.164 first; this is what happens when one slips through."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="E164"):
        SmsSender(sns, "VaultShare").send("06 12 34 56 78", TEXT)


# ---------------------------------------------------------------- template.yaml


def test_the_invite_function_may_publish_sms_to_any_phone_number() -> None:
    """Publish to a phone number names no topic (resource "*") and carries no sns:Protocol: a grant
    under that condition, or on a topic ARN, denies every SMS."""
    sms = Need("sns:Publish", "*")
    assert any(covers(grant, sms) for grant in grants_of("InviteFunction"))
    (grant,) = [g for g in grants_of("InviteFunction") if "sns:Publish" in g.actions]
    assert grant.actions == ["sns:Publish"] and grant.resources == ["*"] and "Condition" not in grant.statement
    # The guard of the guard: the grant this replaces would not have covered it.
    protocol = {"StringEquals": {"sns:Protocol": "sms"}}
    assert not covers(Grant("InviteFunction", dict(grant.statement, Condition=protocol)), sms)


def test_only_the_invite_function_may_publish() -> None:
    assert {g.owner for g in grants(DOCUMENT) if "sns:Publish" in g.actions} == {"InviteFunction"}


def test_the_sender_id_parameter_reaches_the_invite_function_only() -> None:
    parameter = DOCUMENT["Parameters"]["SmsSenderId"]
    assert parameter["Default"] == "VaultShare"
    specs = {spec.logical_id: spec for spec in template.functions(DOCUMENT)}
    assert specs["InviteFunction"].environment["SMS_SENDER_ID"] == {"Ref": "SmsSenderId"}
    assert [lid for lid, spec in specs.items() if "SMS_SENDER_ID" in spec.environment] == ["InviteFunction"]


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        ("VaultShare", True),
        ("", True),  # no sender ID: SNS's account default
        ("ABC", True),
        ("Vault2Share", True),  # 11
        ("1Vault", True),
        ("AB", False),  # SNS: at least 3
        ("VaultShare12", False),  # 12
        ("12345678", False),  # at least one letter
        ("Vault Share", False),
        ("Vault-Share", False),
        ("Coffré", False),
    ],
)
def test_the_sender_id_pattern_is_sns_rule(value: str, allowed: bool) -> None:
    """SNS: 3 to 11 letters and digits, at least one letter, no space (CloudFormation matches the whole value)."""
    pattern = DOCUMENT["Parameters"]["SmsSenderId"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is allowed
