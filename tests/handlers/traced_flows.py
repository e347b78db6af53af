"""The flows test_traces.py watches, run in a child pytest with tracing on (not collected by the suite).

The X-Ray SDK and Powertools' Tracer are process-wide (a global recorder, botocore patched, the
switch read when a handler module loads), so they run here, in a process of their own. The parent
gives this process the environment Lambda gives a function (LAMBDA_TASK_ROOT, the function name,
_X_AMZN_TRACE_ID with Sampled=1) and AWS_XRAY_DAEMON_ADDRESS pointing at its UDP listener; the
handlers then send their subsegments there, as on Lambda. This module calls every traced flow
once and writes, to TRACED_FLOWS_OUT, every secret and contact detail the inputs and answers held.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3

from tests.fixtures import Api, Aws
from tests.handlers.test_links import build_world, call, create, fetch, ok, unlock, wrong_code
from tests.handlers.test_notify import SharesStream, notify

# tests/conftest.py switched tracing off for the suite; handler modules load later, with this value.
os.environ["POWERTOOLS_TRACE_DISABLED"] = "false"

CHOSEN_CODE = "739184"
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


def _query(url: str, name: str) -> str:
    return parse_qs(urlsplit(url).query)[name][0]


def test_traced_flows(api: Api, aws: Aws) -> None:
    from aws_xray_sdk.core import xray_recorder
    from aws_xray_sdk.core.lambda_launcher import LambdaContext

    secrets: dict[str, list[str]] = {}

    def keep(kind: str, *values: Any) -> None:
        secrets.setdefault(kind, []).extend(str(v) for v in values)

    world = build_world(api)
    stream = SharesStream(aws.resolver.attributes["SharesTable"]["StreamArn"])
    stream.skip()
    assert isinstance(xray_recorder.context, LambdaContext), "the X-Ray SDK is not in Lambda mode"
    keep("owner e-mail", world.owner.email)

    # Create link, with a chosen code and an e-mail; then with a generated code, replayed.
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
    # A refused create that carries a code.
    assert call(api, "POST", world.links_path, world.body(code="12345a"), user=world.owner).status == 422

    # List links.
    listed = ok(call(api, "GET", world.links_path, user=world.owner))
    assert any(x["recipientEmail"] == RECIPIENT for x in listed["links"])

    # Recipient: page, wrong code, unlock, fetch.
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
    # The generated link, by the form a browser posts.
    form = call(
        api, "POST", generated.share, raw_body=f"code={generated.code}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
    )  # fmt: skip
    assert form.status == 200

    # Person with contact details.
    persons = f"/vaults/{world.vault_id}/persons"
    person = ok(call(api, "POST", persons, PERSON, user=world.owner), 201)
    keep("person e-mail", PERSON["email"], person["email"])
    keep("mobile", PERSON["mobile"], person["mobile"], person["mobile"].lstrip("+"))
    keep("postal address", *ADDRESS.values())
    assert ok(call(api, "GET", persons, user=world.owner, query="q=helene"))["persons"]

    # Document: the presigned upload form.
    documents = f"/vaults/{world.vault_id}/dossiers/{world.dossier_id}/documents"
    upload = ok(call(api, "POST", documents, {"fileName": "scan.pdf", "contentType": "application/pdf", "size": 9},
                     user=world.owner), 201)["upload"]  # fmt: skip
    signed = {k.lower(): v for k, v in upload["fields"].items()}
    keep("presigned upload form", signed["policy"], signed["x-amz-signature"], signed["x-amz-credential"])

    # Me: the personal code.
    keep("personal code", ok(call(api, "GET", "/me", user=world.owner))["personalCode"])

    # Notify on a batch: every record the flows above wrote.
    records = stream.read()
    assert records
    assert notify(api, records) == {"batchItemFailures": []}
    # A scheduled task of the invitation function (its only traced path today).
    assert api.pools["InviteFunction"].invoke({"task": "relaunch"})["task"] == "relaunch"  # its schedule

    pepper = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["PEPPER_SECRET_ARN"])
    keep("pepper", pepper["SecretString"])

    Path(os.environ["TRACED_FLOWS_OUT"]).write_text(json.dumps({"secrets": secrets}), encoding="utf-8")
