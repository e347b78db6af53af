"""Fuzzing from the spec: Schemathesis over every operation of openapi.json against a local stack.

Its own stack (the fuzzer creates vaults, dossiers, persons and links in it). Owner routes get the
demo owner's real ID token, public routes none; the recipient pages are also asked for HTML.
Positive and negative modes, examples, coverage and fuzzing phases, a fixed seed and a small
budget per operation (the whole module runs in well under 3 minutes here).

Every answer: no 5xx, a documented status, content type and body. Random `/share` and `/invite`
tokens never answer 2xx. An answer in 4xx leaves the tables, the bucket and the outbox as they
were: the state is snapshotted before every POST, PATCH or DELETE (once the stream consumers have
settled after an accepted request) and again after it when it is refused, and both must be equal;
refused GET and HEAD requests are compared in batches (from one snapshot to the next). The state is
the stack's own fingerprint of every table, bucket and the outbox (GET /_local/state): one cheap
call, where scanning every table over HTTP cost more than the fuzzing itself.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import urllib3
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import checks as st_checks
from vault_share import schemas as text_rules
from vault_share.contact import normalize_mobile
from vault_share.vault.service import normalize_personal_code

from devstack.gateway import OPENAPI_FILE
from tests.e2e.conftest import Stack, running_stack

pytestmark = pytest.mark.e2e

SEED = 20261201
MAX_EXAMPLES = 5
SETTLE_SECONDS = 0.25  # the stream poller runs every 0.2 s
SETTLE_DEADLINE_SECONDS = 10.0
# Recipient pages: JSON for an API client, HTML for a browser (both documented).
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PAGES = {"/share/{token}", "/invite/{token}"}
# Key prefixes that a refused request writes on purpose: guesses are counted before they are
# judged, so that a wrong personal code (404 personal_code_unknown) or a 429 still costs one try
# (invitations.owner._count_guess). Everything else must stay as it was.
COUNTED_ON_REFUSAL = ("PCODE_GUESSES#",)

CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
    st_checks.negative_data_rejection,
]
# A schema-valid request refused (Schemathesis' positive_data_acceptance, made explicit here): each
# refusal must be one of these reasoned exclusions, proved on the value that was sent.
REFERENCES_UNKNOWN = {"documents_unavailable"}
STRICT_INTEGERS = {"size", "expiresInHours"}


def _reasoned_exclusion(field: str, value: Any) -> str | None:
    """Why the contract cannot say that `value` is refused, or None (then the refusal is a finding)."""
    name = field.rsplit(".", 1)[-1]
    if name in STRICT_INTEGERS and isinstance(value, float):
        # JSON Schema cannot tell 3.0 from 3; the API wants an integer written as one.
        return "integral float"
    if name == "mobile" and isinstance(value, str):
        try:
            normalize_mobile(value)
        except ValueError:
            return "not a mobile of any numbering plan (phonenumbers), beyond what a pattern says"
    if isinstance(value, str):
        # Text refusing invisible characters and encoded words (vault_share.schemas): beyond a pattern.
        for rule in (text_rules.name, text_rules.file_name, text_rules.multiline):
            try:
                rule(value.strip())
            except ValueError:
                return "text the shared rule refuses"
    return None


def _sent(body: Any, field: str) -> Any:
    value = body
    for part in field.split(".")[1:]:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def unexplained_refusal(case: schemathesis.Case, status: int, answer: dict[str, Any]) -> str | None:
    if answer.get("error") in REFERENCES_UNKNOWN:
        # Ids in a body that name nothing of the vault: the schema cannot know which ids exist.
        return None
    if answer.get("error") == "invalid_cursor":
        # Cursors are opaque (signed by the list that gave them): a made-up one is refused, 400.
        return None
    if status == 422 and answer.get("error") == "validation_error":
        fields = [f["field"] for f in answer.get("fields", [])]
        unexplained = [f for f in fields if _reasoned_exclusion(f, _sent(case.body, f)) is None]
        return f"fields refused: {unexplained}" if unexplained else None
    return f"{status} {answer.get('error')}"


# Loaded from the committed file at collection (the stack's port is known only at run time: each
# request names its base URL). schemathesis.pytest.from_fixture would defer the loading, but its
# lazy parametrization does not run under pytest 9 (it sets Function._nodeid, gone in pytest 9).
schema = schemathesis.openapi.from_path(
    OPENAPI_FILE,
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "no-shrink": True},
            "phases": {
                "examples": {"enabled": True},
                # One method no route has (the budget: each is a request per operation).
                "coverage": {"enabled": True, "unexpected-methods": ["TRACE"]},
                "fuzzing": {"enabled": True},
            },
        }
    ),
)


class State:
    """What a request could change: every item of every table, every object of the buckets, the
    outbox's counts, as the stack's own fingerprint of them (GET /_local/state, devstack.state)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=2, read=10))
        self.snapshot: dict[str, Any] | None = None
        self.pending: list[str] = []

    def take(self) -> dict[str, Any]:
        answer = self.http.request("GET", f"{self.stack.api_url}/_local/state", headers={"Accept": "application/json"})
        assert answer.status == 200, answer.data[:200]
        taken: dict[str, Any] = json.loads(answer.data)
        for items in taken["tables"].values():
            for key in [k for k in items if k.startswith(COUNTED_ON_REFUSAL)]:
                del items[key]
        return taken

    def flush(self) -> None:
        """Reads refused since the last snapshot (a batch: GET and HEAD write nothing when
        accepted, so a snapshot per request is only taken around POST, PATCH and DELETE)."""
        if self.pending and self.snapshot is not None:
            now = self.take()
            changed = differences(self.snapshot, now)
            assert not changed, f"one of {self.pending} changed:\n" + "\n".join(changed[:20])
            self.snapshot = now
        self.pending = []

    def before_unsafe(self) -> dict[str, Any]:
        self.flush()
        if self.snapshot is None:
            self.snapshot = self.settled()
        return self.snapshot

    def settled(self) -> dict[str, Any]:
        """The state once two snapshots in a row agree (what an accepted request set off is done)."""
        deadline = time.monotonic() + SETTLE_DEADLINE_SECONDS
        last = self.take()
        while time.monotonic() < deadline:
            time.sleep(SETTLE_SECONDS)
            now = self.take()
            if now == last:
                return now
            last = now
        return last


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    found = []
    for part in ("tables", "buckets"):
        for name, entries in after[part].items():
            old = before[part].get(name, {})
            found += [f"{name}: added {key[:200]}" for key in sorted(entries.keys() - old.keys())]
            found += [f"{name}: removed {key[:200]}" for key in sorted(old.keys() - entries.keys())]
            found += [
                f"{name}: changed {key[:200]}"
                for key in sorted(k for k in entries.keys() & old.keys() if entries[k] != old[k])
            ]
    if before["outbox"] != after["outbox"]:
        found.append(f"outbox: {before['outbox']} -> {after['outbox']}")
    return found


@pytest.fixture(scope="module")
def fuzz_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(request.config, tmp_path_factory.mktemp("fuzz-devstack"), "fuzz stack") as running:
        yield running


@pytest.fixture(scope="module")
def owner_id_token(fuzz_stack: Stack) -> str:
    return fuzz_stack.sign_in(fuzz_stack.demo["owner"]["email"], fuzz_stack.demo["owner"]["password"])


@pytest.fixture(scope="module")
def state(fuzz_stack: Stack) -> Iterator[State]:
    watched = State(fuzz_stack)
    yield watched
    watched.flush()


def _owner_route(case: schemathesis.Case) -> bool:
    security = case.operation.definition.raw.get("security") or []
    return any("cognitoIdToken" in s for s in security) and {} not in security


@schema.parametrize()
def test_every_operation_conforms_and_a_refusal_changes_nothing(
    case: schemathesis.Case, fuzz_stack: Stack, owner_id_token: str, state: State
) -> None:
    headers = {"Authorization": f"Bearer {owner_id_token}"} if _owner_route(case) else {}
    if not _owner_route(case):
        (case.headers or {}).pop("Authorization", None)
    if case.meta is not None and case.meta.generation.mode.is_positive:
        # The demo vault and dossier: past the 404 of an unknown vault, into the use cases
        # themselves (a negative case keeps its ids: the wrong one may be what it is about).
        demo = fuzz_stack.demo
        for name, value in (("vaultId", demo["vaultId"]), ("dossierId", demo["dossierId"])):
            if name in (case.path_parameters or {}):
                case.path_parameters[name] = value
    accepts = ["application/json", "text/html"] if case.path in PAGES else ["application/json"]
    for accept in accepts:
        positive = case.meta is not None and case.meta.generation.mode.is_positive
        # Compared one by one: what writes, and a read that may be accepted (GET /me creates the
        # profile); negative reads, refused, are batched.
        unsafe = case.method.upper() in UNSAFE or positive
        before = state.before_unsafe() if unsafe else None
        response = case.call(base_url=fuzz_stack.api_url, headers={**headers, "Accept": accept})
        case.validate_response(
            response,
            checks=CHECKS,
            headers={**headers, "Accept": accept},
            transport_kwargs={"base_url": fuzz_stack.api_url},
        )
        if positive and response.status_code in (400, 413, 415, 422) and accept == "application/json":
            finding = unexplained_refusal(case, response.status_code, response.json())
            assert finding is None, f"{case.method} {case.formatted_path}: schema-valid request refused: {finding}"
        if case.path.startswith(("/share/", "/invite/")):
            assert not 200 <= response.status_code < 300, (case.method, case.formatted_path, response.status_code)
        refused = 400 <= response.status_code < 500
        label = f"{case.method} {case.formatted_path} answered {response.status_code}"
        if unsafe and refused:
            after = state.take()
            changed = differences(before or {}, after)
            assert not changed, f"{label} and changed:\n" + "\n".join(changed[:20])
            state.snapshot = after
        elif refused:
            state.pending.append(label)  # compared with the next snapshot (see State.flush)
        else:
            # An accepted negative read: its batch cannot tell what it changed (dropped).
            state.pending = []
            state.snapshot = None  # an accepted request: settle before the next comparison


def test_the_fuzzed_state_snapshot_sees_a_change(fuzz_stack: Stack, state: State, owner_id_token: str) -> None:
    """The comparison above can fail: an item added or changed, a letter stored, an e-mail sent."""
    client = fuzz_stack.client(owner_id_token)
    before = state.settled()
    created = client.post("/vaults", {"name": "Coffre témoin"})
    assert created.status == 201
    assert any("added" in d for d in differences(before, state.settled()))
    persons = f"/vaults/{created.json()['vaultId']}/persons"
    person = client.post(persons, {"firstName": "Alain", "lastName": "Témoin"}).json()
    before = state.settled()
    assert client.request("PATCH", f"{persons}/{person['personId']}", {"mobile": "06 12 34 56 78"}).status == 200
    assert any(": changed " in d for d in differences(before, state.settled())), "an item changed in place"
    demo = fuzz_stack.demo
    before = state.settled()
    invited = client.post(f"/vaults/{demo['vaultId']}/persons/{demo['postalPersonId']}/invitations", {})
    assert invited.status == 201, invited.text
    changed = differences(before, state.settled())
    assert any(d.startswith(f"{fuzz_stack.documents_bucket()}: added letters/") for d in changed), changed
    before = state.settled()
    link = {"documentIds": demo["documentIds"][:1], "recipientEmail": "temoin@example.fr"}
    assert client.post(f"/vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}/links", link).status == 201
    assert any(d.startswith("outbox:") for d in differences(before, state.settled())), "an e-mail sent"
    state.snapshot = None


def test_a_trace_is_405_not_the_server_s_501(fuzz_stack: Stack) -> None:
    """Found by the fuzzer: the local gateway left TRACE (and QUERY...) to http.server: a 501."""
    http = urllib3.PoolManager(retries=False)
    answer = http.request("TRACE", f"{fuzz_stack.api_url}/vaults")
    assert answer.status == 405, answer.data[:200]
    assert json.loads(answer.data)["error"] == "method_not_allowed"
    assert {"GET", "POST"} <= {m.strip() for m in answer.headers["Allow"].split(",")}


def _request_schema(name: str) -> dict[str, Any]:
    document = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    return dict(document["components"]["schemas"][name])


@settings(max_examples=50, derandomize=True, deadline=None)
@given(data=st.data())
def test_the_declared_personal_code_pattern_admits_only_codes(data: st.DataObject) -> None:
    """Found by the fuzzer: personalCode had no pattern, so any string was schema-valid."""
    field = _request_schema("DirectAccess")["properties"]["personalCode"]
    typed = data.draw(st.from_regex(field["pattern"], fullmatch=True))  # whatever its length (maxLength aside)
    assert normalize_personal_code(typed) is not None, typed


def test_the_contract_declares_what_the_models_check() -> None:
    """Found by the fuzzer: e-mails were checked beyond the schema, duplicate ids refused without uniqueItems."""
    person = _request_schema("CreatePerson")["properties"]["email"]
    assert {"type": "string", "format": "email"}.items() <= next(s for s in person["anyOf"] if "type" in s).items()
    assert _request_schema("CreateLink")["properties"]["documentIds"]["uniqueItems"] is True
    for name in ("CreateInvitation", "DirectAccess"):
        assert _request_schema(name)["properties"]["dossierIds"]["uniqueItems"] is True
