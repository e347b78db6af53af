"""Properties of mobile numbers (vault_share.contact.normalize_mobile), for any text the API takes
where a mobile goes (at most 32 characters, vault_share.vault.schemas.Mobile).

Which numbers exist and which are mobiles is libphonenumber's knowledge (its metadata, kept by
Google); what is ours, and checked here, is that the result is one E.164 form whatever the way the
number was written, that normalizing again changes nothing, that a French landline, VoIP or
special number is never taken for a mobile, and that nothing but a French ValueError comes out.
"""

from __future__ import annotations

import re

import phonenumbers
from hypothesis import example, given
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from vault_share.contact import normalize_mobile

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
MAX_CHARS = 32  # the Mobile field's max_length

# French mobiles (ARCEP: 06 and 07), as libphonenumber's metadata allocates them, national digits.
french_mobiles = st.from_regex(r"(6([0-24-8][0-9]|3[0-8]|9[589])|7[3-9][0-9])[0-9]{6}", fullmatch=True)
# Everything French that is not a mobile: 01-05 geographic, 08 special, 09 VoIP.
french_others = st.from_regex(r"[1-58-9][0-9]{8}", fullmatch=True)


separators = st.sampled_from(["", " ", ".", "-", "\u00a0"])
prefixes = st.sampled_from(["0", "+33", "+33 ", "0033 ", "+33 (0)", "(+33) ", "tel:+33"])
pads = st.sampled_from(["", " ", "  "])


def written(national: str, prefix: str, separator: str, pad: str) -> str:
    """Nine national digits as people write a French number: 06 12 34 56 78, +33 6.12.34.56.78..."""
    pairs = [national[i : i + 2] for i in range(1, len(national), 2)]
    return f"{pad}{prefix}{separator.join([national[0], *pairs])}{pad}"


def outcome(text: str) -> str | None:
    try:
        return normalize_mobile(text)
    except ValueError as exc:
        assert str(exc) == "numéro de mobile invalide"
        return None


noisy_mobiles = st.builds(
    lambda noise, national, tail: (noise + "0" + national + tail)[:MAX_CHARS],
    st.text("+0123456789 -.()#*xt;=:", max_size=4),
    french_mobiles,
    st.text(max_size=8),
)


@given(
    text=st.one_of(st.text(max_size=MAX_CHARS), st.text("0123456789 +-.()/#*xt;=:", max_size=MAX_CHARS), noisy_mobiles)
)
@example(text="+33612345678;ext=1")
@example(text="0612345678 ext 3")
@example(text="tel:+33612345678")
@example(text="٠٦١٢٣٤٥٦٧٨")  # Arabic-Indic digits
@example(text="０６１２３４５６７８")  # fullwidth digits
@example(text="+" + "9" * 31)
def test_any_text_is_refused_in_french_or_one_e164_mobile_that_stays_itself(text: str) -> None:
    found = outcome(text)
    if found is None:
        return
    assert E164.fullmatch(found), found
    number = phonenumbers.parse(found)
    assert phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in MOBILE_TYPES
    assert phonenumbers.format_number(number, PhoneNumberFormat.E164) == found
    assert normalize_mobile(found) == found  # idempotent


@given(national=french_mobiles, prefix=prefixes, separator=separators, pad=pads)
@example(national="612345678", prefix="0", separator=" ", pad="")
@example(national="799999999", prefix="+33 (0)", separator=".", pad=" ")
def test_a_french_mobile_is_one_e164_form_however_written(national: str, prefix: str, separator: str, pad: str) -> None:
    text = written(national, prefix, separator, pad)
    assert len(text) <= MAX_CHARS
    assert normalize_mobile(text) == "+33" + national


@given(national=french_others, prefix=prefixes, separator=separators, pad=pads)
@example(national="142685300", prefix="0", separator=" ", pad="")  # a Paris landline
@example(national="972123456", prefix="+33", separator="", pad="")  # a VoIP (box) number
@example(national="800123456", prefix="0", separator=".", pad="")  # a toll-free number
def test_a_french_landline_voip_or_special_number_is_refused(
    national: str, prefix: str, separator: str, pad: str
) -> None:
    assert outcome(written(national, prefix, separator, pad)) is None


def test_abroad_a_mobile_is_taken_and_a_landline_refused() -> None:
    """Every region libphonenumber knows, with its own example numbers, written internationally."""
    checked = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for wanted in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, wanted)
            if number is None:  # no such example in the metadata for this region
                continue
            e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
            is_mobile = phonenumbers.number_type(number) in MOBILE_TYPES
            for text in (e164, phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)):
                assert outcome(text) == (e164 if is_mobile else None), (region, wanted, text)
            checked += 1
    assert checked > 400
