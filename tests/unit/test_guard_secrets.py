"""Secrets guarded by a code and what the database keeps of them (vault_share.guard.secrets), no AWS."""

from __future__ import annotations

import ast
import hashlib
import hmac
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from vault_share.guard import secrets as codes

PEPPER = b"pepper-one"
OTHER_PEPPER = b"pepper-two"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "vault_share"


def test_token_hash_is_the_sha256_of_the_token() -> None:
    token = "cMmErD7SU02Bpx--aJKGZ0LmHAm8lsQTLubiFMFhLno"
    assert codes.token_hash(token) == hashlib.sha256(token.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", codes.token_hash(token))
    assert codes.token_hash(token) != codes.token_hash(token[:-1] + "p")
    assert token not in codes.token_hash(token)


def test_code_mac_is_an_hmac_of_the_token_hash_and_the_code() -> None:
    hashed = codes.token_hash("some-token-of-enough-length")
    expected = hmac.new(PEPPER, f"{hashed}:123456".encode(), hashlib.sha256).hexdigest()
    assert codes.code_mac(PEPPER, hashed, "123456") == expected
    mac = codes.code_mac(PEPPER, hashed, "123456")
    assert "123456" not in mac
    # Each of the three inputs matters.
    assert codes.code_mac(OTHER_PEPPER, hashed, "123456") != mac
    assert codes.code_mac(PEPPER, codes.token_hash("another-token-of-enough-length"), "123456") != mac
    assert codes.code_mac(PEPPER, hashed, "123457") != mac
    assert codes.code_mac(PEPPER, hashed, "123456") == mac  # deterministic


def test_the_same_code_on_two_links_gives_two_macs() -> None:
    """A leaked table cannot tell which links share a code."""
    macs = {codes.code_mac(PEPPER, codes.token_hash(f"token-{i:04d}-xxxxxxxxxxxx"), "000000") for i in range(50)}
    assert len(macs) == 50


def test_same_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(codes.hmac, "compare_digest", spy)
    mac = codes.code_mac(PEPPER, "h", "123456")
    assert codes.same(mac, mac) is True
    assert codes.same(mac, codes.code_mac(PEPPER, "h", "654321")) is False
    assert codes.same(mac, mac[:-1]) is False
    assert codes.same("é", "é") is True  # non-ASCII text does not break it
    assert len(calls) == 4, "every comparison goes through hmac.compare_digest"


def _compared_names(node: ast.Compare) -> set[str]:
    names = set()
    for operand in [node.left, *node.comparators]:
        for inner in ast.walk(operand):
            if isinstance(inner, ast.Name):
                names.add(inner.id)
            elif isinstance(inner, ast.Attribute):
                names.add(inner.attr)
    return names


@pytest.mark.parametrize(
    "module",
    [
        "guard/secrets.py",
        "guard/attempts.py",
        "guard/states.py",
        "links/owner.py",
        "links/recipient.py",
        "links/rules.py",
        "links/store.py",
        "links/idempotency.py",
    ],
)
def test_secrets_are_never_compared_with_equals(module: str) -> None:
    """MACs, hashes, codes and grants are compared by DynamoDB (guard.attempts) or `same`, never with ==."""
    tree = ast.parse((SHARED / module).read_text())
    secret = re.compile(r"(mac|hash|grant|code|token|pepper|seed)", re.I)
    offenders = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            names = {n for n in _compared_names(node) if secret.search(n) and n not in {"status_code"}}
            if names:
                offenders.append((node.lineno, sorted(names)))
    assert not offenders, offenders


def test_new_tokens_are_random_and_long() -> None:
    tokens = {codes.new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", t) for t in tokens)  # 256 random bits
    assert all(codes.plausible_token(t) for t in tokens)
    assert not codes.plausible_token("..%2F..") and not codes.plausible_token("a" * 19)


def test_new_codes_are_six_digits_spread_evenly() -> None:
    drawn = [codes.new_code() for _ in range(20_000)]
    assert all(re.fullmatch(r"[0-9]{6}", c) for c in drawn)
    assert all(len(c) == 6 and c.isascii() and c.isdigit() for c in drawn)
    first = Counter(c[0] for c in drawn)
    last = Counter(c[-1] for c in drawn)
    assert set(first) == set("0123456789"), "leading zeros are kept"
    # About 2,000 each (standard deviation about 42): far wider bounds than chance needs.
    assert all(1_700 < first[d] < 2_300 for d in "0123456789"), first
    assert all(1_700 < last[d] < 2_300 for d in "0123456789"), last
    assert len(set(drawn)) > 19_500  # about 200 collisions expected among 20,000 draws of 10^6
    assert min(drawn) < "010000" and max(drawn) > "990000"


def test_grant_hash() -> None:
    grant = "Uq06Mar5FJpeXVfssvKFtJegd3Hd35_k12C5YmChzMc"
    assert codes.grant_hash(grant) == hashlib.sha256(f"grant:{grant}".encode()).hexdigest()
    assert codes.grant_hash(grant) == codes.grant_hash(grant)
    assert codes.grant_hash(grant) != codes.grant_hash(grant[:-1] + "d")
    # Domain-separated from token hashes: a grant's hash is not a link key, and conversely.
    assert codes.grant_hash(grant) != codes.token_hash(grant)
    assert grant not in codes.grant_hash(grant)
