"""`python -m devstack.token [API_URL] [EMAIL PASSWORD]`: print an ID token for the running local stack.

Signs in with a real InitiateAuth (USER_PASSWORD_AUTH) against the embedded
Cognito; with no e-mail, as the demo owner.
"""

from __future__ import annotations

import json
import sys

import urllib3

from devstack.client import sign_in


def main(argv: list[str]) -> int:
    api = argv[0] if argv else "http://127.0.0.1:3000"
    info = json.loads(urllib3.request("GET", f"{api}/_local/stack").data)
    email, password = (
        (argv[1], argv[2]) if len(argv) >= 3 else (info["demo"]["owner"]["email"], info["demo"]["owner"]["password"])
    )
    print(sign_in(info["awsEndpoint"], info["region"], info["userPoolClientId"], email, password))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
