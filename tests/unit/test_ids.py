"""Identifiers and codes."""

from __future__ import annotations

import re
from collections import Counter

from vault_share import ids

DRAWS = 20_000


def test_code_is_six_digits() -> None:
    codes = [ids.new_code() for _ in range(DRAWS)]
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)


def test_codes_cover_the_whole_range() -> None:
    codes = [ids.new_code() for _ in range(DRAWS)]
    # Leading zeros are kept: about 10 % of uniform codes start with 0 (P(none) = 0.9**20000).
    assert any(code.startswith("0") for code in codes)
    first_digits = Counter(code[0] for code in codes)
    assert set(first_digits) == set("0123456789")
    # Uniform: each first digit near 2 000 (a biased draw such as randbelow(900000) + 100000 fails).
    assert all(1500 < n < 2500 for n in first_digits.values()), first_digits
    # Not a constant, not a counter: many distinct values.
    assert len(set(codes)) > DRAWS * 0.95


def test_ids_are_32_hex_and_unique() -> None:
    drawn = [ids.new_id() for _ in range(DRAWS)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in drawn)
    assert len(set(drawn)) == DRAWS
