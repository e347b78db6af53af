"""Creates template.yaml's resources in the embedded AWS (moto), with local names.

Only the resource types the stack needs are known here; any other type in the
template is refused loudly, so a new resource cannot be silently missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3

from devstack.template import Resolver

# Types that exist only in the cloud (IAM, logs, API, layer, CDN, alarms) or that the local stack
# emulates itself (functions and their events; the console's site: devstack/console.py).
_NOT_PROVISIONED = {
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::SNS::Subscription",
    "AWS::SNS::Topic",
    "AWS::SNS::TopicPolicy",
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::Function",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::Serverless::Function",
    "AWS::Serverless::Api",
    "AWS::Serverless::LayerVersion",
    "AWS::Logs::LogGroup",
    "AWS::S3::BucketPolicy",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Role",
    # The optional web ACL in front of the API stage (EnableWaf): moto serves no WAF in front of
    # the local gateway, and the local stack has no edge to protect.
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation",
}


class Provisioner:
    def __init__(self, resolver: Resolver, stack_name: str, region: str, account: str) -> None:
        self.resolver = resolver
        self.stack = stack_name
        self.region = region
        self.account = account
        self._handlers: dict[str, Callable[[str, dict[str, Any]], None]] = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::S3::Bucket": self._bucket,
            "AWS::Cognito::UserPool": self._user_pool,
            "AWS::Cognito::UserPoolClient": self._user_pool_client,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::SQS::Queue": self._queue,
            "AWS::KMS::Key": self._key,
        }

    def create_all(self, resources: dict[str, Any]) -> None:
        # Dependencies first: the user pool before its client.
        order = sorted(resources.items(), key=lambda kv: kv[1]["Type"] == "AWS::Cognito::UserPoolClient")
        for logical_id, resource in order:
            kind = resource["Type"]
            if kind in _NOT_PROVISIONED:
                continue
            if kind not in self._handlers:
                raise NotImplementedError(f"{logical_id}: the local stack cannot create {kind}")
            self._handlers[kind](logical_id, self.resolver.resolve(resource.get("Properties", {})))

    def _name(self, logical_id: str) -> str:
        return f"{self.stack}-{logical_id}"

    def _table(self, logical_id: str, props: dict[str, Any]) -> None:
        ddb = boto3.client("dynamodb")
        name = props.get("TableName") or self._name(logical_id)
        args: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        if props.get("GlobalSecondaryIndexes"):
            args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if props.get("StreamSpecification"):
            args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        if props.get("SSESpecification", {}).get("SSEEnabled"):
            args["SSESpecification"] = {"Enabled": True}
        table = ddb.create_table(**args)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        self.resolver.refs[logical_id] = name
        attributes = {"Arn": table["TableArn"]}
        if "LatestStreamArn" in table:
            attributes["StreamArn"] = table["LatestStreamArn"]
        self.resolver.attributes[logical_id] = attributes

    def _bucket(self, logical_id: str, props: dict[str, Any]) -> None:
        s3 = boto3.client("s3")
        name = (props.get("BucketName") or self._name(logical_id)).lower()
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.region})
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
        if "BucketEncryption" in props:
            # CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault.
            rules = [
                {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "CorsConfiguration" in props:
            rules = [
                {{"MaxAge": "MaxAgeSeconds"}.get(k, k): v for k, v in rule.items()}
                for rule in props["CorsConfiguration"]["CorsRules"]
            ]
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
        self.resolver.refs[logical_id] = name
        self.resolver.attributes[logical_id] = {"Arn": f"arn:aws:s3:::{name}"}

    def _user_pool(self, logical_id: str, props: dict[str, Any]) -> None:
        cognito = boto3.client("cognito-idp")
        # EnabledMfas is CloudFormation's: the API sets the methods by SetUserPoolMfaConfig.
        args = {k: v for k, v in props.items() if k not in ("UserPoolName", "EnabledMfas")}
        pool = cognito.create_user_pool(PoolName=props.get("UserPoolName", self._name(logical_id)), **args)
        pool_id = pool["UserPool"]["Id"]
        if "SOFTWARE_TOKEN_MFA" in props.get("EnabledMfas", []):
            cognito.set_user_pool_mfa_config(
                UserPoolId=pool_id,
                SoftwareTokenMfaConfiguration={"Enabled": True},
                MfaConfiguration=props.get("MfaConfiguration", "OPTIONAL"),
            )
        self.resolver.refs[logical_id] = pool_id
        self.resolver.attributes[logical_id] = {
            "Arn": pool["UserPool"]["Arn"],
            "ProviderName": f"cognito-idp.{self.region}.amazonaws.com/{pool_id}",
        }

    def _user_pool_client(self, logical_id: str, props: dict[str, Any]) -> None:
        cognito = boto3.client("cognito-idp")
        client = cognito.create_user_pool_client(**props)["UserPoolClient"]
        self.resolver.refs[logical_id] = client["ClientId"]

    def _secret(self, logical_id: str, props: dict[str, Any]) -> None:
        sm = boto3.client("secretsmanager")
        generate = props.get("GenerateSecretString")
        if generate:
            value = sm.get_random_password(
                PasswordLength=int(generate.get("PasswordLength", 32)),
                ExcludePunctuation=bool(generate.get("ExcludePunctuation", False)),
            )["RandomPassword"]
        else:
            value = props["SecretString"]
        arn = sm.create_secret(Name=props.get("Name", self._name(logical_id)), SecretString=value)["ARN"]
        self.resolver.refs[logical_id] = arn

    def _queue(self, logical_id: str, props: dict[str, Any]) -> None:
        sqs = boto3.client("sqs")
        name = props.get("QueueName", self._name(logical_id))
        attributes = {
            k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in props.items() if k != "QueueName"
        }
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.resolver.refs[logical_id] = url
        self.resolver.attributes[logical_id] = {"Arn": arn, "QueueName": name}

    def _key(self, logical_id: str, props: dict[str, Any]) -> None:
        kms = boto3.client("kms")
        args: dict[str, Any] = {"Description": props.get("Description", logical_id)}
        if "KeyPolicy" in props:
            args["Policy"] = json.dumps(props["KeyPolicy"])
        key = kms.create_key(**args)["KeyMetadata"]
        if props.get("EnableKeyRotation"):
            kms.enable_key_rotation(KeyId=key["KeyId"])
        # As CloudFormation: !Ref is the key id, !GetAtt .Arn and .KeyId.
        self.resolver.refs[logical_id] = key["KeyId"]
        self.resolver.attributes[logical_id] = {"Arn": key["Arn"], "KeyId": key["KeyId"]}


def stream_arns(resolver: Resolver) -> dict[str, str]:
    """Table logical id -> stream ARN, for the poller."""
    return {lid: attrs["StreamArn"] for lid, attrs in resolver.attributes.items() if "StreamArn" in attrs}
