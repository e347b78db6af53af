"""The owner's side of invitations through InviteFunction's API Gateway events (moto in-process):
invite on every branch of the channel table, read (the code for owners and members only),
relaunch, cancel, the person's page and contact details.

What the channels carried is read from what moto recorded (SES raw messages, SNS SMS) to prove
that the link and the code never travel together. A refused request changes no table and sends
nothing (item counts and outboxes compared before and after).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import zxingcpp
from moto.sns.models import sns_backends
from vault_share import clock
from vault_share.adapters.mailer import Email, Mailer
from vault_share.vault.guests import home_dossier_id

from devstack import isolation
from tests.conftest import REGION
from tests.fixtures import ACCOUNT, Api, Aws, HttpResult, User, add_member, new_dossier, new_user, new_vault
from tests.handlers.test_links import (
    assert_absent,
    aws_client,
    call,
    item_count,
    parse_iso,
    sent_emails,
    strings_in,
    table_items,
)
from tests.handlers.test_links_attacks import captured_logs
from tests.handlers.test_notify import SharesStream, notify
from tests.unit.test_invitation_letter import raw_streams
from tests.unit.test_invitation_letter import read as read_pdf

BASE_URL = "https://api.vault-share.test/v1"
INVITE_URL = re.compile(r"https://api\.vault-share\.test/v1/invite/(?P<token>[A-Za-z0-9_-]{22,})")
SIX_DIGITS = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")
MOBILE = "+33612345678"
ADDRESS = {"line1": "12 rue des Lilas", "postalCode": "75011", "city": "Paris", "country": "France"}


# ============================================================== the world


@dataclass
class World:
    owner: User
    member: User
    guest: User
    stranger: User
    vault_id: str
    vault_name: str
    dossiers: list[str]
    other_vault_id: str
    other_dossier: str
    other_person: str

    def person_path(self, person_id: str) -> str:
        return f"/vaults/{self.vault_id}/persons/{person_id}"

    def invitations_path(self, person_id: str) -> str:
        return f"{self.person_path(person_id)}/invitations"

    def invitation_path(self, invitation_id: str) -> str:
        return f"/vaults/{self.vault_id}/invitations/{invitation_id}"


@pytest.fixture(scope="module")
def world(api: Api) -> World:
    owner, member, guest, stranger = (new_user(n) for n in ("owner", "member", "guest", "stranger"))
    vault_name = "Garage des Lilas"
    vault_id = new_vault(api, owner, vault_name)
    add_member(vault_id, member, "member", vault_name)
    add_member(vault_id, guest, "guest", vault_name)
    dossiers = [new_dossier(api, owner, vault_id, name) for name in ("Clio 4 AB-123-CD", "Sinistre 2026")]
    other_vault_id = new_vault(api, stranger, "Autre garage")
    other_dossier = new_dossier(api, stranger, other_vault_id, "Dossier d'ailleurs")
    other_person = person(api, stranger, other_vault_id, email="ailleurs@example.fr")
    return World(owner, member, guest, stranger, vault_id, vault_name, dossiers, other_vault_id, other_dossier,
                 other_person)  # fmt: skip


def person(api: Api, owner: User, vault_id: str, **contact: Any) -> str:
    body = {"firstName": "Alain", "lastName": "Dupont", **contact}
    result = call(api, "POST", f"/vaults/{vault_id}/persons", body, user=owner)
    assert result.status == 201, result.body
    person_id: str = result.json()["personId"]
    return person_id


def ok(result: HttpResult, status: int = 200) -> Any:
    assert result.status == status, f"expected {status}, got {result.status}: {result.body[:500]}"
    return result.json() if result.body else None


def at_once(count: int, request: Callable[[int], HttpResult]) -> list[HttpResult]:
    """`count` requests released together, DynamoDB's conditions atomic as in AWS (moto's are not)."""
    undo = isolation.atomic_dynamodb()
    barrier = threading.Barrier(count)
    results: list[HttpResult] = []

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        results.append(request(i))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        undo()
    assert len(results) == count
    return results


# ============================================================== what the channels carried


def sms_sent() -> list[dict[str, str]]:
    return [{"to": to, "text": text} for to, text in sns_backends[ACCOUNT][REGION].sms_messages.values()]


@dataclass(frozen=True)
class Outbox:
    emails: int
    sms: int

    @classmethod
    def now(cls) -> Outbox:
        return cls(len(sent_emails()), len(sms_sent()))

    def new_emails(self) -> list[dict[str, Any]]:
        return sent_emails()[self.emails :]

    def new_sms(self) -> list[dict[str, str]]:
        return sms_sent()[self.sms :]


def state() -> tuple[int, int, int, int]:
    """Items of the shares and vault tables, e-mails and SMS sent: any write or send changes one."""
    outbox = Outbox.now()
    return item_count("SHARES_TABLE"), item_count("VAULT_TABLE"), outbox.emails, outbox.sms


@dataclass
class Invited:
    answer: dict[str, Any]
    emails: list[dict[str, Any]]
    sms: list[dict[str, str]]

    @property
    def path(self) -> str:
        return f"/vaults/{self.answer['vaultId']}/invitations/{self.answer['invitationId']}"


def invite(api: Api, world: World, person_id: str, body: dict[str, Any] | None = None,
           user: User | None = None) -> Invited:  # fmt: skip
    before = Outbox.now()
    answer = ok(call(api, "POST", world.invitations_path(person_id), body or {}, user=user or world.owner), 201)
    answer["vaultId"] = world.vault_id  # for Invited.path only
    return Invited(answer, before.new_emails(), before.new_sms())


def invitation_items() -> list[dict[str, Any]]:
    return [i for i in table_items("SHARES_TABLE") if i.get("kind", {}).get("S") == "invitation"]


def raw_invitation(invitation_id: str) -> dict[str, Any]:
    (item,) = [i for i in invitation_items() if i["invitationId"]["S"] == invitation_id]
    return item


def assert_link_without_code(mail: dict[str, Any], code: str) -> str:
    """The invitation e-mail: one invitation URL, never the code; answers the token."""
    for part in (mail["text"], mail["html"], mail["subject"], mail["raw"]):
        assert code not in part
        assert not SIX_DIGITS.search(INVITE_URL.sub("", part if isinstance(part, str) else part.decode()))
    tokens = set(INVITE_URL.findall(mail["text"]))
    assert len(tokens) == 1, mail["text"]
    return tokens.pop()


def assert_code_without_link(sms: dict[str, str], code: str) -> None:
    assert code in sms["text"]
    assert "http" not in sms["text"] and "/invite/" not in sms["text"] and "vault-share.test" not in sms["text"]


# ============================================================== the channel table


def test_email_and_sms_link_by_email_code_by_sms(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="alain.dupont@example.fr", mobile=MOBILE)
    body = {"dossierIds": world.dossiers, "welcome": "Bienvenue !", "comment": "Voici votre accès."}
    invited = invite(api, world, person_id, body)
    answer = invited.answer
    assert (answer["status"], answer["linkChannel"], answer["codeChannel"]) == ("pending", "email", "sms")
    assert answer["channels"] == {"link": {"status": "sent"}, "code": {"status": "sent"}}
    assert answer["relaunchCount"] == 0 and "postal" not in answer
    assert re.fullmatch(r"[0-9]{6}", answer["code"])
    assert answer["dossierIds"] == world.dossiers and answer["welcome"] == "Bienvenue !"
    created, expires = parse_iso(answer["createdAt"]), parse_iso(answer["expiresAt"])
    assert expires - created == timedelta(days=30)
    assert parse_iso(answer["nextRelaunchAt"]) >= created + timedelta(days=3)

    (mail,) = invited.emails
    assert mail["to"] == ["alain.dupont@example.fr"]
    assert world.vault_name in mail["subject"] and "Voici votre accès." in mail["text"]
    token = assert_link_without_code(mail, answer["code"])
    (sms,) = invited.sms
    assert sms["to"] == MOBILE
    assert_code_without_link(sms, answer["code"])
    assert token not in sms["text"]

    # The table keeps neither the token nor the code in clear (sealed, and a MAC).
    item = raw_invitation(answer["invitationId"])
    text = "\n".join(strings_in(item))
    assert token not in text and answer["code"] not in text
    assert item["sealed"]["S"] and item["codeMac"]["S"]


def test_email_and_phone_the_owner_phones_the_code(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="jeanne.martin@example.fr")
    invited = invite(api, world, person_id, {"code": "186691"})
    answer = invited.answer
    assert (answer["status"], answer["linkChannel"], answer["codeChannel"]) == ("pending", "email", "phone")
    assert answer["channels"] == {"link": {"status": "sent"}, "code": {"status": "not_applicable"}}
    assert answer["code"] == "186691"
    (mail,) = invited.emails
    assert_link_without_code(mail, "186691")
    assert "téléphone" in mail["text"]
    assert invited.sms == []


def test_no_email_no_address_nothing_is_sent(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, mobile="06 98 76 54 32")
    invited = invite(api, world, person_id)
    answer = invited.answer
    assert (answer["status"], answer["linkChannel"], answer["codeChannel"]) == ("not_sent", "none", "sms")
    assert answer["channels"] == {"link": {"status": "not_applicable"}, "code": {"status": "not_applicable"}}
    assert answer["nextRelaunchAt"] is None and answer["lastSentAt"] is None
    assert invited.emails == [] and invited.sms == []
    item = raw_invitation(answer["invitationId"])
    assert "expiryPk" not in item and "relaunchPk" not in item


def test_the_mobile_given_with_the_invitation_is_the_persons_first(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="paul.bernard@example.fr")
    invited = invite(api, world, person_id, {"mobile": "06 11 22 33 44"})
    assert invited.answer["codeChannel"] == "sms"
    assert [s["to"] for s in invited.sms] == ["+33611223344"]
    page = ok(call(api, "GET", world.person_path(person_id), user=world.owner))
    assert page["mobile"] == "+33611223344"


def test_a_member_invites_too(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="membre.invite@example.fr")
    invited = invite(api, world, person_id, user=world.member)
    assert invited.answer["createdBy"] == world.member.user_id


# ============================================================== a channel that fails


class FailingMailer(Mailer):
    def __init__(self) -> None:
        self.attempts: list[Email] = []

    def send(self, email: Email, *, from_name: str | None = None) -> str:
        self.attempts.append(email)
        raise ConnectionError("SES unreachable")


@pytest.fixture
def failing_mail(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[FailingMailer]:
    """Every warm InviteFunction container sends its e-mails through a mailer that fails."""
    pool = api.pools["InviteFunction"]
    pool.warm_up()
    mailer = FailingMailer()
    for module in pool.modules:
        channels = dataclasses.replace(module.inviting.channels, mailer=mailer)
        monkeypatch.setattr(module, "inviting", dataclasses.replace(module.inviting, channels=channels))
    yield mailer


def test_a_failed_email_is_shown_failed_and_the_sms_still_goes(
    api: Api, world: World, failing_mail: FailingMailer
) -> None:
    person_id = person(api, world.owner, world.vault_id, email="panne.mail@example.fr", mobile="+33622334455")
    invited = invite(api, world, person_id)
    assert invited.answer["status"] == "pending"
    assert invited.answer["channels"] == {"link": {"status": "failed"}, "code": {"status": "sent"}}
    assert len(failing_mail.attempts) == 1 and invited.emails == []
    assert [s["to"] for s in invited.sms] == ["+33622334455"]
    read = ok(call(api, "GET", invited.path, user=world.owner))
    assert read["channels"]["link"] == {"status": "failed"}


# ============================================================== bad input writes and sends nothing


def bad_requests(world: World, person_id: str) -> list[tuple[str, str, dict[str, Any], int, str]]:
    """(why, path, body, status, error)."""
    path = world.invitations_path(person_id)
    return [
        ("landline", path, {"mobile": "01 42 68 53 00"}, 422, "validation_error"),
        ("not a number", path, {"mobile": "06 12"}, 422, "validation_error"),
        ("5-digit code", path, {"code": "12345"}, 422, "validation_error"),
        ("letters in the code", path, {"code": "12345a"}, 422, "validation_error"),
        ("comment over 500", path, {"comment": "x" * 501}, 422, "validation_error"),
        ("welcome over 500", path, {"welcome": "x" * 501}, 422, "validation_error"),
        ("unknown field", path, {"dossier_ids": []}, 422, "validation_error"),
        ("dossier twice", path, {"dossierIds": [world.dossiers[0]] * 2}, 422, "validation_error"),
        ("unknown person", world.invitations_path("0" * 32), {}, 404, "person_not_found"),
        ("malformed person", world.invitations_path("nope"), {}, 404, "person_not_found"),
        ("another vault's person", world.invitations_path(world.other_person), {}, 404, "person_not_found"),
        ("another vault's dossier", path, {"dossierIds": [world.other_dossier]}, 404, "dossier_not_found"),
        ("unknown dossier", path, {"dossierIds": ["f" * 32], "mobile": MOBILE}, 404, "dossier_not_found"),
    ]


def test_bad_input_is_a_clear_french_4xx_that_writes_and_sends_nothing(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="refus@example.fr", mobile=MOBILE)
    for why, path, body, status, error in bad_requests(world, person_id):
        before = state()
        result = call(api, "POST", path, body, user=world.owner)
        assert (result.status, result.json()["error"]) == (status, error), (why, result.body)
        message = result.json()["message"]
        assert re.search(r"[a-zé]{4,}", message) and "Error" not in message, (why, message)
        assert state() == before, why
    # The mobile of a refused request was not written either.
    assert ok(call(api, "GET", world.person_path(person_id), user=world.owner))["mobile"] == MOBILE


def test_the_field_errors_say_what_is_wrong_in_french(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="champs@example.fr")
    result = call(api, "POST", world.invitations_path(person_id), {"mobile": "01 42 68 53 00"}, user=world.owner)
    (field,) = result.json()["fields"]
    assert field["field"] == "body.mobile" and field["message"] == "Numéro de mobile invalide."
    result = call(api, "POST", world.invitations_path(person_id), {"comment": "x" * 501}, user=world.owner)
    assert result.json()["fields"][0]["message"] == "Trop long : au plus 500 caractères."


def test_guests_and_strangers_cannot_invite(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="pas.par.eux@example.fr")
    for user, status in ((world.guest, 403), (world.stranger, 404)):
        before = state()
        result = call(api, "POST", world.invitations_path(person_id), {}, user=user)
        assert result.status == status, result.body
        assert state() == before


# ============================================================== read: the code for owners and members only


@pytest.fixture(scope="module")
def invited(api: Api, world: World) -> Invited:
    person_id = person(api, world.owner, world.vault_id, email="lecture@example.fr", mobile="+33633445566")
    return invite(api, world, person_id, {"code": "739184", "dossierIds": world.dossiers[:1]})


def test_owners_and_members_read_the_invitation_with_its_code(api: Api, world: World, invited: Invited) -> None:
    for user in (world.owner, world.member):
        read = ok(call(api, "GET", invited.path, user=user))
        assert read["code"] == "739184"
        assert read["status"] == "pending" and read["relaunchCount"] == 0
        assert read["lastSentAt"] == invited.answer["createdAt"]
        assert read["nextRelaunchAt"] == invited.answer["nextRelaunchAt"]
        assert read["channels"] == invited.answer["channels"]
        assert (read["linkChannel"], read["codeChannel"]) == ("email", "sms")


def test_guests_and_strangers_never_read_the_code(api: Api, world: World, invited: Invited) -> None:
    guest = call(api, "GET", invited.path, user=world.guest)
    assert guest.status == 403 and "739184" not in guest.body
    stranger = call(api, "GET", invited.path, user=world.stranger)
    assert stranger.status == 404 and "739184" not in stranger.body
    elsewhere = f"/vaults/{world.other_vault_id}/invitations/{invited.answer['invitationId']}"
    assert call(api, "GET", elsewhere, user=world.stranger).status == 404
    for unknown in ("0" * 32, "nope"):
        result = call(api, "GET", world.invitation_path(unknown), user=world.owner)
        assert (result.status, result.json()["error"]) == (404, "invitation_not_found")


# ============================================================== relaunch


def test_relaunch_resends_the_same_link_and_code_after_an_hour(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="relance@example.fr", mobile="+33644556677")
    first = invite(api, world, person_id)
    token = assert_link_without_code(first.emails[0], first.answer["code"])
    path = first.path
    try:
        before = state()
        soon = call(api, "POST", f"{path}/relaunch", user=world.owner)
        assert (soon.status, soon.json()["error"]) == (429, "too_soon")
        assert 0 < soon.json()["retryAfterSeconds"] <= 3600
        assert state() == before

        clock.advance(3601)
        outbox = Outbox.now()
        again = ok(call(api, "POST", f"{path}/relaunch", user=world.member))
        assert again["relaunchCount"] == 1 and again["code"] == first.answer["code"]
        assert again["channels"] == {"link": {"status": "sent"}, "code": {"status": "sent"}}
        assert parse_iso(again["lastSentAt"]) >= parse_iso(first.answer["lastSentAt"]) + timedelta(hours=1)
        (mail,) = outbox.new_emails()
        assert assert_link_without_code(mail, first.answer["code"]) == token
        assert mail["subject"].startswith("Rappel")
        (sms,) = outbox.new_sms()
        assert sms["to"] == "+33644556677"
        assert_code_without_link(sms, first.answer["code"])
        read = ok(call(api, "GET", path, user=world.owner))
        assert (read["relaunchCount"], read["lastSentAt"]) == (1, again["lastSentAt"])

        # Within the hour again: refused.
        assert call(api, "POST", f"{path}/relaunch", user=world.owner).status == 429
    finally:
        clock.reset()


def test_concurrent_relaunches_send_once(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="concurrence@example.fr", mobile="+33655667788")
    first = invite(api, world, person_id)
    clock.advance(3601)
    outbox = Outbox.now()
    try:
        results = at_once(6, lambda _: call(api, "POST", f"{first.path}/relaunch", user=world.owner))
    finally:
        clock.reset()
    assert sorted(r.status for r in results) == [200] + [429] * 5
    assert len([m for m in outbox.new_emails() if m["to"] == ["concurrence@example.fr"]]) == 1
    assert len([s for s in outbox.new_sms() if s["to"] == "+33655667788"]) == 1


def test_only_a_pending_invitation_is_relaunched_or_cancelled(api: Api, world: World) -> None:
    unsent_person = person(api, world.owner, world.vault_id)
    unsent = invite(api, world, unsent_person)
    before = state()
    refused = call(api, "POST", f"{unsent.path}/relaunch", user=world.owner)
    assert (refused.status, refused.json()["error"], refused.json()["status"]) == (
        409,
        "invitation_not_pending",
        "not_sent",
    )
    assert state() == before

    person_id = person(api, world.owner, world.vault_id, email="annulation@example.fr")
    invited = invite(api, world, person_id)
    assert call(api, "DELETE", invited.path, user=world.guest).status == 403
    cancelled = call(api, "DELETE", invited.path, user=world.owner)
    assert cancelled.status == 204 and cancelled.body == ""
    read = ok(call(api, "GET", invited.path, user=world.owner))
    assert read["status"] == "cancelled" and read["nextRelaunchAt"] is None
    clock.advance(3601)
    try:
        before = state()
        again = call(api, "POST", f"{invited.path}/relaunch", user=world.owner)
        assert (again.status, again.json()["status"]) == (409, "cancelled")
        twice = call(api, "DELETE", invited.path, user=world.owner)
        assert (twice.status, twice.json()["error"]) == (409, "invitation_not_pending")
        assert state() == before
    finally:
        clock.reset()
    assert call(api, "DELETE", world.invitation_path("0" * 32), user=world.owner).status == 404


def test_an_expired_invitation_is_neither_relaunched_nor_cancelled(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="expiree@example.fr")
    invited = invite(api, world, person_id)
    clock.advance(31 * 86400)
    try:
        for method, suffix in (("POST", "/relaunch"), ("DELETE", "")):
            result = call(api, method, invited.path + suffix, user=world.owner)
            assert (result.status, result.json()["status"]) == (409, "expired"), result.body
        assert ok(call(api, "GET", invited.path, user=world.owner))["status"] == "expired"
    finally:
        clock.reset()


# ============================================================== the person's page and contact details


def test_the_person_page_shows_contact_access_and_latest_invitation(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="page@example.fr", postalAddress=ADDRESS)
    page = ok(call(api, "GET", world.person_path(person_id), user=world.member))
    assert (page["email"], page["mobile"], page["access"], page["invitation"]) == ("page@example.fr", None, None, None)
    assert page["postalAddress"]["city"] == "Paris"
    invite(api, world, person_id)
    clock.advance(0.01)
    try:
        latest = invite(api, world, person_id, {"code": "246810"})
    finally:
        clock.reset()
    page = ok(call(api, "GET", world.person_path(person_id), user=world.owner))
    assert page["invitation"]["invitationId"] == latest.answer["invitationId"]
    assert page["invitation"]["code"] == "246810"
    guest = call(api, "GET", world.person_path(person_id), user=world.guest)
    assert guest.status == 403 and "246810" not in guest.body
    assert call(api, "GET", world.person_path(person_id), user=world.stranger).status == 404
    assert call(api, "GET", world.person_path(world.other_person), user=world.owner).status == 404


def test_patch_changes_the_contact_details_sent_and_null_clears(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="avant@example.fr", mobile=MOBILE)
    path = world.person_path(person_id)
    changed = ok(call(api, "PATCH", path, {"email": "Apres@Example.fr", "postalAddress": ADDRESS}, user=world.owner))
    assert (changed["email"], changed["mobile"]) == ("apres@example.fr", MOBILE)
    assert changed["postalAddress"] == {**ADDRESS, "line2": None}
    assert changed["invitation"] is None and changed["firstName"] == "Alain"
    cleared = ok(call(api, "PATCH", path, {"mobile": None, "email": None}, user=world.member))
    assert (cleared["email"], cleared["mobile"]) == (None, None) and cleared["postalAddress"]["city"] == "Paris"
    national = ok(call(api, "PATCH", path, {"mobile": "07 81 23 45 67"}, user=world.owner))
    assert national["mobile"] == "+33781234567"
    assert ok(call(api, "GET", path, user=world.owner)) == national
    assert ok(call(api, "PATCH", path, {}, user=world.owner)) == national

    for why, body, user, status in (
        ("landline", {"mobile": "01 42 68 53 00"}, world.owner, 422),
        ("bad e-mail", {"email": "pas-une-adresse"}, world.owner, 422),
        ("address without city", {"postalAddress": {"line1": "1 rue", "postalCode": "75001"}}, world.owner, 422),
        ("unknown field", {"firstName": "Autre"}, world.owner, 422),
        ("guest", {"email": "x@example.fr"}, world.guest, 403),
        ("stranger", {"email": "x@example.fr"}, world.stranger, 404),
    ):
        before = state()
        result = call(api, "PATCH", path, body, user=user)
        assert result.status == status, (why, result.body)
        assert state() == before, why
    assert ok(call(api, "GET", path, user=world.owner)) == national
    unknown = call(api, "PATCH", world.person_path("0" * 32), {"email": "x@example.fr"}, user=world.owner)
    assert (unknown.status, unknown.json()["error"]) == (404, "person_not_found")
    elsewhere = call(api, "PATCH", world.person_path(world.other_person), {"email": None}, user=world.owner)
    assert elsewhere.status == 404


# ============================================================== secrets stay out of logs


def test_no_code_or_token_in_any_log_line_or_table(
    api: Api, world: World, failing_mail: FailingMailer, capfd: pytest.CaptureFixture[str]
) -> None:
    person_id = person(api, world.owner, world.vault_id, email="journal@example.fr", mobile="+33666778899")
    with captured_logs() as logs:
        # The e-mail fails (a warning is logged); the SMS goes.
        invited = invite(api, world, person_id, {"code": "918273"})
        assert invited.answer["channels"]["link"] == {"status": "failed"}
        token = INVITE_URL.search(failing_mail.attempts[-1].text)["token"]  # type: ignore[index]
        ok(call(api, "GET", invited.path, user=world.owner))
        ok(call(api, "GET", world.person_path(person_id), user=world.owner))
        clock.advance(3601)
        try:
            ok(call(api, "POST", f"{invited.path}/relaunch", user=world.owner))
        finally:
            clock.reset()
        assert call(api, "POST", world.invitations_path(person_id), {"code": "12345"}, user=world.owner).status == 422
    out, err = capfd.readouterr()
    logged = logs.getvalue()
    assert "message not sent" in logged and invited.answer["invitationId"] in logged, logged[-2000:]
    secrets = [token, "918273"]
    assert_absent(secrets, [logged, out, err], "a log line")
    for table in ("SHARES_TABLE", "VAULT_TABLE"):
        assert_absent(secrets, [s for item in table_items(table) for s in strings_in(item)], f"the table {table}")


def test_the_sealed_secrets_open_only_for_their_own_invitation(world: World, invited: Invited) -> None:
    """The encryption context binds a ciphertext to its vault and invitation: moved to another
    invitation's item, KMS refuses it."""
    item = raw_invitation(invited.answer["invitationId"])
    kms = aws_client("kms")
    blob = base64.b64decode(item["sealed"]["S"])
    context = {"purpose": "invitation", "vaultId": world.vault_id, "invitationId": invited.answer["invitationId"]}
    key = os.environ["INVITATION_KEY_ARN"]
    assert json.loads(kms.decrypt(KeyId=key, CiphertextBlob=blob, EncryptionContext=context)["Plaintext"])["code"]
    with pytest.raises(kms.exceptions.InvalidCiphertextException):
        kms.decrypt(KeyId=key, CiphertextBlob=blob, EncryptionContext={**context, "invitationId": "0" * 32})


# ============================================================== what the journal hears


@pytest.fixture(scope="module")
def stream(aws: Aws) -> SharesStream:
    return SharesStream(aws.resolver.attributes["SharesTable"]["StreamArn"])


def journal_of(api: Api, world: World, path: str) -> list[dict[str, Any]]:
    return list(ok(call(api, "GET", path, user=world.owner))["entries"])


def test_an_invitation_reaches_the_person_and_dossier_journals(api: Api, world: World, stream: SharesStream) -> None:
    person_id = person(api, world.owner, world.vault_id, email="journal.invitation@example.fr", mobile=MOBILE)
    stream.skip()
    invited = invite(api, world, person_id, {"dossierIds": world.dossiers[:1], "code": "135792"})
    token = assert_link_without_code(invited.emails[0], "135792")
    assert notify(api, stream.read()) == {"batchItemFailures": []}
    for path in (
        f"{world.person_path(person_id)}/journal",
        f"/vaults/{world.vault_id}/dossiers/{world.dossiers[0]}/journal",
    ):
        entries = [e for e in journal_of(api, world, path) if e["details"].get("personId") == person_id]
        assert [(e["type"], e["details"]["invitationId"]) for e in entries] == [
            ("invitation.sent", invited.answer["invitationId"])
        ]
        assert_absent(["135792", token], [json.dumps(entries)], "a journal entry")


# ============================================================== direct access by personal code


def personal_code(api: Api, user: User) -> str:
    code: str = ok(call(api, "GET", "/me", user=user))["personalCode"]
    return code


def access_path(world: World, person_id: str) -> str:
    return f"{world.person_path(person_id)}/access"


def test_direct_access_admits_the_account_at_once(api: Api, world: World, stream: SharesStream) -> None:
    holder = new_user("titulaire")
    code = personal_code(api, holder)
    person_id = person(api, world.owner, world.vault_id, email=holder.email)
    stream.skip()
    outbox = Outbox.now()
    typed = code.replace("-", " ").lower().replace("0", "o")  # as a person may type it
    body = {"personalCode": typed, "dossierIds": world.dossiers[:1], "welcome": "Bonjour !"}
    answer = ok(call(api, "POST", access_path(world, person_id), body, user=world.member), 201)
    assert answer == {
        "personId": person_id,
        "role": "guest",
        "homeDossierId": home_dossier_id(world.vault_id, person_id),
        "email": {"status": "sent"},
    }
    # The account holder is told, without any code.
    (mail,) = outbox.new_emails()
    assert mail["to"] == [holder.email] and world.vault_name in mail["subject"]
    assert_absent([code], [mail["text"], mail["html"]], "the access e-mail")
    assert outbox.new_sms() == []
    # The guest reads their home page and the granted dossier; the person's page shows the access.
    home = ok(call(api, "GET", f"/vaults/{world.vault_id}/home", user=holder))
    assert home["homeDossierId"] == answer["homeDossierId"] and home["welcome"] == "Bonjour !"
    assert ok(call(api, "GET", f"/vaults/{world.vault_id}/dossiers/{world.dossiers[0]}", user=holder))
    assert call(api, "GET", f"/vaults/{world.vault_id}/dossiers/{world.dossiers[1]}", user=holder).status == 404
    page = ok(call(api, "GET", world.person_path(person_id), user=world.owner))
    assert page["access"] == {"role": "guest", "userId": holder.user_id}
    # access.granted reaches the person's and the dossier's journals, without the personal code.
    records = stream.read()
    assert notify(api, records) == {"batchItemFailures": []}
    for path in (
        f"{world.person_path(person_id)}/journal",
        f"/vaults/{world.vault_id}/dossiers/{world.dossiers[0]}/journal",
    ):
        granted = [e for e in journal_of(api, world, path) if e["type"] == "access.granted"]
        assert [e["details"]["personId"] for e in granted] == [person_id]
    assert_absent([code, code.replace("-", "")], [json.dumps(records)], "the stream")
    # Admitting again adds grants and keeps the same home page.
    again = {"personalCode": code, "dossierIds": world.dossiers[1:]}
    assert (
        ok(call(api, "POST", access_path(world, person_id), again, user=world.owner), 201)["homeDossierId"]
        == (answer["homeDossierId"])
    )
    assert ok(call(api, "GET", f"/vaults/{world.vault_id}/dossiers/{world.dossiers[1]}", user=holder))


def test_an_unknown_or_malformed_personal_code_admits_nobody(api: Api, world: World) -> None:
    owner = new_user("proprietaire")
    vault_id = new_vault(api, owner, "Coffre des essais")
    local = dataclasses.replace(world, owner=owner, vault_id=vault_id)
    person_id = person(api, owner, vault_id, email="inconnu@example.fr")
    shares, _, emails, sms = state()
    unknown = call(api, "POST", access_path(local, person_id), {"personalCode": "ZZZZ-ZZZZ-ZZZZ"}, user=owner)
    assert (unknown.status, unknown.json()["error"]) == (404, "personal_code_unknown")
    malformed = call(api, "POST", access_path(local, person_id), {"personalCode": "pas un code"}, user=owner)
    assert (malformed.status, malformed.json()["error"]) == (422, "invalid_personal_code")
    # Nothing shared, sent or admitted (only the wrong code counted, in the vault table).
    assert (item_count("SHARES_TABLE"), Outbox.now().emails, Outbox.now().sms) == (shares, emails, sms)
    assert (
        ok(call(api, "GET", world.person_path(person_id).replace(world.vault_id, vault_id), user=owner))["access"]
        is None
    )
    for user, status in ((world.guest, 404), (world.stranger, 404)):
        result = call(api, "POST", access_path(local, person_id), {"personalCode": "ZZZZ-ZZZZ-ZZZZ"}, user=user)
        assert result.status == status
    # An owner or member of the vault is not made a guest.
    member = call(api, "POST", access_path(world, person(api, world.owner, world.vault_id)),
                  {"personalCode": personal_code(api, world.member)}, user=world.owner)  # fmt: skip
    assert (member.status, member.json()["error"]) == (409, "already_member")


def test_more_than_ten_wrong_personal_codes_an_hour_are_refused_even_concurrently(api: Api, world: World) -> None:
    owner = new_user("devineur")
    vault_id = new_vault(api, owner, "Coffre deviné")
    local = dataclasses.replace(world, owner=owner, vault_id=vault_id)
    person_id = person(api, owner, vault_id, email="cible@example.fr")
    right = personal_code(api, new_user("cible"))
    path = access_path(local, person_id)
    results = at_once(16, lambda i: call(api, "POST", path, {"personalCode": f"ZZZZ-ZZZZ-{i:04d}"}, user=owner))
    answers = [(r.status, r.json()["error"]) for r in results]
    assert sorted(answers) == [(404, "personal_code_unknown")] * 10 + [(429, "too_many_personal_codes")] * 6
    # Counted before the look-up: the right code is refused too, until the hour is over.
    refused = call(api, "POST", path, {"personalCode": right}, user=owner)
    assert refused.status == 429 and 0 < refused.json()["retryAfterSeconds"] <= 3600
    assert right not in refused.body
    clock.advance(3600)
    try:
        assert ok(call(api, "POST", path, {"personalCode": right}, user=owner), 201)["role"] == "guest"
    finally:
        clock.reset()


def test_right_personal_codes_do_not_count_against_the_limit(api: Api, world: World) -> None:
    owner = new_user("genereux")
    vault_id = new_vault(api, owner, "Coffre ouvert")
    local = dataclasses.replace(world, owner=owner, vault_id=vault_id)
    for i in range(12):
        holder = new_user(f"invite{i}")
        person_id = person(api, owner, vault_id, email=holder.email)
        body = {"personalCode": personal_code(api, holder)}
        assert ok(call(api, "POST", access_path(local, person_id), body, user=owner), 201)["role"] == "guest"


def test_no_personal_code_in_any_log_line_or_table(api: Api, world: World, capfd: pytest.CaptureFixture[str]) -> None:
    holder = new_user("discret")
    code = personal_code(api, holder)
    person_id = person(api, world.owner, world.vault_id, email=holder.email)
    with captured_logs() as logs:
        ok(call(api, "POST", access_path(world, person_id), {"personalCode": code}, user=world.owner), 201)
        wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
        assert call(api, "POST", access_path(world, person_id), {"personalCode": wrong}, user=world.owner).status in (
            404,
            409,
        )
    out, err = capfd.readouterr()
    raw = [code, code.replace("-", ""), wrong, wrong.replace("-", "")]
    assert_absent(raw, [logs.getvalue(), out, err], "a log line")
    assert_absent(raw, [s for item in table_items("SHARES_TABLE") for s in strings_in(item)], "the shares table")


# ============================================================== letters


def letters_of(vault_id: str, invitation_id: str) -> dict[str, bytes]:
    """The letter PDFs stored for an invitation, by key."""
    s3, bucket = aws_client("s3"), os.environ["DOCUMENTS_BUCKET"]
    prefix = f"letters/{vault_id}/{invitation_id}/"
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    keys = [o["Key"] for o in listed if o["Key"].endswith(".pdf")]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in sorted(keys)}


def assert_letter_without_code(pdf: bytes, code: str) -> str:
    """One A4 page whose QR code decodes to the invitation URL; the code nowhere. Answers the token."""
    page = read_pdf(pdf)
    ((image, _),) = page.images
    (decoded,) = zxingcpp.read_barcodes(image)
    match = INVITE_URL.fullmatch(decoded.text)
    assert match, decoded.text
    assert code not in page.text and code.encode() not in raw_streams(pdf)
    assert not SIX_DIGITS.search(page.flat.replace(decoded.text, ""))
    return match["token"]


@pytest.mark.parametrize(("mobile", "code_channel"), [("+33677889900", "sms"), (None, "phone")])
def test_letter_link_by_post_code_by_sms_or_phone(
    api: Api, world: World, mobile: str | None, code_channel: str
) -> None:
    contact = {"postalAddress": ADDRESS, **({"mobile": mobile} if mobile else {})}
    person_id = person(api, world.owner, world.vault_id, **contact)
    invited = invite(api, world, person_id, {"comment": "Votre accès au coffre."})
    answer = invited.answer
    assert (answer["status"], answer["linkChannel"], answer["codeChannel"]) == ("pending", "postal", code_channel)
    assert answer["postal"] == {"costCents": 182, "letters": 1, "status": "queued"}
    code_status = "sent" if mobile else "not_applicable"
    assert answer["channels"] == {"link": {"status": "queued"}, "code": {"status": code_status}}
    assert invited.emails == []
    ((key, pdf),) = letters_of(world.vault_id, answer["invitationId"]).items()
    assert key.endswith("/0.pdf")
    record = aws_client("s3").get_object(Bucket=os.environ["DOCUMENTS_BUCKET"], Key=key.replace(".pdf", ".json"))
    assert answer["code"] not in record["Body"].read().decode()
    token = assert_letter_without_code(pdf, answer["code"])
    assert "DUPONT" in read_pdf(pdf).text and "Votre accès au coffre." in read_pdf(pdf).flat
    if mobile:
        (sms,) = invited.sms
        assert sms["to"] == mobile and token not in sms["text"]
        assert_code_without_link(sms, answer["code"])
    else:
        assert invited.sms == []
    assert ok(call(api, "GET", invited.path, user=world.owner))["postal"] == answer["postal"]


def test_a_postal_relaunch_sends_a_new_letter_and_pays_again(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, postalAddress=ADDRESS)
    first = invite(api, world, person_id)
    clock.advance(3601)
    try:
        again = ok(call(api, "POST", f"{first.path}/relaunch", user=world.owner))
    finally:
        clock.reset()
    assert again["relaunchCount"] == 1
    assert again["postal"] == {"costCents": 364, "letters": 2, "status": "queued"}
    letters = letters_of(world.vault_id, first.answer["invitationId"])
    assert [k.rsplit("/", 1)[1] for k in letters] == ["0.pdf", "1.pdf"]
    tokens = {assert_letter_without_code(pdf, first.answer["code"]) for pdf in letters.values()}
    assert len(tokens) == 1  # the same link


def test_an_address_la_poste_cannot_read_is_refused_before_anything(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, postalAddress={**ADDRESS, "postalCode": "7501"})
    before = state()
    result = call(api, "POST", world.invitations_path(person_id), {"mobile": "+33688990011"}, user=world.owner)
    assert (result.status, result.json()["error"]) == (422, "postal_address_unusable")
    assert "Code postal" in result.json()["message"]
    assert state() == before
    assert ok(call(api, "GET", world.person_path(person_id), user=world.owner))["mobile"] is None


# ============================================================== requests per invitation


def aws_requests(run: Callable[[], Any]) -> list[str]:
    """The AWS operations `run` makes, in order."""
    from botocore.client import BaseClient

    made: list[str] = []
    original = BaseClient._make_api_call

    def spy(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        made.append(f"{client.meta.service_model.service_name}.{operation}")
        return original(client, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", spy)
        run()
    return made


def test_a_warm_invitation_by_email_and_sms_takes_six_aws_requests(api: Api, world: World) -> None:
    """The issue's budget (invite.aws_requests <= 6): read the vault, seal, write (the invitation and the
    guest's home page in one transaction), send twice, record."""
    warm = person(api, world.owner, world.vault_id, email="chaud@example.fr", mobile=MOBILE)
    invite(api, world, warm)  # the container, its clients and the pepper are warm after this
    person_id = person(api, world.owner, world.vault_id, email="compte@example.fr", mobile=MOBILE)
    made = aws_requests(lambda: invite(api, world, person_id, {"dossierIds": world.dossiers}))
    assert made == [
        "dynamodb.BatchGetItem",
        "kms.Encrypt",
        "dynamodb.TransactWriteItems",
        "ses.SendRawEmail",
        "sns.Publish",
        "dynamodb.UpdateItem",
    ]


# ============================================================== Idempotency-Key


def test_a_retried_invitation_with_its_key_gets_the_first_answer_and_sends_nothing_again(
    api: Api, world: World
) -> None:
    person_id = person(api, world.owner, world.vault_id, email="reprise@example.fr", mobile="+33699001122")
    path, headers = world.invitations_path(person_id), {"Idempotency-Key": f"invite-{os.urandom(6).hex()}"}
    body = {"code": "482915", "comment": "Une seule fois."}
    outbox = Outbox.now()
    first = ok(call(api, "POST", path, body, user=world.owner, headers=headers), 201)
    before = state()
    again = ok(call(api, "POST", path, body, user=world.owner, headers=headers), 201)
    assert again == first
    assert state() == before  # no item, no e-mail, no SMS more
    assert len(outbox.new_emails()) == 1 and len(outbox.new_sms()) == 1
    token = assert_link_without_code(outbox.new_emails()[0], "482915")
    # The same key for another body is refused; another person is another request.
    other = call(api, "POST", path, {**body, "code": "482916"}, user=world.owner, headers=headers)
    assert (other.status, other.json()["error"]) == (422, "idempotency_key_reused")
    assert state() == before
    elsewhere = person(api, world.owner, world.vault_id, email="autre.reprise@example.fr")
    assert (
        ok(call(api, "POST", world.invitations_path(elsewhere), body, user=world.owner, headers=headers), 201)[
            "invitationId"
        ]
        != first["invitationId"]
    )
    # The idempotency table keeps nothing the link or the code can be read from.
    kept = [s for item in table_items("IDEMPOTENCY_TABLE") for s in strings_in(item)]
    assert_absent([token, "482915"], kept, "the idempotency table")
    bad = call(api, "POST", path, body, user=world.owner, headers={"Idempotency-Key": "é" * 3})
    assert (bad.status, bad.json()["error"]) == (400, "invalid_idempotency_key")
