"""Properties of the postal address (vault_share.invitations.letter.postal_lines, NF Z10-011), for
any person the API accepts.

Inputs are drawn as the API takes them: a `CreatePerson` body validated by the API's own pydantic
model (vault_share.vault.schemas), then read back as the person's `postalAddress`. For any of
them, the address is either refused with a French ValueError (the invitation's 422
`postal_address_unusable`) or written to the standard: at most 6 lines (7 with the country
abroad) of at most 38 capitals, digits and single spaces, the postal code and the city last.
For plain text (Latin letters, digits, simple punctuation), where the expected form is easy to
state, nothing is lost or cut beyond La Poste's own abbreviations.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from hypothesis import assume, example, given
from hypothesis import strategies as st
from pydantic import ValidationError
from vault_share.invitations.letter import (
    CITY_ABBREVIATIONS,
    MAX_LINE_LENGTH,
    MAX_LINES,
    STREET_ABBREVIATIONS,
    country_line,
    postal_lines,
)
from vault_share.vault.schemas import CreatePerson

# La Poste's delivery names ("libellé d'acheminement") are at most 32 characters.
FRENCH_CITY_CHARS = 32
FRENCH = re.compile(r"[éèêàçôù«»]|\b(le|la|les|de|du|une?|est|ne|peut|manque|dépasse|adresse|nom)\b", re.IGNORECASE)
# The words the module treats specially, as people type them (case, accents).
SPECIAL_WORDS = sorted(
    {word for table in (STREET_ABBREVIATIONS, CITY_ABBREVIATIONS) for word in table}
    | {"Allée", "Bâtiment", "Chaussée", "Général", "Maréchal", "Résidence", "Sainte", "saint", "Montée", "Entrée"}
)
FOREIGN = ["Belgique", "Suisse", "Royaume-Uni", "Deutschland", "Côte d'Ivoire", "États-Unis d'Amérique", "Corse"]
FRANCE_AS_TYPED = ["France", "france", "FR", "FRA", "République française", "France métropolitaine", " France "]

# ---------------------------------------------------------------- plain text: the expected form is stated

_PLAIN_WORDS = st.one_of(
    st.sampled_from(SPECIAL_WORDS),
    st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éèàçôÉ", min_size=1, max_size=14),
)
_PLAIN_GLUE = st.sampled_from([" ", " ", " ", "-", ", ", "'", " / ", "  "])


def plain_text(min_words: int, max_words: int, words: st.SearchStrategy[str] = _PLAIN_WORDS) -> st.SearchStrategy[str]:
    return st.builds(
        lambda words, glue: "".join(w + g for w, g in zip(words[:-1], glue, strict=False)) + words[-1],
        st.lists(words, min_size=min_words, max_size=max_words),
        st.lists(_PLAIN_GLUE, min_size=max_words, max_size=max_words),
    )


short_words = st.text("abcdefghijklmnopqrstuvwxyzéèàçô", min_size=1, max_size=7)


def plain(text: str, keep: str = "") -> str:
    """What the standard makes of plain text: no accent, capitals, anything but a letter, a digit
    or `keep` a word break."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(f"[^A-Z0-9{re.escape(keep)}]", " ", bare).split())


# ---------------------------------------------------------------- any text the API takes

_VISIBLE = st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn"))
_LATIN = st.characters(min_codepoint=0x20, max_codepoint=0x24F, exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn"))


def any_text(max_size: int, min_chars: int = 1) -> st.SearchStrategy[str]:
    """Text with something in it (blank fields are the model's business, and tested with it)."""
    return st.one_of(
        st.text(_VISIBLE, min_size=1, max_size=max_size),
        st.text(_LATIN, min_size=1, max_size=max_size),
        st.lists(st.one_of(st.sampled_from(SPECIAL_WORDS), st.text(_LATIN, max_size=12)), min_size=1, max_size=8).map(
            " ".join
        ),
        st.text(
            st.sampled_from("aé \t\n\r-'’,.;:/()«»n°ßŒøıﬁ①ℌǅ"), min_size=1, max_size=max_size
        ),  # folds, decompositions
    ).filter(lambda text: len(text.strip()) >= min_chars)


def person_body(first: str, last: str, address: Mapping[str, str | None]) -> dict[str, Any]:
    return {"firstName": first, "lastName": last, "postalAddress": {k: v for k, v in address.items() if v is not None}}


def accepted(first: str, last: str, address: Mapping[str, str | None]) -> tuple[str, str, dict[str, Any]]:
    """The person as the API stores it, or the example is not one the API accepts."""
    try:
        person = CreatePerson.model_validate(person_body(first, last, address))
    except ValidationError:
        assume(False)
        raise
    assert person.postal_address is not None
    return person.first_name, person.last_name, person.postal_address.model_dump(by_alias=True)


postal_codes = st.one_of(
    st.from_regex(r"[0-9]{5}", fullmatch=True),
    st.from_regex(r"[0-9]{2} ?[0-9]{3}", fullmatch=True),
    st.from_regex(r"[0-9A-Za-z -]{3,10}", fullmatch=True),
    st.sampled_from(["SAINT", "Sainte", "1000", "B-1000", "SW1A 1AA", "75O11", "2A004"]),
)
countries = st.one_of(st.sampled_from(FRANCE_AS_TYPED + FOREIGN), any_text(60, min_chars=2))


def api_addresses(text: Any, names: Any) -> st.SearchStrategy[tuple[str, str, dict[str, Any]]]:
    return st.builds(
        lambda first, last, line1, line2, code, city, country: (
            first,
            last,
            {"line1": line1, "line2": line2, "postalCode": code, "city": city, "country": country},
        ),
        names,
        names,
        text,
        st.none() | text,
        postal_codes,
        text,
        st.none() | countries,
    )


# ---------------------------------------------------------------- checks


def assert_written_to_the_standard(lines: list[str], address: Mapping[str, Any]) -> None:
    abroad = country_line(address.get("country"))
    assert 3 <= len(lines) <= MAX_LINES + (abroad is not None), lines
    for line in lines:
        assert 1 <= len(line) <= MAX_LINE_LENGTH, (len(line), line)
        assert line == " ".join(line.split()), line  # single spaces, none at either end
        assert line.isascii() and line.isprintable(), line  # no accent, no control character
    name, *rest = lines
    assert re.fullmatch(r"[A-Z0-9'\- ]+", name) and any(c.isalnum() for c in name), name
    assert all(re.fullmatch(r"[A-Z0-9 ]+", line) for line in rest), rest  # no punctuation after the name
    if abroad is None:
        assert re.fullmatch(r"[0-9]{5} [A-Z0-9 ]+", lines[-1]), lines
        assert lines[-1][:5] == re.sub(r"[^0-9]", "", address["postalCode"])
    else:
        assert lines[-1] == abroad, lines
        assert re.fullmatch(r"[A-Z0-9 ]+ [A-Z0-9 ]+", lines[-2]), lines


def assert_refused_in_french(error: ValueError) -> None:
    message = str(error)
    assert message and message.isprintable() and FRENCH.search(message), message


def abbreviated(text: str, abbreviations: Mapping[str, str]) -> str:
    """Every word that has an abbreviation abbreviated: the shortest La Poste allows."""
    return " ".join(abbreviations.get(word, word) for word in text.split(" "))


def words_kept(written: str, typed: str, abbreviations: Mapping[str, str], *, cut_last: bool = False) -> None:
    """`written` is `typed` word for word, each word whole or as its abbreviation (the last one
    possibly cut, where La Poste's delivery name is)."""
    out, expected = written.split(" "), typed.split(" ")
    assert len(out) <= len(expected) if cut_last else len(out) == len(expected), (written, typed)
    for index, (got, word) in enumerate(zip(out, expected, strict=False)):
        forms = {word, abbreviations.get(word, word)}
        if cut_last and index == len(out) - 1:
            assert any(form.startswith(got) for form in forms), (written, typed)
        else:
            assert got in forms, (written, typed)


# ---------------------------------------------------------------- properties


@given(person=api_addresses(any_text(200), any_text(120)))
@example(
    person=(
        "Jean-Pierre",
        "N’Diaye",
        {"line1": "12, rue de l'Église", "line2": None, "postalCode": "75011", "city": "Paris", "country": None},
    )
)
@example(
    person=(
        "ǅ",
        "ﬁ①",
        {"line1": "ℌ ß Œ ı", "line2": "\t", "postalCode": "SAINT", "city": "saint " * 6, "country": "Corse"},
    )
)
@example(  # a first-name word of punctuation alone ("-") has no initial: found by CI
    person=(
        "000ÞÞ:-",
        "0" * 29,
        {"line1": "0", "line2": None, "postalCode": "00000", "city": "0", "country": None},
    )
)
def test_any_address_the_api_accepts_is_written_to_the_standard_or_refused_in_french(
    person: tuple[str, str, dict[str, Any]],
) -> None:
    first, last, address = accepted(*person)
    try:
        lines = postal_lines(first, last, address)
    except ValueError as error:
        assert_refused_in_french(error)
    else:
        assert_written_to_the_standard(lines, address)


@given(
    person=api_addresses(plain_text(1, 9), plain_text(1, 4)),
)
@example(
    person=(
        "Léa",
        "Peeters",
        {
            "line1": "Rue de la Loi 16",
            "line2": None,
            "postalCode": "SAINT",
            "city": "Bruxelles Capitale Ville Belgique",
            "country": "Belgique",
        },
    )
)
def test_plain_text_loses_nothing_but_what_la_poste_abbreviates(person: tuple[str, str, dict[str, Any]]) -> None:
    first, last, address = accepted(*person)
    try:
        lines = postal_lines(first, last, address)
    except ValueError as error:
        assert_refused_in_french(error)
        return
    assert_written_to_the_standard(lines, address)
    abroad = country_line(address.get("country"))
    street = [plain(address[key] or "") for key in ("line1", "line2")]
    assert len(lines) == 2 + len([s for s in street if s]) + (abroad is not None), lines
    for written, typed in zip(lines[1:], [s for s in street if s], strict=False):
        words_kept(written, typed, STREET_ABBREVIATIONS)
        if len(typed) <= MAX_LINE_LENGTH:
            assert written == typed  # what fits is never abbreviated
    code_city = lines[-2] if abroad else lines[-1]
    code = plain(address["postalCode"]) if abroad else plain(address["postalCode"]).replace(" ", "")
    assert code_city.startswith(code + " "), (code_city, code)
    city = code_city[len(code) + 1 :]
    if abroad:
        words_kept(city, plain(address["city"]), CITY_ABBREVIATIONS)
    else:
        assert len(city) <= FRENCH_CITY_CHARS
        words_kept(city, plain(address["city"]), CITY_ABBREVIATIONS, cut_last=True)
    last_name = plain(last, keep="-'")
    if any(c.isalnum() for c in last_name):
        assert lines[0].endswith(last_name), (lines[0], last_name)


@given(
    first=plain_text(1, 2, short_words),
    last=plain_text(1, 2, short_words),
    number=st.integers(1, 999),
    street=st.sampled_from(["rue", "avenue", "boulevard", "allée", "chemin", "impasse", "place"]),
    street_name=plain_text(1, 3, short_words),
    code=st.from_regex(r"[0-9]{5}", fullmatch=True),
    city=plain_text(1, 8),
)
@example(first="Alain", last="Dupont", number=1, street="rue", street_name="Haute", code="51290", city="Saint " * 8)
def test_a_french_address_whose_name_and_street_fit_is_always_written(
    first: str, last: str, number: int, street: str, street_name: str, code: str, city: str
) -> None:
    """Not all refused: in France the postal code routes the letter, so a city of any length is
    written (as La Poste's delivery name, 32 characters at most); what fits is written whole."""
    line1 = f"{number} {street} {street_name}"
    assume(len(plain(f"{first} {last}", keep="-'")) <= MAX_LINE_LENGTH and len(plain(line1)) <= MAX_LINE_LENGTH)
    assume(any(c.isalnum() for c in plain(last, keep="-'")) and plain(city))
    name_first, name_last, address = accepted(first, last, {"line1": line1, "postalCode": code, "city": city})
    lines = postal_lines(name_first, name_last, address)
    assert_written_to_the_standard(lines, address)
    assert lines[1] == plain(line1) and lines[-1].startswith(f"{code} ")
    written_city = lines[-1][len(code) + 1 :]
    assert len(written_city) <= FRENCH_CITY_CHARS
    # Cut only if even every abbreviation leaves it too long; whole if it fits as typed.
    cut = len(abbreviated(plain(city), CITY_ABBREVIATIONS)) > FRENCH_CITY_CHARS
    words_kept(written_city, plain(city), CITY_ABBREVIATIONS, cut_last=cut)
    if len(plain(city)) <= FRENCH_CITY_CHARS:
        assert written_city == plain(city)


@given(
    code=st.from_regex(r"[0-9A-Za-z][0-9A-Za-z -]{1,8}[0-9A-Za-z]", fullmatch=True),
    city=plain_text(1, 6),
    country=st.sampled_from(FOREIGN),
)
@example(code="SAINT", city="Sainte Marie Capitale de Belgique", country="Belgique")
@example(code="1000", city="Sainte Sainte Sainte Sainte Sainte Sainte", country="Belgique")
def test_abroad_a_code_and_city_that_fit_are_written(code: str, city: str, country: str) -> None:
    """Abroad, the city line is the postal code and the city, abbreviated only if it must be and
    written whenever the abbreviations make it fit."""
    room = MAX_LINE_LENGTH - len(plain(code)) - 1
    assume(plain(city) and len(abbreviated(plain(city), CITY_ABBREVIATIONS)) <= room)
    first, last, address = accepted(
        "Léa", "Peeters", {"line1": "Rue de la Loi 16", "postalCode": code, "city": city, "country": country}
    )
    lines = postal_lines(first, last, address)
    assert_written_to_the_standard(lines, address)
    assert lines[-1] == plain(country) and lines[-2].startswith(f"{plain(code)} ")
    written_city = lines[-2][len(plain(code)) + 1 :]
    words_kept(written_city, plain(city), CITY_ABBREVIATIONS)
    if len(plain(city)) <= room:
        assert written_city == plain(city)


# Letters of other scripts and symbols no Latin capital stands for (their NFKD has none either).
# Latin-1's own symbols (° § © ¥...) are punctuation to the standard: they become a space.
FOREIGN_CHARACTERS = st.one_of(
    st.characters(min_codepoint=0x0410, max_codepoint=0x044F),  # Cyrillic
    st.characters(min_codepoint=0x03B1, max_codepoint=0x03C9),  # Greek
    st.characters(min_codepoint=0x0627, max_codepoint=0x064A),  # Arabic
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),  # CJK
    st.characters(min_codepoint=0x1F600, max_codepoint=0x1F64F),  # emoji
    st.sampled_from("€₽♥→∞✓☎⌘"),
)


@given(
    field=st.sampled_from(["firstName", "lastName", "line1", "line2", "city"]),
    char=FOREIGN_CHARACTERS,
    at=st.integers(0, 8),
)
@example(field="line2", char="🏠", at=7)
def test_a_character_no_envelope_can_carry_is_refused_not_dropped(field: str, char: str, at: int) -> None:
    """A letter of another script or a symbol is not silently left out (a street without its name
    is a letter that does not arrive): the address is refused, in French."""
    values = {
        "firstName": "Alain",
        "lastName": "Dupont",
        "line1": "12 rue Haute",
        "line2": "Bâtiment B",
        "city": "Paris",
    }
    values[field] = values[field][:at] + char + values[field][at:]
    first, last, address = accepted(
        values["firstName"],
        values["lastName"],
        {"line1": values["line1"], "line2": values["line2"], "postalCode": "75011", "city": values["city"]},
    )
    try:
        lines = postal_lines(first, last, address)
    except ValueError as error:
        assert_refused_in_french(error)
        assert "qu'une enveloppe ne peut porter" in str(error)
    else:
        raise AssertionError(f"{char!r} in {field} was dropped: {lines}")
