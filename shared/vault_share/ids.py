"""Identifiers and codes, all from the OS CSPRNG."""

from __future__ import annotations

import secrets
import uuid


def new_id() -> str:
    """Opaque resource id (links, documents, persons...)."""
    return uuid.uuid4().hex


def new_code() -> str:
    """Six-digit one-time code, uniformly drawn."""
    return f"{secrets.randbelow(1_000_000):06d}"
