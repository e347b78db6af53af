"""Edge protection as template.yaml deploys it, read from the template: the message quotas'
parameters reaching the functions that send."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest
from vault_share.settings import Settings

from devstack import template

DOCUMENT = template.load()
RESOURCES: dict[str, Any] = DOCUMENT["Resources"]
PARAMETERS: dict[str, Any] = DOCUMENT["Parameters"]

# Quota variable -> the template parameter it comes from.
QUOTAS = {
    "QUOTA_VAULT_EMAILS_PER_DAY": "QuotaVaultEmailsPerDay",
    "QUOTA_VAULT_SMS_PER_DAY": "QuotaVaultSmsPerDay",
    "QUOTA_VAULT_LETTERS_PER_DAY": "QuotaVaultLettersPerDay",
    "QUOTA_USER_EMAILS_PER_HOUR": "QuotaUserEmailsPerHour",
    "QUOTA_USER_SMS_PER_HOUR": "QuotaUserSmsPerHour",
    "QUOTA_USER_LETTERS_PER_HOUR": "QuotaUserLettersPerHour",
}
# Which quotas each function that sends on an owner's behalf applies.
SENDERS = {
    "CreateLinkFunction": {"QUOTA_VAULT_EMAILS_PER_DAY", "QUOTA_USER_EMAILS_PER_HOUR"},
    "InviteFunction": set(QUOTAS),
    "AcceptFunction": {"QUOTA_VAULT_EMAILS_PER_DAY"},
}


def environment(function: str) -> dict[str, Any]:
    variables: dict[str, Any] = RESOURCES[function]["Properties"].get("Environment", {}).get("Variables", {})
    return variables


def test_every_quota_setting_is_a_template_parameter_with_the_same_default() -> None:
    defaults = {f.metadata["variable"]: f.default for f in fields(Settings)}
    assert {v for v in defaults if v.startswith("QUOTA_")} == set(QUOTAS)
    for variable, parameter in QUOTAS.items():
        declared = PARAMETERS[parameter]
        assert declared["Type"] == "Number" and declared["MinValue"] == 0, parameter
        assert int(declared["Default"]) == defaults[variable], parameter
        assert declared["Description"], parameter


@pytest.mark.parametrize("function", sorted(SENDERS))
def test_the_quota_parameters_reach_the_functions_that_send(function: str) -> None:
    quotas = {name: value for name, value in environment(function).items() if name.startswith("QUOTA_")}
    assert quotas == {name: {"Ref": QUOTAS[name]} for name in SENDERS[function]}


def test_the_functions_that_send_nothing_apply_no_quota() -> None:
    functions = [lid for lid, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"]
    for function in set(functions) - set(SENDERS):
        assert not [name for name in environment(function) if name.startswith("QUOTA_")], function
    globals_ = DOCUMENT["Globals"]["Function"]["Environment"]["Variables"]
    assert not [name for name in globals_ if name.startswith("QUOTA_")]


def test_the_quota_counters_are_the_only_vault_items_the_create_link_function_writes() -> None:
    [grant] = [
        s
        for s in RESOURCES["CreateLinkFunction"]["Properties"]["Policies"][1]["Statement"]
        if s["Sid"] == "QuotaCounters"
    ]
    assert (grant["Action"], grant["Resource"]) == ("dynamodb:UpdateItem", {"Fn::GetAtt": ["VaultTable", "Arn"]})
    assert grant["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["QUOTA#*"]}}
