"""`python -m devstack.token [API_URL] [--email EMAIL --password PASSWORD]`: print an ID token for the
running local stack.

Signs in with a real InitiateAuth (USER_PASSWORD_AUTH) against the embedded Cognito: as the demo
owner with no e-mail, else as that account (an invited guest, with the password chosen on the
invitation page). `API_URL EMAIL PASSWORD` as three words still works. A refused sign-in or a
stack that does not answer is one line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys

import urllib3
from botocore.exceptions import ClientError

from devstack.client import sign_in

DEFAULT_API = "http://127.0.0.1:3000"


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack.token", description=__doc__.split("\n\n")[0])
    parser.add_argument("api", nargs="?", default=DEFAULT_API, metavar="API_URL", help=f"default {DEFAULT_API}")
    parser.add_argument("credentials", nargs="*", metavar="EMAIL PASSWORD", help=argparse.SUPPRESS)
    parser.add_argument("--email", help="the account to sign in as (default: the demo owner)")
    parser.add_argument("--password", help="that account's password")
    args = parser.parse_args(argv)
    if args.credentials:
        if len(args.credentials) != 2 or args.email or args.password:
            parser.error("give EMAIL PASSWORD as two words, or --email and --password")
        args.email, args.password = args.credentials
    if bool(args.email) != bool(args.password):
        parser.error("--email and --password go together")
    return args


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    try:
        answer = urllib3.request("GET", f"{args.api}/_local/stack", retries=False, timeout=10)
    except urllib3.exceptions.HTTPError as exc:
        print(f"no local stack answers at {args.api} ({type(exc).__name__}): start it with `make run`", file=sys.stderr)
        return 1
    if answer.status != 200:
        print(f"{args.api}/_local/stack answered HTTP {answer.status}: is the stack still starting?", file=sys.stderr)
        return 1
    info = json.loads(answer.data)
    owner = info["demo"]["owner"]
    email, password = (args.email, args.password) if args.email else (owner["email"], owner["password"])
    try:
        token = sign_in(info["awsEndpoint"], info["region"], info["userPoolClientId"], email, password)
    except ClientError as exc:
        # Cognito's code and message name no secret ("Incorrect username or password.").
        error = exc.response.get("Error", {})
        print(f"sign-in refused for {email}: {error.get('Code')}: {error.get('Message')}", file=sys.stderr)
        return 1
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
