"""The code pepper, as every function that judges a code reads it: from Secrets Manager, once per
container for PEPPER_MAX_AGE_SECONDS, then its current value (a rotation reaches every container
within that time)."""

from __future__ import annotations

import os

import boto3
import pytest
from vault_share.adapters import aws as clients
from vault_share.guard import secrets

from tests.fixtures import Aws


def test_the_pepper_is_read_once_per_five_minutes_then_a_rotation_reaches_it(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(secrets.time, "monotonic", lambda: now[0])
    secrets.forget_peppers()
    arn = os.environ["PEPPER_SECRET_ARN"]
    manager = boto3.client("secretsmanager")
    first = manager.get_secret_value(SecretId=arn)["SecretString"]
    reads: list[str] = []
    clients.client("secretsmanager").meta.events.register(
        "before-call.secrets-manager.GetSecretValue", lambda **_: reads.append("read")
    )
    try:
        assert secrets.Pepper(arn)() == first.encode()
        manager.put_secret_value(SecretId=arn, SecretString="rotated-pepper")
        now[0] += secrets.PEPPER_MAX_AGE_SECONDS - 1
        assert secrets.Pepper(arn)() == first.encode()  # another handler's Pepper: the same container's value
        assert reads == ["read"]
        now[0] += 1
        assert secrets.Pepper(arn)() == b"rotated-pepper"
        binary = manager.create_secret(Name="binary-pepper", SecretBinary=b"\x00binary")["ARN"]
        assert secrets.Pepper(binary)() == b"\x00binary"
        assert reads == ["read"] * 3
    finally:
        manager.put_secret_value(SecretId=arn, SecretString=first)
        secrets.forget_peppers()
