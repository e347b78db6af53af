"""What `make run` prints: the demo and a walkthrough a newcomer can copy-paste, step by step.

Each step is data, what to do and the shell commands to type, rendered here for the console. The
end-to-end test (tests/e2e/test_walkthrough.py) runs the commands of these same steps in bash
against a stack, so what is printed cannot drift from what works.
"""

from __future__ import annotations

import json
import shlex
import textwrap
from dataclasses import dataclass
from typing import Any

from devstack.seed import GUEST_EMAIL, GUEST_PASSWORD, POSTAL_GUEST_EMAIL, POSTAL_GUEST_PASSWORD

PYTHON = ".venv/bin/python"
WELCOME = "Bienvenue chez GARAGE AUTO : déposez ici vos justificatifs."
# What is to be done is wrapped at TEXT_WIDTH; past COMMAND_WIDTH a command goes on continuation lines
# (the body, then the URL).
TEXT_WIDTH = 104
COMMAND_WIDTH = 140


@dataclass(frozen=True)
class Step:
    key: str  # how the tests find a step
    text: str  # what to do; a colon when commands follow
    commands: tuple[str, ...] = ()


def curl(url: str, *, bearer: str | None = "TOKEN", body: Any = None, accept_json: bool = False) -> str:
    """A curl command line: the bearer token from the shell variable `bearer`, a JSON body, quoted for bash."""
    options = ["curl -s"]
    if bearer:
        options.append(f'-H "Authorization: Bearer ${bearer}"')
    if accept_json:
        options.append("-H 'Accept: application/json'")
    parts = [" ".join(options)]
    if body is not None:
        parts[0] += " -H 'Content-Type: application/json'"
        parts.append("-d " + shlex.quote(json.dumps(body, ensure_ascii=False)))
    parts.append(shlex.quote(url))
    line = " ".join(parts)
    return line if len(line) <= COMMAND_WIDTH else " \\\n  ".join(parts)


def sign_in(api: str, email: str | None = None, password: str | None = None, variable: str = "TOKEN") -> str:
    credentials = f" --email {shlex.quote(email)} --password {shlex.quote(password)}" if email and password else ""
    return f"{variable}=$({PYTHON} -m devstack.token {api}{credentials})"


def steps(info: dict[str, Any]) -> list[Step]:
    """The walkthrough for a stack's `/_local/stack` answer."""
    demo, api = info["demo"], info["apiUrl"]
    vault = f"{api}/vaults/{demo['vaultId']}"
    dossier = f"{vault}/dossiers/{demo['dossierId']}"
    outbox_json = curl(f"{api}/_local/outbox", bearer=None, accept_json=True)
    newest_letter = (
        f'{outbox_json} | {PYTHON} -c \'import json, sys; print(json.load(sys.stdin)["letters"][-1]["pdfUrl"])\''
    )
    console = f"{api}/app/"
    return [
        Step(
            "console",
            f"Open the console, {console}, and sign in with the demo owner's e-mail and password (above).",
        ),
        Step(
            "console_link",
            "Open GARAGE AUTO, then SIV AB-123-CD; tick the box in the documents' header to select them all;"
            " in the dossier's menu (⋯) choose «\u00a0Lien de téléchargement\u00a0», generate a code, give an e-mail"
            " (e.g. agent@prefecture.example) and create the link: copy it; its code is shown this once.",
        ),
        Step(
            "console_download",
            f"In a private window, open the outbox ({api}/_local/outbox), follow the e-mail's link, type the code,"
            " download. Back in the console, without reloading: the link turns «\u00a0Utilisé\u00a0», the journal"
            " and the bell (notifications) say so.",
        ),
        Step(
            "console_invite",
            "Click the dossier's persons icon, search «\u00a0dupont\u00a0», open DUPONT Alain, write a welcome text"
            " and «\u00a0Envoyer\u00a0»: the link goes by e-mail, the code by SMS, «\u00a0Nombre de relances 0\u00a0».",
        ),
        Step(
            "console_guest",
            f"Read both messages in the outbox, open the e-mail's link, type the SMS code and a password (e.g."
            f" {GUEST_PASSWORD}). Then sign in to {console} as {GUEST_EMAIL} in a private window: his home page,"
            " where he may upload, and the SIV dossier; nothing else. Or do it all with curl, on a fresh stack"
            " (`make run` again):",
        ),
        Step(
            "sign_in",
            "Sign in (USER_PASSWORD_AUTH) against the embedded Cognito and keep the IdToken:",
            (sign_in(api),),
        ),
        Step("dossier", "Read the demo dossier:", (curl(dossier),)),
        Step("search", "Search a person:", (curl(f"{vault}/persons?q=dupont"),)),
        Step(
            "link",
            "Create a one-time download link for every document, e-mailed to the recipient"
            " (the answer holds the code):",
            (
                curl(
                    f"{dossier}/links",
                    body={"documentIds": demo["documentIds"], "recipientEmail": "agent@prefecture.example"},
                ),
            ),
        ),
        Step(
            "download",
            f"Open the outbox ({api}/_local/outbox), follow the link in the e-mail, type the code, download.",
        ),
        Step(
            "journal",
            "Read the dossier's journal and your notifications:",
            (curl(f"{dossier}/journal"), curl(f"{api}/notifications")),
        ),
        Step(
            "invite",
            "Invite DUPONT Alain as a guest of the SIV dossier: the link goes by e-mail, the validation code by SMS"
            " (the answer shows it to you, the owner, too):",
            (
                curl(
                    f"{vault}/persons/{demo['personId']}/invitations",
                    body={"dossierIds": [demo["dossierId"]], "welcome": WELCOME},
                ),
            ),
        ),
        Step(
            "messages",
            f"Read both messages in the outbox ({api}/_local/outbox in a browser, or as JSON):"
            f" the e-mail to {GUEST_EMAIL} holds the link and not the code, the SMS the code and not the link:",
            (outbox_json,),
        ),
        Step(
            "accept",
            f"Open the e-mail's link ({api}/invite/...) in a browser, type the SMS code and choose a password,"
            f" e.g. {GUEST_PASSWORD}, then «\u00a0Accepter l'invitation\u00a0»:"
            " the page says «\u00a0Invitation acceptée\u00a0».",
        ),
        Step(
            "guest",
            "Sign in as the guest (as the console does) and read the guest's home page:"
            " the welcome, the home dossier and the SIV dossier:",
            (sign_in(api, GUEST_EMAIL, GUEST_PASSWORD, "GUEST"), curl(f"{vault}/home", bearer="GUEST")),
        ),
        Step(
            "invite_letter",
            "Invite BERNARD Sophie, who has a postal address only: a letter is queued (182 cents) and no SMS can"
            " go, so you phone her the code in the answer:",
            (curl(f"{vault}/persons/{demo['postalPersonId']}/invitations", body={"dossierIds": [demo["dossierId"]]}),),
        ),
        Step(
            "letter",
            "The letter is in the outbox with its address and cost; print the link to its PDF (QR code and address"
            " to type, never the code) and open it in a browser:",
            (newest_letter,),
        ),
        Step(
            "accept_letter",
            f"Open the address the letter prints: the page asks an e-mail address (e.g. {POSTAL_GUEST_EMAIL}), a"
            f" confirmation code arrives in the outbox; type both codes and a password (e.g. {POSTAL_GUEST_PASSWORD})."
            " She signs in as DUPONT Alain does, with her e-mail and password.",
        ),
        Step(
            "clock",
            "Move the clock (expiry, reminders: a pending invitation is reminded every 3 days) and run the schedules"
            " (/_local/* takes JSON only):",
            (
                curl(f"{api}/_local/clock", bearer=None, body={"advanceSeconds": 3600}),
                curl(f"{api}/_local/schedules/run", bearer=None, body={}),
            ),
        ),
    ]


def render(info: dict[str, Any]) -> str:
    demo, api = info["demo"], info["apiUrl"]
    lines = []
    for number, step in enumerate(steps(info), 1):
        lines.append(
            textwrap.fill(step.text, TEXT_WIDTH, initial_indent=f"  {number:>2}. ", subsequent_indent="      ")
        )
        lines += ["        " + command.replace("\n", "\n        ") for command in step.commands]
    walk = "\n".join(lines)
    return f"""
vault-share local stack is up ({info["region"]}, embedded AWS at {info["awsEndpoint"]})

  Console      {api}/app/   (the owner console: sign in with the demo owner below)
  API          {api}
  Stack info   {api}/_local/stack
  Outbox       {api}/_local/outbox   (e-mails, SMS and letters sent by the stack: read them there)

Demo owner     {demo["owner"]["email"]} / {demo["owner"]["password"]}
Vault          GARAGE AUTO           {demo["vaultId"]}
Dossier        SIV AB-123-CD         {demo["dossierId"]} ({len(demo["documentIds"])} PDF documents)
Person         DUPONT Alain          {demo["personId"]} (e-mail {GUEST_EMAIL}, mobile, postal address)
Person         BERNARD Sophie        {demo["postalPersonId"]} (postal address only)

Walkthrough
{walk}

The gateway answers requests for 127.0.0.1, localhost or [::1] on its port only (DNS rebinding).
Ctrl-C stops the stack.
"""
