"""What a cold container of each function loads before its first request.

`make bench` measures every function's cold start (`cold_start.<function>.ratio`); the import must
not pay for what other routes or functions use. A recipient's first request (`GET /invite/{token}`
or `/share/{token}`, from the e-mailed link) usually meets a cold container: pydantic (request
validation and settings: these functions read their few fields themselves), PynamoDB (the guest's
admission, on acceptance only), PyJWT and `cryptography` (an existing account's ID token), the
contact parsers (phonenumbers, email-validator), the SMS alphabet, the letter's PDF and QR code,
the public holidays, the e-mail header classes stay out. The owner functions validate with
pydantic and keep the vault with PynamoDB, and load nothing else of the list. No function loads
the X-Ray SDK (vault_share.observability). Clients of services that only some requests use are
made on first use.
"""

from __future__ import annotations

import pytest

from tests.test_packaging import REPO, SPECS, probe_function

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

# Every probe counts the botocore clients made (`made`), by service, from its first line on.
COUNTING = r"""
import json, sys
import botocore.session
made = []
create_client = botocore.session.Session.create_client
def counted(self, service_name, *args, **kwargs):
    made.append(service_name)
    return create_client(self, service_name, *args, **kwargs)
botocore.session.Session.create_client = counted
"""

PROBE = (
    COUNTING
    + r"""
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import app
print(json.dumps({"clients": made, "loaded": sorted(sys.modules)}))
"""
)


OWNER_SIDE = {"pydantic", "pynamodb"}
# Function -> (the clients its import makes, the modules of HEAVY it loads).
EXPECTED = {
    "VaultFunction": (["dynamodb"], OWNER_SIDE),
    "CreateLinkFunction": (["dynamodb"], OWNER_SIDE),
    "DownloadFunction": (["dynamodb"], set()),
    "NotifyFunction": (["dynamodb", "ses"], {"pynamodb"}),  # every batch writes and most send
    "InviteFunction": (["dynamodb"], OWNER_SIDE),
    "AcceptFunction": (["dynamodb"], set()),
}


def test_every_function_is_expected() -> None:
    assert set(EXPECTED) == set(SPECS)


@pytest.mark.parametrize("function", sorted(EXPECTED))
def test_a_cold_container_loads_only_what_its_requests_share(function: str) -> None:
    clients, allowed = EXPECTED[function]
    spec = SPECS[function]
    outcome = probe_function(spec, "-c", PROBE, str(spec.code_uri), str(REPO / "shared"))
    assert {"vault_share", "aws_lambda_powertools"} <= set(outcome["loaded"]), "the probe proves nothing"
    loaded = {name for name in HEAVY if any(m == name or m.startswith(f"{name}.") for m in outcome["loaded"])}
    assert loaded == allowed
    assert outcome["clients"] == clients


MODELS_PROBE = (
    COUNTING
    + r"""
sys.path[:0] = [sys.argv[1]]
from vault_share import storage
from vault_share.journal.models import JournalEntryItem
from vault_share.vault.models import DocumentItem, DossierItem, MemberItem
models = (MemberItem, DossierItem, DocumentItem, JournalEntryItem)
clients = {id(model._get_connection().connection.client) for model in models}
clients.add(id(storage._connection().client))
print(json.dumps({"made": made, "distinct": len(clients)}))
"""
)


def test_the_models_of_a_request_share_one_dynamodb_client() -> None:
    """Opening a dossier reads three models; each PynamoDB connection used to make its own client
    (10-15 ms each after the first). They are one client now, made once."""
    outcome = probe_function(SPECS["VaultFunction"], "-c", MODELS_PROBE, str(REPO / "shared"))
    assert outcome == {"made": ["dynamodb"], "distinct": 1}
