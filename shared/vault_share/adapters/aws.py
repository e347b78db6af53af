"""boto3 clients, one per service and container (cold start pays once)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    """Endpoint and region come from the environment (AWS_ENDPOINT_URL locally)."""
    return boto3.session.Session().client(service, config=_CONFIG)
