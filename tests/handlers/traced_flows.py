"""The flows test_traces.py watches, run in a child pytest with tracing, metrics and DEBUG logs on
(not collected by the suite).

An X-Ray SDK would be process-wide (a global recorder, botocore patched, the switch read when a
handler module loads), so the flows run here, in a process of their own. The parent gives this
process the environment Lambda gives a function (LAMBDA_TASK_ROOT, the function name,
_X_AMZN_TRACE_ID with Sampled=1, the template's metrics namespace and service) and
AWS_XRAY_DAEMON_ADDRESS pointing at its UDP listener, where a handler's subsegments would go.
Their logs (Powertools' at DEBUG, and every other logger at DEBUG too, as Lambda's application log
level DEBUG sets the root logger) and their EMF metrics go to this process's stdout and stderr,
which the parent reads (`pytest -s`). This module calls every flow
once and writes, to TRACED_FLOWS_OUT, every secret and contact detail the inputs and answers held.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3

from devstack.scheduler import Scheduler
from tests.fixtures import Api, Aws, User, new_user
from tests.handlers.test_invitations_owner import (
    INVITE_URL,
    assert_letter_without_code,
    letters_of,
    sms_sent,
)
from tests.handlers.test_links import (
    World,
    aws_client,
    build_world,
    call,
    create,
    fetch,
    ok,
    sent_emails,
    unlock,
    wrong_code,
)
from tests.handlers.test_notify import SharesStream, notify

# tests/conftest.py switched tracing and metrics off for the suite; handler modules load later.
os.environ["POWERTOOLS_TRACE_DISABLED"] = "false"
os.environ["POWERTOOLS_METRICS_DISABLED"] = "false"
# Every logger at DEBUG, on stderr (Powertools' Logger writes its JSON lines on stdout).
_everything = logging.StreamHandler(sys.stderr)
_everything.setLevel(logging.DEBUG)
_everything.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
logging.getLogger().addHandler(_everything)
logging.getLogger().setLevel(logging.DEBUG)

CHOSEN_CODE = "739184"
PASSWORD = "Tracé-et-secret-2026"
RECIPIENT = "jules.destinataire@example.fr"
ADDRESS = {
    "line1": "17 impasse des Secrets Bien Gardés",
    "line2": "Bâtiment Zéphyr",
    "postalCode": "93117",
    "city": "Villeneuve-la-Discrète",
}
PERSON = {
    "firstName": "Hélène",
    "lastName": "Tracée",
    "email": "helene.tracee@example.fr",
    "mobile": "06 45 91 27 38",
    "postalAddress": ADDRESS,
}
LETTER_PERSON = {"firstName": "Odile", "lastName": "Postale", "mobile": "06 71 83 29 46", "postalAddress": ADDRESS}
CONFIRMED = "odile.confirmee@example.fr"


def _query(url: str, name: str) -> str:
    return parse_qs(urlsplit(url).query)[name][0]


class Kept:
    """Every secret and contact detail seen, by kind."""

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}

    def __call__(self, kind: str, *values: Any) -> None:
        self.found.setdefault(kind, []).extend(str(v) for v in values)


def scheduled(api: Api, function: str) -> Any:
    """The function's schedule as EventBridge Scheduler invokes it (its Input in template.yaml)."""
    (schedule,) = api.specs[function].schedules
    return api.pools[function].invoke(Scheduler([]).event(schedule))


def links(api: Api, world: World, keep: Kept) -> None:
    """Create (chosen code and e-mail; generated and replayed; refused), list, page, wrong code,
    unlock, download, the browser's form, a failed e-mail, a lock, a revoke."""
    chosen = create(api, world, world.body(code=CHOSEN_CODE, recipientEmail=RECIPIENT, message="Voici."))
    keep("token", chosen.token)
    keep("code", chosen.code)
    keep("share URL", chosen.answer["url"])
    keep("recipient e-mail", RECIPIENT)
    key = {"Idempotency-Key": "traced-flows-key"}
    generated = create(api, world, headers=key)
    assert create(api, world, headers=key).answer == generated.answer
    keep("token", generated.token)
    keep("code", generated.code)
    assert call(api, "POST", world.links_path, world.body(code="12345a"), user=world.owner).status == 422

    listed = ok(call(api, "GET", world.links_path, user=world.owner))
    assert any(x["recipientEmail"] == RECIPIENT for x in listed["links"])

    assert ok(call(api, "GET", chosen.share))["status"] == "active"
    assert unlock(api, chosen, wrong_code(chosen.code)).status == 403
    keep("code", wrong_code(chosen.code))
    opened = ok(unlock(api, chosen))
    for document in opened["documents"]:
        keep("download URL", document["downloadUrl"])
        keep("grant", _query(document["downloadUrl"], "grant"))
    redirect = fetch(api, opened["documents"][0]["downloadUrl"])
    assert redirect.status == 302
    location = redirect.headers["Location"]
    keep("presigned download URL", location)
    keep("presigned signature", _query(location, "X-Amz-Signature"))
    form = call(
        api, "POST", generated.share, raw_body=f"code={generated.code}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
    )  # fmt: skip
    assert form.status == 200
    (cookie_grant,) = re.findall(r"vs_grant=([^;]+)", form.headers["Set-Cookie"])
    keep("grant", cookie_grant)

    # An e-mail SES refuses (a warning is logged): the link stands.
    ses = aws_client("ses")
    ses.delete_identity(Identity="vault-share.test")
    try:
        unsent = create(api, world, world.body(recipientEmail=RECIPIENT))
    finally:
        ses.verify_domain_identity(Domain="vault-share.test")
    assert unsent.answer["email"] == {"status": "failed"}
    keep("token", unsent.token)
    keep("code", unsent.code)

    # Five wrong codes lock a link; the owner revokes another.
    locked = create(api, world)
    keep("token", locked.token)
    keep("code", locked.code)
    for shift in range(1, 6):
        unlock(api, locked, wrong_code(locked.code, shift))
        keep("code", wrong_code(locked.code, shift))
    assert unlock(api, locked).status == 410
    assert call(api, "DELETE", f"/vaults/{world.vault_id}/links/{unsent.link_id}", user=world.owner).status == 204


def invite(api: Api, world: World, person_id: str, keep: Kept) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    before = len(sent_emails())
    path = f"/vaults/{world.vault_id}/persons/{person_id}/invitations"
    answer: dict[str, Any] = ok(call(api, "POST", path, {"dossierIds": [world.dossier_id]}, user=world.owner), 201)
    keep("code", answer["code"])
    return answer, sent_emails()[before:]


def invite_token(mails: list[dict[str, Any]], keep: Kept) -> str:
    (mail,) = mails
    (url,) = {m.group(0) for m in INVITE_URL.finditer(mail["text"])}
    keep("invite URL", url)
    token = INVITE_URL.fullmatch(url)["token"]  # type: ignore[index]
    keep("token", token)
    return token


def invitations(api: Api, world: World, keep: Kept) -> str:
    """Invite by e-mail and SMS, a wrong code, accept with a new account; five wrong codes lock
    another; a letter, its e-mail confirmation and acceptance; direct access by personal code.
    Answers the path of an invitation left pending, for a relaunch."""
    persons = f"/vaults/{world.vault_id}/persons"
    person = ok(call(api, "POST", persons, PERSON, user=world.owner), 201)
    keep("person e-mail", PERSON["email"], person["email"])
    keep("mobile", PERSON["mobile"], person["mobile"], person["mobile"].lstrip("+"))
    keep("postal address", *ADDRESS.values())
    assert ok(call(api, "GET", persons, user=world.owner, query="q=helene"))["persons"]

    sms_before = len(sms_sent())
    answer, mails = invite(api, world, person["personId"], keep)
    assert answer["channels"] == {"link": {"status": "sent"}, "code": {"status": "sent"}}
    assert [s for s in sms_sent()[sms_before:] if answer["code"] in s["text"]], "the code went by SMS"
    token = invite_token(mails, keep)
    assert call(api, "GET", f"/invite/{token}").status == 200
    wrong = wrong_code(answer["code"])
    keep("code", wrong)
    assert call(api, "POST", f"/invite/{token}", {"code": wrong, "password": PASSWORD}).status == 403
    keep("password", PASSWORD)
    assert ok(call(api, "POST", f"/invite/{token}", {"code": answer["code"], "password": PASSWORD}))["role"] == "guest"

    # Five wrong codes lock an invitation.
    other = ok(call(api, "POST", persons, {**PERSON, "email": "helene.bis@example.fr"}, user=world.owner), 201)
    keep("person e-mail", "helene.bis@example.fr")
    answer, mails = invite(api, world, other["personId"], keep)
    token = invite_token(mails, keep)
    for shift in range(1, 6):
        keep("code", wrong_code(answer["code"], shift))
        call(api, "POST", f"/invite/{token}", {"code": wrong_code(answer["code"], shift), "password": PASSWORD})
    assert call(api, "POST", f"/invite/{token}", {"code": answer["code"], "password": PASSWORD}).status == 410

    # A letter; the person gives an e-mail address, confirms it with the code e-mailed, accepts.
    by_post = ok(call(api, "POST", persons, LETTER_PERSON, user=world.owner), 201)
    keep("mobile", LETTER_PERSON["mobile"], by_post["mobile"], by_post["mobile"].lstrip("+"))
    answer, _ = invite(api, world, by_post["personId"], keep)
    assert answer["postal"]["status"] == "queued"
    ((_, pdf),) = letters_of(world.vault_id, answer["invitationId"]).items()
    token = assert_letter_without_code(pdf, answer["code"])
    keep("token", token)
    before = len(sent_emails())
    assert call(api, "POST", f"/invite/{token}/email", {"email": CONFIRMED}).status == 202
    keep("person e-mail", CONFIRMED)
    ((email_code,),) = [re.findall(r"\b[0-9]{6}\b", m["text"]) for m in sent_emails()[before:]]
    keep("code", email_code)
    accepted = call(api, "POST", f"/invite/{token}", {"code": answer["code"], "password": PASSWORD,
                                                      "email": CONFIRMED, "emailCode": email_code})  # fmt: skip
    assert accepted.status == 200, accepted.body

    # Direct access: an account holder's personal code.
    holder: User = new_user("titulaire")
    keep("owner e-mail", holder.email)
    code = ok(call(api, "GET", "/me", user=holder))["personalCode"]
    keep("personal code", code, code.replace("-", ""))
    known = ok(call(api, "POST", persons, {"firstName": "Tom", "lastName": "Direct", "email": holder.email},
                    user=world.owner), 201)  # fmt: skip
    access = f"{persons}/{known['personId']}/access"
    assert ok(call(api, "POST", access, {"personalCode": code}, user=world.owner), 201)["role"] == "guest"

    # One more, left pending for the owner's relaunch.
    pending = ok(call(api, "POST", persons, {**PERSON, "email": "helene.ter@example.fr"}, user=world.owner), 201)
    keep("person e-mail", "helene.ter@example.fr")
    answer, mails = invite(api, world, pending["personId"], keep)
    invite_token(mails, keep)
    return f"/vaults/{world.vault_id}/invitations/{answer['invitationId']}"


def vault(api: Api, world: World, keep: Kept) -> None:
    """A document: the presigned upload form, the upload, complete; the profile's personal code."""
    documents = f"/vaults/{world.vault_id}/dossiers/{world.dossier_id}/documents"
    created = ok(call(api, "POST", documents, {"fileName": "scan.pdf", "contentType": "application/pdf", "size": 9},
                      user=world.owner), 201)  # fmt: skip
    signed = {k.lower(): v for k, v in created["upload"]["fields"].items()}
    keep("presigned upload form", signed["policy"], signed["x-amz-signature"], signed["x-amz-credential"])
    aws_client("s3").put_object(Bucket=os.environ["DOCUMENTS_BUCKET"], Key=signed["key"], Body=b"%PDF-scan")
    done = ok(call(api, "POST", f"{documents}/{created['documentId']}/complete", user=world.owner))
    assert done["status"] == "available"
    code = ok(call(api, "GET", "/me", user=world.owner))["personalCode"]
    keep("personal code", code, code.replace("-", ""))


def test_traced_flows(api: Api, aws: Aws) -> None:
    from vault_share import clock

    keep = Kept()
    world = build_world(api)
    stream = SharesStream(aws.resolver.attributes["SharesTable"]["StreamArn"])
    stream.skip()
    keep("owner e-mail", world.owner.email)

    try:
        expiring = create(api, world, world.body(expiresInHours=1))
        keep("token", expiring.token)
        keep("code", expiring.code)
        links(api, world, keep)
        pending = invitations(api, world, keep)
        vault(api, world, keep)

        clock.advance(3601)
        relaunched = ok(call(api, "POST", f"{pending}/relaunch", user=world.owner))
        assert relaunched["relaunchCount"] == 1
        assert scheduled(api, "NotifyFunction")["expired"] >= 1  # the link of one hour
        # To the reminder's own time (3 days on, moved out of quiet hours, Sundays and holidays):
        # a fixed 3 days fell in the night when the tests ran in the evening, and nothing was sent.
        due = clock.parse_iso(relaunched["nextRelaunchAt"]) - clock.now()
        clock.advance(due.total_seconds() + 60)
        assert scheduled(api, "InviteFunction")["task"] == "relaunch"
    finally:
        clock.reset()

    # Notify on a batch: every record the flows above wrote.
    records = stream.read()
    assert records
    assert notify(api, records) == {"batchItemFailures": []}

    pepper = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["PEPPER_SECRET_ARN"])
    keep("pepper", pepper["SecretString"])
    xray_sdk = sorted(name for name in sys.modules if name.split(".")[0] == "aws_xray_sdk")
    out = {"secrets": keep.found, "xray_sdk": xray_sdk}
    Path(os.environ["TRACED_FLOWS_OUT"]).write_text(json.dumps(out), encoding="utf-8")
