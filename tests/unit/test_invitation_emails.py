"""The invitation e-mails: what each carries, what none may carry, and hostile names and comments.

Each e-mail also goes through the real Mailer (a recording SES): the bytes SES would send are
parsed back, as a mail client would.
"""

from __future__ import annotations

import inspect
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from html.parser import HTMLParser
from typing import Any

import pytest
from vault_share.adapters.mailer import Email, Mailer
from vault_share.invitations.emails import access_granted_email, confirmation_email, invitation_email

URL = "https://api.vault-share.test/v1/invite/tok_AbCdEfGhIjKlMnOpQrStUvWx"
SIGN_IN = "https://app.vault-share.test/"
EXPIRES = datetime(2026, 12, 3, 16, 5, tzinfo=UTC)  # 17h05 in Paris
GUEST = "alain.dupont@example.fr"
SIX_DIGITS = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")

HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "Garage & Fils <b>gras</b>",
    "=?utf-8?q?attacker=40evil.example?=",
    "=?utf-8?b?eA0KQmNjOiBhdHRhY2tlckBldmlsLmV4YW1wbGU=?=",
    "x\r\nBcc: attacker@evil.example",
    "\u202eelif.exe",
    "Paiement sur https://evil.example/login",
]
HOSTILE_COMMENTS = [
    "<script>alert('x')</script>",
    '</blockquote><a href="https://evil.example">Cliquez</a>',
    "Ligne 1\nLigne 2 & <i>3</i>",
    "=?utf-8?q?=3Cb=3E?=",
]


class Html(HTMLParser):
    """The elements and attributes a mail client would build from the HTML part."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def links(self) -> list[str | None]:
        return [attrs.get("href") for tag, attrs in self.tags if tag == "a"]

    @property
    def names(self) -> set[str]:
        return {tag for tag, _ in self.tags}

    @property
    def attributes(self) -> set[str]:
        return {name for _, attrs in self.tags for name in attrs}


class RecordingSes:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def send_raw_email(self, **kwargs: Any) -> dict[str, str]:
        self.calls.append(kwargs)
        return {"MessageId": "m1"}


def as_received(email: Email) -> EmailMessage:
    ses = RecordingSes()
    Mailer(ses, "no-reply@vault-share.test").send(email)
    [call] = ses.calls
    message = BytesParser(policy=default).parsebytes(call["RawMessage"]["Data"])
    assert isinstance(message, EmailMessage)
    assert call["Destinations"] == email.to
    return message


def assert_safe_html(email: Email, links: list[str]) -> Html:
    """Only our markup: the elements we write, no script or handler, exactly the links we put."""
    parsed = Html(email.html)
    assert parsed.names <= {"html", "body", "p", "strong", "blockquote", "a", "br"}, parsed.names
    assert parsed.attributes <= {"lang", "style", "href"}, parsed.attributes
    assert parsed.links == links
    return parsed


def invitation(**overrides: Any) -> Email:
    arguments: dict[str, Any] = {
        "to": GUEST,
        "vault_name": "Garage des Lilas",
        "url": URL,
        "expires_at": EXPIRES,
        "code_channel": "sms",
        "comment": "Bonjour Alain, voici les documents du véhicule.",
    }
    return invitation_email(**(arguments | overrides))


# ---------------------------------------------------------------- the invitation


def test_the_invitation_carries_the_vault_the_comment_the_link_and_the_expiry() -> None:
    email = invitation()
    assert email.to == [GUEST]
    assert email.subject == "Garage des Lilas vous invite à rejoindre son coffre sur vault-share"
    for part in (email.text, "".join(Html(email.html).text)):
        assert "Garage des Lilas vous invite à rejoindre son coffre de documents sur vault-share." in part
        assert "Bonjour Alain, voici les documents du véhicule." in part
        assert "L'invitation est valable jusqu'au 3 décembre 2026 à 17h05." in part
        assert "vous le recevez séparément, par SMS." in part
        assert "Il ne figure jamais dans ce message." in part
    assert f"Accepter l'invitation : {URL}\n" in email.text
    assert_safe_html(email, [URL])


def test_the_line_about_the_code_names_its_channel() -> None:
    by_phone = invitation(code_channel="phone")
    assert (
        "Un code de validation à 6 chiffres vous sera demandé : "
        "Garage des Lilas vous le communique séparément, par téléphone." in by_phone.text
    )
    assert "SMS" not in by_phone.text and "SMS" not in by_phone.html
    assert "téléphone" not in invitation(code_channel="sms").text


def test_a_reminder_says_so_and_no_comment_leaves_no_trace() -> None:
    email = invitation(reminder=True, comment=None)
    assert email.subject.startswith("Rappel : Garage des Lilas vous invite")
    assert "Rappel : Garage des Lilas vous invite" in email.text
    assert "Message de" not in email.text and "blockquote" not in email.html


def test_the_invitation_can_never_hold_the_code() -> None:
    """The code is no argument of it, and nothing in it reads as one."""
    assert not any("code" in name and name != "code_channel" for name in inspect.signature(invitation_email).parameters)
    for channel in ("sms", "phone"):
        email = invitation(code_channel=channel)
        for part in (email.subject, email.text, email.html):
            assert not SIX_DIGITS.search(part), part


@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize("comment", HOSTILE_COMMENTS)
def test_hostile_names_and_comments_stay_text(name: str, comment: str) -> None:
    email = invitation(vault_name=name, comment=comment)
    parsed = assert_safe_html(email, [URL])
    assert comment in "".join(parsed.text)  # the comment, as written, shown as text
    message = as_received(email)
    assert sorted(key.lower() for key in message) == ["content-type", "from", "mime-version", "subject", "to"]
    subject = str(message["Subject"])
    assert "=?" not in subject and not set("\r\n\u202e") & set(subject), subject
    assert [str(a.addr_spec) for a in message["To"].addresses] == [GUEST]


def test_a_vault_name_never_becomes_a_link() -> None:
    email = invitation(vault_name="Paiement sur https://evil.example/login", comment=None)
    for part in (email.subject, email.text, email.html):
        assert "evil.example" not in part and "https://evil" not in part
    assert "Paiement sur : //evil. example/login vous invite" in email.text
    assert_safe_html(email, [URL])


# ---------------------------------------------------------------- the address confirmation


def test_the_confirmation_carries_its_code_and_no_link() -> None:
    email = confirmation_email(to="alain@example.fr", vault_name="Garage des Lilas", code="042917")
    assert email.to == ["alain@example.fr"] and email.subject == "Confirmez votre adresse e-mail sur vault-share"
    assert "\n\n042917\n\n" in email.text
    assert "042917" not in email.subject
    assert "Garage des Lilas" in email.text
    parsed = assert_safe_html(email, [])
    assert "042917" in parsed.text
    for part in (email.text, email.html):
        assert "http" not in part and "/invite/" not in part


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_the_confirmation_with_a_hostile_name(name: str) -> None:
    email = confirmation_email(to="alain@example.fr", vault_name=name, code="042917")
    assert_safe_html(email, [])
    assert "http" not in email.text and "http" not in email.html


@pytest.mark.parametrize("code", ["42917", "0429170", "04291a", "٠٤٢٩١٧", ""])
def test_the_confirmation_code_is_six_digits(code: str) -> None:
    with pytest.raises(ValueError, match="6 digits"):
        confirmation_email(to="alain@example.fr", vault_name="Garage", code=code)


# ---------------------------------------------------------------- direct access


def test_access_granted_says_where_to_sign_in_and_holds_no_code() -> None:
    email = access_granted_email(to=GUEST, vault_name="Garage des Lilas", sign_in_url=SIGN_IN)
    assert email.to == [GUEST]
    assert email.subject == "Garage des Lilas vous a donné accès à son coffre sur vault-share"
    assert f"Connectez-vous avec votre compte vault-share ({GUEST}) pour le consulter : {SIGN_IN}\n" in email.text
    assert "Aucun code n'est nécessaire." in email.text
    assert_safe_html(email, [SIGN_IN])
    for part in (email.subject, email.text, email.html):
        assert not SIX_DIGITS.search(part)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_access_granted_with_a_hostile_name(name: str) -> None:
    email = access_granted_email(to=GUEST, vault_name=name, sign_in_url=SIGN_IN)
    assert_safe_html(email, [SIGN_IN])
    subject = str(as_received(email)["Subject"])
    assert "=?" not in subject and "\n" not in subject
