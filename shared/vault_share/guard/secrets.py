"""Secrets of a guarded item, and what the database keeps of them.

The table stores `sha256(token)` as the key and `HMAC(pepper, tokenHash:code)` as the
code: the database alone reveals neither a live token nor a code. The pepper lives in
Secrets Manager and is kept per container for a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
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
    """The code pepper from Secrets Manager, read with the container's client and kept
    PEPPER_MAX_AGE_SECONDS (a rotated pepper reaches every container within that time).

    Not Powertools Parameters, which did this before: importing its package loads its SSM,
    AppConfig and DynamoDB providers too, about 40 ms of the cold start of every function that
    judges a code."""

    def __init__(self, secret_arn: str) -> None:
        self._arn = secret_arn

    def __call__(self) -> bytes:
        now = time.monotonic()
        with _lock:
            kept = _peppers.get(self._arn)
        if kept is not None and now - kept[0] < PEPPER_MAX_AGE_SECONDS:
            return kept[1]
        from vault_share.adapters.aws import client

        answer: dict[str, Any] = client("secretsmanager").get_secret_value(SecretId=self._arn)
        value = answer["SecretString"].encode("utf-8") if "SecretString" in answer else bytes(answer["SecretBinary"])
        with _lock:
            _peppers[self._arn] = (now, value)
        return value


# secret ARN -> (when it was read, time.monotonic(); the pepper)
_peppers: dict[str, tuple[float, bytes]] = {}
_lock = threading.Lock()


def forget_peppers() -> None:
    """The next code judged reads its pepper from Secrets Manager again, as a cold container does
    (tests: a new embedded AWS, or a cold container's reads)."""
    with _lock:
        _peppers.clear()
