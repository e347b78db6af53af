"""What an authenticator app shows: the RFC 6238 code of a base32 secret (SHA-1, 6 digits, 30 s)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

STEP = 30


def totp(secret: str, at: float) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", int(at) // STEP), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def code_now(secret: str, margin: float = 4.0) -> str:
    """The current code, once at least `margin` seconds of its step are left (Cognito checks it after)."""
    left = STEP - time.time() % STEP
    if left < margin:
        time.sleep(left + 0.1)
    return totp(secret, time.time())


def wrong_code(secret: str) -> str:
    """Six digits that are no code of the current step nor of its neighbours."""
    now = time.time()
    near = {totp(secret, now + shift) for shift in (-STEP, 0, STEP)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in near)
