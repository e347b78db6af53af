"""Every function logs JSON lines tied to what invoked it, and never the event.

Powertools' Logger in each handler: the correlation id of every line is the API Gateway request
id, the first stream record's event id, or the EventBridge Scheduler execution id that
template.yaml's schedule Input carries. Each flow below makes its function log a line (a channel or
a dependency failing, a scheduled task's summary) and reads it back from the handler's stream.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from devstack import template
from devstack.scheduler import Scheduler
from tests.fixtures import Api, Aws
from tests.handlers.test_invitations_owner import MOBILE, assert_link_without_code, person
from tests.handlers.test_links import World, aws_client, build_world, create, ok, sent_emails
from tests.handlers.test_links_attacks import captured_logs
from tests.handlers.test_notify import SharesStream

DOCUMENT = template.load()
PASSWORD = "Correct-horse-42"


@pytest.fixture(scope="module")
def world(api: Api) -> World:
    return build_world(api)


@pytest.fixture(scope="module")
def stream(aws: Aws) -> SharesStream:
    return SharesStream(aws.resolver.attributes["SharesTable"]["StreamArn"])


def json_lines(text: str) -> list[dict[str, Any]]:
    """The structured lines of a capture (Powertools' JSON), parsed; other lines are left out."""
    found = []
    for line in text.splitlines():
        with suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, dict) and "level" in value:
                found.append(value)
    return found


@contextmanager
def failing(service: str, operation: str, error: Exception) -> Iterator[None]:
    """Every call of `operation` by the functions' clients raises `error` (an outage)."""
    from vault_share.adapters.aws import client

    def fail(**_: Any) -> None:
        raise error

    events = client(service).meta.events
    events.register(f"before-call.{service}.{operation}", fail, unique_id=f"logs-{operation}")
    try:
        yield
    finally:
        events.unregister(f"before-call.{service}.{operation}", unique_id=f"logs-{operation}")


def logged(api: Api, function: str, event: dict[str, Any], message: str) -> tuple[dict[str, Any], Any]:
    """The line `message` the function logged while handling `event`, and its answer."""
    pool = api.pools[function]
    pool.warm_up()  # its Logger's handler exists before the capture points it at the sink
    with captured_logs() as sink:
        answer = pool.invoke(event)
    found = [line for line in json_lines(sink.getvalue()) if line.get("message") == message]
    assert found, f"{function} did not log {message!r}:\n{sink.getvalue()[-3000:]}"
    line = found[-1]
    assert line["function_name"] == function and line["level"] in ("INFO", "WARNING", "ERROR"), line
    return line, answer


def schedule_event(api: Api, function: str) -> dict[str, Any]:
    """The function's schedule as EventBridge Scheduler invokes it: template.yaml's Input."""
    (schedule,) = api.specs[function].schedules
    return Scheduler([]).event(schedule)


# ============================================================== API Gateway: the request id


def test_create_link_logs_under_the_request_id(api: Api, world: World) -> None:
    event = api.event("POST", world.links_path, world.body(recipientEmail="panne@example.fr"), user=world.owner)
    ses = aws_client("ses")
    ses.delete_identity(Identity="vault-share.test")
    try:
        line, answer = logged(api, "CreateLinkFunction", event, "link e-mail failed")
    finally:
        ses.verify_domain_identity(Domain="vault-share.test")
    assert answer["statusCode"] == 201
    assert line["correlation_id"] == event["requestContext"]["requestId"]


def test_download_logs_under_the_request_id(api: Api, world: World) -> None:
    link = create(api, world)
    event = api.event("GET", link.share)
    with failing("dynamodb", "GetItem", RuntimeError("injected")):
        line, answer = logged(api, "DownloadFunction", event, "unhandled error")
    assert answer["statusCode"] == 500
    assert line["correlation_id"] == event["requestContext"]["requestId"]


def test_vault_logs_under_the_request_id(api: Api, world: World) -> None:
    documents = f"/vaults/{world.vault_id}/dossiers/{world.dossier_id}/documents"
    body = {"fileName": "scan.pdf", "contentType": "application/pdf", "size": 9}
    document_id = ok(api.call("POST", documents, body, user=world.owner), 201)["documentId"]
    event = api.event("POST", f"{documents}/{document_id}/complete", user=world.owner)
    with failing("s3", "HeadObject", RuntimeError("injected")):
        line, answer = logged(api, "VaultFunction", event, "unhandled error")
    assert answer["statusCode"] == 500
    assert line["correlation_id"] == event["requestContext"]["requestId"]


def test_invite_logs_under_the_request_id(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="journal.sms@example.fr", mobile=MOBILE)
    event = api.event("POST", f"/vaults/{world.vault_id}/persons/{person_id}/invitations", {}, user=world.owner)
    with failing("sns", "Publish", EndpointConnectionError(endpoint_url="https://sns.eu-west-3.amazonaws.com")):
        line, answer = logged(api, "InviteFunction", event, "message not sent")
    assert answer["statusCode"] == 201
    assert (line["correlation_id"], line["channel"]) == (event["requestContext"]["requestId"], "sms")


# ============================================================== the stream and the schedules


def test_notify_logs_under_the_first_records_event_id(
    api: Api, world: World, stream: SharesStream, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vault_share.journal.recorder import Recorder

    stream.skip()
    create(api, world)
    create(api, world)
    records = stream.read()

    def broken(self: Recorder, outcomes: Any) -> None:
        raise ConnectionError("DynamoDB unreachable")

    monkeypatch.setattr(Recorder, "write", broken)
    line, answer = logged(api, "NotifyFunction", {"Records": records}, "journal write of a record failed")
    assert len(answer["batchItemFailures"]) == 2
    assert line["correlation_id"] == records[0]["eventID"]


@pytest.mark.parametrize(("function", "message"), [("InviteFunction", "reminders"), ("NotifyFunction", "expiry sweep")])
def test_a_scheduled_task_logs_under_its_execution_id(api: Api, function: str, message: str) -> None:
    event = schedule_event(api, function)
    assert re.fullmatch(r"[0-9a-f]{16}", event["executionId"]), event
    line, answer = logged(api, function, event, message)
    assert answer["task"] == event["task"]
    assert line["correlation_id"] == event["executionId"]


def test_every_schedule_writes_its_execution_id_in_its_input() -> None:
    schedules = [s for spec in template.functions(DOCUMENT) for s in spec.schedules]
    assert len(schedules) == 2
    for schedule in schedules:
        assert schedule.input is not None
        assert json.loads(schedule.input)["executionId"] == "<aws.scheduler.execution-id>", schedule
        first, second = (Scheduler([]).event(schedule)["executionId"] for _ in range(2))
        assert first != second, "one id per invocation, as EventBridge Scheduler gives"


def test_every_function_logs_at_the_templates_level() -> None:
    assert DOCUMENT["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    for spec in template.functions(DOCUMENT):
        assert spec.environment["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}, spec.logical_id
        assert "POWERTOOLS_LOGGER_LOG_EVENT" not in spec.environment, spec.logical_id


# ============================================================== never the event


def test_no_function_logs_its_event_even_when_the_environment_asks(
    aws: Aws, world: World, stream: SharesStream, monkeypatch: pytest.MonkeyPatch
) -> None:
    """POWERTOOLS_LOGGER_LOG_EVENT=true makes Powertools log every event it is not told otherwise
    about: bodies with codes and passwords, tokens in paths, stream images. The handlers say no."""
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    fresh = Api()  # its handler modules load now, under that environment
    for pool in fresh.pools.values():
        pool.warm_up()
    secrets: list[str] = []
    stream.skip()
    with captured_logs() as sink:
        typed = create(fresh, world, world.body(code="864213", recipientEmail="jamais@example.fr"))
        secrets += [typed.token, typed.code]
        assert fresh.call("POST", typed.share, {"code": typed.code}).status == 200
        person_id = person(fresh, world.owner, world.vault_id, email="invite.log@example.fr", mobile="+33698765432")
        before = len(sent_emails())
        answer = ok(fresh.call("POST", f"/vaults/{world.vault_id}/persons/{person_id}/invitations", {},
                               user=world.owner), 201)  # fmt: skip
        (mail,) = sent_emails()[before:]
        token = assert_link_without_code(mail, answer["code"])
        accepted = fresh.call("POST", f"/invite/{token}", {"code": answer["code"], "password": PASSWORD})
        assert accepted.status == 200, accepted.body
        secrets += [token, answer["code"], PASSWORD]
        records = stream.read()
        assert fresh.pools["NotifyFunction"].invoke({"Records": records}) == {"batchItemFailures": []}
        secrets += [r["eventID"] for r in records]
        assert fresh.pools["InviteFunction"].invoke(schedule_event(fresh, "InviteFunction"))["task"] == "relaunch"
    logged = sink.getvalue()
    assert "reminders" in [line["message"] for line in json_lines(logged)], "the capture works"
    for line in json_lines(logged):
        assert not isinstance(line.get("message"), dict | list), line  # the event, as Powertools logs it
    for secret in secrets:
        assert secret not in logged, f"{secret!r} is in the log:\n{logged[-2000:]}"
