"""Properties of tokens, grants and what the database keeps of them (vault_share.guard.secrets).

A token (and a grant) is `secrets.token_urlsafe(32)`: patching the random bytes under it lets
Hypothesis try every byte pattern, the all-zero and all-0xff ones included.
"""

from __future__ import annotations

import base64
import re
import string
from collections.abc import Callable
from unittest import mock

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from vault_share.guard import secrets as codes

URLSAFE = string.ascii_letters + string.digits + "-_"
HEX64 = re.compile(r"[0-9a-f]{64}")

random_bytes = st.binary(min_size=codes.TOKEN_BYTES, max_size=codes.TOKEN_BYTES)
# Tokens as we issue them, and text a client may send where a token goes.
issued_tokens = st.text(URLSAFE, min_size=43, max_size=43)
near_tokens = st.text(st.sampled_from([*URLSAFE, "=", "+", "/", ".", "%", " ", "\n", "é", "٣", "Ａ"]), max_size=110)
any_text = st.one_of(st.text(max_size=120), near_tokens)


def _bytes_of(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


@pytest.mark.parametrize("make", [codes.new_token, codes.new_grant])
@given(raw=random_bytes)
@example(raw=bytes(32))
@example(raw=b"\xff" * 32)
@example(raw=b"\xfb\xff\xbf" * 10 + b"\xfb\xff")  # the bytes of "+" and "/" in standard base64
def test_a_new_token_is_43_urlsafe_characters_holding_its_32_random_bytes(make: Callable[[], str], raw: bytes) -> None:
    with mock.patch.object(codes.secrets, "token_bytes", return_value=raw) as token_bytes:
        token = make()
    token_bytes.assert_called_once_with(codes.TOKEN_BYTES)
    assert len(token) == 43 and set(token) <= set(URLSAFE), token
    assert _bytes_of(token) == raw  # nothing lost: 256 random bits
    assert codes.plausible_token(token)


@given(text=any_text)
@example(text="a" * 19)
@example(text="a" * 20)
@example(text="a" * 100)
@example(text="a" * 101)
@example(text="a" * 43 + "\n")
@example(text="a" * 42 + "=")
@example(text="..%2F.." * 4)
def test_a_plausible_token_is_20_to_100_urlsafe_characters_and_nothing_else(text: str) -> None:
    expected = 20 <= len(text) <= 100 and set(text) <= set(URLSAFE)
    assert codes.plausible_token(text) is expected


secret_lists = st.lists(st.one_of(issued_tokens, st.text()), max_size=50, unique=True)


@pytest.mark.parametrize("derive", [codes.token_hash, codes.grant_hash])
@given(secrets=secret_lists)
def test_hashes_are_deterministic_hex_and_collision_free(derive: Callable[[str], str], secrets: list[str]) -> None:
    hashes = [derive(secret) for secret in secrets]
    assert all(HEX64.fullmatch(h) for h in hashes)
    assert [derive(secret) for secret in secrets] == hashes
    assert len(set(hashes)) == len(hashes)


@given(secrets=secret_lists)
def test_a_grant_hash_is_never_a_token_hash(secrets: list[str]) -> None:
    """Domain-separated: no grant's hash is the hash of a token of the sample (a grant is no link key)."""
    assert not {codes.grant_hash(s) for s in secrets} & {codes.token_hash(s) for s in secrets}


@given(secret=issued_tokens)
def test_a_hash_never_contains_its_token_or_grant(secret: str) -> None:
    for hashed in (codes.token_hash(secret), codes.grant_hash(secret)):
        assert secret not in hashed
        # Nor any piece of 12 characters (by chance, one is in 64 hex digits less than once in 2**40).
        assert not any(secret[i : i + 12] in hashed for i in range(len(secret) - 11))
