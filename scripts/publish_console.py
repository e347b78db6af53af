"""Publishes the owner console (console/dist, `make console`) to a deployed stack.

    python -m scripts.publish_console --stack vault-share [--region eu-west-3]

Reads the stack's outputs (ApiUrl, UserPoolId, UserPoolClientId, ConsoleBucketName,
ConsoleDistributionId) and its LetterCostCents, writes config.json from them (SRP sign-in: AWS's
user pool client), uploads the build under app/ of the console bucket (hashed assets cached for a
year, index.html and config.json revalidated each time), then asks CloudFront to drop its copies
of those two. The same build serves every stack: only config.json differs.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
from pathlib import Path
from typing import Any

import boto3

DIST = Path(__file__).resolve().parent.parent / "console" / "dist"
PREFIX = "app"
OUTPUTS = ("ApiUrl", "UserPoolId", "UserPoolClientId", "ConsoleBucketName", "ConsoleDistributionId")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def stack_facts(cloudformation: Any, stack: str) -> tuple[dict[str, str], dict[str, str]]:
    """The stack's outputs and parameters, by name."""
    [described] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    missing = [name for name in OUTPUTS if name not in outputs]
    if missing:
        raise SystemExit(f"stack {stack} has no output {', '.join(missing)}: deploy the current template first")
    parameters = {
        p["ParameterKey"]: p.get("ResolvedValue", p.get("ParameterValue", "")) for p in described.get("Parameters", [])
    }
    return outputs, parameters


def console_config(outputs: dict[str, str], parameters: dict[str, str], region: str) -> dict[str, Any]:
    return {
        "apiUrl": outputs["ApiUrl"],
        "region": region,
        "userPoolId": outputs["UserPoolId"],
        "userPoolClientId": outputs["UserPoolClientId"],
        "authFlow": "USER_SRP_AUTH",
        "letterCostCents": int(parameters.get("LetterCostCents") or 182),
    }


def uploads(dist: Path) -> list[tuple[Path, str, str, str]]:
    """(file, key, content type, cache control) for every file of the build, index.html last."""
    files = sorted((p for p in dist.rglob("*") if p.is_file()), key=lambda p: p.name == "index.html")
    planned = []
    for file in files:
        relative = file.relative_to(dist).as_posix()
        media = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        cache = IMMUTABLE if relative.startswith("assets/") else REVALIDATE
        planned.append((file, f"{PREFIX}/{relative}", media, cache))
    return planned


def publish(session: Any, stack: str, dist: Path = DIST) -> dict[str, Any]:
    if not (dist / "index.html").is_file():
        raise SystemExit(f"{dist} has no build: run `make console` first")
    region = session.region_name
    outputs, parameters = stack_facts(session.client("cloudformation"), stack)
    s3, bucket = session.client("s3"), outputs["ConsoleBucketName"]
    config = console_config(outputs, parameters, region)
    # config.json before index.html: a visitor between the two uploads gets the new config with the old page.
    s3.put_object(
        Bucket=bucket,
        Key=f"{PREFIX}/config.json",
        Body=json.dumps(config, indent=2).encode(),
        ContentType="application/json",
        CacheControl=REVALIDATE,
    )
    for file, key, media, cache in uploads(dist):
        s3.put_object(Bucket=bucket, Key=key, Body=file.read_bytes(), ContentType=media, CacheControl=cache)
    invalidation = session.client("cloudfront").create_invalidation(
        DistributionId=outputs["ConsoleDistributionId"],
        InvalidationBatch={
            "Paths": {"Quantity": 2, "Items": [f"/{PREFIX}/index.html", f"/{PREFIX}/config.json"]},
            "CallerReference": f"publish-{time.time_ns()}",
        },
    )
    return {"bucket": bucket, "config": config, "invalidation": invalidation["Invalidation"]["Id"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", default="vault-share", help="CloudFormation stack name (samconfig.toml's)")
    parser.add_argument("--region", default=None, help="the stack's region (default: the AWS CLI's)")
    arguments = parser.parse_args(argv)
    published = publish(boto3.Session(region_name=arguments.region), arguments.stack)
    print(f"console published to s3://{published['bucket']}/{PREFIX}/ (invalidation {published['invalidation']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
