"""template.yaml as SAM transforms it for CloudFormation, printed as JSON (what `sam deploy` sends).

Run with the SAM CLI's environment, whose aws-sam-translator is the one `sam build` and `sam
deploy` use (its pydantic pin clashes with the project's, so it is not in the dev lock):

    .venv-sam/bin/python scripts/sam_translate.py [template.yaml] > translated.json

No AWS account is used: the managed policy names SAM may resolve come from the map bundled with
aws-sam-translator, and the region is given (SAM_REGION, default eu-west-3).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import boto3
from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class BundledPolicies:
    """Stands for samtranslator's ManagedPolicyLoader, which would ask IAM."""

    def load(self) -> dict[str, str]:
        return get_bundled_managed_policy_map("aws") or {}


def _packaged(template: dict[str, Any]) -> dict[str, Any]:
    """Local code folders as the S3 URIs `sam package` puts in their place (as `sam validate` does)."""
    uris = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}
    for resource in template.get("Resources", {}).values():
        key = uris.get(resource.get("Type"))
        value = resource.get("Properties", {}).get(key) if key else None
        if isinstance(value, str) and not value.startswith("s3://"):
            resource["Properties"][key] = f"s3://packaged-code/{value.strip('/')}"
    return template


def translated(path: Path, region: str) -> dict[str, Any]:
    template = _packaged(yaml_parse(path.read_text(encoding="utf-8")))
    # Pseudo parameters (AWS::Region, AWS::Partition...) are taken from a boto3 session's region.
    os.environ["AWS_DEFAULT_REGION"] = region
    boto3.setup_default_session(region_name=region)
    result: dict[str, Any] = transform(template, {}, BundledPolicies())  # type: ignore[arg-type]
    return result


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
    json.dump(translated(source, os.environ.get("SAM_REGION", "eu-west-3")), sys.stdout, indent=1, sort_keys=True)
