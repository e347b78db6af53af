"""The functions' metrics, read where CloudWatch reads them: EMF documents on the handler's stdout.

Metrics are switched on here as Lambda has them (POWERTOOLS_METRICS_DISABLED unset, namespace and
service from template.yaml's Globals) before this module's handler modules load; each flow runs
through a handler as API Gateway, the stream or the schedule invokes it, and the documents that
invocation printed are counted. Elsewhere in the suite (and in the local stack) metrics are off.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from vault_share import clock, observability

from devstack.scheduler import Scheduler
from tests.fixtures import Api, Aws, User, new_user
from tests.handlers.test_invitations_owner import ADDRESS, MOBILE, assert_link_without_code, person
from tests.handlers.test_links import (
    World,
    aws_client,
    build_world,
    call,
    create,
    ok,
    sent_emails,
    unlock,
    wrong_code,
)
from tests.handlers.test_links_attacks import captured_logs
from tests.handlers.test_notify import SharesStream, notify
from tests.handlers.test_reminders import PARIS, advance_to, paris

PASSWORD = "Correct-horse-42"


def template_environment(api: Api) -> dict[str, str]:
    """What template.yaml's Globals give every function for Powertools."""
    environment = api.specs["VaultFunction"].environment
    return {name: str(environment[name]) for name in ("POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME")}


@pytest.fixture(scope="module")
def metered(api: Api) -> Iterator[dict[str, str]]:
    """Metrics on, as on Lambda, for the handler modules this module loads (they load lazily)."""
    assert not any(pool.instances for pool in api.pools.values()), "a handler loaded before metrics were on"
    environment = template_environment(api)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        patch.delenv("POWERTOOLS_METRICS_DISABLED")
        yield environment


@pytest.fixture(scope="module")
def world(api: Api, metered: dict[str, str]) -> World:
    return build_world(api)


@dataclasses.dataclass
class Emitted:
    """The EMF documents printed on stdout by the runs of one test."""

    documents: list[dict[str, Any]]

    def value(self, name: str, **dimensions: str) -> float:
        """The sum of a metric over the documents whose dimensions are exactly `dimensions` (+ service)."""
        total = 0.0
        for document in self.documents:
            (directive,) = document["_aws"]["CloudWatchMetrics"]
            if name not in {metric["Name"] for metric in directive["Metrics"]}:
                continue
            keys = {key for keys in directive["Dimensions"] for key in keys}
            if keys != {"service", *dimensions} or any(document[k] != v for k, v in dimensions.items()):
                continue
            value = document[name]
            total += sum(value) if isinstance(value, list) else value
        return total


@pytest.fixture
def emitted(capsys: pytest.CaptureFixture[str]) -> Callable[[], Emitted]:
    """Reads what the handlers printed since the last read; each line that is EMF is checked."""
    allowed = {
        "service": {"vault-share"},
        "share": observability.SHARES,
        "channel": observability.CHANNELS,
        "status": observability.STATUSES,
    }
    capsys.readouterr()

    def read() -> Emitted:
        documents = []
        for line in capsys.readouterr().out.splitlines():
            if not line.startswith("{") or '"_aws"' not in line:
                continue
            document = json.loads(line)
            (directive,) = document["_aws"]["CloudWatchMetrics"]
            assert directive["Namespace"] == "VaultShare", directive  # template.yaml's
            for key in {key for keys in directive["Dimensions"] for key in keys}:
                # Never an id, a name, an address or a token: a value from its small fixed set.
                assert document[key] in allowed[key], (key, document[key])
            documents.append(document)
        return Emitted(documents)

    return read


@pytest.fixture(autouse=True)
def _clock_back() -> Iterator[None]:
    yield
    clock.reset()


def test_the_namespace_and_service_are_the_templates(api: Api, metered: dict[str, str]) -> None:
    assert metered == {"POWERTOOLS_METRICS_NAMESPACE": "VaultShare", "POWERTOOLS_SERVICE_NAME": "vault-share"}
    for spec in api.specs.values():
        assert {k: str(spec.environment[k]) for k in metered} == metered, spec.logical_id


# ============================================================== links


def test_a_created_link_is_counted(api: Api, world: World, emitted: Callable[[], Emitted]) -> None:
    create(api, world)
    assert emitted().value("LinksCreated") == 1
    assert call(api, "POST", world.links_path, world.body(code="12345a"), user=world.owner).status == 422
    assert emitted().value("LinksCreated") == 0


def test_an_unlock_is_counted_once(api: Api, world: World, emitted: Callable[[], Emitted]) -> None:
    link = create(api, world)
    emitted()
    assert unlock(api, link).status == 200
    assert unlock(api, link).status == 410
    after = emitted()
    assert after.value("LinksUnlocked") == 1
    assert after.value("WrongCodes", share="link") == 0


def test_wrong_codes_and_the_lock_are_counted(api: Api, world: World, emitted: Callable[[], Emitted]) -> None:
    link = create(api, world)
    emitted()
    assert unlock(api, link, wrong_code(link.code)).status == 403
    first = emitted()
    assert (first.value("WrongCodes", share="link"), first.value("Locks", share="link")) == (1, 0)
    for shift in range(2, 6):
        unlock(api, link, wrong_code(link.code, shift))
    assert unlock(api, link).status == 410  # locked: the right code is refused unjudged
    rest = emitted()
    assert (rest.value("WrongCodes", share="link"), rest.value("Locks", share="link")) == (4, 1)
    assert rest.value("LinksUnlocked") == 0


def test_a_failed_email_is_counted(api: Api, world: World, emitted: Callable[[], Emitted]) -> None:
    ses = aws_client("ses")
    ses.delete_identity(Identity="vault-share.test")
    try:
        failed = create(api, world, world.body(recipientEmail="panne@example.fr"))
    finally:
        ses.verify_domain_identity(Domain="vault-share.test")
    assert failed.answer["email"] == {"status": "failed"}
    assert emitted().value("EmailsFailed") == 1
    create(api, world, world.body(recipientEmail="marche@example.fr"))
    assert emitted().value("EmailsFailed") == 0


# ============================================================== invitations


def invite(api: Api, owner: User, vault_id: str, person_id: str) -> dict[str, Any]:
    path = f"/vaults/{vault_id}/persons/{person_id}/invitations"
    answer: dict[str, Any] = ok(call(api, "POST", path, {}, user=owner), 201)
    return answer


def test_an_invitation_by_email_and_sms_counts_each_channel(
    api: Api, world: World, emitted: Callable[[], Emitted]
) -> None:
    person_id = person(api, world.owner, world.vault_id, email="metrique@example.fr", mobile=MOBILE)
    emitted()
    answer = invite(api, world.owner, world.vault_id, person_id)
    assert answer["channels"] == {"link": {"status": "sent"}, "code": {"status": "sent"}}
    sent = emitted()
    assert sent.value("InvitationsSent", channel="email", status="sent") == 1
    assert sent.value("InvitationsSent", channel="sms", status="sent") == 1
    assert sent.value("InvitationsSent", channel="postal", status="queued") == 0


def test_a_letter_is_counted_queued_with_its_cost(api: Api, world: World, emitted: Callable[[], Emitted]) -> None:
    person_id = person(api, world.owner, world.vault_id, postalAddress=ADDRESS)
    emitted()
    answer = invite(api, world.owner, world.vault_id, person_id)
    assert answer["postal"] == {"costCents": 182, "letters": 1, "status": "queued"}
    sent = emitted()
    assert sent.value("InvitationsSent", channel="postal", status="queued") == 1
    assert (sent.value("LettersQueued"), sent.value("LetterCostCents")) == (1, 182)  # LetterCostCents in template
    # Out of the reminders' way: the scheduled run of another test here must not find it due.
    assert (
        call(api, "DELETE", f"/vaults/{world.vault_id}/invitations/{answer['invitationId']}", user=world.owner).status
        == 204
    )


@pytest.fixture
def failing_sms(api: Api) -> Iterator[None]:
    """SNS unreachable for every client of the process (the invite function's included)."""
    from vault_share.adapters.aws import client

    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://sns.eu-west-3.amazonaws.com")

    events = client("sns").meta.events
    events.register("before-call.sns.Publish", unreachable, unique_id="metrics-sms-unreachable")
    try:
        yield
    finally:
        events.unregister("before-call.sns.Publish", unique_id="metrics-sms-unreachable")


def test_a_failed_sms_is_counted(api: Api, world: World, emitted: Callable[[], Emitted], failing_sms: None) -> None:
    person_id = person(api, world.owner, world.vault_id, email="sms.panne@example.fr", mobile="+33622334455")
    emitted()
    answer = invite(api, world.owner, world.vault_id, person_id)
    assert answer["channels"] == {"link": {"status": "sent"}, "code": {"status": "failed"}}
    sent = emitted()
    assert sent.value("SmsFailed") == 1
    assert sent.value("InvitationsSent", channel="sms", status="failed") == 1
    assert sent.value("InvitationsSent", channel="email", status="sent") == 1


def test_an_acceptance_and_a_wrong_code_are_counted(api: Api, world: World, emitted: Callable[[], Emitted]) -> None:
    person_id = person(api, world.owner, world.vault_id, email=f"accepte.{clock.now().timestamp():.0f}@example.fr")
    before = len(sent_emails())
    answer = invite(api, world.owner, world.vault_id, person_id)
    (mail,) = sent_emails()[before:]
    path = f"/invite/{assert_link_without_code(mail, answer['code'])}"
    emitted()
    assert call(api, "POST", path, {"code": wrong_code(answer["code"]), "password": PASSWORD}).status == 403
    wrong = emitted()
    assert (wrong.value("WrongCodes", share="invitation"), wrong.value("InvitationsAccepted")) == (1, 0)
    assert ok(call(api, "POST", path, {"code": answer["code"], "password": PASSWORD}))["role"] == "guest"
    accepted = emitted()
    assert (accepted.value("InvitationsAccepted"), accepted.value("WrongCodes", share="invitation")) == (1, 0)


def scheduled(api: Api, function: str) -> Any:
    """The function's schedule as EventBridge Scheduler invokes it (its Input in template.yaml)."""
    (schedule,) = api.specs[function].schedules
    return api.pools[function].invoke(Scheduler([]).event(schedule))


def test_reminders_sent_and_deferred_are_counted(api: Api, world: World, emitted: Callable[[], Emitted]) -> None:
    owner = new_user("rappels")
    vault_id = ok(call(api, "POST", "/vaults", {"name": "GARAGE DES RAPPELS"}, user=owner), 201)["vaultId"]
    person_id = person(api, owner, vault_id, email="rappel@example.fr", mobile="+33633445566")
    answer = invite(api, owner, vault_id, person_id)
    invitation = f"/vaults/{vault_id}/invitations/{answer['invitationId']}"
    due = clock.parse_iso(ok(call(api, "GET", invitation, user=owner))["nextRelaunchAt"])

    advance_to(due + timedelta(minutes=1))
    emitted()
    first = scheduled(api, "InviteFunction")
    counted = emitted()
    assert first["relaunched"] >= 1
    assert (counted.value("RemindersSent"), counted.value("RemindersDeferred")) == (first["relaunched"], 0)
    assert counted.value("InvitationsSent", channel="email", status="sent") >= 1

    second = clock.parse_iso(ok(call(api, "GET", invitation, user=owner))["nextRelaunchAt"])
    advance_to(max(second, paris(second.astimezone(PARIS), 22)) + timedelta(minutes=1))  # quiet hours
    later = scheduled(api, "InviteFunction")
    counted = emitted()
    assert later["deferred"] >= 1 and later["relaunched"] == 0
    assert (counted.value("RemindersDeferred"), counted.value("RemindersSent")) == (later["deferred"], 0)


# ============================================================== the stream


@pytest.fixture
def stream(aws: Aws) -> SharesStream:
    shares = SharesStream(aws.resolver.attributes["SharesTable"]["StreamArn"])
    shares.skip()
    return shares


def test_a_failed_stream_record_is_counted(
    api: Api, world: World, stream: SharesStream, emitted: Callable[[], Emitted]
) -> None:
    create(api, world)
    (good,) = stream.read()
    broken = json.loads(json.dumps(good))  # a record the journal cannot read: it fails alone
    broken["eventID"] = uuid.uuid4().hex
    broken["dynamodb"]["SequenceNumber"] = str(int(good["dynamodb"]["SequenceNumber"]) * 10)
    del broken["dynamodb"]["NewImage"]["vaultId"]
    emitted()
    answer = notify(api, [good, broken])
    assert answer == {"batchItemFailures": [{"itemIdentifier": broken["dynamodb"]["SequenceNumber"]}]}
    assert emitted().value("StreamRecordsFailed") == 1


def test_a_batch_that_goes_through_counts_no_failure(
    api: Api, world: World, stream: SharesStream, emitted: Callable[[], Emitted]
) -> None:
    create(api, world)
    records = stream.read()
    emitted()
    assert notify(api, records) == {"batchItemFailures": []}
    assert emitted().value("StreamRecordsFailed") == 0


# ============================================================== metrics off


def test_with_metrics_off_nothing_is_printed_however_many_are_counted(
    api: Api, world: World, emitted: Callable[[], Emitted], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Powertools never flushes a disabled metric set, yet prints it on its own once a metric holds
    100 values (and raises without a namespace): nothing may be counted while metrics are off."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE")
    link = create(api, world)
    for shift in range(1, 102):
        # Each refused attempt of a locked link costs one read: a hundred and one, cheaply.
        assert unlock(api, link, wrong_code(link.code, shift)).status in (403, 410)
    for _ in range(101):
        create(api, world)
    assert emitted().documents == []
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "VaultShare")
    create(api, world)
    assert emitted().value("LinksCreated") == 1, "nothing was left over from while metrics were off"


def test_a_metric_that_cannot_be_written_changes_no_answer(
    api: Api, world: World, emitted: Callable[[], Emitted], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a namespace (a misconfigured function) Powertools refuses to write a metric: the code
    was judged all the same, and the recipient is told so."""
    link = create(api, world)
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE")
    with captured_logs() as logs:
        wrong = unlock(api, link, wrong_code(link.code))
    assert (wrong.status, wrong.json()["attemptsLeft"]) == (403, 4)
    assert "metric not recorded" in logs.getvalue()
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "VaultShare")
    assert unlock(api, link).status == 200
    assert emitted().value("LinksUnlocked") == 1
