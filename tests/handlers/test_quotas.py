"""Quotas on the messages sent on an owner's behalf (vault_share.quotas), through the handlers'
API Gateway events on moto: per vault per UTC day and per user per hour, for each channel (e-mail,
SMS, letter) and each flow that sends (link e-mail, invitation, relaunch, scheduled reminder, the
letter path's confirmation code). Over a quota: 429 `quota_exceeded` in French with `channel`,
`retryAfterSeconds` and `Retry-After`, nothing sent and nothing written, the counter unchanged."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from vault_share import clock
from vault_share.invitations import schedule
from vault_share.settings import get_settings

from tests.fixtures import Api, HttpResult, User, add_member, new_document, new_dossier, new_user, new_vault
from tests.handlers.test_invitation_accept import invite as letter_invitation
from tests.handlers.test_invitations_owner import ADDRESS, MOBILE, Outbox, at_once, ok, person, personal_code
from tests.handlers.test_links import aws_client, call, counts, item_count
from tests.handlers.test_reminders import run

Limits = Callable[..., None]
QUOTA_MESSAGE = re.compile(r"^Limite d'envoi atteinte : (ce coffre|votre compte) a envoyé ses \d+ ")


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[Limits]:
    """Sets quota variables (QUOTA_<SCOPE>_<CHANNEL>_PER_<WINDOW>=n) as the template passes them."""

    def set_limits(**values: int) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"QUOTA_{name}", str(value))
        get_settings.cache_clear()

    yield set_limits
    monkeypatch.undo()
    get_settings.cache_clear()
    clock.reset()


def counted(scope: str, owner_id: str, channel: str) -> int:
    """The counter of the current window, as the vault table holds it (0: none yet)."""
    window = 86400 if scope == "VAULT" else 3600
    start = int(clock.now().timestamp()) // window * window
    item = aws_client("dynamodb").get_item(
        TableName=get_settings().vault_table,
        Key={"pk": {"S": f"QUOTA#{scope}#{owner_id}#{channel}"}, "sk": {"S": str(start)}},
        ConsistentRead=True,
    )
    return int(item.get("Item", {}).get("sent", {}).get("N", 0))


def assert_quota_exceeded(result: HttpResult, channel: str) -> dict[str, Any]:
    assert result.status == 429, result.body
    answer: dict[str, Any] = result.json()
    assert answer["error"] == "quota_exceeded" and answer["channel"] == channel
    assert QUOTA_MESSAGE.match(answer["message"]), answer["message"]
    assert 0 < answer["retryAfterSeconds"] <= 86400
    assert result.headers["Retry-After"] == str(answer["retryAfterSeconds"])
    return answer


@dataclasses.dataclass(frozen=True)
class Shop:
    owner: User
    vault_id: str
    dossier_id: str
    document_id: str


def new_shop(api: Api) -> Shop:
    owner = new_user("garagiste")
    vault_id = new_vault(api, owner, "GARAGE QUOTA")
    dossier_id = new_dossier(api, owner, vault_id, "SIV AB-123-CD")
    document_id = new_document(api, owner, vault_id, dossier_id, "carte-grise.pdf", b"%PDF-1.4")
    return Shop(owner, vault_id, dossier_id, document_id)


def link(api: Api, shop: Shop, user: User | None = None, email: bool = True, **kwargs: Any) -> HttpResult:
    body: dict[str, Any] = {"documentIds": [shop.document_id]}
    if email:
        body["recipientEmail"] = "destinataire@example.fr"
    path = f"/vaults/{shop.vault_id}/dossiers/{shop.dossier_id}/links"
    return call(api, "POST", path, body, user=user or shop.owner, **kwargs)


# ============================================================== link e-mails


def test_a_user_s_link_emails_stop_at_the_hourly_quota_and_the_next_writes_nothing(api: Api, limits: Limits) -> None:
    limits(USER_EMAILS_PER_HOUR=2)
    shop = new_shop(api)
    assert [link(api, shop).status for _ in range(2)] == [201, 201]
    assert counted("USER", shop.owner.user_id, "email") == 2
    assert counted("VAULT", shop.vault_id, "email") == 2

    before = counts()
    answer = assert_quota_exceeded(link(api, shop), "email")
    assert answer["message"].startswith("Limite d'envoi atteinte : votre compte a envoyé ses 2 e-mails")
    assert counts() == before, "no link, no idempotency record, no counter change, no e-mail"
    assert counted("USER", shop.owner.user_id, "email") == 2
    # The same with an Idempotency-Key: its record does not stay behind either.
    assert_quota_exceeded(link(api, shop, headers={"Idempotency-Key": "quota-refused"}), "email")
    assert counts() == before

    # A link without a recipient sends nothing: no quota is used, whatever the counter says.
    assert link(api, shop, email=False).status == 201
    assert counted("USER", shop.owner.user_id, "email") == 2

    # The next hour is a new window for the user (the vault's day goes on counting).
    clock.advance(3600)
    assert link(api, shop).status == 201
    assert counted("USER", shop.owner.user_id, "email") == 1


def test_a_vault_s_daily_quota_holds_whoever_sends(api: Api, limits: Limits) -> None:
    limits(VAULT_EMAILS_PER_DAY=2)
    shop = new_shop(api)
    member = new_user("collegue")
    add_member(shop.vault_id, member, "member", "GARAGE QUOTA")
    assert link(api, shop).status == 201
    assert link(api, shop, user=member).status == 201
    answer = assert_quota_exceeded(link(api, shop, user=member), "email")
    assert answer["message"].startswith("Limite d'envoi atteinte : ce coffre a envoyé ses 2 e-mails")
    assert counted("VAULT", shop.vault_id, "email") == 2
    assert counted("USER", member.user_id, "email") == 1, "a refused send counts on no scope"
    # Another vault of the same owner has its own quota.
    assert link(api, new_shop(api)).status == 201


def test_parallel_sends_past_the_quota_exactly_the_limit_succeed(api: Api, limits: Limits) -> None:
    """Real threads against the store: N requests at once with a limit of L -> L links, N - L 429s."""
    limit, requests = 4, 12
    limits(USER_EMAILS_PER_HOUR=limit)
    shop = new_shop(api)
    links_before = item_count("SHARES_TABLE")
    outbox = Outbox.now()
    results = at_once(requests, lambda i: link(api, shop))
    assert Counter(r.status for r in results) == Counter({201: limit, 429: requests - limit})
    assert {r.json()["error"] for r in results if r.status == 429} == {"quota_exceeded"}
    assert counted("USER", shop.owner.user_id, "email") == limit
    assert item_count("SHARES_TABLE") - links_before == limit
    assert len(outbox.new_emails()) == limit


# ============================================================== invitations: e-mail, SMS, letters


def invitations(shop: Shop, person_id: str) -> str:
    return f"/vaults/{shop.vault_id}/persons/{person_id}/invitations"


def state() -> tuple[int, int, int, int]:
    outbox = Outbox.now()
    return item_count("SHARES_TABLE"), item_count("VAULT_TABLE"), outbox.emails, outbox.sms


def test_invitation_sms_over_the_user_s_quota_sends_and_writes_nothing(api: Api, limits: Limits) -> None:
    limits(USER_SMS_PER_HOUR=1)
    shop = new_shop(api)
    first = person(api, shop.owner, shop.vault_id, email="premiere@example.fr", mobile=MOBILE)
    assert ok(call(api, "POST", invitations(shop, first), {}, user=shop.owner), 201)["codeChannel"] == "sms"
    assert counted("USER", shop.owner.user_id, "sms") == 1
    assert counted("USER", shop.owner.user_id, "email") == 1

    second = person(api, shop.owner, shop.vault_id, email="seconde@example.fr", mobile="+33698765432")
    before = state()
    assert_quota_exceeded(call(api, "POST", invitations(shop, second), {}, user=shop.owner), "sms")
    assert state() == before, "no invitation, no home page, no e-mail, no SMS"
    assert counted("USER", shop.owner.user_id, "email") == 1, "the e-mail of a refused send is not counted"

    # A mobile given with the invitation is not written when the send is refused.
    third = person(api, shop.owner, shop.vault_id, email="troisieme@example.fr")
    before = state()
    refused = call(api, "POST", invitations(shop, third), {"mobile": "0611223344"}, user=shop.owner)
    assert_quota_exceeded(refused, "sms")
    assert state() == before
    assert ok(call(api, "GET", f"/vaults/{shop.vault_id}/persons/{third}", user=shop.owner))["mobile"] is None
    assert counted("USER", shop.owner.user_id, "sms") == 1
    # Without a mobile, the code is phoned by the owner: no SMS, the e-mail quota alone.
    assert ok(call(api, "POST", invitations(shop, third), {}, user=shop.owner), 201)["codeChannel"] == "phone"


def test_letters_over_the_vault_s_daily_quota_are_refused(api: Api, limits: Limits) -> None:
    limits(VAULT_LETTERS_PER_DAY=1)
    shop = new_shop(api)
    first = person(api, shop.owner, shop.vault_id, postalAddress=ADDRESS)
    assert ok(call(api, "POST", invitations(shop, first), {}, user=shop.owner), 201)["linkChannel"] == "postal"
    assert counted("VAULT", shop.vault_id, "letter") == 1
    second = person(api, shop.owner, shop.vault_id, postalAddress=ADDRESS)
    before = state()
    answer = assert_quota_exceeded(call(api, "POST", invitations(shop, second), {}, user=shop.owner), "letter")
    assert "1 courriers" in answer["message"]
    assert state() == before
    assert counted("VAULT", shop.vault_id, "letter") == 1


def test_a_channel_closed_by_a_zero_quota_refuses_its_first_message(api: Api, limits: Limits) -> None:
    limits(USER_LETTERS_PER_HOUR=0)
    shop = new_shop(api)
    postal = person(api, shop.owner, shop.vault_id, postalAddress=ADDRESS)
    before = state()
    assert_quota_exceeded(call(api, "POST", invitations(shop, postal), {}, user=shop.owner), "letter")
    assert state() == before


def test_a_relaunch_over_the_vault_s_quota_is_refused_and_claims_nothing(api: Api, limits: Limits) -> None:
    limits(VAULT_EMAILS_PER_DAY=1)
    shop = new_shop(api)
    person_id = person(api, shop.owner, shop.vault_id, email="relance@example.fr")
    invited = ok(call(api, "POST", invitations(shop, person_id), {}, user=shop.owner), 201)
    path = f"/vaults/{shop.vault_id}/invitations/{invited['invitationId']}"
    moment = clock.now()
    later = moment + timedelta(minutes=61)  # a manual relaunch waits an hour after the last send
    next_day = datetime(moment.year, moment.month, moment.day, tzinfo=moment.tzinfo) + timedelta(days=1)
    if later >= next_day:  # run after 23:00 UTC: the quota's day changes meanwhile
        clock.advance((max(later, next_day + timedelta(minutes=1)) - moment).total_seconds())
        assert link(api, shop).status == 201  # the new day's one e-mail
    else:
        clock.advance(61 * 60)
    before = state()
    assert_quota_exceeded(call(api, "POST", f"{path}/relaunch", user=shop.owner), "email")
    assert state() == before
    assert ok(call(api, "GET", path, user=shop.owner))["relaunchCount"] == 0
    assert counted("VAULT", shop.vault_id, "email") == 1


def test_direct_access_over_the_user_s_quota_admits_nobody(api: Api, limits: Limits) -> None:
    """The account holder is e-mailed: that e-mail counts, before the guest is admitted."""
    limits(USER_EMAILS_PER_HOUR=1)
    shop = new_shop(api)
    first, second = new_user("titulaire"), new_user("titulaire")
    for holder, status in ((first, 201), (second, 429)):
        person_id = person(api, shop.owner, shop.vault_id, email=holder.email)
        path = f"/vaults/{shop.vault_id}/persons/{person_id}/access"
        body = {"personalCode": personal_code(api, holder)}  # the holder's profile is made here
        before = state()
        result = call(api, "POST", path, body, user=shop.owner)
        assert result.status == status, result.body
        if status == 429:
            assert_quota_exceeded(result, "email")
            assert state() == before, "no membership, no access item, no e-mail"
            page = ok(call(api, "GET", f"/vaults/{shop.vault_id}/persons/{person_id}", user=shop.owner))
            assert page["access"] is None
    assert counted("USER", shop.owner.user_id, "email") == 1


# ============================================================== scheduled reminders


def test_a_vault_over_quota_defers_its_reminders_and_the_run_goes_on(api: Api, limits: Limits) -> None:
    limits(VAULT_EMAILS_PER_DAY=1)
    full, free = new_shop(api), new_shop(api)
    paths = {}
    for shop in (full, free):
        person_id = person(api, shop.owner, shop.vault_id, email=f"rappel.{shop.vault_id[:6]}@example.fr")
        invited = ok(call(api, "POST", invitations(shop, person_id), {}, user=shop.owner), 201)
        paths[shop.vault_id] = f"/vaults/{shop.vault_id}/invitations/{invited['invitationId']}"
    due = max(
        datetime.fromisoformat(ok(call(api, "GET", p, user=s.owner))["nextRelaunchAt"].replace("Z", "+00:00"))
        for s, p in ((full, paths[full.vault_id]), (free, paths[free.vault_id]))
    )
    # The reminders' first allowed hour (no quiet hours), early enough in the UTC day for the full
    # vault to send its one e-mail of the day first.
    moment = due + timedelta(minutes=1)
    while not (schedule.allowed(moment) and moment.hour < 20):
        moment += timedelta(hours=1)
    clock.advance((moment - clock.now()).total_seconds())
    assert link(api, full).status == 201
    assert counted("VAULT", full.vault_id, "email") == 1

    result = run(api)
    assert result["deferred"] >= 1 and result["relaunched"] >= 1, result
    held = ok(call(api, "GET", paths[full.vault_id], user=full.owner))
    assert held["relaunchCount"] == 0, "deferred, not sent"
    assert counted("VAULT", full.vault_id, "email") == 1
    window_end = (int(clock.now().timestamp()) // 86400 + 1) * 86400
    assert clock.parse_iso(held["nextRelaunchAt"]).timestamp() == window_end, "looked at again on the next day"
    assert ok(call(api, "GET", paths[free.vault_id], user=free.owner))["relaunchCount"] == 1, "the others are sent"

    # The next day, the reminder goes (at the first allowed moment).
    later = clock.parse_iso(held["nextRelaunchAt"]) + timedelta(minutes=1)
    while not schedule.allowed(later):
        later += timedelta(hours=1)
    clock.advance((later - clock.now()).total_seconds())
    run(api)
    assert ok(call(api, "GET", paths[full.vault_id], user=full.owner))["relaunchCount"] == 1
    assert counted("VAULT", full.vault_id, "email") == 1


# ============================================================== the letter path's confirmation code


def test_the_letter_path_s_confirmation_codes_count_against_the_inviting_vault(
    api: Api, limits: Limits, owner: User
) -> None:
    invited = letter_invitation(api, owner, postal=True)
    vault_id = invited.item().vault_id
    limits(VAULT_EMAILS_PER_DAY=0)
    before = state()
    assert_quota_exceeded(call(api, "POST", f"{invited.path}/email", {"email": "lettre@example.fr"}), "email")
    assert state() == before
    assert "confirmEmail" not in invited.item().extra, "no code written"
    limits(VAULT_EMAILS_PER_DAY=1)
    assert call(api, "POST", f"{invited.path}/email", {"email": "lettre@example.fr"}).status == 202
    assert counted("VAULT", vault_id, "email") == 1
