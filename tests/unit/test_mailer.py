"""The mailer's headers: the sender's address is ours and no text adds a header, whatever it holds.

The SES client is a recording fake: the bytes it is given are what SES would send.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from email.utils import getaddresses
from typing import Any

import pytest
from vault_share.adapters.mailer import Email, Mailer

SENDER = "no-reply@vault-share.test"
HOSTILE = [
    "=?utf-8?q?attacker=40evil.example?=",
    "=?UTF-8?B?YXR0YWNrZXJAZXZpbC5leGFtcGxl?=",
    "=?utf-8?q?a=3Cattacker=40evil.example=3E?=",
    "=?utf-8?q?x=0D=0ABcc:_attacker=40evil.example?=",
    "=?utf-8?b?eA0KUmVwbHktVG86IGF0dGFja2VyQGV2aWwuZXhhbXBsZQ==?=",
    "===??utf-8?q?attacker=40evil.example?=?=",
    "Éric <attacker@evil.example>",
    '"attacker@evil.example" <attacker@evil.example>',
    "a@evil.example, b@evil.example; c@evil.example",
    "x\r\nBcc: attacker@evil.example",
    "x\nReply-To: attacker@evil.example",
    "x\u2028Bcc: attacker@evil.example",
    "x\x00\x1b\u202e\u200b <attacker@evil.example>",
    "(comment) group: <attacker@evil.example>;",
    '\\" <attacker@evil.example>',
]


class RecordingSes:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def send_raw_email(self, **kwargs: Any) -> dict[str, str]:
        self.calls.append(kwargs)
        return {"MessageId": f"m{len(self.calls)}"}


def sent(from_name: str | None, subject: str = "Objet") -> tuple[EmailMessage, dict[str, Any]]:
    ses = RecordingSes()
    Mailer(ses, SENDER).send(Email(["jules@example.fr"], subject, "texte", "<p>html</p>"), from_name=from_name)
    [call] = ses.calls
    message = BytesParser(policy=default).parsebytes(call["RawMessage"]["Data"])
    assert isinstance(message, EmailMessage)
    return message, call


@pytest.mark.parametrize("text", HOSTILE)
def test_no_text_changes_the_sender_or_adds_a_header(text: str) -> None:
    message, call = sent(f"{text} via vault-share", subject=f"{text} vous transmet 1 document")
    assert call["Source"] == SENDER and call["Destinations"] == ["jules@example.fr"]
    assert sorted(name.lower() for name in message) == ["content-type", "from", "mime-version", "subject", "to"]
    [sender] = message["From"].addresses
    assert sender.addr_spec == SENDER
    assert [address for _, address in getaddresses([str(message["From"])])] == [SENDER]
    assert not set("<>@\r\n\x00") & set(sender.display_name), sender.display_name
    subject = str(message["Subject"])
    assert "=?" not in subject and not set("\r\n\x00\u2028") & set(subject), subject
    assert subject.endswith(" vous transmet 1 document")


@pytest.mark.parametrize(
    "name", ["Garage des Lilas via vault-share", "Éric Lefèvre & Fils, carrosserie (Lyon) via vault-share"]
)
def test_plain_names_are_kept(name: str) -> None:
    message, _ = sent(name, subject=f"{name} : Été à l'atelier")
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (name, SENDER)
    assert str(message["Subject"]) == f"{name} : Été à l'atelier"


def test_the_default_name() -> None:
    message, _ = sent(None)
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("vault-share", SENDER)
