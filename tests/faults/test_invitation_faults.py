"""Invitations under AWS faults, at every call of every flow, then the same request again.

Invite (e-mail and SMS, with an Idempotency-Key; and by letter), accept (new account), a wrong
code, relaunch, cancel, direct access by personal code, and the hourly reminders run (the
EventBridge Scheduler event of template.yaml): each AWS call of the flow fails in turn
(tests.faults.injector.cases), the request is sent again with nothing failing, and then what
the owner sees (the invitation, the person's page) and what the guest can do say that nothing
accepted was lost, nothing was made or sent twice (except where a provider took a message
whose answer was lost: README, Faults), and whatever was left behind shows `queued` or
`failed` and is sent by the hourly run.
"""

from __future__ import annotations

import copy
import json
import os
import random
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto.dynamodb.models import dynamodb_backends
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends
from vault_share import clock
from vault_share.api.resolver import aws_unavailable
from vault_share.guard.secrets import token_hash
from vault_share.invitations.delivery import STALE_CLAIM

from devstack.outbox import parse_raw_email
from tests.conftest import REGION
from tests.faults.conftest import Place as World
from tests.faults.conftest import (
    clean,
    clean_or_unavailable,
    emails_to,
    expect_calls,
    keyed_create_under_a_fault,
    new_place,
)
from tests.faults.injector import Fault, Injector, cases, cold_pepper, expected
from tests.fixtures import ACCOUNT, Api, Aws, HttpResult, User, new_user
from tests.handlers.test_invitation_accept import PASSWORD, sign_in, wrong
from tests.handlers.test_invitation_retries import advance_to_allowed
from tests.handlers.test_invitations_owner import ADDRESS, INVITE_URL

# The calls of each flow, in order (a warm container; the pepper read where a cold one reads it).
INVITE = [
    "dynamodb.PutItem",  # Powertools: the Idempotency-Key's record, in progress
    "dynamodb.BatchGetItem",  # the caller's membership, the person, the dossier
    "secrets-manager.GetSecretValue",  # the pepper (cold container): the code's MAC
    "kms.Encrypt",  # the token and the code, sealed in the invitation (the owner reads the code back)
    "kms.Encrypt",  # the answer sealed for a retry, before anything is done
    "dynamodb.TransactWriteItems",  # the invitation (claiming its first send) and the person's home page
    "ses.SendRawEmail",  # the link
    "sns.Publish",  # the code
    "dynamodb.UpdateItem",  # what each channel did
    "kms.Encrypt",  # the answer with the channels' statuses, sealed for a retry
    "dynamodb.UpdateItem",  # Powertools: the record, completed
]
LETTER = [
    "dynamodb.PutItem",
    "dynamodb.BatchGetItem",
    "kms.Encrypt",
    "kms.Encrypt",
    "dynamodb.TransactWriteItems",
    "s3.PutObject",  # the letter's PDF
    "s3.PutObject",  # its record, for the print step (no provider: it waits there, `queued`)
    "sns.Publish",
    "dynamodb.UpdateItem",
    "kms.Encrypt",
    "dynamodb.UpdateItem",
]
ACCEPT = [
    "secrets-manager.GetSecretValue",  # the pepper (cold container)
    "dynamodb.UpdateItem",  # the one write that judges the code: pending -> accepting
    "cognito-identity-provider.AdminCreateUser",
    "cognito-identity-provider.AdminSetUserPassword",
    "dynamodb.TransactWriteItems",  # the guest admitted, the person linked, the invitation accepted
]
WRONG_CODE = ["secrets-manager.GetSecretValue", "dynamodb.UpdateItem"]
CONFIRM_EMAIL = [
    "dynamodb.GetItem",  # the invitation, by its token's hash
    "secrets-manager.GetSecretValue",  # the pepper (cold container): the e-mail code's MAC
    "dynamodb.TransactWriteItems",  # its e-mail counted against the inviting vault's quota
    "dynamodb.UpdateItem",  # the address and the MAC of both codes, one more e-mail code counted
    "ses.SendRawEmail",  # the confirmation code (never the link)
]
RELAUNCH = [
    "dynamodb.GetItem",  # the caller's membership
    "dynamodb.Query",  # the invitation by id
    "dynamodb.TransactWriteItems",  # its messages counted against the quotas (vault, caller)
    "dynamodb.UpdateItem",  # relaunch n claimed
    "kms.Decrypt",  # its link and code
    "ses.SendRawEmail",
    "sns.Publish",
    "dynamodb.UpdateItem",  # what each channel did
]
CANCEL = ["dynamodb.GetItem", "dynamodb.Query", "dynamodb.UpdateItem"]
ACCESS = [
    "dynamodb.BatchGetItem",  # the caller's membership, the person, the dossier
    "dynamodb.UpdateItem",  # one personal code tried, counted for the vault
    "dynamodb.UpdateItem",  # and for the owner
    "dynamodb.Query",  # the account of that code
    "dynamodb.UpdateItem",  # a right code given back, to the vault
    "dynamodb.UpdateItem",  # and to the owner
    "dynamodb.TransactWriteItems",  # the guest admitted
    "dynamodb.PutItem",  # the access, for the journals (access.granted)
    "ses.SendRawEmail",  # the account holder told
]
REMIND = [
    "dynamodb.Query",  # the due invitations (the sparse relaunch index)
    "dynamodb.GetItem",  # the invitation
    "dynamodb.TransactWriteItems",  # its messages counted against the vault's quotas
    "dynamodb.UpdateItem",  # reminder n claimed
    "kms.Decrypt",  # the same link and code
    "ses.SendRawEmail",
    "sns.Publish",
    "dynamodb.UpdateItem",  # what each channel did
]

SENT = {"link": {"status": "sent"}, "code": {"status": "sent"}}  # an invitation's channels, both sent
SCHEDULE_EVENT = {"task": "relaunch", "executionId": "fault-run"}  # InviteFunction's Relaunch Input


@pytest.fixture(scope="module")
def world(api: Api, faults: Injector) -> Iterator[World]:
    yield new_place(api)
    clock.reset()  # the module moves the domain clock forward (reminders, stale claims)


@pytest.fixture(scope="module")
def tables_of_the_world(world: World) -> dict[str, Any]:
    """The tables as the world left them, in moto's store."""
    return {name: copy.deepcopy(table.items) for name, table in dynamodb_backends[ACCOUNT][REGION].tables.items()}


@pytest.fixture(autouse=True)
def each_case_alone(tables_of_the_world: dict[str, Any]) -> Iterator[None]:
    """Each case finds the tables as the world left them: the reminders' index holds its own
    invitations only, and moto's cost stays the same from case to case (it copies a whole table
    for each part of a transaction, and reads an index by reading the whole table)."""
    yield
    for name, table in dynamodb_backends[ACCOUNT][REGION].tables.items():
        table.items = copy.deepcopy(tables_of_the_world.get(name, {}))
        if table.stream_shard is not None:
            table.stream_shard.items.clear()  # no stream consumer runs here: its records only weigh


# ---------------------------------------------------------------- seed data and what was sent


@dataclass
class Person:
    person_id: str
    email: str | None
    mobile: str | None


def new_person(api: Api, world: World, *, email: bool = True, mobile: bool = True, postal: bool = False) -> Person:
    """A person of their own per case: what was sent to them is that case's only."""
    address = f"p-{uuid.uuid4().hex[:10]}@example.fr" if email else None
    phone = f"+3361{random.randrange(10**7):07d}" if mobile else None  # a French mobile
    body: dict[str, Any] = {"firstName": "Alain", "lastName": "Dupont"}
    if address:
        body["email"] = address
    if phone:
        body["mobile"] = phone
    if postal:
        body["postalAddress"] = ADDRESS
    result = api.call("POST", f"{world.vault}/persons", body, user=world.owner)
    assert result.status == 201, result.body
    return Person(result.json()["personId"], address, phone)


def sms_to(mobile: str | None) -> list[str]:
    return [text for to, text in sns_backends[ACCOUNT][REGION].sms_messages.values() if to == mobile]


def mails_to(address: str) -> list[dict[str, Any]]:
    """The e-mails SES accepted for this address, parsed."""
    return [
        parse_raw_email(m.raw_data, list(m.destinations or []))
        for m in list(ses_backends[ACCOUNT][REGION].sent_messages)
        if address in (m.destinations or []) and hasattr(m, "raw_data")
    ]


def invitation_path(world: World, invitation_id: str) -> str:
    return f"{world.vault}/invitations/{invitation_id}"


def seen(api: Api, world: World, invitation_id: str) -> dict[str, Any]:
    """The invitation as its owner reads it."""
    answer: dict[str, Any] = clean(api.call("GET", invitation_path(world, invitation_id), user=world.owner)).json()
    return answer


def person_page(api: Api, world: World, person: Person) -> dict[str, Any]:
    page: dict[str, Any] = clean(api.call("GET", f"{world.vault}/persons/{person.person_id}", user=world.owner)).json()
    return page


def invitations_of(world: World, person: Person) -> list[dict[str, Any]]:
    """Every invitation of the person (the index the person's page reads its latest from)."""
    items: list[dict[str, Any]] = boto3.client("dynamodb", region_name=REGION).query(
        TableName=os.environ["SHARES_TABLE"],
        IndexName="gsi2",
        KeyConditionExpression="gsi2pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"PERSON#{world.vault_id}#{person.person_id}"}},
    )["Items"]
    return items


def raw_invitation(token: str) -> dict[str, Any]:
    item: dict[str, Any] = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=os.environ["SHARES_TABLE"], Key={"pk": {"S": f"INVITATION#{token_hash(token)}"}}, ConsistentRead=True
    )["Item"]
    return item


def hourly_run(api: Api, later: timedelta = STALE_CLAIM + timedelta(minutes=1)) -> dict[str, Any] | Exception:
    """The Relaunch schedule, `later` from now (past a claim left unrecorded, or a failure's retry
    time), outside quiet hours. A run that AWS failed fails its invocation: the schedule runs again."""
    advance_to_allowed(clock.now() + later)
    try:
        answer: dict[str, Any] = api.pools["InviteFunction"].invoke(SCHEDULE_EVENT)
    except Exception as exc:
        assert aws_unavailable(exc), f"the run failed otherwise than AWS being unwell: {exc!r}"
        return exc
    return answer


def arrivals(flow: list[str], position: int, fault: Fault, service: str, recorded_at: int) -> int:
    """How many times a message sent through `service` (ses, sns) once by the flow arrives in the
    end, the hourly run having sent what was left behind. A provider that took a message whose
    answer was lost (its channel then says `failed`), or to which botocore sent it again, delivers
    it twice; so does a record of the sends that failed (the claims left as they were: the run
    sends them again)."""
    at = flow[position - 1]
    if at.startswith(f"{service}."):
        return 2 if fault.after or fault.retried else 1
    if position == recorded_at and not (fault.after or fault.retried):
        return 2
    return 1


# ============================================================== invite: e-mail and SMS, by letter


@dataclass(frozen=True)
class InviteFlow:
    calls: list[str]
    email: bool
    postal: bool


INVITE_FLOWS = {
    "invite": InviteFlow(INVITE, email=True, postal=False),
    "invite-letter": InviteFlow(LETTER, email=False, postal=True),
}


def invite_with(api: Api, world: World, person: Person, key: str) -> HttpResult:
    path = f"{world.vault}/persons/{person.person_id}/invitations"
    body = {"dossierIds": [world.dossier_id], "comment": "Votre espace au garage."}
    return api.call("POST", path, body, user=world.owner, headers={"Idempotency-Key": key})


@pytest.mark.parametrize("flow", INVITE_FLOWS)
def test_an_invitation_makes_these_calls(api: Api, world: World, faults: Injector, flow: str) -> None:
    shape = INVITE_FLOWS[flow]
    person = new_person(api, world, email=shape.email, postal=shape.postal)
    if flow == "invite":
        cold_pepper()
    with faults.recording() as calls:
        assert invite_with(api, world, person, f"k-{uuid.uuid4()}").status == 201
    assert [str(c) for c in calls] == expected(shape.calls)


def _invite_cases() -> list[Any]:
    """Every call of the e-mail invitation; of the letter one, the letter's own (S3): its other
    calls are the e-mail invitation's."""
    return [
        pytest.param(flow, *p.values, id=p.id)
        for flow, shape in INVITE_FLOWS.items()
        for p in cases(flow, shape.calls)
        if not shape.postal or shape.calls[p.values[0] - 1].startswith("s3.")
    ]


@pytest.mark.parametrize(("flow", "position", "fault"), _invite_cases())
def test_an_invitation_under_a_fault(
    api: Api, world: World, faults: Injector, flow: str, position: int, fault: Fault
) -> None:
    shape = INVITE_FLOWS[flow]
    calls = shape.calls
    person, key = new_person(api, world, email=shape.email, postal=shape.postal), f"k-{uuid.uuid4()}"
    if flow == "invite":
        cold_pepper()
    done = keyed_create_under_a_fault(
        api, "InviteFunction", faults, fault, position, calls, lambda: invite_with(api, world, person, key)
    )
    first, retried, unrecorded = done.first, done.retried, done.unrecorded
    answer = retried.json()
    if first.status == 201:
        kept = first.json()
        if position == len(calls) - 1 and not fault.retried:
            # The final seal failed: a retry gets the answer sealed before the sends, which says so.
            kept["channels"] = {"link": {"status": "queued"}, "code": {"status": "queued"}}
            kept["nextRelaunchAt"] = clock.iso(clock.parse_iso(kept["createdAt"]) + STALE_CLAIM)  # the claim's
            if shape.postal:
                kept["postal"] = {"costCents": 0, "letters": 0, "status": "queued"}
        assert answer == kept, "a retry with the same key gets the first answer"
        answer = first.json()
    if not unrecorded:
        assert clean(invite_with(api, world, person, key)).json() == retried.json(), "and so does every later one"

    # One invitation, the answer's, on the person's page; its code the answer's.
    assert len(invitations_of(world, person)) == 1, "one invitation, whatever failed"
    page = person_page(api, world, person)
    assert page["invitation"]["invitationId"] == answer["invitationId"]
    assert page["invitation"]["code"] == answer["code"]
    now = page["invitation"]["channels"]
    if now != {"link": {"status": "sent" if shape.email else "queued"}, "code": {"status": "sent"}}:
        # Something was left behind: the owner sees it, and the hourly run sends it.
        assert {c["status"] for c in now.values()} <= {"sent", "queued", "failed"}, now
        hourly_run(api)
        now = seen(api, world, answer["invitationId"])["channels"]
    assert now == {"link": {"status": "sent" if shape.email else "queued"}, "code": {"status": "sent"}}

    recorded_at = calls.index("dynamodb.UpdateItem", calls.index("dynamodb.TransactWriteItems")) + 1
    assert len(sms_to(person.mobile)) == arrivals(calls, position, fault, "sns", recorded_at)
    assert all(answer["code"] in text for text in sms_to(person.mobile))
    if shape.email:
        assert person.email is not None
        mails = mails_to(person.email)
        assert len(mails) == arrivals(calls, position, fault, "ses", recorded_at)
        token = INVITE_URL.search(mails[0]["text"])
        assert token is not None and answer["code"] not in mails[0]["text"]
        page_of_link = clean(api.call("GET", f"/invite/{token['token']}"))
        assert page_of_link.status == 200, "the link opens the invitation"
    else:
        # One letter, paid once, whatever was stored twice; the print step finds it queued.
        postal = seen(api, world, answer["invitationId"])["postal"]
        assert postal == {"costCents": 182, "letters": 1, "status": "queued"}, postal
        letters = boto3.client("s3").list_objects_v2(
            Bucket=os.environ["DOCUMENTS_BUCKET"], Prefix=f"letters/{world.vault_id}/{answer['invitationId']}/"
        )
        assert sorted(o["Key"].rsplit("/", 1)[1] for o in letters.get("Contents", [])) == ["0.json", "0.pdf"]


# ============================================================== accept (a new account), a wrong code


@dataclass
class Invited:
    person: Person
    invitation_id: str
    token: str
    code: str

    @property
    def path(self) -> str:
        return f"/invite/{self.token}"


def invited(api: Api, world: World) -> Invited:
    """A pending invitation by e-mail, its code to be phoned by the owner (no SMS)."""
    person = new_person(api, world, mobile=False)
    path = f"{world.vault}/persons/{person.person_id}/invitations"
    answer = api.call("POST", path, {"dossierIds": [world.dossier_id]}, user=world.owner).json()
    assert person.email is not None
    [mail] = mails_to(person.email)
    token = INVITE_URL.search(mail["text"])
    assert token is not None
    made = Invited(person, answer["invitationId"], token["token"], answer["code"])
    # A weak password judges no code; it makes the container read the pool's password policy.
    weak = clean(api.call("POST", made.path, {"code": made.code, "password": "court"}))
    assert (weak.status, weak.json()["error"]) == (422, "weak_password")
    return made


def failed_attempts(invited: Invited) -> int:
    return int(raw_invitation(invited.token)["failedAttempts"]["N"])


def accounts_of(aws: Aws, email: str) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = boto3.client("cognito-idp", region_name=REGION).list_users(
        UserPoolId=aws.ref("UserPool"), Filter=f'email = "{email}"'
    )["Users"]
    return users


def test_an_acceptance_makes_these_calls(api: Api, world: World, faults: Injector) -> None:
    invitation = invited(api, world)
    cold_pepper()
    with faults.recording() as calls:
        result = api.call("POST", invitation.path, {"code": invitation.code, "password": PASSWORD})
    assert result.status == 200, result.body
    assert [str(c) for c in calls] == expected(ACCEPT)


@pytest.mark.parametrize(("position", "fault"), cases("accept", ACCEPT))
def test_an_acceptance_under_a_fault(
    api: Api, aws: Aws, world: World, faults: Injector, position: int, fault: Fault
) -> None:
    invitation = invited(api, world)
    body = {"code": invitation.code, "password": PASSWORD}
    cold_pepper()
    with faults.failing(fault, at=position) as plan:
        first = clean_or_unavailable(api.call("POST", invitation.path, body))
    expect_calls(plan, ACCEPT, position)
    assert first.status in (200, 503), first.body
    if first.status == 503:
        # Nothing burnt: the owner sees it pending, its link opens, no code was counted.
        assert seen(api, world, invitation.invitation_id)["status"] == "pending"
        assert clean(api.call("GET", invitation.path)).status == 200
        assert failed_attempts(invitation) == 0
        retried = clean(api.call("POST", invitation.path, body))
        assert retried.status == 200, f"the same request again is refused: {retried.body}"
        first = retried
    assert first.json() == {"vaultId": world.vault_id, "role": "guest"}

    # Accepted once; the right code consumed none of the five attempts.
    assert seen(api, world, invitation.invitation_id)["status"] == "accepted"
    assert failed_attempts(invitation) == 0
    again = clean(api.call("POST", invitation.path, body))
    assert (again.status, again.json()["error"]) == (410, "invitation_accepted")
    # One account, the guest's: they sign in, the owner's person page shows the access.
    assert invitation.person.email is not None
    [account] = accounts_of(aws, invitation.person.email)
    user_id = {a["Name"]: a["Value"] for a in account["Attributes"]}["sub"]
    assert sign_in(aws, invitation.person.email, PASSWORD)["AuthenticationResult"]["IdToken"]
    assert person_page(api, world, invitation.person)["access"] == {"role": "guest", "userId": user_id}


def test_a_wrong_code_makes_these_calls(api: Api, world: World, faults: Injector) -> None:
    invitation = invited(api, world)
    cold_pepper()
    with faults.recording() as calls:
        result = api.call("POST", invitation.path, {"code": wrong(invitation.code), "password": PASSWORD})
    assert result.status == 403, result.body
    assert [str(c) for c in calls] == expected(WRONG_CODE)


@pytest.mark.parametrize(("position", "fault"), cases("wrong-code", WRONG_CODE))
def test_a_wrong_code_under_a_fault_is_judged_once(
    api: Api, world: World, faults: Injector, position: int, fault: Fault
) -> None:
    invitation = invited(api, world)
    body = {"code": wrong(invitation.code), "password": PASSWORD}
    cold_pepper()
    with faults.failing(fault, at=position) as plan:
        first = clean_or_unavailable(api.call("POST", invitation.path, body))
    expect_calls(plan, WRONG_CODE, position)
    assert first.status in (403, 503), first.body
    judged = 1 if first.status == 403 else 0
    assert failed_attempts(invitation) == judged, "a code counted once, and only when its answer says so"
    if judged:
        assert (first.json()["error"], first.json()["attemptsLeft"]) == ("wrong_code", 4)
    # The remaining budget: five codes evaluated in all, the fifth locks it, the right one is then refused.
    for shift in range(judged + 1, 5):
        answer = clean(api.call("POST", invitation.path, {"code": wrong(invitation.code, shift), "password": PASSWORD}))
        assert (answer.status, answer.json()["attemptsLeft"]) == (403, 5 - shift), answer.body
    fifth = clean(api.call("POST", invitation.path, {"code": wrong(invitation.code, 5), "password": PASSWORD}))
    assert (fifth.status, fifth.json()["error"]) == (410, "invitation_locked")
    locked = clean(api.call("POST", invitation.path, {"code": invitation.code, "password": PASSWORD}))
    assert (locked.status, locked.json()["error"]) == (410, "invitation_locked")
    assert failed_attempts(invitation) == 5
    assert seen(api, world, invitation.invitation_id)["status"] == "locked"


# ============================================================== letter path: the e-mail address


def letter_invited(api: Api, world: World) -> Invited:
    """A pending invitation by letter to a person with no e-mail on file, its code phoned."""
    person = new_person(api, world, email=False, mobile=False, postal=True)
    path = f"{world.vault}/persons/{person.person_id}/invitations"
    answer = api.call("POST", path, {"dossierIds": [world.dossier_id]}, user=world.owner).json()
    s3 = boto3.client("s3")
    bucket, key = os.environ["DOCUMENTS_BUCKET"], f"letters/{world.vault_id}/{answer['invitationId']}/0.json"
    token = INVITE_URL.search(json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["text"])
    assert token is not None
    return Invited(person, answer["invitationId"], token["token"], answer["code"])


def test_an_e_mail_confirmation_makes_these_calls(api: Api, world: World, faults: Injector) -> None:
    invitation = letter_invited(api, world)
    cold_pepper()
    with faults.recording() as calls:
        result = api.call("POST", f"{invitation.path}/email", {"email": f"c.{uuid.uuid4().hex[:8]}@example.fr"})
    assert result.status == 202, result.body
    assert [str(c) for c in calls] == expected(CONFIRM_EMAIL)


@pytest.mark.parametrize(("position", "fault"), cases("confirm-email", CONFIRM_EMAIL))
def test_an_e_mail_confirmation_under_a_fault(
    api: Api, aws: Aws, world: World, faults: Injector, position: int, fault: Fault
) -> None:
    """Whatever failed, asking again sends a code, the newest code received accepts the invitation,
    and no validation code was counted."""
    invitation = letter_invited(api, world)
    address = f"c.{uuid.uuid4().hex[:8]}@example.fr"
    cold_pepper()
    with faults.failing(fault, at=position) as plan:
        first = clean_or_unavailable(api.call("POST", f"{invitation.path}/email", {"email": address}))
    expect_calls(plan, CONFIRM_EMAIL, position)
    assert first.status in (202, 503), first.body
    if first.status == 503:
        again = clean(api.call("POST", f"{invitation.path}/email", {"email": address}))
        assert again.status == 202, f"asking again is refused: {again.body}"
    mails = mails_to(address)
    assert 1 <= len(mails) <= 2, "one code per request that got through to SES"
    assert all(invitation.token not in m["text"] and invitation.code not in m["text"] for m in mails)
    [email_code] = re.findall(r"\b[0-9]{6}\b", mails[-1]["text"])
    fields = {"code": invitation.code, "password": PASSWORD, "email": address, "emailCode": email_code}
    accepted = clean(api.call("POST", invitation.path, fields))
    assert accepted.status == 200, accepted.body
    assert failed_attempts(invitation) == 0
    assert sign_in(aws, address, PASSWORD)["AuthenticationResult"]["IdToken"]


# ============================================================== relaunch and cancel (owner)


def sent_invitation(api: Api, world: World) -> tuple[Person, dict[str, Any]]:
    """A pending invitation by e-mail and SMS, sent an hour ago (it may be relaunched)."""
    person = new_person(api, world)
    path = f"{world.vault}/persons/{person.person_id}/invitations"
    answer: dict[str, Any] = clean(api.call("POST", path, {"dossierIds": [world.dossier_id]}, user=world.owner)).json()
    assert answer["channels"] == SENT
    clock.advance(3600 + 60)
    return person, answer


def test_a_relaunch_makes_these_calls(api: Api, world: World, faults: Injector) -> None:
    _, answer = sent_invitation(api, world)
    with faults.recording() as calls:
        result = api.call("POST", f"{invitation_path(world, answer['invitationId'])}/relaunch", user=world.owner)
    assert result.status == 200, result.body
    assert [str(c) for c in calls] == expected(RELAUNCH)


@pytest.mark.parametrize(("position", "fault"), cases("relaunch", RELAUNCH))
def test_a_relaunch_under_a_fault(api: Api, world: World, faults: Injector, position: int, fault: Fault) -> None:
    person, answer = sent_invitation(api, world)
    path = f"{invitation_path(world, answer['invitationId'])}/relaunch"
    with faults.failing(fault, at=position) as plan:
        first = clean_or_unavailable(api.call("POST", path, user=world.owner))
    expect_calls(plan, RELAUNCH, position)
    claim = RELAUNCH.index("dynamodb.UpdateItem") + 1
    claimed = position > claim or (position == claim and (fault.after or fault.retried))
    if position == claim and fault.retried:
        # botocore's resend of the claim met the claim itself: "sent a moment ago", and it is (below).
        assert (first.status, first.json()["error"]) == (429, "too_soon"), first.body
    else:
        assert first.status in (200, 503), first.body
    retried = clean(api.call("POST", path, user=world.owner))
    if first.status == 200:
        assert retried.status == 429, "relaunched once"
    elif claimed:
        # Claimed before the failure: the owner is told it was just sent, and sees it queued.
        assert (retried.status, retried.json()["error"]) == (429, "too_soon"), retried.body
    else:
        assert retried.status == 200, retried.body

    after = seen(api, world, answer["invitationId"])
    assert after["relaunchCount"] == 1, "one relaunch, whatever failed"
    if after["channels"] != SENT:
        assert {c["status"] for c in after["channels"].values()} <= {"sent", "queued", "failed"}, after
        hourly_run(api)
        after = seen(api, world, answer["invitationId"])
    assert after["channels"] == SENT
    assert after["relaunchCount"] == 1 and after["code"] == answer["code"]
    recorded_at = len(RELAUNCH)
    assert person.email is not None
    assert len(mails_to(person.email)) == 1 + arrivals(RELAUNCH, position, fault, "ses", recorded_at)
    assert len(sms_to(person.mobile)) == 1 + arrivals(RELAUNCH, position, fault, "sns", recorded_at)
    assert all(answer["code"] in text for text in sms_to(person.mobile)), "the same code"
    assert_one_link(api, person.email)


def assert_one_link(api: Api, email: str) -> None:
    """Every e-mail the person got carries the same link, and it opens the invitation."""
    tokens = {match["token"] for mail in mails_to(email) for match in INVITE_URL.finditer(mail["text"])}
    assert len(tokens) == 1, tokens
    assert clean(api.call("GET", f"/invite/{tokens.pop()}")).status == 200


@pytest.mark.parametrize(("position", "fault"), cases("cancel", CANCEL))
def test_a_cancel_under_a_fault(api: Api, world: World, faults: Injector, position: int, fault: Fault) -> None:
    person, answer = sent_invitation(api, world)
    path = invitation_path(world, answer["invitationId"])
    with faults.failing(fault, at=position) as plan:
        first = clean_or_unavailable(api.call("DELETE", path, user=world.owner))
    expect_calls(plan, CANCEL, position)
    assert first.status in (204, 503), first.body
    retried = clean(api.call("DELETE", path, user=world.owner))
    written = first.status == 204 or (position == len(CANCEL) and fault.after)
    if written:
        assert (retried.status, retried.json()["status"]) == (409, "cancelled"), retried.body
    else:
        assert retried.status == 204, retried.body
    # Either way the owner's intent holds: cancelled, its link refused, no reminder ever.
    assert seen(api, world, answer["invitationId"])["status"] == "cancelled"
    assert person.email is not None
    token = INVITE_URL.search(mails_to(person.email)[0]["text"])
    assert token is not None
    link = clean(api.call("POST", f"/invite/{token['token']}", {"code": answer["code"], "password": PASSWORD}))
    assert (link.status, link.json()["error"]) == (410, "invitation_cancelled")
    hourly_run(api, later=timedelta(days=3, hours=1))  # its first reminder would have been due
    assert len(mails_to(person.email)) == 1 and len(sms_to(person.mobile)) == 1


# ============================================================== direct access by personal code


def grant(api: Api, world: World, person: Person, code: str) -> HttpResult:
    body = {"personalCode": code, "dossierIds": [world.dossier_id]}
    return api.call("POST", f"{world.vault}/persons/{person.person_id}/access", body, user=world.owner)


def account_holder(api: Api, world: World) -> tuple[User, str, Person]:
    holder = new_user("holder")
    code: str = clean(api.call("GET", "/me", user=holder)).json()["personalCode"]
    person = new_person(api, world, mobile=False)
    return holder, code, person


def accesses_of(person: Person) -> int:
    """The access items of this person, which the journals read as access.granted (from moto's
    store itself: a Scan of the whole table would cost more than the case)."""
    table = dynamodb_backends[ACCOUNT][REGION].get_table(os.environ["SHARES_TABLE"])
    return sum(
        1
        for item in table.all_items()
        if item.attrs["pk"].value.startswith("ACCESS#") and item.attrs["personId"].value == person.person_id
    )


def test_a_direct_access_makes_these_calls(api: Api, world: World, faults: Injector) -> None:
    _, code, person = account_holder(api, world)
    with faults.recording() as calls:
        result = grant(api, world, person, code)
    assert result.status == 201, result.body
    assert [str(c) for c in calls] == expected(ACCESS)


@pytest.mark.parametrize(("position", "fault"), cases("access", ACCESS))
def test_a_direct_access_under_a_fault(api: Api, world: World, faults: Injector, position: int, fault: Fault) -> None:
    holder, code, person = account_holder(api, world)
    with faults.failing(fault, at=position) as plan:
        first = clean_or_unavailable(grant(api, world, person, code))
    expect_calls(plan, ACCESS, position)
    assert first.status in (201, 503), first.body
    answer = first if first.status == 201 else clean(grant(api, world, person, code))
    assert answer.status == 201, answer.body
    granted = answer.json()
    # The account holder is a guest, once; the journals hear of it once; they were told once.
    assert person_page(api, world, person)["access"] == {"role": "guest", "userId": holder.user_id}
    home = clean(api.call("GET", f"{world.vault}/home", user=holder))
    assert (home.status, home.json()["homeDossierId"]) == (200, granted["homeDossierId"])
    assert accesses_of(person) == 1, "one access.granted"
    at_ses = ACCESS[position - 1] == "ses.SendRawEmail"
    if at_ses and not fault.retried:
        assert (granted["email"]["status"], emails_to(holder.email)) == ("failed", 1 if fault.after else 0)
    else:
        assert (granted["email"]["status"], emails_to(holder.email)) == ("sent", 2 if at_ses else 1)


# ============================================================== the hourly reminders run


def due_reminder(api: Api, world: World) -> tuple[Person, dict[str, Any]]:
    """An invitation whose first reminder is due, alone in the reminders' index (each_case_alone)."""
    person = new_person(api, world)
    path = f"{world.vault}/persons/{person.person_id}/invitations"
    answer: dict[str, Any] = clean(api.call("POST", path, {"dossierIds": [world.dossier_id]}, user=world.owner)).json()
    advance_to_allowed(clock.parse_iso(seen(api, world, answer["invitationId"])["nextRelaunchAt"]))
    return person, answer


def test_the_reminders_run_makes_these_calls(api: Api, world: World, faults: Injector) -> None:
    due_reminder(api, world)
    with faults.recording() as calls:
        result = api.pools["InviteFunction"].invoke(SCHEDULE_EVENT)
    assert result["relaunched"] == 1, result
    assert [str(c) for c in calls] == expected(REMIND)


@pytest.mark.parametrize(("position", "fault"), cases("remind", REMIND))
def test_the_reminders_run_under_a_fault(api: Api, world: World, faults: Injector, position: int, fault: Fault) -> None:
    person, answer = due_reminder(api, world)
    with faults.failing(fault, at=position) as plan:
        try:
            run: dict[str, Any] | Exception = api.pools["InviteFunction"].invoke(SCHEDULE_EVENT)
        except Exception as exc:  # the invocation fails: the schedule's retry, or its next run, goes on
            assert aws_unavailable(exc), repr(exc)
            run = exc
    expect_calls(plan, REMIND, position)
    after = seen(api, world, answer["invitationId"])
    assert after["status"] == "pending" and after["relaunchCount"] in (0, 1), after
    if after["relaunchCount"] == 1:
        # Claimed: the owner sees which channel went and which waits for the next run.
        assert {c["status"] for c in after["channels"].values()} <= {"sent", "queued", "failed"}, after
    if after["relaunchCount"] != 1 or after["channels"] != SENT:  # the next run sends what is left, once
        assert not isinstance(hourly_run(api), Exception)
        after = seen(api, world, answer["invitationId"])
    assert after["relaunchCount"] == 1, "one reminder, whatever failed"
    assert after["channels"] == SENT
    recorded_at = len(REMIND)
    assert person.email is not None
    reminders = [m for m in mails_to(person.email) if m["subject"].startswith("Rappel")]
    assert len(reminders) == arrivals(REMIND, position, fault, "ses", recorded_at)
    assert len(sms_to(person.mobile)) == 1 + arrivals(REMIND, position, fault, "sns", recorded_at)
    assert all(answer["code"] in text for text in sms_to(person.mobile)), "the same code"
    assert_one_link(api, person.email)
    assert not isinstance(run, Exception) or position <= REMIND.index("kms.Decrypt") + 1, "sends fail alone"
