"""The contract's main promises, checked against a running vault-share; exits 1 at the first broken one.

    python -m scripts.smoke http://127.0.0.1:3000                       # the local stack: its demo owner
    python -m scripts.smoke https://<api>.execute-api.eu-west-3.amazonaws.com/v1 --email owner@example.fr \\
        --password '...' --user-pool-id <UserPoolId> --client-id <UserPoolClientId>   # a deployed stack

Against the local stack it reads the demo owner and the user pool from /_local/stack and signs in
with USER_PASSWORD_AUTH; against AWS it signs in with SRP (pycognito), the password never sent.

What it does, as an owner and as a recipient, and leaves behind: a vault named SMOKE_VAULT (made
once, reused), one dossier per run with one small PDF, a link (used, then revoked) and a person
with no contact whose invitation sends nothing and is cancelled. It sends no e-mail and no SMS.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import boto3
import urllib3

from devstack.client import Answer, ApiClient, sign_in

SMOKE_VAULT = "Test de fumée vault-share"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
JOURNAL_WAIT_SECONDS = 60


class Broken(Exception):
    """A promise the service did not keep."""


def expect(answer: Answer, status: int, what: str) -> Any:
    if answer.status != status:
        raise Broken(f"{what}: expected {status}, got {answer.status}: {answer.body[:300]!r}")
    return answer.json()


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Broken(what)


def eventually(read: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + JOURNAL_WAIT_SECONDS
    while not read():
        if time.monotonic() > deadline:
            raise Broken(f"{what}: not seen within {JOURNAL_WAIT_SECONDS} s")
        time.sleep(1)


# ---------------------------------------------------------------- signing in


def local_sign_in(base: str, email: str | None, password: str | None) -> str:
    """The local stack: its demo owner unless another account is given, by USER_PASSWORD_AUTH."""
    info = ApiClient(base).get("/_local/stack").json()
    owner = info["demo"]["owner"]
    return sign_in(
        info["awsEndpoint"],
        info["region"],
        info["userPoolClientId"],
        email or owner["email"],
        password or owner["password"],
    )


def srp_sign_in(email: str, password: str, pool_id: str, client_id: str) -> str:
    """SRP, as the console signs in on AWS (pycognito: Cognito's SRP-6a, the password never sent)."""
    from pycognito.aws_srp import AWSSRP  # only for a deployed stack

    region = pool_id.split("_", 1)[0]
    cognito = boto3.client("cognito-idp", region_name=region)
    srp = AWSSRP(username=email, password=password, pool_id=pool_id, client_id=client_id, client=cognito)
    tokens = srp.authenticate_user()
    return str(tokens["AuthenticationResult"]["IdToken"])


# ---------------------------------------------------------------- the promises


def run(base: str, token: str, say: Callable[[str], None]) -> None:
    api, public = ApiClient(base, token), ApiClient(base)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")

    expect(public.get("/vaults"), 401, "no token: 401")
    me = expect(api.get("/me"), 200, "GET /me")
    check(bool(me.get("personalCode")), "GET /me gives a personal code")
    vaults = expect(api.get("/vaults"), 200, "GET /vaults")["vaults"]
    mine = [v for v in vaults if v["name"] == SMOKE_VAULT and v["role"] == "owner"]
    if mine:
        vault_id = mine[0]["vaultId"]
    else:
        vault_id = expect(api.post("/vaults", {"name": SMOKE_VAULT}), 201, "POST /vaults")["vaultId"]
    say(f"signed in; vault {vault_id}")

    dossier = expect(
        api.post(f"/vaults/{vault_id}/dossiers", {"name": f"Fumée {stamp}", "kind": "internal"}),
        201,
        "create a dossier",
    )["dossierId"]
    base_path = f"/vaults/{vault_id}/dossiers/{dossier}"
    declared = expect(
        api.post(
            f"{base_path}/documents", {"fileName": "fumee.pdf", "contentType": "application/pdf", "size": len(PDF)}
        ),
        201,
        "declare a document",
    )
    sent = api.upload(declared["upload"], PDF, "fumee.pdf")
    check(sent in (200, 201, 204), f"upload to the presigned form: {sent}")
    document = expect(api.post(f"{base_path}/documents/{declared['documentId']}/complete"), 200, "complete")
    check(document["status"] == "available", "the completed document is available")
    say("dossier and document")

    # A one-time link: the code is in the answer only; a wrong code is counted; the right one opens it once.
    link = expect(
        api.post(
            f"{base_path}/links",
            {"documentIds": [declared["documentId"]]},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ),
        201,
        "create a link",
    )
    token_path = urlsplit(link["url"]).path
    share = "/share/" + token_path.rsplit("/share/", 1)[1]
    check(len(link["code"]) == 6 and link["code"].isdigit(), "the link's code is 6 digits")
    summary = expect(public.get(share), 200, "GET the share")
    check(summary["documentCount"] == 1 and summary["status"] == "active", "the share says 1 document, active")
    wrong = f"{(int(link['code']) + 1) % 1_000_000:06d}"
    refused = expect(public.post(share, {"code": wrong}), 403, "a wrong code")
    check(refused.get("attemptsLeft") == 4, "4 attempts left after a wrong code")
    unlocked = expect(public.post(share, {"code": link["code"]}), 200, "the right code")
    expect(public.post(share, {"code": link["code"]}), 410, "the link works once")
    download = urlsplit(unlocked["documents"][0]["downloadUrl"])
    file_path = download.path.removeprefix(urlsplit(base).path.rstrip("/"))
    redirect = public.get(f"{file_path}?{download.query}")
    check(redirect.status == 302 and "location" in {k.lower() for k in redirect.headers}, "the file answers 302")
    location = next(v for k, v in redirect.headers.items() if k.lower() == "location")
    check(public.get(location).body == PDF, "the presigned URL gives the uploaded bytes")
    say("link: shown, a wrong code counted, unlocked once, downloaded")

    def journal_has(kind: str) -> bool:
        entries = expect(api.get(f"{base_path}/journal"), 200, "the journal")["entries"]
        return any(e["type"] == kind for e in entries)

    eventually(lambda: journal_has("link.used"), "the journal's link.used")

    def notified() -> bool:
        notes = expect(api.get("/notifications"), 200, "notifications")["notifications"]
        return any(n["details"].get("linkId") == link["linkId"] for n in notes)

    eventually(notified, "the owner's notification")
    links = expect(api.get(f"{base_path}/links"), 200, "the dossier's links")["links"]
    check([item["status"] for item in links if item["linkId"] == link["linkId"]] == ["used"], "the link is used")
    expect(api.delete(f"/vaults/{vault_id}/links/{link['linkId']}"), 204, "revoke the used link")
    expect(public.get(f"{file_path}?{download.query}"), 410, "a revoked link's file")
    say("journal, notification, revoke")

    # An invitation that can go nowhere (no contact): recorded, nothing sent, then cancelled.
    person = expect(
        api.post(f"/vaults/{vault_id}/persons", {"firstName": "Fumée", "lastName": f"TEST {stamp}"}),
        201,
        "create a person",
    )["personId"]
    found = expect(api.get(f"/vaults/{vault_id}/persons?q=fumee"), 200, "search")["persons"]
    check(any(p["personId"] == person for p in found), "the search ignores accents")
    invitation = expect(
        api.post(f"/vaults/{vault_id}/persons/{person}/invitations", {"dossierIds": [dossier]}),
        201,
        "invite",
    )
    check(invitation["status"] == "not_sent" and invitation["linkChannel"] == "none", "no channel: not sent")
    check(invitation["codeChannel"] == "phone", "no mobile: the code goes by phone")
    path = f"/vaults/{vault_id}/invitations/{invitation['invitationId']}"
    expect(api.delete(path), 204, "cancel the invitation")
    check(expect(api.get(path), 200, "read it back")["status"] == "cancelled", "the invitation is cancelled")
    expect(public.get("/share/not-a-real-token-aaaaaaaaaaaaaaaa"), 404, "an unknown share")
    say("person, invitation not sent, cancelled")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.smoke", description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the API's base URL (the stage included on AWS)")
    parser.add_argument("--email", help="an owner account (the local stack's demo owner when absent)")
    parser.add_argument("--password")
    parser.add_argument("--user-pool-id", help="the UserPoolId output (a deployed stack)")
    parser.add_argument("--client-id", help="the UserPoolClientId output: signs in with SRP (a deployed stack)")
    args = parser.parse_args(argv)
    base = args.url.rstrip("/")
    try:
        if args.client_id or args.user_pool_id:
            if not (args.email and args.password and args.client_id and args.user_pool_id):
                parser.error("a deployed stack needs --email, --password, --user-pool-id and --client-id")
            token = srp_sign_in(args.email, args.password, args.user_pool_id, args.client_id)
        else:
            token = local_sign_in(base, args.email, args.password)
        run(base, token, lambda line: print(f"ok: {line}", flush=True))
    except Broken as broken:
        print(f"BROKEN: {broken}", file=sys.stderr)
        return 1
    except (urllib3.exceptions.HTTPError, json.JSONDecodeError) as error:
        print(f"BROKEN: {base} did not answer: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
