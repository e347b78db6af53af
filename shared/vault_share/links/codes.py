"""Secrets of a link, and what the database keeps of them.

The table stores `sha256(token)` as the key and `HMAC(pepper, tokenHash + code)`
as the code: the database alone reveals neither a live link nor a code. The
pepper lives in Secrets Manager and is cached per container.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from functools import cache

from vault_share.settings import get_settings

PEPPER_MAX_AGE_SECONDS = 300


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def code_mac(pepper: bytes, hashed_token: str, code: str) -> str:
    return hmac.new(pepper, f"{hashed_token}:{code}".encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two MACs or hashes."""
    return hmac.compare_digest(a.encode(), b.encode())


def new_seed() -> str:
    return secrets.token_urlsafe(32)


def derive_token(pepper: bytes, seed: str) -> str:
    """A link token from a stored seed: an idempotent retry rebuilds the same link
    without the token ever being written anywhere."""
    digest = hmac.new(pepper, f"link-token:{seed}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def derive_code(pepper: bytes, seed: str) -> str:
    """A uniformly drawn 6-digit code from the seed (bias below 2^-200)."""
    digest = hmac.new(pepper, f"link-code:{seed}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest, 'big') % 1_000_000:06d}"


def grant_hash(grant: str) -> str:
    return hashlib.sha256(f"grant:{grant}".encode()).hexdigest()


@cache
def _pepper_reader() -> Callable[[], bytes]:
    from aws_lambda_powertools.utilities import parameters

    arn = get_settings().pepper_secret_arn

    def read() -> bytes:
        value = parameters.get_secret(arn, max_age=PEPPER_MAX_AGE_SECONDS)
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)

    return read


def pepper() -> bytes:
    """The code pepper, from Secrets Manager, cached per container (Powertools Parameters)."""
    return _pepper_reader()()
