"""Base for the JSON models of the HTTP contract: camelCase on the wire, strict input.

Free text (names, file names, addresses, messages) goes through one rule here: NFC form, and
nothing a reader cannot see or that reorders what they see (control, format and bidi characters,
surrogates, private-use and unassigned code points). Names also refuse RFC 2047 encoded words:
a mail client would decode `=?utf-8?q?...?=` in a header into text of the sender's choice.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    """Request bodies: camelCase fields, unknown fields refused."""

    # Built on first use, not at import: a cold container pays only for the bodies its request reads.
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True, defer_build=True
    )


# What each refused Unicode category is, in the user's words.
_HIDDEN = {
    "Cc": "caractère de contrôle",
    "Cf": "caractère invisible ou de mise en forme (direction du texte, largeur nulle…)",
    "Cs": "caractère non valide (demi-paire de substitution)",
    "Co": "caractère à usage privé",
    "Cn": "caractère non attribué par Unicode",
}
# Line and paragraph breaks of every kind; one-line fields fold them (and the spaces around) into a space.
_FOLD = re.compile(r"\s*[\r\n\t\x85\u2028\u2029]\s*")
_NEWLINES = re.compile(r"\r\n|[\r\x85\u2028\u2029]")
_ENCODED_WORD = re.compile(r"=\?.*\?=", re.DOTALL)


def _visible(text: str, allowed: str = "") -> str:
    for char in text:
        kind = _HIDDEN.get(unicodedata.category(char))
        if kind is not None and char not in allowed:
            raise ValueError(f"{kind} non accepté (U+{ord(char):04X})")
    return text


def _no_encoded_word(text: str) -> str:
    if _ENCODED_WORD.search(text):
        raise ValueError("séquence « =?…?= » non acceptée")
    return text


def one_line(value: str) -> str:
    """A one-line field: NFC, line breaks and tabs become a space, nothing hidden."""
    return _visible(_FOLD.sub(" ", unicodedata.normalize("NFC", value)))


def name(value: str) -> str:
    """A name (vault, dossier, person): one line, no encoded word."""
    return _no_encoded_word(one_line(value))


def file_name(value: str) -> str:
    """A file name: NFC, no line break or tab at all, no encoded word."""
    return _no_encoded_word(_visible(unicodedata.normalize("NFC", value)))


def multiline(value: str) -> str:
    """A message: NFC, line breaks become `\\n`, tabs stay; nothing else hidden."""
    return _visible(_NEWLINES.sub("\n", unicodedata.normalize("NFC", value)), allowed="\n\t")


# Constraints first (pydantic's own errors, in characters), then the rule above.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), AfterValidator(name)]
MAX_MESSAGE_CHARS = 500
# A message to a person (link message, invitation welcome and comment).
Message = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=MAX_MESSAGE_CHARS), AfterValidator(multiline)
]
# A validation code typed by an owner or a recipient.
Code = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
