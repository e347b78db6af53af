"""`make run`'s walkthrough works as printed: its invitation steps, run in bash against the local stack.

The commands come from devstack.walkthrough, the steps the stack prints, and each is checked to be in
the printed text; bash runs them from the repository root with the environment of `make run`'s user,
each script starting with step 1 (TOKEN=...) as the newcomer's shell has it. What a step leaves to a
browser (accepting the invitation) is done here with the page's own requests; Chromium walks it in
tests/browser/test_invitation_accept.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any
from urllib.parse import urlencode

import pytest

from devstack import walkthrough
from devstack.seed import GUEST_EMAIL, GUEST_MOBILE, GUEST_PASSWORD, POSTAL_GUEST_EMAIL, POSTAL_GUEST_PASSWORD
from tests.e2e.conftest import JWT_SHAPE, REPO, Stack, readme_environment
from tests.e2e.test_invitations_http import INVITE_URL

pytestmark = pytest.mark.e2e

SIX_DIGITS = re.compile(r"\b[0-9]{6}\b")
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}


def steps(stack: Stack) -> dict[str, walkthrough.Step]:
    found = {step.key: step for step in walkthrough.steps(stack.info)}
    printed = walkthrough.render(stack.info)
    for step in found.values():
        for command in step.commands:
            assert command.replace("\n", "\n        ") in printed, f"step {step.key} is not printed as run"
    return found


def bash(*commands: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The commands as a newcomer pastes them in a shell at the repository root."""
    assert shutil.which("bash") and shutil.which("curl"), "the walkthrough needs bash and curl"
    assert (REPO / walkthrough.PYTHON).exists(), f"{walkthrough.PYTHON} is missing: `make run` creates it"
    script = "\n".join(["set -euo pipefail", *commands])
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=REPO,
        env=readme_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if check:
        assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    return done


def run(stack: Stack, step: walkthrough.Step) -> Any:
    """A step's commands after step 1's sign-in; each command prints one JSON answer (or a line)."""
    [sign_in] = steps(stack)["sign_in"].commands
    out = bash(sign_in, *step.commands).stdout
    return json.loads(out) if out.lstrip().startswith("{") else out.strip()


def invitation_link(stack: Stack, text: str) -> str:
    """The one invitation link in a message; its token is a session secret (never on the console)."""
    [(url, token)] = {(m["url"], m["token"]) for m in INVITE_URL.finditer(text)}
    stack.secrets.add(token)
    return str(url)


def test_dupont_is_invited_reads_both_messages_accepts_and_reads_his_home_page(stack: Stack) -> None:
    walk = steps(stack)
    demo = stack.demo

    invitation = run(stack, walk["invite"])
    assert (invitation["status"], invitation["linkChannel"], invitation["codeChannel"]) == ("pending", "email", "sms")
    code = invitation["code"]
    stack.secrets.add(code)

    outbox = run(stack, walk["messages"])
    email = [m for m in outbox["emails"] if GUEST_EMAIL in m["to"]][-1]
    url = invitation_link(stack, email["text"])
    assert code not in email["text"] and code not in email["html"]
    sms = [m for m in outbox["sms"] if m["to"] == GUEST_MOBILE][-1]
    assert SIX_DIGITS.findall(sms["text"]) == [code] and "/invite/" not in sms["text"]

    # The browser step, as the page's form posts it: the SMS code and the password the step suggests.
    assert GUEST_PASSWORD in walk["accept"].text
    page = stack.client().get(url, headers={"Accept": "text/html"})
    assert page.status == 200 and 'name="code"' in page.text and 'name="password"' in page.text
    accepted = stack.client().post(url, body=urlencode({"code": code, "password": GUEST_PASSWORD}), headers=FORM)
    assert accepted.status == 200 and "Invitation acceptée" in accepted.text, accepted.text

    home = run(stack, walk["guest"])
    assert home["welcome"] == walkthrough.WELCOME
    kinds = {d["dossierId"]: d["kind"] for d in home["dossiers"]}
    assert kinds[demo["dossierId"]] == "siv" and kinds[home["homeDossierId"]] == "home", home


def test_bernard_is_invited_by_letter_whose_pdf_the_outbox_serves(stack: Stack) -> None:
    walk = steps(stack)

    invitation = run(stack, walk["invite_letter"])
    assert (invitation["linkChannel"], invitation["codeChannel"]) == ("postal", "phone"), invitation
    assert invitation["postal"] == {"costCents": 182, "letters": 1, "status": "queued"}
    code = invitation["code"]
    stack.secrets.add(code)

    pdf_url = run(stack, walk["letter"])
    pdf = stack.client().get(pdf_url)
    assert pdf.status == 200 and pdf.headers.get("Content-Type") == "application/pdf"
    assert pdf.body.startswith(b"%PDF-")
    letters = stack.client().get("/_local/outbox").json()["letters"]
    assert letters[-1]["pdfUrl"] == pdf_url and letters[-1]["to"]["lastName"] == "BERNARD"
    url = invitation_link(stack, letters[-1]["text"])

    # The browser steps, as the pages post them: an e-mail address, then both codes and a password.
    assert POSTAL_GUEST_EMAIL in walk["accept_letter"].text and POSTAL_GUEST_PASSWORD in walk["accept_letter"].text
    asked = stack.client().post(f"{url}/email", body=urlencode({"email": POSTAL_GUEST_EMAIL}), headers=FORM)
    assert asked.status == 303, asked.text  # to the invitation's page, which asks for both codes
    emails = stack.client().get("/_local/outbox").json()["emails"]
    [confirmation] = [m for m in emails if POSTAL_GUEST_EMAIL in m["to"]]
    [email_code] = SIX_DIGITS.findall(confirmation["text"])
    stack.secrets.add(email_code)  # not the passwords: the walkthrough prints them on purpose, as the owner's
    fields = {"code": code, "email": POSTAL_GUEST_EMAIL, "emailCode": email_code, "password": POSTAL_GUEST_PASSWORD}
    accepted = stack.client().post(url, body=urlencode(fields), headers=FORM)
    assert accepted.status == 200 and "Invitation acceptée" in accepted.text, accepted.text

    # She signs in as the guest step does, with her e-mail and password.
    sign_in = walkthrough.sign_in(stack.api_url, POSTAL_GUEST_EMAIL, POSTAL_GUEST_PASSWORD, "GUEST")
    read_home = walkthrough.curl(f"{stack.api_url}/vaults/{stack.demo['vaultId']}/home", bearer="GUEST")
    home = json.loads(bash(sign_in, read_home).stdout)
    assert stack.demo["dossierId"] in {d["dossierId"] for d in home["dossiers"]}


def test_the_token_command_signs_in_any_account_and_refuses_in_one_line(stack: Stack) -> None:
    owner = stack.demo["owner"]
    for command in (
        walkthrough.sign_in(stack.api_url),
        walkthrough.sign_in(stack.api_url, owner["email"], owner["password"]),
        f"TOKEN=$({walkthrough.PYTHON} -m devstack.token {stack.api_url} {owner['email']} {owner['password']})",
    ):
        done = bash(command + ' && echo "$TOKEN"')
        assert JWT_SHAPE.fullmatch(done.stdout.strip()), "an ID token"
    token = f"{walkthrough.PYTHON} -m devstack.token"
    refused = bash(f"{token} {stack.api_url} --email {owner['email']} --password Wrong-pass-123", check=False)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.strip() == (
        f"sign-in refused for {owner['email']}: NotAuthorizedException: Incorrect username or password."
    )
    alone = bash(f"{token} {stack.api_url} --email {owner['email']}", check=False)
    assert alone.returncode == 2 and "--email and --password go together" in alone.stderr
    down = bash(f"{token} http://127.0.0.1:9", check=False)
    assert down.returncode == 1 and "no local stack answers at http://127.0.0.1:9" in down.stderr
    assert "Traceback" not in refused.stderr + alone.stderr + down.stderr
