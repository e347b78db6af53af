"""Invitation events from the invitations' real writes (InviteFunction and NotifyFunction's schedules,
moto in-process) through the SharesTable's real stream into NotifyFunction, delivered once, then
again as Lambda redelivers after a failure: every entry, notification and owner e-mail exactly once.

The same events over HTTP through the local stack's poller: tests/e2e/test_invitations_journal.py.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from vault_share import clock
from vault_share.invitations import schedule

from tests.fixtures import Api, Aws, new_user
from tests.handlers.test_invitations_owner import (
    MOBILE,
    World,
    assert_link_without_code,
    invite,
    journal_of,
    ok,
    parse_iso,
    person,
    personal_code,
    world,
)
from tests.handlers.test_links import call, sent_emails
from tests.handlers.test_notify import SharesStream, event_items, notify, sweep

__all__ = ["world"]  # the module's fixture, shared with the owner's tests

PASSWORD = "Correct-horse-42"
OWNER_SUBJECTS = ("Votre invitation a été acceptée", "Votre invitation a été bloquée")


@pytest.fixture(scope="module")
def stream(aws: Aws) -> SharesStream:
    return SharesStream(aws.resolver.attributes["SharesTable"]["StreamArn"])


@pytest.fixture
def _clock_back() -> Iterator[None]:
    yield
    clock.reset()


def owner_mails(world: World) -> list[dict[str, Any]]:
    return [m for m in sent_emails() if m["to"] == [world.owner.email] and m["subject"] in OWNER_SUBJECTS]


def test_every_invitation_event_is_written_once_even_when_redelivered(
    api: Api, world: World, stream: SharesStream, _clock_back: None
) -> None:
    stream.skip()
    mails_before = len(owner_mails(world))
    expected: dict[str, Counter[str]] = {}  # person id -> event types
    secrets: set[str] = set()

    def invited(**contact: Any) -> tuple[str, dict[str, Any], str | None]:
        person_id = person(api, world.owner, world.vault_id, **contact)
        made = invite(api, world, person_id, {"dossierIds": world.dossiers})
        secrets.add(made.answer["code"])
        token = assert_link_without_code(made.emails[0], made.answer["code"]) if made.emails else None
        if token:
            secrets.add(token)
        expected[person_id] = Counter(
            ["invitation.sent" if made.answer["status"] == "pending" else "invitation.not_sent"]
        )
        return person_id, made.answer, token

    accepted, answer, token = invited(email="journal.accepte@example.fr", mobile=MOBILE)
    assert call(api, "POST", f"/invite/{token}", {"code": answer["code"], "password": PASSWORD}).status == 200
    expected[accepted]["invitation.accepted"] += 1

    locked, answer, token = invited(email="journal.bloque@example.fr")
    wrong = f"{(int(answer['code']) + 1) % 1_000_000:06d}"
    assert [call(api, "POST", f"/invite/{token}", {"code": wrong, "password": PASSWORD}).status
            for _ in range(5)] == [403, 403, 403, 403, 410]  # fmt: skip
    expected[locked]["invitation.locked"] += 1

    cancelled, answer, _ = invited(email="journal.annule@example.fr")
    assert call(api, "DELETE", world.invitation_path(answer["invitationId"]), user=world.owner).status == 204
    expected[cancelled]["invitation.cancelled"] += 1
    invited()

    holder = new_user("journal.titulaire")
    direct = person(api, world.owner, world.vault_id, email=holder.email)
    body = {"personalCode": personal_code(api, holder), "dossierIds": world.dossiers}
    ok(call(api, "POST", f"{world.person_path(direct)}/access", body, user=world.owner), 201)
    expected[direct] = Counter(["access.granted"])

    relaunched, answer, _ = invited(email="journal.relance@example.fr", mobile="+33698765432")
    clock.advance(3601)
    assert (
        ok(call(api, "POST", f"{world.invitation_path(answer['invitationId'])}/relaunch", user=world.owner))[
            "relaunchCount"
        ]
        == 1
    )
    read = ok(call(api, "GET", world.invitation_path(answer["invitationId"]), user=world.owner))
    due = schedule.next_allowed(parse_iso(read["nextRelaunchAt"]) + timedelta(minutes=1))
    clock.advance((due - clock.now()).total_seconds() + 1)
    assert api.pools["InviteFunction"].invoke({"task": "relaunch"})["relaunched"] >= 1
    clock.advance((parse_iso(answer["expiresAt"]) - clock.now()).total_seconds() + 60)
    assert sweep(api)["expired"] >= 1
    expected[relaunched].update(["invitation.relaunched", "invitation.relaunched", "invitation.expired"])

    records = stream.read()
    assert notify(api, records) == {"batchItemFailures": []}
    written = event_items()
    # Delivered again: the whole batch (a retried invocation), then record by record (a bisected one).
    assert notify(api, records) == {"batchItemFailures": []}
    for record in records:
        assert notify(api, [record]) == {"batchItemFailures": []}
    assert event_items() == written, "a redelivered record writes no item more"

    for dossier in world.dossiers:
        entries = journal_of(api, world, f"/vaults/{world.vault_id}/dossiers/{dossier}/journal")
        for person_id, types in expected.items():
            mine = [e for e in entries if e["details"].get("personId") == person_id]
            assert Counter(e["type"] for e in mine) == types, (person_id, dossier)
    for person_id, types in expected.items():
        entries = journal_of(api, world, f"{world.person_path(person_id)}/journal")
        assert Counter(e["type"] for e in entries) == types
        assert all(e["details"]["personId"] == person_id for e in entries)
        assert all(set(e["details"]) <= {"invitationId", "accessId", "personId", "relaunchCount"} for e in entries)
        assert all(secret not in json.dumps(entries) for secret in secrets)
    notifications = ok(call(api, "GET", "/notifications", user=world.owner, query="limit=100"))["notifications"]
    mine = [n for n in notifications if n["details"].get("personId") in expected]
    assert Counter(n["type"] for n in mine) == sum(expected.values(), Counter())
    assert [m["subject"] for m in owner_mails(world)[mails_before:]] == list(OWNER_SUBJECTS)
