"""E-mail through SES: one multipart (text + HTML) message per call.

Header text comes from people (vault names, file names): it is made plain before it goes in.
Python's email package decodes any RFC 2047 encoded word (`=?utf-8?q?...?=`) in the text it is
given and writes the decoded text out, CRLF included, and mail clients decode them too: left as
they are, a name would choose the From address or add headers of its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from vault_share import observability


@dataclass(frozen=True)
class Email:
    to: list[str]
    subject: str
    text: str
    html: str


# In a display name, what could read as an address (or its quoting) once decoded.
_ADDRESS_LIKE = re.compile(r'[<>@"\\]')


def header_text(text: str) -> str:
    """Text a header carries as it is: no encoded word (each `=?` opener is broken by a space),
    no control or invisible character (line breaks become spaces), one line."""
    kept = []
    for char in text.replace("=?", "= ?"):
        kind = unicodedata.category(char)
        if kind in ("Cc", "Zl", "Zp"):
            kept.append(" ")
        elif not kind.startswith("C"):
            kept.append(char)
    return " ".join("".join(kept).split())


def display_name(text: str) -> str:
    """A sender's display name that cannot change the sender's address, however it is read."""
    return header_text(_ADDRESS_LIKE.sub(" ", header_text(text)))


class Mailer:
    def __init__(self, ses: Any, sender: str, sender_name: str = "vault-share") -> None:
        self._ses = ses
        self._sender = sender
        self._sender_name = sender_name

    def send(self, email: Email, *, from_name: str | None = None) -> str:
        # With email.policy, which EmailMessage loads on first use: not at a cold start that sends nothing.
        from email.headerregistry import Address

        message = EmailMessage()
        # The address is ours whatever the name holds: an Address object, never a string to parse.
        message["From"] = Address(display_name=display_name(from_name or self._sender_name), addr_spec=self._sender)
        message["To"] = ", ".join(email.to)
        message["Subject"] = header_text(email.subject)
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        try:
            answer = self._ses.send_raw_email(
                Source=self._sender, Destinations=email.to, RawMessage={"Data": message.as_bytes()}
            )
        except Exception:
            observability.email_failed()
            raise
        return str(answer["MessageId"])
