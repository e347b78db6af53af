"""Properties of the validation codes and their MACs (vault_share.guard.secrets), for any input.

A code is `secrets.randbelow(10**6)` written on 6 digits: the first test checks that method for
every draw Hypothesis picks (so the codes are exactly as uniform as `randbelow`, with no draw-based
bias test that could flake). The MAC is HMAC-SHA256(pepper, "tokenHash:code").
"""

from __future__ import annotations

import re
import string
from unittest import mock

from hypothesis import example, given
from hypothesis import strategies as st
from vault_share.guard import secrets as codes

HEX64 = re.compile(r"[0-9a-f]{64}")

code_values = st.integers(min_value=0, max_value=999_999)
six_digits = code_values.map("{:06d}".format)
# The template's pepper: Secrets Manager's GenerateSecretString, 64 characters, no punctuation.
template_peppers = st.text(string.ascii_letters + string.digits, min_size=64, max_size=64).map(str.encode)
# Any other pepper HMAC tells apart: at most one SHA-256 block (64 bytes; a longer key is hashed
# first) and no trailing NUL (a key is padded with zeros: b"k" and b"k\0" are one key, RFC 2104).
other_peppers = st.binary(min_size=1, max_size=64).filter(lambda key: not key.endswith(b"\0"))
peppers = st.one_of(template_peppers, other_peppers)
# What the table keys a link or an invitation by: the SHA-256 of a token as new_token makes them.
token_hashes = st.binary(min_size=32, max_size=32).map(lambda raw: codes.token_hash(raw.hex()))


@given(drawn=code_values)
@example(drawn=0)
@example(drawn=7)
@example(drawn=999_999)
def test_a_code_is_the_uniform_draw_written_on_six_ascii_digits(drawn: int) -> None:
    with mock.patch.object(codes.secrets, "randbelow", return_value=drawn) as randbelow:
        code = codes.new_code()
    randbelow.assert_called_once_with(1_000_000)  # the whole range, once: no rejection, no modulo
    assert len(code) == 6 and code.isascii() and code.isdigit(), code
    assert int(code) == drawn  # one draw, one code, and back: a bijection onto 000000..999999


def test_real_codes_are_six_ascii_digits() -> None:
    assert all(re.fullmatch(r"[0-9]{6}", codes.new_code(), flags=re.ASCII) for _ in range(2000))


@given(pepper=peppers, hashed=token_hashes, code=six_digits)
def test_a_mac_is_deterministic_hex_and_does_not_carry_what_it_authenticates(
    pepper: bytes, hashed: str, code: str
) -> None:
    mac = codes.code_mac(pepper, hashed, code)
    assert codes.code_mac(pepper, hashed, code) == mac
    assert HEX64.fullmatch(mac), mac
    # Neither the token hash nor the message "hash:code" is in it. (A 6-digit run of a random hex
    # string can equal the code by chance, about once in 280,000 MACs: that says nothing of the
    # code, and asserting it absent would be a flaky test. What keeps the code out of a MAC is that
    # the MAC changes with the pepper alone, below.)
    assert hashed not in mac and f"{hashed}:{code}" not in mac and ":" not in mac


@given(pepper=peppers, hashed=token_hashes, code=six_digits, data=st.data())
def test_a_mac_changes_with_each_of_its_three_inputs(
    pepper: bytes, hashed: str, code: str, data: st.DataObject
) -> None:
    mac = codes.code_mac(pepper, hashed, code)
    other_pepper = data.draw(peppers.filter(lambda p: p != pepper), label="other pepper")
    other_hash = data.draw(token_hashes.filter(lambda h: h != hashed), label="other token hash")
    other_code = data.draw(six_digits.filter(lambda c: c != code), label="other code")
    assert codes.code_mac(other_pepper, hashed, code) != mac
    assert codes.code_mac(pepper, other_hash, code) != mac
    assert codes.code_mac(pepper, hashed, other_code) != mac


@given(
    pepper=template_peppers,
    triples=st.lists(st.tuples(token_hashes, six_digits), min_size=2, max_size=30, unique=True),
)
def test_distinct_links_and_codes_give_distinct_macs(pepper: bytes, triples: list[tuple[str, str]]) -> None:
    """Over any sample, no two (token hash, code) pairs share a MAC: a leaked table cannot tell
    which links share a code, nor which code a link has."""
    macs = [codes.code_mac(pepper, hashed, code) for hashed, code in triples]
    assert len(set(macs)) == len(macs)


@given(a=st.text(), b=st.text())
@example(a="", b="")
@example(a="é", b="é")
@example(a="é", b="e\u0301")  # the same text to a reader, not the same string
@example(a="a", b="a\0")
def test_same_is_equality(a: str, b: str) -> None:
    assert codes.same(a, b) is (a == b)
    assert codes.same(a, a) is True


@given(mac=st.builds(codes.code_mac, peppers, token_hashes, six_digits), index=st.integers(0, 63), data=st.data())
def test_same_tells_a_mac_from_any_one_character_change(mac: str, index: int, data: st.DataObject) -> None:
    char = data.draw(st.sampled_from("0123456789abcdefABCDEF").filter(lambda c: c != mac[index]))
    changed = mac[:index] + char + mac[index + 1 :]
    assert codes.same(mac, mac) is True
    assert codes.same(mac, changed) is False
    assert codes.same(mac, mac[:index]) is False
