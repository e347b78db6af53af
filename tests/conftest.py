"""Test wiring shared by every suite.

Table names are fixed before any vault_share import (PynamoDB reads them at
class creation); the `aws` fixture then creates those very tables, bucket,
pool and secret from template.yaml inside moto's in-process mock.
"""

from __future__ import annotations

import os

STACK = "vault-share-test"
REGION = "eu-west-3"

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
        "VAULT_TABLE": f"{STACK}-VaultTable",
        "SHARES_TABLE": f"{STACK}-SharesTable",
        "IDEMPOTENCY_TABLE": f"{STACK}-IdempotencyTable",
        "DOCUMENTS_BUCKET": f"{STACK}-documentsbucket",
        "PEPPER_SECRET_ARN": f"{STACK}-PepperSecret",
        "USER_POOL_ID": "set-by-the-aws-fixture",
        "PUBLIC_BASE_URL": "https://api.vault-share.test/v1",
        "FRONTEND_ORIGIN": "https://app.vault-share.test",
        "SENDER_EMAIL": "no-reply@vault-share.test",
        "LETTER_COST_CENTS": "182",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import moto  # noqa: E402  (after the environment: moto hooks every botocore client made from now on)
from hypothesis import settings  # noqa: E402

# Property tests (tests/unit/test_properties_*.py): 200 examples each, no deadline (two shared cores
# make timings meaningless), no example database (a failure prints the example to pin as @example).
# `make unit` explores new examples at every run; `make test` (what CI runs) takes the "ci" profile,
# the same examples every time, so that the gate is repeatable and exploration finds the news.
settings.register_profile("default", max_examples=200, deadline=None, database=None)
settings.register_profile("ci", settings.get_profile("ci"), max_examples=200, deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

pytest_plugins = ["tests.fixtures"]
__all__ = ["REGION", "STACK", "moto"]
