"""Least privilege in what CloudFormation receives: template.yaml as SAM transforms it.

tests/test_template_iam.py reads the grants written in template.yaml; this module reads the
template as SAM transforms it (make sam-translate: scripts/sam_translate.py, with the
aws-sam-translator of the SAM CLI's environment, the one `sam deploy` uses), so that what SAM adds
is seen too: the event source mappings, dead-letter and on-failure queues, the schedules' roles.

A role SAM generates for a function carries AWS managed policies written for everyone:
AWSLambdaBasicExecutionRole (logs:CreateLogGroup, CreateLogStream, PutLogEvents on `*`),
AWSXrayWriteOnlyAccess (X-Ray on `*`) and, with a DynamoDB event, AWSLambdaDynamoDBExecutionRole
(the stream reads and the logs on `*`), and SAM has no switch to leave them out. So every function
names its own role, written in the template, and no AWS managed policy is attached anywhere.

Every identity policy (inline in a role, or a managed policy of the template) holds no wildcard in
an action, and names `*` as a resource only for the actions of STAR_RESOURCE_ALLOWED (shared with
tests/test_template_iam.py), which AWS authorises on no narrower resource. Resource policies (the
bucket's TLS-only Deny, the KMS key policies) are not identity grants; tests/test_template_iam.py
checks them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.test_packaging import REPO
from tests.test_sam_build import make
from tests.test_template_iam import STAR_RESOURCE_ALLOWED, Grant, _listed

TRANSLATED = REPO / ".aws-sam" / "translated.json"  # make sam-translate
MANAGED_ARN = "arn:aws:iam::aws:policy/"


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _listed(document.get("Statement")) if s.get("Effect") == "Allow"]


def grants(translated: dict[str, Any]) -> list[Grant]:
    """Every Allow statement of an identity policy of the translated template: a role's inline
    policies (owner `Role (PolicyName)`), and the template's managed policies."""
    resources: dict[str, Any] = translated["Resources"]
    found: list[Grant] = []
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            found += [Grant(logical_id, s) for s in _statements(props["PolicyDocument"])]
        if resource["Type"] == "AWS::IAM::Policy":
            owner = f"{logical_id} ({props['PolicyName']})"
            found += [Grant(owner, s) for s in _statements(props["PolicyDocument"])]
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in props.get("Policies", []):
            owner = f"{logical_id} ({policy['PolicyName']})"
            found += [Grant(owner, s) for s in _statements(policy["PolicyDocument"])]
        for arn in props.get("ManagedPolicyArns", []):
            # A managed policy of the template is read above, as its own resource; an AWS managed one
            # is written for everyone (and its document is not in the template).
            ours = isinstance(arn, dict) and set(arn) == {"Ref"} and arn["Ref"] in resources
            assert ours, f"{logical_id}: an AWS managed policy is attached: {arn!r}"
    return found


def wildcard_actions(found: list[Grant]) -> list[str]:
    return [f"{g.owner}: {a}" for g in found for a in g.actions if "*" in a]


def unexplained_star_resources(found: list[Grant]) -> list[str]:
    allowed = STAR_RESOURCE_ALLOWED.keys()
    return [f"{g.owner}: {a} on *" for g in found if "*" in g.resources for a in g.actions if a not in allowed]


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
    assert len({g.owner for g in found}) >= 10, "fewer roles and policies than the template makes"
    assert wildcard_actions(found) == []


def test_star_resources_only_where_named(translated: dict[str, Any]) -> None:
    found = grants(translated)
    assert unexplained_star_resources(found) == []
    on_star = {a for g in found if "*" in g.resources for a in g.actions}
    # Each named exception is still needed: a stale entry would let a new grant through unseen.
    assert on_star == STAR_RESOURCE_ALLOWED.keys()


def test_each_function_runs_as_its_own_role_with_no_aws_managed_policy(translated: dict[str, Any]) -> None:
    roles = _roles(translated)
    functions = _functions(translated)
    assert len(functions) == 6
    runtime = translated["Resources"]["FunctionRuntimePolicy"]["Properties"]
    for logical_id, function in functions.items():
        role = f"{logical_id}Role"
        assert function["Role"] == {"Fn::GetAtt": [role, "Arn"]}, logical_id
        props = roles[role]
        assert {"Key": "lambda:createdBy", "Value": "SAM"} not in props.get("Tags", []), f"{role} is SAM's"
        principals = [s["Principal"] for s in props["AssumeRolePolicyDocument"]["Statement"]]
        assert principals in ([{"Service": "lambda.amazonaws.com"}], [{"Service": ["lambda.amazonaws.com"]}]), role
        assert {"Ref": role} in runtime["Roles"], f"{role}: no logs, no traces"
    assert len(runtime["Roles"]) == len(functions)


def test_functions_log_into_the_log_groups_of_the_template_only(translated: dict[str, Any]) -> None:
    resources = translated["Resources"]
    groups = {lid for lid, r in resources.items() if r["Type"] == "AWS::Logs::LogGroup"}
    logging = [g for g in grants(translated) if any(a.startswith("logs:") for a in g.actions)]
    assert [g.owner for g in logging] == ["FunctionRuntimePolicy"]
    (grant,) = logging
    assert sorted(grant.actions) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    named = {r.removeprefix("${").removesuffix(".Arn}") for r in grant.resources if r.endswith(".Arn}")}
    assert len(named) == len(grant.resources), grant.resources
    assert named == {f"{f}Logs" for f in _functions(translated)}
    assert named < groups  # the API's access log group is API Gateway's to write


def test_queue_grants_name_their_queue_only(translated: dict[str, Any]) -> None:
    sends = {(g.owner, r) for g in grants(translated) if "sqs:SendMessage" in g.actions for r in g.resources}
    assert sends == {
        ("NotifyFunctionRole (calls)", "${NotifyFailureQueue.Arn}"),  # the stream's on-failure destination
        ("NotifyFunctionRole (calls)", "${ScheduleFailureQueue.Arn}"),  # its schedule's dead-letter queue
        ("InviteFunctionRole (calls)", "${ScheduleFailureQueue.Arn}"),
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
    """Guards the guard: a `*` action, a `service:*` one, a `Get*` one, an AWS managed policy, and
    `*` as the resource of an action AWS can scope are each reported."""
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {
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
    sams = {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [MANAGED_ARN + "AWSXrayWriteOnlyAccess"]}}
    with pytest.raises(AssertionError, match="an AWS managed policy is attached"):
        grants({"Resources": {"R": sams}})
