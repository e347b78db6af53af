"""Scheduled reminders through the invite function's schedule (its Input in template.yaml), over
simulated days with the domain clock: the same link and code again, never in quiet hours, never a
letter (nor a letter invitation's code alone), at most RelaunchMax times, nothing for an invitation
that is no longer pending."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from vault_share import clock

from tests.fixtures import Api, User, new_dossier, new_user, new_vault
from tests.handlers.test_invitations_owner import ADDRESS, INVITE_URL, MOBILE, Outbox, ok, person
from tests.handlers.test_links import call

PARIS = ZoneInfo("Europe/Paris")


def run(api: Api) -> dict[str, Any]:
    """The Relaunch schedule invoking InviteFunction."""
    answer: dict[str, Any] = api.pools["InviteFunction"].invoke({"task": "relaunch"})
    return answer


def advance_to(moment: datetime) -> None:
    clock.advance((moment - clock.now()).total_seconds())


def paris(day: datetime, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _clock_back() -> Iterator[None]:
    yield
    clock.reset()


@pytest.fixture
def owner() -> User:
    return new_user("owner")


def setup(api: Api, owner: User, **contact: Any) -> tuple[str, str, dict[str, Any]]:
    vault_id = new_vault(api, owner, "GARAGE AUTO")
    dossier = new_dossier(api, owner, vault_id, "SIV AB-123-CD")
    person_id = person(api, owner, vault_id, **contact)
    path = f"/vaults/{vault_id}/persons/{person_id}/invitations"
    answer = ok(call(api, "POST", path, {"dossierIds": [dossier]}, user=owner), 201)
    return vault_id, f"/vaults/{vault_id}/invitations/{answer['invitationId']}", answer


def read(api: Api, owner: User, path: str) -> dict[str, Any]:
    got: dict[str, Any] = ok(call(api, "GET", path, user=owner))
    return got


def test_reminders_resend_the_same_link_and_code_on_their_cadence_outside_quiet_hours(api: Api, owner: User) -> None:
    _, path, first = setup(api, owner, email="alain.dupont@example.fr", mobile=MOBILE)
    first_due = datetime.fromisoformat(read(api, owner, path)["nextRelaunchAt"].replace("Z", "+00:00"))
    assert first_due >= clock.now() + timedelta(days=3) - timedelta(minutes=1)
    assert run(api)["relaunched"] == 0, "nothing due yet"

    advance_to(first_due + timedelta(minutes=1))
    before = Outbox.now()
    assert run(api)["relaunched"] >= 1
    mails, sms = before.new_emails(), before.new_sms()
    mine = [m for m in mails if "alain.dupont@example.fr" in m["to"]]
    assert len(mine) == 1 and INVITE_URL.search(mine[0]["text"])
    assert [s for s in sms if s["to"] == MOBILE and first["code"] in s["text"]], "the same code"
    assert first["code"] not in mine[0]["text"]
    seen = read(api, owner, path)
    assert seen["relaunchCount"] == 1 and seen["code"] == first["code"]

    # The next one falls due; the run comes at 22:00 Paris: quiet hours, deferred to 08:00 of a working day.
    second_due = datetime.fromisoformat(seen["nextRelaunchAt"].replace("Z", "+00:00"))
    local = second_due.astimezone(PARIS)
    advance_to(max(second_due, paris(local, 22)) + timedelta(minutes=1))
    quiet = run(api)
    assert quiet["deferred"] >= 1 and read(api, owner, path)["relaunchCount"] == 1
    deferred = datetime.fromisoformat(read(api, owner, path)["nextRelaunchAt"].replace("Z", "+00:00"))
    deferred_local = deferred.astimezone(PARIS)
    assert (deferred_local.hour, deferred_local.minute) == (8, 0) and deferred_local.weekday() != 6
    advance_to(deferred + timedelta(minutes=5))
    assert run(api)["relaunched"] >= 1
    assert read(api, owner, path)["relaunchCount"] == 2

    # The third and last; then none is due any more.
    third_due = datetime.fromisoformat(read(api, owner, path)["nextRelaunchAt"].replace("Z", "+00:00"))
    advance_to(third_due + timedelta(minutes=1))
    run(api)
    last = read(api, owner, path)
    assert last["relaunchCount"] == 3 and last.get("nextRelaunchAt") is None


def test_letters_are_never_resent_by_the_schedule(api: Api, owner: User) -> None:
    """Nor is the code alone: without the letter's link it opens nothing (delivery.next_reminder).
    The owner's relaunch sends both again (test_invitations_owner)."""
    _, path, _ = setup(api, owner, postalAddress=ADDRESS, mobile=MOBILE)
    first = read(api, owner, path)
    assert first["nextRelaunchAt"] is None, "no scheduled reminder"
    advance_to(datetime.fromisoformat(first["createdAt"].replace("Z", "+00:00")) + timedelta(days=3, hours=1))
    before = Outbox.now()
    run(api)
    after = read(api, owner, path)
    assert after["relaunchCount"] == 0
    assert after.get("postal") == first.get("postal"), "no new letter, no new cost"
    assert not [s for s in before.new_sms() if s["to"] == MOBILE], "no SMS with the code alone"


def test_a_cancelled_invitation_is_reminded_of_nothing(api: Api, owner: User) -> None:
    _, path, _ = setup(api, owner, email="annulee@example.fr")
    due = datetime.fromisoformat(read(api, owner, path)["nextRelaunchAt"].replace("Z", "+00:00"))
    assert call(api, "DELETE", path, user=owner).status == 204
    advance_to(due + timedelta(minutes=1))
    before = Outbox.now()
    run(api)
    assert not [m for m in before.new_emails() if "annulee@example.fr" in m["to"]]
    assert read(api, owner, path)["relaunchCount"] == 0
