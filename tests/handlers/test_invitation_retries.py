"""A channel left behind is sent by the schedule, once: InviteFunction's API Gateway events and its
Relaunch schedule (moto in-process), the domain clock moved forward.

- A crash between a channel's claim and its send (the adapter raises what no `except Exception`
  catches, as a killed process would) leaves the channel `queued`; the scheduled run after
  STALE_CLAIM sends it, once, whatever the concurrency, then the reminders go on as before.
- A channel that failed is retried alone (the other one is not sent again), at most
  MAX_SEND_RETRIES times.
- A letter invitation has no scheduled reminder (its link is never re-sent automatically, and an
  SMS code alone would open nothing): only the owner's relaunch sends it again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from vault_share import clock
from vault_share.adapters.letters import LetterPost
from vault_share.adapters.mailer import Mailer
from vault_share.invitations import schedule
from vault_share.invitations.delivery import MAX_SEND_RETRIES, STALE_CLAIM

from tests.fixtures import Api, User, new_dossier, new_vault
from tests.handlers.test_invitations_owner import (
    ADDRESS,
    INVITE_URL,
    MOBILE,
    Outbox,
    at_once,
    invitation_items,
    letters_of,
    ok,
    parse_iso,
    person,
    raw_invitation,
)
from tests.handlers.test_links import call
from tests.handlers.test_reminders import _clock_back, owner, run

__all__ = ["_clock_back", "owner"]  # the fixtures of the reminders' tests, used here too


class Crash(BaseException):
    """The process dies here (a timeout, an out-of-memory kill): nothing after it runs."""


def once_then(original: Callable[..., Any], failure: BaseException, times: int = 1) -> Callable[..., Any]:
    """An adapter method that raises `failure` on its first `times` calls, then does its work."""
    calls: list[int] = []

    def send(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= times:
            raise failure
        return original(self, *args, **kwargs)

    send.calls = calls
    return send


def advance_to_allowed(moment: datetime) -> None:
    """The clock to the first moment from `moment` at which the schedule may send (not in quiet hours)."""
    target = schedule.next_allowed(moment)
    if not schedule.allowed(target + timedelta(minutes=10)):
        target = schedule.next_allowed(target + timedelta(minutes=10))
    clock.advance(max(0.0, (target - clock.now()).total_seconds()) + 1)


def setup(api: Api, owner: User, **contact: Any) -> tuple[str, str]:
    """A vault, a dossier and a person: the person's invitations path and the vault."""
    vault_id = new_vault(api, owner, "GARAGE AUTO")
    new_dossier(api, owner, vault_id, "SIV AB-123-CD")
    person_id = person(api, owner, vault_id, **contact)
    return vault_id, f"/vaults/{vault_id}/persons/{person_id}/invitations"


def invitation_of(api: Api, owner: User, vault_id: str) -> dict[str, Any]:
    """The vault's one invitation, as its owner reads it."""
    [item] = [i for i in invitation_items() if i["vaultId"]["S"] == vault_id]
    got: dict[str, Any] = ok(
        call(api, "GET", f"/vaults/{vault_id}/invitations/{item['invitationId']['S']}", user=owner)
    )
    return got


def mine(outbox: Outbox, email: str | None = None, mobile: str | None = None) -> tuple[list[Any], list[Any]]:
    mails = [m for m in outbox.new_emails() if email and m["to"] == [email]]
    sms = [s for s in outbox.new_sms() if mobile and s["to"] == mobile]
    return mails, sms


# ---------------------------------------------------------------- a crash between claim and send


def test_a_crash_after_the_claim_is_sent_by_the_schedule_once(
    api: Api, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = "panne.brutale@example.fr"
    vault_id, path = setup(api, owner, email=email, mobile=MOBILE)
    outbox = Outbox.now()
    monkeypatch.setattr(Mailer, "send", once_then(Mailer.send, Crash()))
    with pytest.raises(Crash):
        api.call("POST", path, {"code": "246813"}, user=owner)
    claimed = invitation_of(api, owner, vault_id)
    assert claimed["channels"] == {"link": {"status": "queued"}, "code": {"status": "queued"}}
    assert mine(outbox, email, MOBILE) == ([], []), "the process died before any send"

    # Not yet: the claim may belong to a request still running.
    assert run(api)["retried"] == 0
    assert mine(outbox, email, MOBILE) == ([], [])

    # Past STALE_CLAIM, two runs at once: one sends each channel, once.
    advance_to_allowed(parse_iso(claimed["createdAt"]) + STALE_CLAIM + timedelta(minutes=1))
    results: list[Any] = at_once(2, lambda _: run(api))
    assert sum(r["retried"] for r in results) == 1
    mails, sms = mine(outbox, email, MOBILE)
    assert len(mails) == 1 and len(sms) == 1
    assert INVITE_URL.search(mails[0]["text"]) and "246813" not in mails[0]["text"]
    assert "246813" in sms[0]["text"] and not mails[0]["subject"].startswith("Rappel")
    assert run(api)["retried"] == 0
    assert mine(outbox, email, MOBILE) == (mails, sms), "nothing twice"

    seen = invitation_of(api, owner, vault_id)
    assert seen["channels"] == {"link": {"status": "sent"}, "code": {"status": "sent"}}
    assert seen["relaunchCount"] == 0 and seen["lastSentAt"] == claimed["lastSentAt"]
    assert parse_iso(seen["nextRelaunchAt"]) >= parse_iso(seen["createdAt"]) + timedelta(days=3)
    # The reminders go on as before.
    advance_to_allowed(parse_iso(seen["nextRelaunchAt"]))
    assert run(api)["relaunched"] >= 1
    reminded, _ = mine(outbox, email, MOBILE)
    assert len(reminded) == 2 and reminded[1]["subject"].startswith("Rappel")
    assert invitation_of(api, owner, vault_id)["relaunchCount"] == 1


def test_a_crash_before_a_letter_is_stored_sends_one_letter_and_pays_once(
    api: Api, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault_id, path = setup(api, owner, postalAddress=ADDRESS, mobile="+33611112222")
    outbox = Outbox.now()
    monkeypatch.setattr(LetterPost, "send", once_then(LetterPost.send, Crash()))
    with pytest.raises(Crash):
        api.call("POST", path, {}, user=owner)
    claimed = invitation_of(api, owner, vault_id)
    assert claimed["postal"] == {"costCents": 0, "letters": 0, "status": "queued"}
    assert letters_of(vault_id, claimed["invitationId"]) == {}

    advance_to_allowed(parse_iso(claimed["createdAt"]) + STALE_CLAIM + timedelta(minutes=1))
    assert run(api)["retried"] == 1
    assert run(api)["retried"] == 0
    seen = invitation_of(api, owner, vault_id)
    assert seen["postal"] == {"costCents": 182, "letters": 1, "status": "queued"}
    assert [k.rsplit("/", 1)[1] for k in letters_of(vault_id, claimed["invitationId"])] == ["0.pdf"]
    assert len(mine(outbox, mobile="+33611112222")[1]) == 1
    assert seen["nextRelaunchAt"] is None, "no scheduled reminder for a letter"


# ---------------------------------------------------------------- a channel that failed


def test_a_failed_channel_is_retried_alone_until_it_goes(
    api: Api, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = "panne.passagere@example.fr"
    vault_id, path = setup(api, owner, email=email, mobile="+33633334444")
    outbox = Outbox.now()
    failing = once_then(Mailer.send, ConnectionError("SES unreachable"), times=2)
    monkeypatch.setattr(Mailer, "send", failing)
    answer = ok(call(api, "POST", path, {}, user=owner), 201)
    assert answer["channels"] == {"link": {"status": "failed"}, "code": {"status": "sent"}}

    advance_to_allowed(parse_iso(answer["createdAt"]) + STALE_CLAIM + timedelta(minutes=1))
    assert run(api)["retried"] == 1  # fails again
    assert invitation_of(api, owner, vault_id)["channels"]["link"] == {"status": "failed"}
    advance_to_allowed(clock.now() + timedelta(hours=1))
    assert run(api)["retried"] == 1  # goes
    mails, sms = mine(outbox, email, "+33633334444")
    assert len(failing.calls) == 3 and len(mails) == 1 and len(sms) == 1, "the SMS is not sent again"
    seen = invitation_of(api, owner, vault_id)
    assert seen["channels"] == {"link": {"status": "sent"}, "code": {"status": "sent"}}
    assert seen["relaunchCount"] == 0
    assert parse_iso(seen["nextRelaunchAt"]) >= parse_iso(seen["createdAt"]) + timedelta(days=3)


def test_a_channel_that_keeps_failing_is_retried_a_bounded_number_of_times(
    api: Api, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault_id, path = setup(api, owner, email="panne.durable@example.fr")
    failing = once_then(Mailer.send, ConnectionError("SES unreachable"), times=1000)
    monkeypatch.setattr(Mailer, "send", failing)
    answer = ok(call(api, "POST", path, {}, user=owner), 201)
    for _ in range(MAX_SEND_RETRIES + 3):
        advance_to_allowed(clock.now() + timedelta(hours=1))
        run(api)
    assert len(failing.calls) == 1 + MAX_SEND_RETRIES
    seen = invitation_of(api, owner, vault_id)
    assert seen["channels"]["link"] == {"status": "failed"} and seen["relaunchCount"] == 0
    # The schedule waits for the reminder now (it re-sends every channel, under a new number).
    assert parse_iso(seen["nextRelaunchAt"]) >= parse_iso(answer["createdAt"]) + timedelta(days=3)
    assert "claimedAt" not in str(raw_invitation(answer["invitationId"])["channels"])


# ---------------------------------------------------------------- letters: no scheduled reminder


@pytest.mark.parametrize("mobile", ["+33655556666", None])
def test_a_letter_invitation_gets_no_scheduled_reminder(api: Api, owner: User, mobile: str | None) -> None:
    contact = {"postalAddress": ADDRESS, **({"mobile": mobile} if mobile else {})}
    vault_id, path = setup(api, owner, **contact)
    answer = ok(call(api, "POST", path, {}, user=owner), 201)
    assert answer["nextRelaunchAt"] is None
    outbox = Outbox.now()
    for _ in range(32):  # a month and more, a run every day at an allowed time
        advance_to_allowed(clock.now() + timedelta(days=1))
        run(api)
    seen = invitation_of(api, owner, vault_id)
    assert seen["relaunchCount"] == 0 and seen["postal"] == answer["postal"]
    assert mine(outbox, mobile=mobile) == ([], []), "no SMS code alone, no letter"
    assert [k.rsplit("/", 1)[1] for k in letters_of(vault_id, answer["invitationId"])] == ["0.pdf"]
