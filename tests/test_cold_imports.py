"""What a cold container of the invite function loads before its first request.

A recipient's first request (`GET /invite/{token}`, from the e-mailed link) usually meets a
cold container: `make bench` measures it (`cold_start.invite.ratio`). The function's import
must not pay for what only other routes use: the X-Ray SDK (the owner routes' and the scheduled
work's Tracer), PyJWT and `cryptography` (an existing account's ID token), the contact parsers
(phonenumbers, email-validator), the SMS alphabet, the letter's PDF and QR code, the public
holidays, the e-mail header classes; nor clients of services that the page does not call
(DynamoDB only, at import).
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.test_packaging import REPO, SPECS, function_environment

HEAVY = (
    "aws_xray_sdk",
    "jwt",
    "cryptography",
    "phonenumbers",
    "email_validator",
    "anyascii",
    "gsm0338",
    "fpdf",
    "segno",
    "holidays",
    "email.headerregistry",
)

PROBE = r"""
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import botocore.session
made = []
create_client = botocore.session.Session.create_client
def counted(self, service_name, *args, **kwargs):
    made.append(service_name)
    return create_client(self, service_name, *args, **kwargs)
botocore.session.Session.create_client = counted
import app
print(json.dumps({"clients": made, "loaded": sorted(sys.modules)}))
"""


def test_a_cold_invite_container_loads_only_what_a_recipients_page_needs() -> None:
    spec = SPECS["InviteFunction"]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(spec.code_uri), str(REPO / "shared")],
        env=function_environment(spec),
        cwd=spec.code_uri,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"vault_share", "aws_lambda_powertools"} <= set(outcome["loaded"]), "the probe proves nothing"
    loaded = [name for name in HEAVY if any(m == name or m.startswith(f"{name}.") for m in outcome["loaded"])]
    assert loaded == []
    assert outcome["clients"] == ["dynamodb"]
