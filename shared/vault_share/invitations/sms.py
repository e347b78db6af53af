"""The SMS that carries an invitation's validation code: the code and the vault's name, never a link.

One segment, always: at most 160 septets, every character in the GSM 03.38 basic alphabet (no
extension-table character, which costs two septets and which some handsets show badly). The
vault's name is chosen by whoever owns the vault, so it is made harmless before it goes in:
transliterated into the alphabet, stripped of what a phone would turn into a link (a domain, an
address, a URL scheme), kept from closing the quotes around it, and shortened to fit.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import cache

from vault_share.i18n import date_fr

SEGMENT_SEPTETS = 160
_CODEC = "gsm03.38"
_ELLIPSIS = "..."
_CODE = re.compile(r"[0-9]{6}")

# Characters outside the basic alphabet, or inside it but unwelcome in a quoted name, and what
# replaces them. Extension-table characters ([ ] { } \ ^ ~ | €) are here so that none is sent.
_REPLACEMENTS = {
    '"': "'",  # the name is quoted: it cannot close the quotes and add text of its own
    "`": "'",
    "«": "'",
    "»": "'",
    "“": "'",
    "”": "'",
    "„": "'",
    "‟": "'",
    "[": "(",
    "]": ")",
    "{": "(",
    "}": ")",
    "\\": "-",
    "/": "-",
    "|": "-",
    "~": "-",
    "^": "",
    "€": "EUR",
}
# What a phone or a mail client would read as a link: a dot, colon or at sign glued to what follows
# (domains, e-mail addresses, IP addresses, `scheme:`), the look-alikes that IDNA maps to them, and the
# scheme words themselves.
_SEPARATORS = ".:@\u2024\u3002\ufe13\ufe52\ufe55\ufe6b\uff0e\uff1a\uff20\uff61"
_GLUED = re.compile(f"([{_SEPARATORS}])(?=[^\\s{_SEPARATORS}])")
_SCHEME = re.compile(r"https?|ftps?|www", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@cache
def _codec() -> str:
    """The codec's name, once `gsm0338` has registered it: imported when an SMS is written, not at
    a cold start (with anyascii, about 30 ms that a recipient's page does not need)."""
    import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

    return _CODEC


def _is_basic(char: str) -> bool:
    """In the GSM 03.38 basic alphabet (one septet), and no control character (LF, CR, ESC)."""
    if unicodedata.category(char) == "Cc":
        return False
    try:
        return len(char.encode(_codec())) == 1
    except UnicodeEncodeError:
        return False


def _gsm_char(char: str) -> str:
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    if _is_basic(char):
        return char
    kind = unicodedata.category(char)
    if kind.startswith("Z") or char in "\t\n\r\x0b\x0c\x85":
        return " "
    if kind.startswith(("C", "M", "Sk", "So")):
        # Controls, bidi and other invisible characters, stray combining marks, emoji and pictographs:
        # nothing a reader would miss in a transliteration.
        return ""
    from anyascii import anyascii

    return "".join(c if _is_basic(c) else _REPLACEMENTS.get(c, "") for c in anyascii(char))


def gsm_text(text: str) -> str:
    """`text` in the GSM 03.38 basic alphabet on one line: what is in it kept (é, è, à, ù, Ç, Ø, Ä, Ñ...),
    the rest transliterated (ç -> c, û -> u, œ -> oe, Москва -> Moskva) or dropped (emoji, controls)."""
    kept = "".join(_gsm_char(char) for char in unicodedata.normalize("NFC", text))
    return _SPACES.sub(" ", kept).strip()


def unlinked(text: str) -> str:
    """`text` (a name someone chose) as no phone or mail client shows it as a link: a space after each
    glued separator (`evil.example` -> `evil. example`, `a@b` -> `a@ b`), no scheme word."""
    text = _GLUED.sub(r"\1 ", text)
    while _SCHEME.search(text):  # "hthttptp" holds one again once the inner one is gone
        text = _SCHEME.sub("", text)
    return _SPACES.sub(" ", text).strip()


def _safe_name(vault_name: str) -> str:
    """The vault's name as the SMS may carry it: GSM, no link, no quote of its own."""
    return unlinked(gsm_text(vault_name)).strip(" .:@-")


def septets(text: str) -> int:
    """The septets `text` takes in GSM 03.38 (two for an extension-table character)."""
    return len(text.encode(_codec()))


def _message(code: str, vault: str, until: str) -> str:
    return f"Code vault-share : {code} pour rejoindre {vault}, valable jusqu'au {until}. Ne le donnez à personne."


def code_sms(vault_name: str, code: str, expires_at: datetime) -> str:
    """The validation code's SMS (French, one segment), `code` first so that no name can come before it."""
    if not _CODE.fullmatch(code):
        raise ValueError("an invitation code is 6 digits")
    until = gsm_text(date_fr(expires_at))
    name = _safe_name(vault_name)
    if not name:
        return _message(code, "un coffre", until)
    room = SEGMENT_SEPTETS - septets(_message(code, 'le coffre ""', until))
    if len(name) > room:
        name = name[: room - len(_ELLIPSIS)].rstrip(" .:@-") + _ELLIPSIS
    text = _message(code, f'le coffre "{name}"', until)
    assert septets(text) <= SEGMENT_SEPTETS and all(_is_basic(c) for c in text), text
    return text
