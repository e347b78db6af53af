"""Free text in requests: nothing hidden, nothing that reorders what people read, one Unicode form.

`invoice\\u202efdp.exe` shows as `invoiceexe.pdf`: a right-to-left override makes an executable
look like a PDF in the recipient's download list. Names, file names, postal addresses and link
messages refuse control, format (bidi, zero-width, soft hyphen...), surrogate, private-use and
unassigned characters with a French 422, and are stored in NFC. Names also refuse RFC 2047
encoded words (`=?utf-8?q?...?=`): they end up in e-mail headers. Content types are ASCII.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.fixtures import Api, HttpResult
from tests.handlers.test_links import World, build_world, call, counts, create, ok


@pytest.fixture(scope="module")
def world(api: Api) -> World:
    return build_world(api)


@dataclass(frozen=True)
class Field:
    path: Callable[[World], str]
    body: Callable[[World, str], dict[str, Any]]
    wire: str  # the field as the 422 names it

    def send(self, api: Api, w: World, value: str) -> HttpResult:
        return call(api, "POST", self.path(w), self.body(w, value), user=w.owner)


def _person(**fields: Any) -> dict[str, Any]:
    return {"firstName": "Jean", "lastName": "Dupont", **fields}


def _address(**fields: str) -> dict[str, Any]:
    return _person(postalAddress={"line1": "1 rue des Lilas", "postalCode": "75020", "city": "Paris", **fields})


def _persons(w: World) -> str:
    return f"/vaults/{w.vault_id}/persons"


def _documents(w: World) -> str:
    return f"/vaults/{w.vault_id}/dossiers/{w.dossier_id}/documents"


NAMES = {
    "vault name": Field(lambda w: "/vaults", lambda w, v: {"name": v}, "name"),
    "dossier name": Field(lambda w: f"/vaults/{w.vault_id}/dossiers", lambda w, v: {"name": v}, "name"),
    "first name": Field(_persons, lambda w, v: _person(firstName=v), "firstName"),
    "last name": Field(_persons, lambda w, v: _person(lastName=v), "lastName"),
    "file name": Field(
        _documents, lambda w, v: {"fileName": f"{v}.pdf", "contentType": "application/pdf", "size": 3}, "fileName"
    ),
}
TEXTS = {
    "address line 1": Field(_persons, lambda w, v: _address(line1=v), "postalAddress.line1"),
    "address line 2": Field(_persons, lambda w, v: _address(line2=v), "postalAddress.line2"),
    "city": Field(_persons, lambda w, v: _address(city=v), "postalAddress.city"),
    "country": Field(_persons, lambda w, v: _address(country=v), "postalAddress.country"),
    "link message": Field(lambda w: w.links_path, lambda w, v: w.body(message=v), "message"),
}
FIELDS = {**NAMES, **TEXTS}

HIDDEN = {
    "Cc bell": "\x07",
    "Cc escape": "\x1b",
    "Cc delete": "\x7f",
    "Cc C1 CSI": "\x9b",
    "Cf right-to-left override": "\u202e",
    "Cf left-to-right embedding": "\u202a",
    "Cf right-to-left isolate": "\u2067",
    "Cf pop directional isolate": "\u2069",
    "Cf zero-width space": "\u200b",
    "Cf zero-width joiner": "\u200d",
    "Cf right-to-left mark": "\u200f",
    "Cf word joiner": "\u2060",
    "Cf byte order mark": "\ufeff",
    "Cf soft hyphen": "\u00ad",
    "Cf tag": "\U000e0041",
    "Cs surrogate": "\ud800",
    "Co private use": "\ue000",
    "Co plane 15": "\U000f0000",
    "Cn unassigned": "\u0378",
    "Cn noncharacter": "\ufdd0",
}
ENCODED_WORDS = [
    "=?utf-8?q?attacker=40evil.example?=",
    "=?UTF-8?B?YXR0YWNrZXJAZXZpbC5leGFtcGxl?=",
    "Garage =?iso-8859-1?q?=E9?= Lilas",
    "=?utf-8?q?a?==?utf-8?q?b?=",
]


def refused(answer: HttpResult, field: str) -> str:
    """The 422 names `field` and says what is wrong in French; returns that sentence."""
    assert answer.status == 422, answer.body[:300]
    body = answer.json()
    assert body["error"] == "validation_error", body
    messages = [f["message"] for f in body["fields"] if f["field"] == f"body.{field}"]
    assert messages, body
    [message] = messages
    assert message != "Valeur non acceptée." and message.endswith("."), message
    return str(message)


def test_a_bidi_override_in_a_file_name_is_refused(api: Api, world: World) -> None:
    before = counts()
    body = {"fileName": "invoice\u202efdp.exe", "contentType": "application/pdf", "size": 3}
    answer = call(api, "POST", _documents(world), body, user=world.owner)
    message = refused(answer, "fileName")
    assert "U+202E" in message and "invisible" in message, message
    assert counts() == before
    dossier = ok(call(api, "GET", f"/vaults/{world.vault_id}/dossiers/{world.dossier_id}", user=world.owner))
    assert all("\u202e" not in d["fileName"] for d in dossier["documents"])


@pytest.mark.parametrize("char", list(HIDDEN.values()), ids=list(HIDDEN))
@pytest.mark.parametrize("field", list(FIELDS))
def test_hidden_characters_are_refused(api: Api, world: World, field: str, char: str) -> None:
    before = counts()
    message = refused(FIELDS[field].send(api, world, f"Lilas{char}Garage"), FIELDS[field].wire)
    if unicodedata.category(char) == "Cs":
        # Not even a string for pydantic; its own error, in French.
        assert "Unicode" in message, message
    else:
        assert f"U+{ord(char):04X}" in message, message
    assert counts() == before


@pytest.mark.parametrize("value", ENCODED_WORDS)
@pytest.mark.parametrize("field", list(NAMES))
def test_names_refuse_encoded_words(api: Api, world: World, field: str, value: str) -> None:
    before = counts()
    message = refused(NAMES[field].send(api, world, value), NAMES[field].wire)
    assert "=?" in message, message
    assert counts() == before


@pytest.mark.parametrize("field", ["address line 1", "link message"])
def test_texts_that_are_not_names_may_hold_an_equal_sign_and_question_marks(api: Api, world: World, field: str) -> None:
    answer = FIELDS[field].send(api, world, "Bât. B =?utf-8?q?x?= (code =?)")
    assert answer.status == 201, answer.body[:300]


@pytest.mark.parametrize("field", ["vault name", "first name", "city"])
def test_one_line_fields_fold_line_breaks_and_tabs(api: Api, world: World, field: str) -> None:
    answer = ok(FIELDS[field].send(api, world, "Garage\tdes\r\n  Lilas\u2028Paris"), 201)
    shown = json.dumps(answer, ensure_ascii=False)
    assert "Garage des Lilas Paris" in shown, shown


def test_a_file_name_refuses_a_line_break(api: Api, world: World) -> None:
    refused(NAMES["file name"].send(api, world, "a\nb"), "fileName")


def test_a_message_keeps_its_lines_and_tabs(api: Api, world: World) -> None:
    link = create(api, world, world.body(message="Bonjour,\r\n\tvoici les pièces.\u2029Merci"))
    assert ok(call(api, "GET", link.share))["message"] == "Bonjour,\n\tvoici les pièces.\nMerci"


DECOMPOSED = "E\u0301ric Lefe\u0300vre"
COMPOSED = "Éric Lefèvre"


def test_names_and_texts_are_stored_in_nfc(api: Api, world: World) -> None:
    assert unicodedata.normalize("NFC", DECOMPOSED) == COMPOSED != DECOMPOSED
    vault = ok(call(api, "POST", "/vaults", {"name": DECOMPOSED}, user=world.owner), 201)
    assert vault["name"] == COMPOSED
    listed = ok(call(api, "GET", "/vaults", user=world.owner))["vaults"]
    assert [v["name"] for v in listed if v["vaultId"] == vault["vaultId"]] == [COMPOSED]

    person = {"firstName": "E\u0301ric", "lastName": "Lefe\u0300vre", "postalAddress": {
        "line1": "3 alle\u0301e des Tilleuls", "postalCode": "69001", "city": "Saint-E\u0301tienne"}}  # fmt: skip
    stored = ok(call(api, "POST", _persons(world), person, user=world.owner), 201)
    assert (stored["firstName"], stored["lastName"]) == ("Éric", "Lefèvre")
    found = ok(call(api, "GET", _persons(world), user=world.owner, query="q=eric"))["persons"]
    [again] = [p for p in found if p["personId"] == stored["personId"]]
    assert again["postalAddress"]["line1"] == "3 allée des Tilleuls"
    assert again["postalAddress"]["city"] == "Saint-Étienne"

    body = {"fileName": "re\u0301sume\u0301.pdf", "contentType": "application/pdf", "size": 3}
    document = ok(call(api, "POST", _documents(world), body, user=world.owner), 201)
    dossier = ok(call(api, "GET", f"/vaults/{world.vault_id}/dossiers/{world.dossier_id}", user=world.owner))
    [shown] = [d for d in dossier["documents"] if d["documentId"] == document["documentId"]]
    assert shown["fileName"] == "résumé.pdf"

    link = create(api, world, world.body(message=DECOMPOSED))
    assert ok(call(api, "GET", link.share))["message"] == COMPOSED


@pytest.mark.parametrize("content_type", ["applicatión/pdf", "image/jpég", "text/plain\u200b", "ａpplication/pdf"])
def test_content_types_are_ascii(api: Api, world: World, content_type: str) -> None:
    before = counts()
    body = {"fileName": "a.pdf", "contentType": content_type, "size": 3}
    refused(call(api, "POST", _documents(world), body, user=world.owner), "contentType")
    assert counts() == before


@pytest.mark.parametrize("content_type", ["application/pdf", "image/svg+xml", "application/vnd.ms-excel", "x_y/z-1"])
def test_ascii_content_types_are_accepted(api: Api, world: World, content_type: str) -> None:
    body = {"fileName": "a.pdf", "contentType": content_type, "size": 3}
    assert ok(call(api, "POST", _documents(world), body, user=world.owner), 201)["documentId"]
