"""Least privilege, read from template.yaml as written.

Every function is granted the calls its code makes (see the comments beside each grant), in the
role it names (its grants are the function's here), and these checks hold for every identity
policy of the template: no wildcard action, no Scan, no SAM policy template that grants more than
a use needs, no `*` resource where AWS allows a narrower one. What SAM adds when it transforms the
template (the schedules' roles, the event source mappings) is read by
tests/test_template_iam_translated.py. Resource policies (the bucket's TLS-only Deny, the KMS key
policy) are not identity grants; the key policy has its own test.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import tomllib
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.client import BaseClient
from moto.ses.models import ses_backends
from vault_share import clock

from devstack import template
from devstack.outbox import parse_raw_email
from tests.conftest import REGION
from tests.fixtures import ACCOUNT, Api, Aws, new_user

DOCUMENT = template.load()

# SAM policy templates that grant more than a function of ours uses (checked against SAM's
# policy_templates.json): write the statement instead.
BROAD_POLICY_TEMPLATES = {
    "DynamoDBCrudPolicy": "every item action on the table and its indexes, Scan included",
    "DynamoDBReadPolicy": "Scan, BatchGetItem and DescribeTable along with GetItem and Query",
    "DynamoDBWritePolicy": "PutItem, UpdateItem and BatchWriteItem whichever the function uses",
    "DynamoDBRestoreFromBackupPolicy": "table restores, and Scan",
    "DynamoDBReconfigurePolicy": "UpdateTable",
    "DynamoDBBackupFullAccessPolicy": "backup administration",
    "S3CrudPolicy": "the whole bucket: delete, ACLs, lifecycle, an unconditioned ListBucket",
    "S3ReadPolicy": "the whole bucket, an unconditioned ListBucket",
    "S3WritePolicy": "the whole bucket, ACLs and lifecycle",
    "S3FullAccessPolicy": "every object action on the whole bucket",
    "SESCrudPolicy": "ses:VerifyEmailIdentity, and no ses:FromAddress condition",
    "SESBulkTemplatedCrudPolicy": "identity verification and templated sends",
    "SESBulkTemplatedCrudPolicy_v2": "identity verification on every resource",
    "SESEmailTemplateCrudPolicy": "template administration on every resource",
    "SQSSendMessagePolicy": "sqs:SendMessage*, a wildcard action",
    "SQSPollerPolicy": "receive and delete on the queue",
    "SNSCrudPolicy": "topic creation, attributes and subscriptions",
    "KinesisCrudPolicy": "stream administration",
    "AWSSecretsManagerRotationPolicy": "PutSecretValue and rotation of the secret",
}

# Actions that AWS authorises on no narrower resource than `*`, and why.
STAR_RESOURCE_ALLOWED = {
    "sns:Publish": "an SMS sent straight to a phone number has no topic ARN to name",
    "xray:PutTraceSegments": "X-Ray has no resource-level permissions",
    "xray:PutTelemetryRecords": "X-Ray has no resource-level permissions",
    "dynamodb:ListStreams": "ListStreams names no stream (it lists them), so IAM takes no resource for it",
}


@dataclass(frozen=True)
class Grant:
    owner: str  # the function (or IAM resource) that holds the statement
    statement: dict[str, Any]

    @property
    def actions(self) -> list[str]:
        return _listed(self.statement.get("Action"))

    @property
    def resources(self) -> list[str]:
        return [text(r) for r in _listed(self.statement.get("Resource"))]


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def text(value: Any) -> str:
    """A template value as text: `!GetAtt T.Arn` -> `${T.Arn}`, `!Ref X` -> `${X}`, `!Sub` its string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return "${" + str(arg) + "}"
        if key == "Fn::GetAtt":
            return "${" + ".".join(arg) + "}"
        if key == "Fn::Sub":
            return str(arg if isinstance(arg, str) else arg[0])
    raise AssertionError(f"no text for {value!r}")


def _resources(document: dict[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = document["Resources"]
    return resources


def function_role(document: dict[str, Any], resource: dict[str, Any]) -> str | None:
    """The logical id of the template's role a function names (`Role: !GetAtt <Role>.Arn`)."""
    role = resource["Properties"].get("Role")
    if isinstance(role, dict) and list(role) == ["Fn::GetAtt"] and role["Fn::GetAtt"][1:] == ["Arn"]:
        logical_id = str(role["Fn::GetAtt"][0])
        return logical_id if _resources(document).get(logical_id, {}).get("Type") == "AWS::IAM::Role" else None
    return None


def function_policies(document: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(function, entry) for every entry of every function's Policies, Globals' included, or of the
    role it names: each inline policy's document and each managed policy it attaches."""
    defaults = _listed(document.get("Globals", {}).get("Function", {}).get("Policies"))
    for logical_id, resource in _resources(document).items():
        if resource["Type"] == "AWS::Serverless::Function":
            entries = [*defaults, *_listed(resource["Properties"].get("Policies"))]
            if role := function_role(document, resource):
                props = _resources(document)[role]["Properties"]
                entries += [policy["PolicyDocument"] for policy in props.get("Policies", [])]
                entries += _listed(props.get("ManagedPolicyArns"))
            for entry in entries:
                yield logical_id, entry


def _documents(resource: dict[str, Any]) -> list[dict[str, Any]]:
    props = resource.get("Properties", {})
    if resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
        return [props["PolicyDocument"]]
    if resource["Type"] == "AWS::IAM::Role":
        return [policy["PolicyDocument"] for policy in props.get("Policies", [])]
    return []


def grants(document: dict[str, Any]) -> list[Grant]:
    """Every Allow statement of an identity policy: inline in a function or in its role (the
    function's), or an IAM resource (once for the resource and once for each function that attaches it)."""
    resources = _resources(document)
    roles = {function_role(document, r) for r in resources.values() if r["Type"] == "AWS::Serverless::Function"}
    found: list[Grant] = []
    for logical_id, resource in resources.items():
        if logical_id in roles:
            continue  # a function's role: its grants are the function's, below
        for policy in _documents(resource):
            found += [Grant(logical_id, s) for s in _listed(policy["Statement"])]
    for function, entry in function_policies(document):
        if isinstance(entry, dict) and "Statement" in entry:
            found += [Grant(function, s) for s in _listed(entry["Statement"])]
        elif isinstance(entry, dict) and set(entry) == {"Ref"} and entry["Ref"] in resources:
            for policy in _documents(resources[entry["Ref"]]):
                found += [Grant(function, s) for s in _listed(policy["Statement"])]
    return [g for g in found if g.statement.get("Effect") == "Allow"]


def grants_of(owner: str) -> list[Grant]:
    return [g for g in grants(DOCUMENT) if g.owner == owner]


# ---------------------------------------------------------------- the checks


def wildcard_actions(document: dict[str, Any]) -> list[str]:
    found = [f"{g.owner}: {a}" for g in grants(document) for a in g.actions if "*" in a or "?" in a]
    found += [f"{g.owner}: NotAction grants every other action" for g in grants(document) if "NotAction" in g.statement]
    return found


def scans(document: dict[str, Any]) -> list[str]:
    """Scan reads a whole table; a PartiQL SELECT without its key does too."""
    scanning = {"dynamodb:scan", "dynamodb:partiqlselect"}
    return [f"{g.owner}: {a}" for g in grants(document) for a in g.actions if a.lower() in scanning]


def broad_policies(document: dict[str, Any]) -> list[str]:
    """Deny-listed SAM templates, and AWS managed policies named by string (written for everyone)."""
    resources = _resources(document)
    found = []
    for function, entry in function_policies(document):
        if isinstance(entry, str):
            found.append(f"{function}: managed policy {entry}")
        elif isinstance(entry, dict) and set(entry) == {"Ref"}:
            if resources.get(entry["Ref"], {}).get("Type") != "AWS::IAM::ManagedPolicy":
                found.append(f"{function}: !Ref {entry['Ref']} is no managed policy of this template")
        elif isinstance(entry, dict) and "Statement" not in entry:
            found += [
                f"{function}: {name} ({BROAD_POLICY_TEMPLATES[name]})"
                for name in entry
                if name in BROAD_POLICY_TEMPLATES
            ]
    return found


def star_resources(document: dict[str, Any]) -> list[str]:
    """A `*` resource, or a wildcard in an ARN's head (partition, service, region, account, type)."""
    found = []
    for grant in grants(document):
        if "NotResource" in grant.statement:
            found.append(f"{grant.owner}: NotResource grants every other resource")
        for resource in grant.resources:
            head = resource.split("/", 1)[0]
            if resource != "*" and "*" not in head:
                continue
            for action in grant.actions:
                if resource != "*" or action not in STAR_RESOURCE_ALLOWED:
                    found.append(f"{grant.owner}: {action} on {resource}")
    return found


CHECKS = [wildcard_actions, scans, broad_policies, star_resources]


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_the_template_grants_no_more_than_used(check: Any) -> None:
    assert check(DOCUMENT) == []


def test_the_checks_find_what_they_guard_against() -> None:
    """Guards the guards: a template with each fault in it is caught by each check."""
    bad = {
        "Resources": {
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
            "Broad": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Policies": [
                        {"DynamoDBCrudPolicy": {"TableName": {"Ref": "Table"}}},
                        "AmazonDynamoDBFullAccess",
                        {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "dynamodb:*Item",
                                    "Resource": {"Fn::GetAtt": ["Table", "Arn"]},
                                },
                                {"Effect": "Allow", "Action": ["dynamodb:Scan"], "Resource": "*"},
                                {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::*"},
                                {"Effect": "Allow", "Action": "sns:Publish", "Resource": "arn:aws:sns:*:*:alerts"},
                            ]
                        },
                    ]
                },
            },
        }
    }
    assert wildcard_actions(bad) == ["Broad: dynamodb:*Item", "Broad: s3:*"]
    assert scans(bad) == ["Broad: dynamodb:Scan"]
    assert broad_policies(bad) == [
        f"Broad: DynamoDBCrudPolicy ({BROAD_POLICY_TEMPLATES['DynamoDBCrudPolicy']})",
        "Broad: managed policy AmazonDynamoDBFullAccess",
    ]
    assert star_resources(bad) == [
        "Broad: dynamodb:Scan on *",
        "Broad: s3:* on arn:aws:s3:::*",
        "Broad: sns:Publish on arn:aws:sns:*:*:alerts",
    ]


# ---------------------------------------------------------------- grants that matter most


def pairs(owner: str) -> set[tuple[str, str]]:
    return {(action, resource) for g in grants_of(owner) for action in g.actions for resource in g.resources}


def test_the_public_download_function_gets_exactly_what_it_calls() -> None:
    assert pairs("DownloadFunction") == {
        ("dynamodb:GetItem", "${SharesTable.Arn}"),
        ("dynamodb:UpdateItem", "${SharesTable.Arn}"),
        ("secretsmanager:GetSecretValue", "${PepperSecret}"),
        ("s3:GetObject", "${DocumentsBucket.Arn}/vaults/*"),
        ("s3:GetObjectVersion", "${DocumentsBucket.Arn}/vaults/*"),
    }
    assert all("Condition" not in g.statement for g in grants_of("DownloadFunction"))


def test_index_grants_name_an_index_of_the_table_and_only_query() -> None:
    resources = _resources(DOCUMENT)
    for grant in grants(DOCUMENT):
        for resource in grant.resources:
            if "/index/" not in resource:
                continue
            table_ref, _, index = resource.partition("/index/")
            table = table_ref.removeprefix("${").removesuffix(".Arn}")
            indexes = {i["IndexName"] for i in resources[table]["Properties"].get("GlobalSecondaryIndexes", [])}
            assert index in indexes, f"{grant.owner}: {resource} names no index of {table}"
            assert grant.actions == ["dynamodb:Query"], f"{grant.owner}: {grant.actions} on {resource}"


def test_e_mail_is_sent_as_the_sender_through_the_verified_identity_only() -> None:
    parameters = DOCUMENT["Parameters"]
    sender_domain = parameters["SenderEmail"]["Default"].rpartition("@")[2]
    assert parameters["SesIdentity"]["Default"] == sender_domain
    identity = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SesIdentity}"
    ses_grants = [g for g in grants(DOCUMENT) if any(a.startswith("ses:") for a in g.actions)]
    assert {g.owner for g in ses_grants} == {
        "SendEmailPolicy",
        "CreateLinkFunction",
        "NotifyFunction",
        "InviteFunction",
        "AcceptFunction",
    }
    for grant in ses_grants:
        assert sorted(grant.actions) == ["ses:SendEmail", "ses:SendRawEmail"], grant
        assert grant.resources == [identity], grant
        assert grant.statement["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "SenderEmail"}}}


@pytest.mark.parametrize(
    ("key_id", "function", "variable"),
    [
        ("IdempotencyKey", "CreateLinkFunction", "IDEMPOTENCY_KEY_ARN"),
        ("InvitationKey", "InviteFunction", "INVITATION_KEY_ARN"),
    ],
)
def test_only_its_own_function_may_use_each_kms_key(key_id: str, function: str, variable: str) -> None:
    resources = _resources(DOCUMENT)
    key = resources[key_id]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    # The key policy names the account alone (administration, delegated to IAM), no other principal.
    statements = _listed(key["Properties"]["KeyPolicy"]["Statement"])
    assert [text(s["Principal"]["AWS"]) for s in statements] == ["arn:${AWS::Partition}:iam::${AWS::AccountId}:root"]

    arn = "${" + key_id + ".Arn}"
    kms_grants = {
        (g.owner, a, r)
        for g in grants(DOCUMENT)
        for a in g.actions
        for r in g.resources
        if a.startswith("kms:") and r == arn
    }
    assert kms_grants == {(function, "kms:Encrypt", arn), (function, "kms:Decrypt", arn)}
    functions = {lid: r for lid, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    mentions = {lid for lid, r in functions.items() if key_id in repr(r)}
    assert mentions == {function}
    own = functions[function]["Properties"]["Environment"]["Variables"]
    assert own[variable] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert variable not in DOCUMENT["Globals"]["Function"]["Environment"]["Variables"]


def test_every_kms_grant_names_a_key_of_the_template() -> None:
    keys = {f"${{{lid}.Arn}}" for lid, r in _resources(DOCUMENT).items() if r["Type"] == "AWS::KMS::Key"}
    assert keys == {"${IdempotencyKey.Arn}", "${InvitationKey.Arn}"}
    for grant in grants(DOCUMENT):
        if any(a.startswith("kms:") for a in grant.actions):
            assert set(grant.resources) <= keys, grant


def test_only_the_vault_function_lists_the_bucket_and_only_under_vaults() -> None:
    listing = [g for g in grants(DOCUMENT) if "s3:ListBucket" in g.actions]
    assert [g.owner for g in listing] == ["VaultFunction"]
    (grant,) = listing
    assert grant.actions == ["s3:ListBucket"]
    assert grant.resources == ["${DocumentsBucket.Arn}"]
    assert grant.statement["Condition"] == {"StringLike": {"s3:prefix": "vaults/*"}}


def test_the_tracer_records_no_answer_and_no_error() -> None:
    variables = DOCUMENT["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    assert variables["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false"
    for spec in template.functions(DOCUMENT):
        assert spec.environment["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false", spec.logical_id
        assert spec.environment["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false", spec.logical_id


def test_samconfig_deploys_a_sender_of_its_ses_identity() -> None:
    config = tomllib.loads((template.ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    overrides = dict(item.split("=", 1) for item in config["default"]["deploy"]["parameters"]["parameter_overrides"])
    assert set(overrides) <= set(DOCUMENT["Parameters"]), "samconfig.toml overrides a parameter the template lacks"
    assert overrides["SenderEmail"].rpartition("@")[2] == overrides["SesIdentity"]


# ---------------------------------------------------------------- the grants cover what the code calls


@dataclass(frozen=True)
class Need:
    """One IAM authorisation a call needs: action, resource (in the template's notation), condition context."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()


def covers(grant: Grant, need: Need) -> bool:
    if need.action not in grant.actions or not any(fnmatch(need.resource, r) for r in grant.resources):
        return False
    context = dict(need.context)
    for operator, keys in grant.statement.get("Condition", {}).items():
        for key, wanted in keys.items():
            value = context.get(key)
            # A single-item call has one leading key: ForAllValues on it is that key's own test.
            like = operator in ("StringLike", "ForAllValues:StringLike")
            if value is None or operator not in ("StringEquals", "StringLike", "ForAllValues:StringLike"):
                return False
            patterns = [text(w) for w in _listed(wanted)]
            if not any(fnmatch(value, p) if like else value == p for p in patterns):
                return False
    return True


class Needs:
    """A recorded AWS call -> the authorisations AWS checks for it (their documented mapping), in the
    template's notation: `${SharesTable.Arn}/index/gsi1`, the From address as `${SenderEmail}`..."""

    def __init__(self, aws: Aws) -> None:
        self.logical = {str(v): k for k, v in aws.resolver.refs.items()}
        self.logical.update({a["Arn"]: k for k, a in aws.resolver.attributes.items() if "Arn" in a})
        # A secret is asked for by ARN (as !Ref gives it) or by name (the ARN less its suffix).
        for value, logical_id in list(self.logical.items()):
            if ":secret:" in value:
                self.logical[value.partition(":secret:")[2].rpartition("-")[0]] = logical_id

    def table(self, name: str, index: str | None = None) -> str:
        return "${" + self.logical[name] + ".Arn}" + (f"/index/{index}" if index else "")

    def of(self, service: str, operation: str, params: dict[str, Any]) -> list[Need]:
        if service == "dynamodb":
            return self._dynamodb(operation, params)
        if service == "s3":
            bucket = "${" + self.logical[params["Bucket"]] + ".Arn}"
            if operation == "ListObjectsV2":
                return [Need("s3:ListBucket", bucket, (("s3:prefix", params.get("Prefix", "")),))]
            # HeadObject is authorised as GetObject; asking for a version, as GetObjectVersion.
            action = {"HeadObject": "s3:GetObject"}.get(operation, f"s3:{operation}")
            if "VersionId" in params and action == "s3:GetObject":
                action = "s3:GetObjectVersion"
            return [Need(action, f"{bucket}/{params['Key']}")]
        if service == "ses":
            identity = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SesIdentity}"
            sender = os.environ["SENDER_EMAIL"]  # SenderEmail, as the function received it
            source = params.get("Source", "")
            if source != sender:
                return [Need(f"ses:{operation}", f"identity of {source}", (("ses:FromAddress", source),))]
            return [Need(f"ses:{operation}", identity, (("ses:FromAddress", "${SenderEmail}"),))]
        if service == "secretsmanager":
            return [Need(f"secretsmanager:{operation}", "${" + self.logical[params["SecretId"]] + "}")]
        if service == "kms":
            return [Need(f"kms:{operation}", "${" + self.logical[params["KeyId"]] + ".Arn}")]
        if service == "sns" and operation == "Publish" and "PhoneNumber" in params:
            return [Need("sns:Publish", "*")]  # an SMS to a number: no narrower resource exists
        if service == "cognito-idp":
            return [Need(f"cognito-idp:{operation}", "${" + self.logical[params["UserPoolId"]] + ".Arn}")]
        raise AssertionError(f"no IAM mapping for {service}.{operation}")

    def _dynamodb(self, operation: str, params: dict[str, Any]) -> list[Need]:
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [Need(f"dynamodb:{operation}", self.table(name)) for name in params["RequestItems"]]
        if operation == "TransactWriteItems":
            # Each part is authorised as the single-item action it performs.
            actions = {
                "Put": "PutItem",
                "Update": "UpdateItem",
                "Delete": "DeleteItem",
                "ConditionCheck": "ConditionCheckItem",
            }
            return [
                Need(f"dynamodb:{actions[kind]}", self.table(part["TableName"]), _leading_key(part))
                for item in params["TransactItems"]
                for kind, part in item.items()
            ]
        need = Need(
            f"dynamodb:{operation}", self.table(params["TableName"], params.get("IndexName")), _leading_key(params)
        )
        return [need]


def _leading_key(request: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """dynamodb:LeadingKeys of a single-item request (its partition key `pk`), as a condition context."""
    key = request.get("Key") or request.get("Item") or {}
    value = key.get("pk", {}).get("S")
    return (("dynamodb:LeadingKeys", value),) if value else ()


@pytest.fixture(scope="module")
def calls(aws: Aws, api: Api) -> dict[str, list[Need]]:
    """Every AWS call each function makes along its main paths, through its API Gateway events."""
    made: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    current: list[str] = []
    original = BaseClient._make_api_call

    def spy(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if current:
            made[current[0]].append((client.meta.service_model.signing_name, operation, params))
        return original(client, operation, params)

    def as_(
        function: str, method: str, path: str, body: Any = None, status: int = 200, public: bool = False, **kwargs: Any
    ) -> Any:
        current.append(function)
        try:
            result = api.call(method, path, body, user=None if public else owner, **kwargs)
        finally:
            current.clear()
        assert result.status == status, (method, path, result.status, result.body)
        return result.json() if result.body and "json" in result.headers.get("Content-Type", "") else None

    owner = new_user("iam")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", spy)
        vault = as_("VaultFunction", "POST", "/vaults", {"name": "Garage IAM"}, 201)["vaultId"]
        base = f"/vaults/{vault}"
        dossier = as_("VaultFunction", "POST", f"{base}/dossiers", {"name": "SIV IAM"}, 201)["dossierId"]
        document = as_(
            "VaultFunction",
            "POST",
            f"{base}/dossiers/{dossier}/documents",
            {"fileName": "carte.pdf", "contentType": "application/pdf", "size": 9},
            201,
        )["documentId"]
        complete = f"{base}/dossiers/{dossier}/documents/{document}/complete"
        as_("VaultFunction", "POST", complete, status=409)
        key = f"vaults/{vault}/dossiers/{dossier}/{document}"
        boto3.client("s3").put_object(Bucket=aws.ref("DocumentsBucket"), Key=key, Body=b"%PDF-1.4\n")
        as_("VaultFunction", "POST", complete)
        person = as_("VaultFunction", "POST", f"{base}/persons", {"firstName": "Alain", "lastName": "Dupont"}, 201)
        for path in (
            "/vaults",
            "/me",
            "/me",
            f"{base}/dossiers/{dossier}",
            f"{base}/persons",
            "/notifications",
            f"{base}/home",
        ):
            as_("VaultFunction", "GET", path, query="q=dupont" if path.endswith("persons") else "")
        as_("VaultFunction", "GET", f"{base}/dossiers/{dossier}/journal")
        as_("VaultFunction", "GET", f"{base}/persons/{person['personId']}/journal")

        links = f"{base}/dossiers/{dossier}/links"
        body = {"documentIds": [document], "recipientEmail": "agent@prefecture.example"}
        link = as_("CreateLinkFunction", "POST", links, body, 201)
        for _ in range(2):  # the second answer is the replay
            as_("CreateLinkFunction", "POST", links, body, 201, headers={"Idempotency-Key": "iam-check"})
        other = as_("CreateLinkFunction", "POST", links, {"documentIds": [document]}, 201)
        as_("CreateLinkFunction", "GET", links)
        as_("CreateLinkFunction", "DELETE", f"{base}/links/{other['linkId']}", status=204)

        share = "/share/" + link["url"].rsplit("/", 1)[1]
        pk = {"pk": {"S": "LINK#" + hashlib.sha256(share.rsplit("/", 1)[1].encode()).hexdigest()}}
        shares = boto3.client("dynamodb")
        before = shares.get_item(TableName=aws.ref("SharesTable"), Key=pk)["Item"]
        as_("DownloadFunction", "GET", share)
        wrong = f"{(int(link['code']) + 1) % 1_000_000:06d}"
        as_("DownloadFunction", "POST", share, {"code": wrong}, 403)
        unlocked = as_("DownloadFunction", "POST", share, {"code": link["code"]})
        url = urlsplit(unlocked["documents"][0]["downloadUrl"])
        as_("DownloadFunction", "GET", url.path.removeprefix("/v1"), status=302, query=url.query)
        after = shares.get_item(TableName=aws.ref("SharesTable"), Key=pk)["Item"]

        record = {
            "eventID": uuid.uuid4().hex,
            "eventName": "MODIFY",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": REGION,
            "eventSourceARN": aws.resolver.get_att("SharesTable", "StreamArn"),
            "dynamodb": {
                "ApproximateCreationDateTime": time.time(),
                "Keys": pk,
                "OldImage": before,
                "NewImage": after,
                "SequenceNumber": "1",
                "SizeBytes": 1,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        }
        # The invite function's owner routes: invite (e-mail and SMS), read, relaunch an hour later,
        # cancel; the person's page and its contact details.
        contact = {"firstName": "Jeanne", "lastName": "Martin", "email": "jeanne@example.fr", "mobile": "0612345678"}
        invitee = as_("VaultFunction", "POST", f"{base}/persons", contact, 201)["personId"]
        person_path = f"{base}/persons/{invitee}"
        invited = as_("InviteFunction", "POST", f"{person_path}/invitations", {"dossierIds": [dossier]}, 201)
        for _ in range(2):  # the second answer is the replay
            key = {"Idempotency-Key": "iam-invite"}
            as_("InviteFunction", "POST", f"{person_path}/invitations", {"code": "123456"}, 201, headers=key)
        invitation = f"{base}/invitations/{invited['invitationId']}"
        as_("InviteFunction", "GET", invitation)
        clock.advance(3601)
        try:
            as_("InviteFunction", "POST", f"{invitation}/relaunch")
        finally:
            clock.reset()
        as_("InviteFunction", "DELETE", invitation, status=204)
        as_("InviteFunction", "GET", person_path)
        as_("InviteFunction", "PATCH", person_path, {"mobile": None})
        address = {"line1": "12 rue des Lilas", "postalCode": "75011", "city": "Paris"}
        by_post = {"firstName": "Paul", "lastName": "Bernard", "postalAddress": address}
        by_post_id = as_("VaultFunction", "POST", f"{base}/persons", by_post, 201)["personId"]
        as_("InviteFunction", "POST", f"{base}/persons/{by_post_id}/invitations", {}, 201)
        # Direct access: the account holder's personal code, given to the owner.
        holder = new_user("holder")
        current.append("VaultFunction")
        try:
            code = api.call("GET", "/me", user=holder).json()["personalCode"]
        finally:
            current.clear()
        access = {"personalCode": code, "dossierIds": [dossier]}
        as_("InviteFunction", "POST", f"{base}/persons/{by_post_id}/access", access, 201)
        as_("InviteFunction", "POST", f"{base}/persons/{by_post_id}/access", {"personalCode": "ZZZZ-ZZZZ-ZZZZ"}, 404)

        # The invited person's side: the page, a wrong code, the acceptance with a new account; by
        # letter (no e-mail on file), the e-mail address confirmed first.
        guest = {"firstName": "Lucie", "lastName": "Petit", "email": f"lucie.{uuid.uuid4().hex[:8]}@example.fr"}
        guest_id = as_("VaultFunction", "POST", f"{base}/persons", guest, 201)["personId"]
        code = as_("InviteFunction", "POST", f"{base}/persons/{guest_id}/invitations", {}, 201)["code"]
        token = _invitation_token(last_email_to(guest["email"])["text"])
        as_("AcceptFunction", "GET", f"/invite/{token}", public=True, headers={"Accept": "text/html"})
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        as_("AcceptFunction", "POST", f"/invite/{token}", {"code": wrong, "password": PASSWORD}, 403, public=True)
        as_("AcceptFunction", "POST", f"/invite/{token}", {"code": code, "password": PASSWORD}, public=True)
        by_letter = as_("VaultFunction", "POST", f"{base}/persons", {**by_post, "firstName": "Rose"}, 201)["personId"]
        by_post_invitation = as_("InviteFunction", "POST", f"{base}/persons/{by_letter}/invitations", {}, 201)
        letter_code = by_post_invitation["code"]
        token = _invitation_token(letter_text(aws, vault, by_post_invitation["invitationId"]))
        address = f"rose.{uuid.uuid4().hex[:8]}@example.fr"
        as_("AcceptFunction", "POST", f"/invite/{token}/email", {"email": address}, 202, public=True)
        [email_code] = re.findall(r"\b[0-9]{6}\b", last_email_to(address)["text"])
        fields = {"code": letter_code, "password": PASSWORD, "email": address, "emailCode": email_code}
        as_("AcceptFunction", "POST", f"/invite/{token}", fields, public=True)

        current.append("NotifyFunction")
        try:
            notified = api.pools["NotifyFunction"].invoke({"Records": [record]})
            swept = api.pools["NotifyFunction"].invoke({"task": "expiry_sweep"})
        finally:
            current.clear()
    assert notified == {"batchItemFailures": []} and swept["task"] == "expiry_sweep"
    needs = Needs(aws)
    return {function: [n for call in made_calls for n in needs.of(*call)] for function, made_calls in made.items()}


PASSWORD = "Bienvenue-2026"
_INVITE_LINK = re.compile(r"/invite/([A-Za-z0-9_-]{20,})")


def _invitation_token(text: str) -> str:
    found = _INVITE_LINK.search(text)
    assert found, text
    return found.group(1)


def last_email_to(address: str) -> dict[str, Any]:
    sent = [m for m in ses_backends[ACCOUNT][REGION].sent_messages if address in str(m.destinations or "")]
    assert sent, f"no e-mail to {address}"
    return parse_raw_email(sent[-1].raw_data, list(sent[-1].destinations or []))


def letter_text(aws: Aws, vault_id: str, invitation_id: str) -> str:
    """What the invitation's letter prints (its record, beside the PDF under letters/).

    Found by the invitation's id: S3's LastModified counts whole seconds, so "the newest letter of
    the vault" picked one of two letters written in the same second at random."""
    s3 = boto3.client("s3", region_name=REGION)
    bucket = aws.ref("DocumentsBucket")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"letters/{vault_id}/{invitation_id}/")["Contents"]
    [newest] = [o for o in listed if o["Key"].endswith(".json")]
    text: str = json.loads(s3.get_object(Bucket=bucket, Key=newest["Key"])["Body"].read())["text"]
    return text


@pytest.mark.parametrize(
    "function",
    ["VaultFunction", "CreateLinkFunction", "DownloadFunction", "NotifyFunction", "InviteFunction", "AcceptFunction"],
)
def test_every_call_a_function_makes_is_granted_to_it(calls: dict[str, list[Need]], function: str) -> None:
    """Least privilege cuts both ways: a call without its grant is an AccessDenied in AWS only."""
    assert calls.get(function), f"no AWS call recorded for {function}: the spy saw nothing"
    granted = grants_of(function)
    missing = sorted({need for need in calls[function] if not any(covers(g, need) for g in granted)}, key=repr)
    assert missing == [], f"{function} calls what template.yaml does not grant it"


def test_the_call_check_does_fail() -> None:
    """Guards the guard: a call outside the grants, or outside their condition, is not covered."""
    (ses,) = [g for g in grants_of("NotifyFunction") if "ses:SendRawEmail" in g.actions]
    identity = ses.resources[0]
    assert covers(ses, Need("ses:SendRawEmail", identity, (("ses:FromAddress", "${SenderEmail}"),)))
    assert not covers(ses, Need("ses:SendRawEmail", identity, (("ses:FromAddress", "attacker@evil.example"),)))
    assert not covers(ses, Need("ses:SendRawEmail", identity))
    (listing,) = [g for g in grants_of("VaultFunction") if "s3:ListBucket" in g.actions]
    assert covers(listing, Need("s3:ListBucket", "${DocumentsBucket.Arn}", (("s3:prefix", "vaults/a"),)))
    assert not covers(listing, Need("s3:ListBucket", "${DocumentsBucket.Arn}", (("s3:prefix", "other/a"),)))
    assert not any(covers(g, Need("dynamodb:Scan", "${SharesTable.Arn}")) for g in grants_of("DownloadFunction"))


def test_the_guest_accounts_calls_are_granted_to_the_accept_function_and_no_more(aws: Aws) -> None:
    """AcceptFunction builds adapters.accounts.Accounts: each call it makes, along every path
    (new account, retry, existing account, weak password), is granted on the user pool only."""
    from vault_share.adapters.accounts import AccountExists, Accounts
    from vault_share.errors import Unprocessable

    made: list[tuple[str, str, dict[str, Any]]] = []
    original = BaseClient._make_api_call

    def spy(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        made.append((client.meta.service_model.signing_name, operation, params))
        return original(client, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", spy)
        accounts = Accounts(boto3.client("cognito-idp"), aws.ref("UserPool"))
        address, invitation = f"iam.{uuid.uuid4().hex[:8]}@example.fr", uuid.uuid4().hex
        with pytest.raises(Unprocessable):
            accounts.check_password("faible")
        accounts.create(address, "Bienvenue-2026", invitation_id=invitation)
        accounts.create(address, "Bienvenue-2026", invitation_id=invitation)  # the retry path
        with pytest.raises(AccountExists):
            accounts.create(address, "Bienvenue-2026", invitation_id=uuid.uuid4().hex)
        assert accounts.find(address) is not None
    needs = Needs(aws)
    wanted = {need for call in made for need in needs.of(*call)}
    granted = grants_of("AcceptFunction")
    assert sorted(n for n in wanted if not any(covers(g, n) for g in granted)) == []
    assert not [a for a, _ in pairs("InviteFunction") if a.startswith("cognito-idp:")], (
        "the owner side makes no account"
    )
    cognito = {(a, r) for a, r in pairs("AcceptFunction") if a.startswith("cognito-idp:")}
    assert cognito == {(n.action, n.resource) for n in wanted}
    assert cognito == {
        (f"cognito-idp:{action}", "${UserPool.Arn}")
        for action in ("AdminGetUser", "AdminCreateUser", "AdminSetUserPassword", "DescribeUserPool")
    }
