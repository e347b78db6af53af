"""Every invitation event through the real stream, end to end, on a local stack of its own.

Invitations are made, relaunched (by the owner, then by the schedule), accepted, locked, cancelled,
left unsent, expired (the clock moved past 30 days, the schedules run), and a person is given direct
access by their personal code: each change goes through the SharesTable's stream, the stack's
poller and NotifyFunction, and is read back over HTTP from the person's journal, each invited
dossier's journal and the owner's notifications; the owner's e-mails from the outbox.

The clock moves 30 days forward here: a stack of its own keeps that from every other test (started
and checked on exit as the session one, tests/e2e/conftest.py).
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from vault_share.invitations import schedule

from devstack.client import ApiClient
from tests.e2e.conftest import Stack, running_stack
from tests.e2e.test_journal import assert_no_secret, outbox, owner_emails, pages

pytestmark = pytest.mark.e2e

INVITE_URL = re.compile(r"http://[^\s\"<>]+/invite/(?P<token>[A-Za-z0-9_-]{22,})")
ACCEPTED_SUBJECT = "Votre invitation a été acceptée"
LOCKED_SUBJECT = "Votre invitation a été bloquée"
# What `details` may name (contract: the invitation or access, the person, and the relaunch number).
DETAIL_KEYS = {"invitationId", "accessId", "personId", "relaunchCount"}


@pytest.fixture(scope="module")
def own_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    log_dir = tmp_path_factory.mktemp("devstack-invitations")
    with running_stack(request.config, log_dir, "stack of its own (invitation journal)") as s:
        yield s


@dataclass
class Made:
    """One person of the scenario and what happened to them."""

    person_id: str
    dossier_ids: list[str]
    # (type, id) expected in the journals, in any order; id is the invitationId or accessId.
    events: list[tuple[str, str]]
    invitation: dict[str, Any] = field(default_factory=dict)
    token: str | None = None


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status == status, f"expected {status}, got {answer.status}: {answer.text[:400]}"
    return answer.json() if answer.body else None


def advance_to(owner: ApiClient, moment: datetime) -> datetime:
    now = iso(ok(owner.get("/_local/clock"))["now"])
    if moment > now:
        now = iso(ok(owner.post("/_local/clock", {"advanceSeconds": (moment - now).total_seconds()}))["now"])
    return now


def run_schedules(owner: ApiClient) -> None:
    """Every schedule once, now; returns once the stream records they caused are delivered."""
    ok(owner.post("/_local/schedules/run", {}))


def person(owner: ApiClient, vault_id: str, **contact: Any) -> str:
    body = {"firstName": "Alain", "lastName": f"Dupont-{uuid.uuid4().hex[:6]}", **contact}
    return str(ok(owner.post(f"/vaults/{vault_id}/persons", body), 201)["personId"])


def test_every_invitation_event_reaches_the_journals_once_through_the_stream(own_stack: Stack) -> None:
    stack = own_stack
    demo = stack.demo
    vault = demo["vaultId"]
    owner_email = demo["owner"]["email"]
    owner = stack.client(stack.sign_in(owner_email, demo["owner"]["password"]))
    second = ok(owner.post(f"/vaults/{vault}/dossiers", {"name": "Sinistre 2026"}), 201)["dossierId"]
    dossiers = [demo["dossierId"], second]
    secrets: set[str] = set()
    made: dict[str, Made] = {}

    def invite(name: str, dossier_ids: list[str], **contact: Any) -> Made:
        person_id = person(owner, vault, **contact)
        answer = ok(owner.post(f"/vaults/{vault}/persons/{person_id}/invitations", {"dossierIds": dossier_ids}), 201)
        secrets.add(answer["code"])
        stack.secrets.add(answer["code"])
        token = None
        if contact.get("email"):
            [mail] = [m for m in outbox(owner)["emails"] if m["to"] == [contact["email"]]]
            token = INVITE_URL.search(mail["text"])["token"]
            secrets.add(token)
            stack.secrets.add(token)
        first = "invitation.sent" if answer["status"] == "pending" else "invitation.not_sent"
        made[name] = Made(person_id, dossier_ids, [(first, answer["invitationId"])], answer, token)
        return made[name]

    def address() -> str:
        return f"invite.{uuid.uuid4().hex[:8]}@example.fr"

    # Sent, then accepted into a new account.
    guest_email = address()
    accepted = invite("accepted", dossiers, email=guest_email, mobile="+33612345678")
    password = f"Invite-{uuid.uuid4().hex[:10]}-X9"
    secrets.add(password)
    stack.secrets.add(password)
    ok(stack.client().post(f"/invite/{accepted.token}", {"code": accepted.invitation["code"], "password": password}))
    # The home page the invitation made is the guest's.
    home = ok(stack.client(stack.sign_in(guest_email, password)).get(f"/vaults/{vault}/home"))
    assert home["homeDossierId"] == accepted.invitation["homeDossierId"] is not None
    accepted.events.append(("invitation.accepted", accepted.invitation["invitationId"]))

    # Locked by the fifth wrong code.
    locked = invite("locked", dossiers[:1], email=address())
    wrong = f"{(int(locked.invitation['code']) + 1) % 1_000_000:06d}"
    statuses = [stack.client().post(f"/invite/{locked.token}", {"code": wrong, "password": password}).status
                for _ in range(5)]  # fmt: skip
    assert statuses == [403, 403, 403, 403, 410]
    locked.events.append(("invitation.locked", locked.invitation["invitationId"]))

    # Cancelled by the owner; not sent (neither e-mail nor postal address).
    cancelled = invite("cancelled", dossiers[1:], email=address())
    ok(owner.delete(f"/vaults/{vault}/invitations/{cancelled.invitation['invitationId']}"), 204)
    cancelled.events.append(("invitation.cancelled", cancelled.invitation["invitationId"]))
    invite("not_sent", dossiers[:1])

    # Direct access by the personal code of an existing account.
    holder_email, holder_password = address(), f"Holder-{uuid.uuid4().hex[:10]}-X9"
    stack.create_user(holder_email, holder_password)
    secrets.add(holder_password)
    holder = stack.client(stack.sign_in(holder_email, holder_password))
    code = ok(holder.get("/me"))["personalCode"]
    secrets.add(code)
    stack.secrets.add(code)
    direct_person = person(owner, vault, email=holder_email)
    granted = ok(
        owner.post(f"/vaults/{vault}/persons/{direct_person}/access", {"personalCode": code, "dossierIds": dossiers}),
        201,
    )
    made["direct"] = Made(direct_person, dossiers, [])

    # Relaunched by the owner an hour later, then by the schedule, then expired.
    relaunched = invite("relaunched", dossiers, email=address(), mobile="+33698765432")
    invitation_path = f"/vaults/{vault}/invitations/{relaunched.invitation['invitationId']}"
    advance_to(owner, iso(relaunched.invitation["lastSentAt"]) + timedelta(seconds=3601))
    assert ok(owner.post(f"{invitation_path}/relaunch"))["relaunchCount"] == 1
    due = iso(ok(owner.get(invitation_path))["nextRelaunchAt"]) + timedelta(seconds=1)
    if not schedule.allowed(due + timedelta(minutes=2)):  # a reminder is not sent in quiet hours
        due = schedule.next_allowed(due + timedelta(minutes=2)) + timedelta(seconds=1)
    advance_to(owner, due)
    run_schedules(owner)
    assert ok(owner.get(invitation_path))["relaunchCount"] == 2
    advance_to(owner, iso(relaunched.invitation["expiresAt"]) + timedelta(minutes=1))
    run_schedules(owner)
    assert ok(owner.get(invitation_path))["status"] == "expired"
    invitation_id = relaunched.invitation["invitationId"]
    relaunched.events += [
        ("invitation.relaunched", invitation_id),
        ("invitation.relaunched", invitation_id),
        ("invitation.expired", invitation_id),
    ]
    run_schedules(owner)  # and the stream is drained

    # The table's secrets: the MAC and ciphertext of every invitation.
    shares = stack.aws("dynamodb")
    [table] = [t for t in shares.list_tables()["TableNames"] if t.endswith("SharesTable")]
    for item in shares.scan(TableName=table)["Items"]:
        if item.get("kind", {}).get("S") == "invitation":
            secrets.update({item["codeMac"]["S"], item["sealed"]["S"]})

    # Each person's journal and each invited dossier's: every event, once, French, no secret.
    by_dossier: dict[str, list[dict[str, Any]]] = {d: pages(owner, f"/vaults/{vault}/dossiers/{d}/journal", "entries")
                                                   for d in dossiers}  # fmt: skip
    granted_events = [("access.granted", None)]
    for name, person_made in made.items():
        journal = pages(owner, f"/vaults/{vault}/persons/{person_made.person_id}/journal", "entries")
        expected = Counter(person_made.events) if name != "direct" else Counter(granted_events)
        seen = Counter((e["type"], e["details"].get("invitationId")) for e in journal)
        assert seen == expected, name
        for entry in journal:
            assert set(entry["details"]) <= DETAIL_KEYS and entry["details"]["personId"] == person_made.person_id
            assert entry["message"] != entry["type"] and re.search("[éèàç]|Invitation|Accès", entry["message"])
        for dossier in person_made.dossier_ids:
            mine = [e for e in by_dossier[dossier] if e["details"].get("personId") == person_made.person_id]
            assert Counter((e["type"], e["details"].get("invitationId")) for e in mine) == expected, (name, dossier)
        for dossier in set(dossiers) - set(person_made.dossier_ids):
            assert not [e for e in by_dossier[dossier] if e["details"].get("personId") == person_made.person_id]
    [access_entry] = pages(owner, f"/vaults/{vault}/persons/{direct_person}/journal", "entries")
    assert access_entry["details"] == {"accessId": access_entry["details"]["accessId"], "personId": direct_person}
    assert granted["homeDossierId"]

    texts = {e["type"]: e["message"] for d in dossiers for e in by_dossier[d]}
    assert texts["invitation.accepted"] == "Invitation acceptée : l'invité a accès au coffre."
    assert texts["invitation.locked"] == "Invitation bloquée après trop de codes erronés."
    assert texts["invitation.expired"] == "Invitation expirée sans avoir été acceptée."
    assert texts["invitation.cancelled"] == "Invitation annulée."
    assert texts["invitation.not_sent"].startswith("Invitation créée mais non envoyée")
    assert texts["access.granted"].startswith("Accès accordé directement")
    relaunches = sorted(e["message"] for e in by_dossier[dossiers[0]] if e["type"] == "invitation.relaunched")
    assert relaunches == ["Invitation relancée (relance n° 1).", "Invitation relancée (relance n° 2)."]

    # The owner's notifications: every event once (accepted, locked and expired included).
    notifications = pages(owner, "/notifications", "notifications")
    ids = {e[1] for m in made.values() for e in m.events} | {access_entry["details"]["accessId"]}
    mine = [n for n in notifications if (n["details"].get("invitationId") or n["details"].get("accessId")) in ids]
    expected_all = Counter(e for m in made.values() for e in m.events)
    expected_all[("access.granted", None)] = 1
    assert Counter((n["type"], n["details"].get("invitationId")) for n in mine) == expected_all
    assert {n["details"]["vaultId"] for n in mine} == {vault}

    # The owner heard by e-mail of the accepted and the locked invitation, once each.
    assert len(owner_emails(owner, owner_email, ACCEPTED_SUBJECT)) == 1
    assert len(owner_emails(owner, owner_email, LOCKED_SUBJECT)) == 1
    assert_no_secret([*by_dossier.values(), notifications], secrets)
    assert_no_secret(
        owner_emails(owner, owner_email, ACCEPTED_SUBJECT) + owner_emails(owner, owner_email, LOCKED_SUBJECT), secrets
    )
