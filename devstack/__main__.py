"""`python -m devstack`: the local stack with a seeded demo (make run)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time

from devstack.seed import seed
from devstack.stack import LocalStack


def walkthrough(stack: LocalStack) -> str:
    info = stack.info()
    demo = info["demo"]
    api = info["apiUrl"]
    docs = json.dumps(demo["documentIds"])
    return f"""
vault-share local stack is up ({info["region"]}, embedded AWS at {info["awsEndpoint"]})

  API          {api}
  Stack info   {api}/_local/stack
  Outbox       {api}/_local/outbox   (e-mails, SMS and letters sent by the stack: read them there)

Demo owner     {demo["owner"]["email"]} / {demo["owner"]["password"]}
Vault          GARAGE AUTO           {demo["vaultId"]}
Dossier        SIV AB-123-CD         {demo["dossierId"]} ({len(demo["documentIds"])} PDF documents)
Person         DUPONT Alain          {demo["personId"]}

Walkthrough
  1. Sign in (USER_PASSWORD_AUTH) against the embedded Cognito and keep the IdToken:
       TOKEN=$(.venv/bin/python -m devstack.token {api})
  2. Read the demo dossier:
       curl -s -H "Authorization: Bearer $TOKEN" {api}/vaults/{demo["vaultId"]}/dossiers/{demo["dossierId"]}
  3. Search a person:
       curl -s -H "Authorization: Bearer $TOKEN" "{api}/vaults/{demo["vaultId"]}/persons?q=dupont"
  4. Create a one-time download link for every document, e-mailed to the recipient (the answer holds the code):
       curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
         -d '{{"documentIds": {docs}, "recipientEmail": "agent@prefecture.example"}}' \\
         {api}/vaults/{demo["vaultId"]}/dossiers/{demo["dossierId"]}/links
  5. Open the outbox ({api}/_local/outbox), follow the link in the e-mail, type the code, download.
  6. Read the dossier's journal and your notifications:
       curl -s -H "Authorization: Bearer $TOKEN" {api}/vaults/{demo["vaultId"]}/dossiers/{demo["dossierId"]}/journal
       curl -s -H "Authorization: Bearer $TOKEN" {api}/notifications
  7. Move the clock (expiry, reminders) and run the schedules (/_local/* takes JSON only):
       curl -s -H 'Content-Type: application/json' -d '{{"advanceSeconds": 3600}}' {api}/_local/clock
       curl -s -H 'Content-Type: application/json' -d '{{}}' {api}/_local/schedules/run

The gateway answers requests for 127.0.0.1, localhost or [::1] on its port only (DNS rebinding).
Ctrl-C stops the stack.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind; requests must still name 127.0.0.1, localhost or [::1]"
    )
    parser.add_argument("--no-seed", action="store_true", help="start without the demo data")
    args = parser.parse_args(argv)

    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("devstack").setLevel(level)
    for noisy in ("werkzeug", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    started = time.monotonic()
    stack = LocalStack(port=args.port, host=args.host, log_level=level)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    try:
        stack.start()
        if not args.no_seed:
            seed(stack)
        stack.ready = True
        print(walkthrough(stack), flush=True)
        print(f"ready in {time.monotonic() - started:.1f} s", flush=True)
        stopping.wait()
    finally:
        print("stopping...", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
