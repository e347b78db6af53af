"""Edge protection as template.yaml deploys it, read from the template (AWS WAF is not provisioned
by the local stack, so nothing of it runs here): the optional web ACL in front of the API stage,
and the message quotas' parameters reaching the functions that send."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import pytest
from vault_share.settings import Settings

from devstack import provision, template

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
    # The function runs as the role the template writes for it (its grants are there).
    assert RESOURCES["CreateLinkFunction"]["Properties"]["Role"] == {"Fn::GetAtt": ["CreateLinkFunctionRole", "Arn"]}
    [policy] = RESOURCES["CreateLinkFunctionRole"]["Properties"]["Policies"]
    [grant] = [s for s in policy["PolicyDocument"]["Statement"] if s["Sid"] == "QuotaCounters"]
    assert (grant["Action"], grant["Resource"]) == ("dynamodb:UpdateItem", {"Fn::GetAtt": ["VaultTable", "Arn"]})
    assert grant["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["QUOTA#*"]}}


# ---------------------------------------------------------------- WAF


def web_acl() -> dict[str, Any]:
    acl: dict[str, Any] = RESOURCES["ApiWebAcl"]
    return acl


def rules() -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in web_acl()["Properties"]["Rules"]}


def test_the_web_acl_is_optional_and_off_by_default() -> None:
    assert PARAMETERS["EnableWaf"]["Default"] == "false"
    assert PARAMETERS["EnableWaf"]["AllowedValues"] == ["true", "false"]
    assert DOCUMENT["Conditions"]["WafEnabled"] == {"Fn::Equals": [{"Ref": "EnableWaf"}, "true"]}
    waf = {lid for lid, r in RESOURCES.items() if r["Type"].startswith("AWS::WAFv2::")}
    assert waf == {"ApiWebAcl", "ApiWebAclAssociation"}
    assert {RESOURCES[lid].get("Condition") for lid in waf} == {"WafEnabled"}
    # The local stack skips them, saying why (devstack/provision.py).
    assert {"AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation"} <= provision._NOT_PROVISIONED


def test_the_web_acl_is_regional_allows_by_default_and_reports_metrics() -> None:
    props = web_acl()["Properties"]
    assert props["Scope"] == "REGIONAL"
    assert props["DefaultAction"] == {"Allow": {}}
    assert props["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True
    assert props["VisibilityConfig"]["SampledRequestsEnabled"] is True
    for name, rule in rules().items():
        visibility = rule["VisibilityConfig"]
        assert visibility["CloudWatchMetricsEnabled"] is True and visibility["MetricName"] == name
    assert sorted(rule["Priority"] for rule in rules().values()) == list(range(len(rules())))


def test_the_rate_limit_counts_per_ip_on_the_public_routes_under_the_stage() -> None:
    rule = rules()["public-routes-rate-limit"]
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP"
    assert rate["Limit"] == {"Ref": "WafRateLimit"} and rate["EvaluationWindowSec"] == 300
    statements = rate["ScopeDownStatement"]["OrStatement"]["Statements"]
    matches = [s["ByteMatchStatement"] for s in statements]
    # WAF sees the URI with the REST API's stage in it: /v1/share/<token>.
    assert [m["SearchString"] for m in matches] == [
        {"Fn::Sub": "/${StageName}/share/"},
        {"Fn::Sub": "/${StageName}/invite/"},
    ]
    for match in matches:
        assert match["FieldToMatch"] == {"UriPath": {}}
        assert match["PositionalConstraint"] == "STARTS_WITH"
        assert match["TextTransformations"] == [{"Priority": 0, "Type": "NONE"}]
    assert rule["Priority"] == 0, "evaluated first"


def test_a_rate_limited_request_is_answered_429_in_french() -> None:
    block = rules()["public-routes-rate-limit"]["Action"]["Block"]["CustomResponse"]
    assert block["ResponseCode"] == 429
    assert {"Name": "Retry-After", "Value": "300"} in block["ResponseHeaders"]
    body = web_acl()["Properties"]["CustomResponseBodies"][block["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    assert json.loads(body["Content"]) == {
        "error": "too_many_requests",
        "message": "Trop de requêtes, réessayez plus tard.",
    }
    # The same answer as API Gateway's own throttling.
    throttled = RESOURCES["Api"]["Properties"]["GatewayResponses"]["THROTTLED"]
    assert json.loads(throttled["ResponseTemplates"]["application/json"]) == json.loads(body["Content"])


def test_the_aws_managed_rule_groups_apply_as_aws_wrote_them() -> None:
    managed = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]: rule
        for rule in rules().values()
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert set(managed) == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    for rule in managed.values():
        assert rule["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS"
        assert rule["OverrideAction"] == {"None": {}}, "the group's own actions, not count-only"


def test_the_web_acl_is_associated_with_the_api_stage() -> None:
    association = RESOURCES["ApiWebAclAssociation"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    assert association["ResourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}/stages/${Api.Stage}"
    }
