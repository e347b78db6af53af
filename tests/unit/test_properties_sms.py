"""More properties of the validation code's SMS (vault_share.invitations.sms.code_sms).

tests/unit/test_invitation_sms.py holds the first one (any name, any code, a UTC expiry) and the
GSM 03.38 table the texts are checked against; these extend it to what it leaves out: vault names
as the API stores them (vault_share.schemas.Name) built from the characters that trouble a phone
(bidi controls, zero-width joiners, combining marks, emoji sequences, look-alike separators), and
expiries in any time zone, across the changes of time, whose day is the Paris one.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from vault_share.i18n import date_fr
from vault_share.invitations.sms import code_sms, gsm_text
from vault_share.schemas import Name

from tests.unit.test_invitation_sms import FRAGMENTS, assert_one_clean_segment

PARIS = ZoneInfo("Europe/Paris")
_NAME = TypeAdapter(Name)

# What a name may hold that a phone may render, join, reorder or read as a link.
TROUBLE = [
    *"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c",  # bidi controls
    *"\u200b\u200c\u200d\u2060\ufeff\u00ad",  # zero width, soft hyphen
    *"\u0301\u0308\u20dd\u0489",  # combining marks, enclosing ones
    *"\ufe0f\U0001f3fb",  # emoji variation selector, skin tone
    *".:@\u2024\u3002\ufe52\uff0e\uff1a\uff20\uff61/\\",  # separators and their look-alikes
    *"\"'`«»“”[]{}^~|€",
    *"\u00a0\u2007\u202f\u3000\u2028\u2029\t\r\n",
    "https",
    "www",
    "ftp",
    "😀",
    "🇫🇷",
    "👩‍👩‍👧",
]


def _stored(text: str) -> str | None:
    """The name as the API stores it, or None if the API refuses it (hidden characters are refused
    there: the SMS must still be clean for anything stored before that rule, hence both below)."""
    try:
        return _NAME.validate_python(text)
    except ValidationError:
        return None


def _visible(piece: str) -> bool:
    return not any(unicodedata.category(char).startswith("C") for char in piece)


troubled_text = st.lists(
    st.one_of(st.sampled_from(TROUBLE), st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=30
).map("".join)
# The same, less what the API refuses outright, so that most draws are names it stores.
_VISIBLE_TROUBLE = [piece for piece in TROUBLE + FRAGMENTS if _visible(piece)]
api_names = (
    st.one_of(
        st.lists(st.one_of(st.sampled_from(_VISIBLE_TROUBLE), st.text(max_size=6)), min_size=1, max_size=20).map(
            "".join
        ),
        st.text(st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn")), min_size=1, max_size=120),
    )
    .map(_stored)
    .filter(bool)
)
any_names = st.one_of(troubled_text, api_names)
codes = st.integers(0, 999_999).map("{:06d}".format)
zones = st.one_of(
    st.timezones(),
    st.builds(timezone, st.integers(-14 * 60, 14 * 60).map(lambda minutes: timedelta(minutes=minutes))),
)
# Expiries as invitations have them (30 days from now, give or take), in any zone, DST changes included.
expiries = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2031, 1, 1), timezones=zones)


@given(name=any_names, code=codes, expires_at=expiries)
@example(name="\u202eelgoog.com", code="000000", expires_at=datetime(2026, 3, 29, 2, 30, tzinfo=PARIS))
@example(name="www\u200b.evil\uff0eexample", code="999999", expires_at=datetime(2026, 10, 25, 2, 30, tzinfo=PARIS))
@example(name="é" * 120, code="123456", expires_at=datetime(2026, 9, 30, 23, 59, tzinfo=timezone(timedelta(hours=-12))))
def test_any_name_and_expiry_give_one_clean_segment(name: str, code: str, expires_at: datetime) -> None:
    text = code_sms(name, code, expires_at)
    assert_one_clean_segment(text, code)
    # The expiry is the day in Paris, whatever the zone the moment came in.
    assert f"valable jusqu'au {gsm_text(date_fr(expires_at.astimezone(PARIS)))}." in text
    assert text.endswith(". Ne le donnez à personne.")


@given(name=any_names, code=codes, other=codes, expires_at=expiries)
def test_the_code_is_the_first_six_digits_and_the_name_cannot_make_another_look_first(
    name: str, code: str, other: str, expires_at: datetime
) -> None:
    text = code_sms(f"{other} {name}", code, expires_at)
    first = re.search(r"[0-9]{6}", text)
    assert first is not None and first.group() == code and first.start() == len("Code vault-share : ")


def _subsequence(small: str, big: str) -> bool:
    rest = iter(big)
    return all(char in rest for char in small)


@given(name=any_names, expires_at=expiries)
@example(name='Garage "Lilas", valable ... " x', expires_at=datetime(2026, 8, 3, tzinfo=PARIS))
def test_the_name_adds_nothing_to_the_text_that_was_not_in_it(name: str, expires_at: datetime) -> None:
    """The quoted name's letters and digits are some of the name's own, in their order: cleaning
    only drops, spaces or replaces punctuation; the text around it is the fixed one."""
    text = code_sms(name, "123456", expires_at)
    quoted = re.fullmatch(r'Code vault-share : 123456 pour rejoindre le coffre "(.*)", valable jusqu\'au .*', text)
    if quoted is None:
        assert text.startswith("Code vault-share : 123456 pour rejoindre un coffre, valable jusqu'au "), text
        return
    shown = quoted.group(1)
    assert shown and '"' not in shown
    assert _subsequence(re.sub(r"[^0-9A-Za-z]", "", shown), re.sub(r"[^0-9A-Za-z]", "", gsm_text(name)))
