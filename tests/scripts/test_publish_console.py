"""scripts/publish_console.py against the embedded AWS (moto): the stack's outputs become
config.json, the build lands under app/ with its cache rules, and CloudFront drops its copies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scripts import publish_console

REGION = "eu-west-3"
STACK_TEMPLATE = {
    "Parameters": {"LetterCostCents": {"Type": "Number", "Default": 182}},
    "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
    "Outputs": {
        "ApiUrl": {"Value": "https://abc123.execute-api.eu-west-3.amazonaws.com/v1"},
        "UserPoolId": {"Value": "eu-west-3_pool"},
        "UserPoolClientId": {"Value": "client123"},
        "ConsoleBucketName": {"Value": "console-bucket"},
        "ConsoleDistributionId": {"Value": "DISTRIBUTION"},
    },
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    for name in ("AWS_ENDPOINT_URL",):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        session = boto3.Session(region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")
        session.client("s3").create_bucket(
            Bucket="console-bucket", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield session


def deploy(session: boto3.Session, distribution_id: str, letter_cost: str = "250") -> None:
    template = json.loads(json.dumps(STACK_TEMPLATE))
    template["Outputs"]["ConsoleDistributionId"]["Value"] = distribution_id
    session.client("cloudformation").create_stack(
        StackName="vault-share",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "LetterCostCents", "ParameterValue": letter_cost}],
    )


def distribution(session: boto3.Session) -> str:
    created = session.client("cloudfront").create_distribution(
        DistributionConfig={
            "CallerReference": "console",
            "Comment": "console",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "console",
                        "DomainName": "console-bucket.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "console",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            },
        }
    )
    return str(created["Distribution"]["Id"])


def build(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "assets" / "index-abc.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    return tmp_path


def stored(session: boto3.Session, key: str) -> dict[str, Any]:
    answer = session.client("s3").get_object(Bucket="console-bucket", Key=key)
    return {"body": answer["Body"].read(), "type": answer["ContentType"], "cache": answer.get("CacheControl")}


def test_the_build_and_its_config_are_published(aws: boto3.Session, tmp_path: Path) -> None:
    distribution_id = distribution(aws)
    deploy(aws, distribution_id)
    published = publish_console.publish(aws, "vault-share", build(tmp_path))

    config = json.loads(stored(aws, "app/config.json")["body"])
    assert config == {
        "apiUrl": "https://abc123.execute-api.eu-west-3.amazonaws.com/v1",
        "region": REGION,
        "userPoolId": "eu-west-3_pool",
        "userPoolClientId": "client123",
        "authFlow": "USER_SRP_AUTH",
        "letterCostCents": 250,
    }
    assert stored(aws, "app/config.json")["cache"] == "no-cache"
    index = stored(aws, "app/index.html")
    assert (index["type"], index["cache"]) == ("text/html", "no-cache")
    asset = stored(aws, "app/assets/index-abc.js")
    assert asset["cache"] == "public, max-age=31536000, immutable"
    assert asset["type"] in ("text/javascript", "application/javascript")
    assert stored(aws, "app/favicon.svg")["type"] == "image/svg+xml"
    invalidation = aws.client("cloudfront").get_invalidation(
        DistributionId=distribution_id, Id=published["invalidation"]
    )
    assert invalidation["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == [
        "/app/index.html",
        "/app/config.json",
    ]


def test_index_html_goes_last_so_no_page_points_at_assets_not_yet_uploaded(tmp_path: Path) -> None:
    keys = [key for _, key, _, _ in publish_console.uploads(build(tmp_path))]
    assert keys[-1] == "app/index.html"
    assert sorted(keys) == ["app/assets/index-abc.js", "app/favicon.svg", "app/index.html"]


def test_no_build_or_an_old_stack_is_said_plainly(aws: boto3.Session, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="make console"):
        publish_console.publish(aws, "vault-share", tmp_path)
    aws.client("cloudformation").create_stack(
        StackName="old", TemplateBody=json.dumps({"Resources": STACK_TEMPLATE["Resources"]})
    )
    with pytest.raises(SystemExit, match="no output ApiUrl"):
        publish_console.publish(aws, "old", build(tmp_path))
