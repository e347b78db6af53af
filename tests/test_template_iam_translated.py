"""Least privilege in what CloudFormation receives: template.yaml as SAM transforms it.

tests/test_template_iam.py reads the grants written in template.yaml; this module reads what SAM
adds when it transforms it (scripts/sam_translate.py, with the aws-sam-translator of the SAM CLI's
environment, the very one `sam deploy` uses): the role it generates for each function, the AWS
managed policies it attaches to them (basic execution, X-Ray for `Tracing: Active`, the DynamoDB
stream read of an event source), the on-failure and dead-letter queue grants, and the roles of
the schedules. AWS managed policies are not in the template: their documents are below, as the
AWS Managed Policy reference publishes them (default versions, read 2026-12).

Every identity policy (role inline policies, managed policies, attached AWS managed policies)
holds no wildcard in an action, and names `*` as a resource only for the actions listed in
STAR_RESOURCE_ALLOWED (AWS authorises them on no narrower resource) or SAM_IMPOSED_STAR (what
SAM's generated roles carry, each with why it is there). Resource policies (the bucket's TLS-only
Deny, the KMS key policies) are not identity grants; tests/test_template_iam.py checks them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.test_packaging import REPO
from tests.test_sam_build import make

TRANSLATED = REPO / ".aws-sam" / "translated.json"  # make sam-translate
MANAGED_ARN = "arn:aws:iam::aws:policy/"

# The AWS managed policies SAM attaches to the roles it generates (default versions).
AWS_MANAGED: dict[str, list[dict[str, Any]]] = {
    # v1: every role SAM makes for a function.
    "service-role/AWSLambdaBasicExecutionRole": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    ],
    # v2: Tracing: Active.
    "AWSXrayWriteOnlyAccess": [
        {
            "Effect": "Allow",
            "Action": [
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ],
            "Resource": ["*"],
        }
    ],
    # v1: a DynamoDB stream event source.
    "service-role/AWSLambdaDynamoDBExecutionRole": [
        {
            "Effect": "Allow",
            "Action": [
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:ListStreams",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            "Resource": "*",
        }
    ],
}

# Actions that AWS authorises on no narrower resource than `*`, and why.
STAR_RESOURCE_ALLOWED = {
    "xray:PutTraceSegments": "X-Ray has no resource-level permissions for writing traces",
    "xray:PutTelemetryRecords": "X-Ray has no resource-level permissions for telemetry",
    "xray:GetSamplingRules": "the sampling rules are read account-wide, with no resource to name",
    "xray:GetSamplingTargets": "as GetSamplingRules",
    "xray:GetSamplingStatisticSummaries": "as GetSamplingRules",
    "sns:Publish": "an SMS sent straight to a phone number has no topic ARN to name",
    "dynamodb:ListStreams": "ListStreams names no stream (it lists them), so IAM takes no resource for it",
}

# What SAM's generated roles carry on `*` although AWS would take a narrower resource. SAM attaches
# these AWS managed policies to every role it generates and has no switch to leave them out (only a
# function's own Role, written in full, avoids them). Listed exactly: nothing may join them.
SAM_IMPOSED_STAR = {
    "logs:CreateLogGroup": "AWSLambdaBasicExecutionRole; unused: each function's log group is in the template",
    "logs:CreateLogStream": "AWSLambdaBasicExecutionRole; the function's log group would do",
    "logs:PutLogEvents": "AWSLambdaBasicExecutionRole; the function's log group would do",
    "dynamodb:DescribeStream": "AWSLambdaDynamoDBExecutionRole (NotifyFunction); SharesTable's stream would do",
    "dynamodb:GetRecords": "AWSLambdaDynamoDBExecutionRole (NotifyFunction); SharesTable's stream would do",
    "dynamodb:GetShardIterator": "AWSLambdaDynamoDBExecutionRole (NotifyFunction); SharesTable's stream would do",
}


@dataclass(frozen=True)
class Grant:
    owner: str  # the role or policy resource that holds the statement
    source: str  # inline policy name, template managed policy, or AWS managed policy
    statement: dict[str, Any]

    @property
    def actions(self) -> list[str]:
        return [str(a) for a in _listed(self.statement.get("Action"))]

    @property
    def resources(self) -> list[Any]:
        return _listed(self.statement.get("Resource"))


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _listed(document.get("Statement")) if s.get("Effect") == "Allow"]


def grants(translated: dict[str, Any]) -> list[Grant]:
    """Every Allow statement a role of the translated template holds, from any of its policies."""
    resources: dict[str, Any] = translated["Resources"]
    found: list[Grant] = []
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            found += [Grant(logical_id, logical_id, s) for s in _statements(props["PolicyDocument"])]
        if resource["Type"] == "AWS::IAM::Policy":
            found += [Grant(logical_id, props["PolicyName"], s) for s in _statements(props["PolicyDocument"])]
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in props.get("Policies", []):
            found += [Grant(logical_id, policy["PolicyName"], s) for s in _statements(policy["PolicyDocument"])]
        for arn in props.get("ManagedPolicyArns", []):
            if isinstance(arn, dict) and set(arn) == {"Ref"} and arn["Ref"] in resources:
                continue  # a managed policy of the template: read above, as its own resource
            assert isinstance(arn, str) and arn.startswith(MANAGED_ARN), f"{logical_id}: unknown policy {arn!r}"
            name = arn.removeprefix(MANAGED_ARN)
            assert name in AWS_MANAGED, f"{logical_id}: {name} is attached; add its document to AWS_MANAGED"
            found += [Grant(logical_id, name, s) for s in AWS_MANAGED[name]]
    return found


def wildcard_actions(found: list[Grant]) -> list[str]:
    return [f"{g.owner} ({g.source}): {a}" for g in found for a in g.actions if "*" in a]


def unexplained_star_resources(found: list[Grant]) -> list[str]:
    allowed = STAR_RESOURCE_ALLOWED.keys() | SAM_IMPOSED_STAR.keys()
    return [
        f"{g.owner} ({g.source}): {a} on *" for g in found if "*" in g.resources for a in g.actions if a not in allowed
    ]


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    make("sam-translate")
    document: dict[str, Any] = json.loads(TRANSLATED.read_text(encoding="utf-8"))
    return document


def _roles(translated: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {lid: r["Properties"] for lid, r in translated["Resources"].items() if r["Type"] == "AWS::IAM::Role"}


def _functions(translated: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {lid: r["Properties"] for lid, r in translated["Resources"].items() if r["Type"] == "AWS::Lambda::Function"}


def test_no_statement_has_a_wildcard_action(translated: dict[str, Any]) -> None:
    found = grants(translated)
    assert len({g.owner for g in found}) >= 9, "fewer roles and policies than the template makes"
    assert wildcard_actions(found) == []


def test_star_resources_only_where_named(translated: dict[str, Any]) -> None:
    found = grants(translated)
    assert unexplained_star_resources(found) == []
    on_star = {a for g in found if "*" in g.resources for a in g.actions}
    # Each named exception is still needed: a stale entry would let a new grant through unseen.
    assert on_star == STAR_RESOURCE_ALLOWED.keys() | SAM_IMPOSED_STAR.keys()


def test_sam_generates_one_role_per_function_with_what_it_adds(translated: dict[str, Any]) -> None:
    roles = _roles(translated)
    functions = _functions(translated)
    assert len(functions) == 6
    for logical_id, function in functions.items():
        role = function["Role"]
        assert role == {"Fn::GetAtt": [f"{logical_id}Role", "Arn"]}, logical_id
        props = roles[f"{logical_id}Role"]
        principals = [s["Principal"] for s in props["AssumeRolePolicyDocument"]["Statement"]]
        assert principals == [{"Service": ["lambda.amazonaws.com"]}], logical_id
        attached = {a.removeprefix(MANAGED_ARN) for a in props["ManagedPolicyArns"] if isinstance(a, str)}
        expected = {"service-role/AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess"}
        if logical_id == "NotifyFunction":
            expected.add("service-role/AWSLambdaDynamoDBExecutionRole")
        assert attached == expected, logical_id


def test_queue_grants_name_their_queue_only(translated: dict[str, Any]) -> None:
    sends = {
        (g.owner, json.dumps(r, sort_keys=True))
        for g in grants(translated)
        if "sqs:SendMessage" in g.actions
        for r in g.resources
    }
    failure = json.dumps({"Fn::GetAtt": ["NotifyFailureQueue", "Arn"]}, sort_keys=True)
    schedule = json.dumps({"Fn::GetAtt": ["ScheduleFailureQueue", "Arn"]}, sort_keys=True)
    assert sends == {
        ("NotifyFunctionRole", failure),  # the stream's on-failure destination
        ("NotifyFunctionRole", schedule),  # its schedule's dead-letter queue
        ("InviteFunctionRole", schedule),
    }


def test_each_schedule_may_invoke_its_own_function_only(translated: dict[str, Any]) -> None:
    roles = _roles(translated)
    scheduled = {"InviteFunctionRelaunchRole": "InviteFunction", "NotifyFunctionExpirySweepRole": "NotifyFunction"}
    assert {lid for lid in roles if not lid.endswith("FunctionRole")} == set(scheduled)
    for role, function in scheduled.items():
        props = roles[role]
        principals = [s["Principal"] for s in props["AssumeRolePolicyDocument"]["Statement"]]
        assert principals == [{"Service": ["scheduler.amazonaws.com"]}], role
        assert "ManagedPolicyArns" not in props, role
        statements = [s for p in props["Policies"] for s in _statements(p["PolicyDocument"])]
        assert [(s["Action"], s["Resource"]) for s in statements] == [
            ("lambda:InvokeFunction", {"Fn::GetAtt": [function, "Arn"]})
        ], role


def test_the_checks_see_a_wildcard_action_and_an_unnamed_star_resource() -> None:
    """Guards the guard: a `*` action, a `service:*` one, a `Get*` one, an unknown AWS managed
    policy, and `*` as the resource of an action AWS can scope are each reported."""
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "ManagedPolicyArns": [MANAGED_ARN + "service-role/AWSLambdaBasicExecutionRole"],
            "Policies": [
                {
                    "PolicyName": "p",
                    "PolicyDocument": {
                        "Statement": [
                            {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"},
                            {"Effect": "Allow", "Action": ["s3:*", "s3:Get*"], "Resource": "arn:aws:s3:::b/*"},
                            {"Effect": "Allow", "Action": ["s3:GetObject", "sns:Publish"], "Resource": "*"},
                            {"Effect": "Deny", "Action": "*", "Resource": "*"},
                        ]
                    },
                }
            ],
        },
    }
    found = grants({"Resources": {"R": role}})
    assert wildcard_actions(found) == ["R (p): *", "R (p): s3:*", "R (p): s3:Get*"]
    assert unexplained_star_resources(found) == ["R (p): s3:GetObject on *"]
    unknown = {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [MANAGED_ARN + "AdministratorAccess"]}}
    with pytest.raises(AssertionError, match="AdministratorAccess is attached"):
        grants({"Resources": {"R": unknown}})
