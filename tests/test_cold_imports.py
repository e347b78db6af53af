"""What a cold container of a recipient's function loads before its first request.

A recipient's first request (`GET /invite/{token}` or `/share/{token}`, from the e-mailed link)
usually meets a cold container: `make bench` measures it (`cold_start.invite.ratio`,
`cold_start.download.ratio`). The import must not pay for what other routes or functions use:
pydantic (request validation and settings: these functions read their few fields themselves),
PynamoDB (the guest's admission, on acceptance only), the X-Ray SDK (the owner functions'
Tracer), PyJWT and `cryptography` (an existing account's ID token), the contact parsers
(phonenumbers, email-validator), the SMS alphabet, the letter's PDF and QR code, the public
holidays, the e-mail header classes; nor clients of services that the page does not call.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.test_packaging import REPO, SPECS, function_environment

HEAVY = (
    "pydantic",
    "pynamodb",
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


@pytest.mark.parametrize(
    ("function", "clients"),
    [("AcceptFunction", ["dynamodb"]), ("DownloadFunction", ["dynamodb", "s3"])],
)
def test_a_cold_recipient_container_loads_only_what_its_page_needs(function: str, clients: list[str]) -> None:
    spec = SPECS[function]
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
    assert outcome["clients"] == clients
