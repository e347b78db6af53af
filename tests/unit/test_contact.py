"""E-mail addresses, mobile numbers and the search key of names."""

from __future__ import annotations

import pytest
from vault_share.contact import normalize_email, normalize_mobile, search_key


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("jean.dupont@example.fr", "jean.dupont@example.fr"),
        ("  Jean.Dupont@Example.FR  ", "jean.dupont@example.fr"),
        ("ELODIE+factures@GARAGE-LILAS.fr", "elodie+factures@garage-lilas.fr"),
        ("anne@xn--bcher-kva.example", "anne@bücher.example"),
    ],
)
def test_email_is_trimmed_checked_and_lower_cased(given: str, expected: str) -> None:
    assert normalize_email(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "",
        "   ",
        "jean",
        "jean@",
        "@example.fr",
        "jean dupont@example.fr",
        "jean@@example.fr",
        "jean@example",
        "a@b@c.fr",
    ],
)
def test_bad_emails_are_refused_in_french(given: str) -> None:
    with pytest.raises(ValueError, match=r"^adresse e-mail invalide$"):
        normalize_email(given)


def test_email_check_does_not_look_up_dns() -> None:
    # A domain that does not exist passes: only the syntax is checked (the autouse fixture forbids sockets).
    assert normalize_email("contact@garage-des-lilas-nexiste-pas.fr") == "contact@garage-des-lilas-nexiste-pas.fr"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("07 81 23 45 67", "+33781234567"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("+44 7911 123456", "+447911123456"),
        ("+32 470 12 34 56", "+32470123456"),
    ],
)
def test_mobiles_come_out_in_e164(given: str, expected: str) -> None:
    assert normalize_mobile(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "01 23 45 67 89",  # Paris landline
        "04 72 00 00 00",  # Lyon landline
        "+33 1 23 45 67 89",
        "0800 123 456",  # toll-free
        "+44 20 7946 0958",  # London landline
        "06 12 34 56",  # too short
        "06 12 34 56 78 9",  # too long
        "12",
        "",
        "pas un numéro",
        "+",
    ],
)
def test_landlines_and_garbage_are_refused_in_french(given: str) -> None:
    with pytest.raises(ValueError, match=r"^numéro de mobile invalide$"):
        normalize_mobile(given)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("Élodie", "Martin"), "elodie martin"),
        (("ÉLODIE", "MARTIN"), "elodie martin"),
        (("  Jean-François ", " Dupré  "), "jean-francois dupre"),
        (("Zoé",), "zoe"),
        (("Straße",), "strasse"),
        (("Ｍａｒｔｉｎ",), "martin"),  # full-width letters fold too (NFKD)
        (("Noël", "", "Çelik"), "noel celik"),
        (("",), ""),
        ((), ""),
        (("   ",), ""),
    ],
)
def test_search_key_ignores_case_accents_and_spacing(parts: tuple[str, ...], expected: str) -> None:
    assert search_key(*parts) == expected


def test_search_key_makes_accented_and_plain_spellings_meet() -> None:
    assert search_key("DUPÔNT") == search_key("dupont") == search_key("Dupont")
    assert search_key("élodie") == search_key("Elodie")
    assert search_key("alain dup") in search_key("Alain", "Dupont")
