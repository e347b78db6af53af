"""The owner console as template.yaml deploys it, read from the template (the local stack has no
CloudFront): a private bucket that only this distribution reads, HTTPS, the security headers, deep
links answered by the app (the CloudFront Function's own code, run in Node), and the API and the
uploads allowing the distribution's origin when no other is given."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from devstack import template

DOCUMENT = template.load()
RESOURCES: dict[str, Any] = DOCUMENT["Resources"]
DISTRIBUTION_ORIGIN = {"Fn::Sub": "https://${ConsoleDistribution.DomainName}"}
DISTRIBUTION_ARN = "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${ConsoleDistribution}"


def props(logical_id: str) -> dict[str, Any]:
    properties: dict[str, Any] = RESOURCES[logical_id]["Properties"]
    return properties


def test_the_bucket_is_private_and_read_by_this_distribution_only() -> None:
    bucket = props("ConsoleBucket")
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    statements = props("ConsoleBucketPolicy")["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Sid": "CloudFrontReadsTheConsole",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": "${ConsoleBucket.Arn}/app/*"},
            "Condition": {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": DISTRIBUTION_ARN}}},
        }
    ]
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_cloudfront_signs_with_origin_access_control_and_serves_https_only() -> None:
    oac = props("ConsoleOriginAccessControl")["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )
    config = props("ConsoleDistribution")["DistributionConfig"]
    [origin] = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["ConsoleOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "ConsoleHeaders"}
    assert behaviour["FunctionAssociations"] == [
        {
            "EventType": "viewer-request",
            "FunctionARN": {"Fn::GetAtt": ["ConsoleDeepLinks", "FunctionMetadata.FunctionARN"]},
        }
    ]


def test_the_headers_forbid_framing_sniffing_referrers_and_foreign_scripts() -> None:
    headers = props("ConsoleHeaders")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    policy = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    for directive in ("script-src 'self';", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'"):
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000


def deep_links(uris: list[str]) -> list[dict[str, Any]]:
    """The CloudFront Function's handler, as written in the template, run by Node on each URI."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: the console needs Node.js 20 (make test installs the console with npm)")
    code = props("ConsoleDeepLinks")["FunctionCode"]
    script = code + f"\nconsole.log(JSON.stringify({json.dumps(uris)}.map(u => handler({{request: {{uri: u}}}}))));"
    answer = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True, timeout=30)
    results: list[dict[str, Any]] = json.loads(answer.stdout)
    return results


def test_deep_links_are_answered_by_the_app_and_files_by_themselves() -> None:
    assert props("ConsoleDeepLinks")["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    root, app, deep, person, asset, config, outside = deep_links(
        [
            "/",
            "/app",
            "/app/vaults/v1/dossiers/d1",
            "/app/vaults/v1/persons/p1",
            "/app/assets/index-abc.js",
            "/app/config.json",
            "/secret.txt",
        ]
    )
    moved = {"statusCode": 301, "statusDescription": "Moved Permanently", "headers": {"location": {"value": "/app/"}}}
    assert root == app == moved
    assert deep == person == {"uri": "/app/index.html"}
    assert asset == {"uri": "/app/assets/index-abc.js"}
    assert config == {"uri": "/app/config.json"}
    assert outside["statusCode"] == 404


def test_with_no_frontend_origin_the_api_and_the_uploads_allow_the_distribution() -> None:
    assert template.parameter_defaults(DOCUMENT)["FrontendOrigin"] == ""
    assert DOCUMENT["Conditions"]["HasFrontendOrigin"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "FrontendOrigin"}, ""]}]}
    variable = DOCUMENT["Globals"]["Function"]["Environment"]["Variables"]["FRONTEND_ORIGIN"]
    assert variable == {"Fn::If": ["HasFrontendOrigin", {"Ref": "FrontendOrigin"}, DISTRIBUTION_ORIGIN]}
    [rule] = props("DocumentsBucket")["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == [variable]
    cors = props("Api")["Cors"]
    assert cors["AllowOrigin"] == {
        "Fn::If": [
            "HasFrontendOrigin",
            {"Fn::Sub": "'${FrontendOrigin}'"},
            {"Fn::Sub": "'https://${ConsoleDistribution.DomainName}'"},
        ]
    }
    # The console changes a person's details with PATCH: the preflight must allow it.
    assert "PATCH" in cors["AllowMethods"].strip("'").split(",")


def test_the_stack_tells_where_the_console_is() -> None:
    outputs = DOCUMENT["Outputs"]
    assert outputs["ConsoleUrl"]["Value"] == {"Fn::Sub": "https://${ConsoleDistribution.DomainName}/app/"}
    assert outputs["ConsoleBucketName"]["Value"] == {"Ref": "ConsoleBucket"}
    assert outputs["ConsoleDistributionId"]["Value"] == {"Ref": "ConsoleDistribution"}
