"""Identifiers and secrets, all from the OS CSPRNG."""

from __future__ import annotations

import secrets
import uuid


def new_id() -> str:
    """Opaque resource id (links, documents, persons...)."""
    return uuid.uuid4().hex


def new_token() -> str:
    """URL-safe token with 256 random bits (contract: >= 128)."""
    return secrets.token_urlsafe(32)


def new_code() -> str:
    """Six-digit one-time code, uniformly drawn."""
    return f"{secrets.randbelow(1_000_000):06d}"
