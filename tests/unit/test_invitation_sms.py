"""The validation code's SMS: one GSM 03.38 segment, the code and the vault's name, never a link.

The alphabet is checked against the table of 3GPP TS 23.038 written out here, not against the
codec the module uses, so that a wrong codec would fail these tests.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from vault_share.invitations.sms import SEGMENT_SEPTETS, code_sms, gsm_text, septets

# GSM 03.38 basic character set, 0x00 to 0x7F (3GPP TS 23.038, 6.2.1), less LF, CR and ESC.
GSM_BASIC = (
    "@£$¥èéùìòÇ" + "Øø" + "ÅåΔ_ΦΓΛΩΠΨΣΘΞ" + "ÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXPIRES = datetime(2026, 8, 3, 15, 0, tzinfo=UTC)
CODE = "186691"
# What phones and mail clients turn into links: a scheme, a domain or address, a path of ours.
LINK_LIKE = re.compile(r"https?|www|://|/invite/|\w[.:@]\w", re.IGNORECASE)

FRAGMENTS = [
    "https://evil.example/invite/0123abcd",
    "HTTP://EVIL.EXAMPLE",
    "hthttptp",
    "wwwww.evil.fr",
    "evil．example",  # fullwidth full stop
    "evil。example",  # ideographic full stop
    "a@evil.example",
    "192.168.0.1",
    "ftp:x",
    "/invite/",
    "\\\\server\\share",
    '"',
    "« Dupont »",
    "“citation”",
    "'",
    "`",
    "[]{}^~|€",
    "😀",
    "👨‍👩‍👧‍👦",
    "🇫🇷",
    "1️⃣",
    "東京の金庫",
    "한국어",
    "Москва",
    "Ελλάδα",
    "مرحبا",
    "שלום",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\x00",
    "\x1b",
    "\r\n",
    "\t",
    "\u2028",
    "e\u0301",  # e + combining acute
    "\u0301",
    "Ça fête l'été à Noël",
    "œuvre ç û ï ë",
    "Straße",
    "code 000000",
    "=?utf-8?q?x?=",
    "<script>alert(1)</script>",
    "&amp;",
    "\U0010ffff",
    "\ue000",
    " ",
    "a" * 500,
]
hostile_names = st.one_of(
    st.text(max_size=600),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=8).map(" ".join),
)
codes = st.from_regex(r"[0-9]{6}", fullmatch=True)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))  # type: ignore[arg-type]


def assert_one_clean_segment(text: str, code: str) -> None:
    assert all(char in GSM_BASIC for char in text), sorted({c for c in text if c not in GSM_BASIC})
    assert len(text) <= SEGMENT_SEPTETS, (len(text), text)
    assert septets(text) == len(text)  # no extension-table character: one septet each
    assert text.startswith(f"Code vault-share : {code} pour rejoindre "), text
    assert not LINK_LIKE.search(text), text
    assert text.count('"') in (0, 2), text  # the name cannot close its quotes


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=hostile_names, code=codes, expires_at=moments)
@example(name="a" * 500, code="000000", expires_at=datetime(2026, 9, 30, 21, 59, tzinfo=UTC))
@example(name="https://evil.example/invite/abc", code=CODE, expires_at=EXPIRES)
@example(name="😀😀😀", code=CODE, expires_at=EXPIRES)
def test_any_name_gives_one_gsm_segment_with_the_code_and_no_link(name: str, code: str, expires_at: datetime) -> None:
    assert_one_clean_segment(code_sms(name, code, expires_at), code)


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_each_hostile_fragment_alone(fragment: str) -> None:
    assert_one_clean_segment(code_sms(fragment, CODE, EXPIRES), CODE)


def test_the_message() -> None:
    assert code_sms("Garage des Lilas", CODE, EXPIRES) == (
        'Code vault-share : 186691 pour rejoindre le coffre "Garage des Lilas", '
        "valable jusqu'au 3 aout 2026. Ne le donnez à personne."
    )


def test_the_expiry_is_the_day_in_paris() -> None:
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January in Paris
    assert "valable jusqu'au 1er janvier 2027." in code_sms("Garage", CODE, new_year)


def test_letters_of_the_alphabet_are_kept_and_the_others_transliterated() -> None:
    assert gsm_text("éèùìòÇØøÅåÄÖÑÜ§àäöñü ΔΩ £$¥") == "éèùìòÇØøÅåÄÖÑÜ§àäöñü ΔΩ £$¥"
    assert gsm_text("ç ê â î ô û ë ï œ Æ") == "c e a i o u e i oe Æ"
    assert gsm_text("Москва Ελλάδα Straße") == "Moskva Ellada Straße"  # ß is in the alphabet
    assert gsm_text("Noël 😀 \u202eà\u200b la\u00a0mer\t!") == "Noel à la mer !"
    assert gsm_text("e\u0301") == "é"  # composed first: é is in the alphabet


def test_a_long_name_is_shortened_to_fit_and_says_so() -> None:
    text = code_sms("Garage " * 80, CODE, datetime(2026, 9, 30, 12, tzinfo=UTC))  # a long month
    assert SEGMENT_SEPTETS - 1 <= len(text) <= SEGMENT_SEPTETS  # less the space cut before "..."
    assert '"Garage Garage Garage Garage Garage Garage..."' in text


def test_a_name_with_nothing_left_still_names_a_vault() -> None:
    assert code_sms("😀 \u202e \u200b", CODE, EXPIRES).startswith(
        "Code vault-share : 186691 pour rejoindre un coffre, valable"
    )


def test_a_link_in_the_name_is_no_link_in_the_sms() -> None:
    text = code_sms("Voir https://evil.example/invite/x ou www.evil.fr", CODE, EXPIRES)
    assert '"Voir : --evil. example-invite-x ou . evil. fr"' in text


@pytest.mark.parametrize("code", ["12345", "1234567", "١٢٣٤٥٦", "12345a", " 123456", ""])
def test_only_six_ascii_digits_make_a_code(code: str) -> None:
    with pytest.raises(ValueError, match="6 digits"):
        code_sms("Garage", code, EXPIRES)


def test_every_day_of_the_year_fits() -> None:
    name = "x" * 120
    for day in range(366):
        assert_one_clean_segment(code_sms(name, CODE, EXPIRES + timedelta(days=day)), CODE)
