"""Secrets of a guarded item, and what the database keeps of them.

The table stores `sha256(token)` as the key and `HMAC(pepper, tokenHash:code)` as the
code: the database alone reveals neither a live token nor a code. The pepper lives in
Secrets Manager and is cached per container.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

# >= 128 random bits, as the contract asks: 32 bytes are 43 base64url characters.
TOKEN_BYTES = 32
_PLAUSIBLE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
PEPPER_MAX_AGE_SECONDS = 300


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_code() -> str:
    """Six digits, uniformly drawn."""
    return f"{secrets.randbelow(1_000_000):06d}"


def new_grant() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def plausible_token(token: str) -> bool:
    """What a token we issued can look like: anything else is unknown without a read."""
    return bool(_PLAUSIBLE_TOKEN.fullmatch(token))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def code_mac(pepper: bytes, hashed_token: str, code: str) -> str:
    return hmac.new(pepper, f"{hashed_token}:{code}".encode(), hashlib.sha256).hexdigest()


def grant_hash(grant: str) -> str:
    return hashlib.sha256(f"grant:{grant}".encode()).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two MACs or hashes."""
    return hmac.compare_digest(a.encode(), b.encode())


class Pepper:
    """The code pepper from Secrets Manager, cached per container (Powertools Parameters)."""

    def __init__(self, secret_arn: str) -> None:
        self._arn = secret_arn

    def __call__(self) -> bytes:
        from aws_lambda_powertools.utilities import parameters
        from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

        from vault_share.adapters.aws import client

        if "secrets" not in DEFAULT_PROVIDERS:
            # get_secret's provider, made as get_secret would make it but with the container's client:
            # its own would come from a boto3 session of its own, which loads botocore's data again
            # (60-100 ms of a cold start). `parameters.clear_caches()` still clears its cache.
            DEFAULT_PROVIDERS["secrets"] = parameters.SecretsProvider(boto3_client=client("secretsmanager"))
        value: Any = parameters.get_secret(self._arn, max_age=PEPPER_MAX_AGE_SECONDS)
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)
