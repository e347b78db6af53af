"""The sender of a link's e-mail is ours, whatever the vault is called.

A vault named `=?utf-8?q?attacker=40evil.example?=` (an RFC 2047 encoded word) made the From
header `attacker@evil.example <no-reply@...>` once Python's email package had decoded and
re-written it: another sender's address. An encoded CRLF in the name went further and added
headers of its own. The API now refuses such names; names stored before (here written into the
member item directly, as an older release would have) must not do it either.

Each case reads the message as a client does: the bytes SES was given, parsed with the default
policy, then the decoded From header read again as text.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from email.utils import getaddresses

import pytest
from moto.ses.models import ses_backends

from devstack.outbox import parse_raw_email
from tests.conftest import REGION
from tests.fixtures import ACCOUNT, Api, add_member, new_user
from tests.handlers.test_links import call, dossier_with_docs, new_vault, ok

SENDER = "no-reply@vault-share.test"
# Accepted by the API (line breaks are folded into spaces).
ACCEPTED = [
    "Éric <eric@evil.example>",
    "<attacker@evil.example>",
    '"attacker@evil.example" <attacker@evil.example>',
    'Dupont, "Fils" & Cie',
    "a@evil.example, b@evil.example",
    "Garage; attacker@evil.example",
    "Garage\r\nBcc: attacker@evil.example",
    "Garage\r\nFrom: attacker@evil.example",
    'Garage \\" <attacker@evil.example>',
    "(commentaire) Garage: <a@evil.example>;",
]
# Refused by the API today; what an older release may have stored.
STORED = [
    "=?utf-8?q?attacker=40evil.example?=",
    "=?UTF-8?B?YXR0YWNrZXJAZXZpbC5leGFtcGxl?=",
    "=?utf-8?q?Garage_=3Cattacker=40evil.example=3E?=",
    "=?utf-8?b?PGF0dGFja2VyQGV2aWwuZXhhbXBsZT4=?=",
    "=?utf-8?q?x=0D=0ABcc:_attacker=40evil.example?=",
    "=?utf-8?q?x=0D=0AFrom:_attacker=40evil.example?= et fils",
    "==?utf-8?q?attacker=40evil.example?==",
    "=?iso-8859-1?q?=E9ric=2C_attacker=40evil.example?=",
    "Garage\u202e\u200b\x00 <a@evil.example>",
]
HEADERS = {"from", "to", "subject", "content-type", "mime-version"}


def link_email_for(api: Api, vault_name: str, *, stored: bool) -> bytes:
    """Creates a link e-mailed to jules@example.fr from a vault so named; the raw message sent."""
    owner = new_user("owner")
    # Through the API, or written as an older release may have stored it.
    vault_id = new_vault(api, owner, "Garage des Lilas" if stored else vault_name)
    dossier_id, docs = dossier_with_docs(api, owner, vault_id, 1)
    author = owner
    if stored:
        author = new_user("member")
        add_member(vault_id, author, "member", vault_name=vault_name)
    sent = ses_backends[ACCOUNT][REGION].sent_messages
    before = len(sent)
    body = {"documentIds": [docs[0].document_id], "recipientEmail": "jules@example.fr"}
    path = f"/vaults/{vault_id}/dossiers/{dossier_id}/links"
    assert ok(call(api, "POST", path, body, user=author), 201)["email"] == {"status": "sent"}
    [message] = sent[before:]
    raw = message.raw_data
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else bytes(raw)


def assert_ours(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    assert {name.lower() for name in message} == HEADERS, message.keys()
    assert len(message.get_all("From") or []) == 1
    [sender] = message["From"].addresses
    assert sender.addr_spec == SENDER, message["From"]
    # Decoded, then read again as text (what a client that decodes first does).
    decoded = str(message["From"])
    assert [address for _, address in getaddresses([decoded])] == [SENDER], decoded
    assert not set("<>@\r\n") & set(sender.display_name), sender.display_name
    assert sender.display_name.endswith(" via vault-share"), sender.display_name
    assert "=?" not in sender.display_name, sender.display_name
    assert [address for _, address in getaddresses([str(message["To"])])] == ["jules@example.fr"]
    assert "\n" not in str(message["Subject"]) and "=?" not in str(message["Subject"])
    return message


@pytest.mark.parametrize("vault_name", ACCEPTED)
def test_names_the_api_accepts_keep_our_address(api: Api, vault_name: str) -> None:
    assert_ours(link_email_for(api, vault_name, stored=False))


@pytest.mark.parametrize("vault_name", STORED)
def test_stored_names_keep_our_address_and_add_no_header(api: Api, vault_name: str) -> None:
    assert_ours(link_email_for(api, vault_name, stored=True))


@pytest.mark.parametrize("vault_name", STORED[:4])
def test_the_api_refuses_such_names(api: Api, vault_name: str) -> None:
    answer = call(api, "POST", "/vaults", {"name": vault_name}, user=new_user("owner"))
    assert (answer.status, answer.json()["error"]) == (422, "validation_error"), answer.body
    [field] = answer.json()["fields"]
    assert field["field"] == "body.name" and "=?" in field["message"], field


def test_the_outbox_shows_the_from_header_as_sent(api: Api) -> None:
    raw = link_email_for(api, 'Éric, "Fils" & Cie =?utf-8?q?x?=', stored=True)
    unfolded = raw.replace(b"\r\n", b"\n").replace(b"\n ", b" ").replace(b"\n\t", b"\t")
    [line] = [x for x in unfolded.split(b"\n") if x.lower().startswith(b"from:")]
    as_sent = line.split(b":", 1)[1].strip().decode("ascii")
    assert "=?utf-8?" in as_sent, "a non-ASCII name is sent encoded"
    shown = parse_raw_email(raw)["from"]
    assert shown == as_sent, (shown, as_sent)
    assert shown.endswith(f"<{SENDER}>")
