"""E-mail through SES: one multipart (text + HTML) message per call."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from functools import cache
from typing import Any

from vault_share.adapters.aws import client
from vault_share.settings import get_settings


@dataclass(frozen=True)
class Email:
    to: list[str]
    subject: str
    text: str
    html: str


class Mailer:
    def __init__(self, ses: Any, sender: str, sender_name: str = "vault-share") -> None:
        self._ses = ses
        self._sender = sender
        self._sender_name = sender_name

    def send(self, email: Email, *, from_name: str | None = None) -> str:
        message = EmailMessage()
        message["From"] = formataddr((from_name or self._sender_name, self._sender))
        message["To"] = ", ".join(email.to)
        message["Subject"] = email.subject
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        answer = self._ses.send_raw_email(
            Source=self._sender, Destinations=email.to, RawMessage={"Data": message.as_bytes()}
        )
        return str(answer["MessageId"])


@cache
def default_mailer() -> Mailer:
    return Mailer(client("ses"), get_settings().sender_email)
