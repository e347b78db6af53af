"""Contact details: e-mail addresses and French-first phone numbers.

email-validator and phonenumbers (Google's libphonenumber) do the parsing:
both are maintained and know the cases a regex misses. They are imported on first use
(together about 60 ms of a cold start, for requests that parse no contact detail).
"""

from __future__ import annotations

import unicodedata

DEFAULT_REGION = "FR"


def normalize_email(value: str) -> str:
    """Lower-cased, syntax-checked address (no DNS look-up: Lambda may have no egress)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError("adresse e-mail invalide") from exc
    return result.normalized.lower()


def normalize_mobile(value: str) -> str:
    """E.164 form of a mobile number; national French numbers are accepted."""
    import phonenumbers

    mobile_types = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("numéro de mobile invalide") from exc
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in mobile_types:
        raise ValueError("numéro de mobile invalide")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def search_key(*parts: str) -> str:
    """Case- and accent-insensitive form used to search names."""
    text = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())
