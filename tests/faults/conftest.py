"""Fault tests: the injector's hooks on every client the handlers build (tests.faults.injector),
and what every answer given under a fault must respect."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.ses.models import ses_backends

from devstack.functions import LambdaContext
from tests.conftest import REGION
from tests.faults.injector import Fault, Injector, expected, fresh_clients, injector
from tests.fixtures import ACCOUNT, Api, Aws, HttpResult, User, new_dossier, new_user, new_vault
from tests.handlers.test_links import LEAK, SNAKE

UNAVAILABLE_MESSAGE = "Service momentanément indisponible : réessayez dans un instant."


@pytest.fixture(scope="module")
def faults(aws: Aws) -> Iterator[Injector]:
    """The injector, once every client the handlers keep has been dropped (new ones carry its hooks)."""
    fresh_clients()
    yield injector


def headers_of(result: HttpResult) -> dict[str, str]:
    return {name.lower(): value for name, value in result.headers.items()}


def clean(result: HttpResult) -> HttpResult:
    """What any answer respects, faults or not: no 500, no trace, errors shaped and in French."""
    assert result.status != 500, result.body[:500]
    assert not LEAK.search(result.body), f"leak in {result.status}: {result.body[:500]}"
    if result.status >= 400 and headers_of(result).get("content-type", "").startswith("application/json"):
        answer = result.json()
        assert SNAKE.match(answer.get("error", "")), result.body
        assert isinstance(answer.get("message"), str) and answer["message"], result.body
    return result


def unavailable(result: HttpResult) -> HttpResult:
    """AWS failed the request: 503 `unavailable`, in French, with Retry-After, nothing else said."""
    clean(result)
    assert result.status == 503, f"expected 503, got {result.status}: {result.body[:500]}"
    assert int(headers_of(result)["retry-after"]) > 0
    if headers_of(result)["content-type"].startswith("text/html"):
        assert '<html lang="fr"' in result.body and "momentanément indisponible" in result.body
    else:
        assert result.json() == {"error": "unavailable", "message": UNAVAILABLE_MESSAGE}
    return result


def clean_or_unavailable(result: HttpResult) -> HttpResult:
    """Under a fault: the request's own answer, or 503 when AWS failed it."""
    return unavailable(result) if result.status == 503 else clean(result)


# ---------------------------------------------------------------- seed data and what was sent


@dataclass
class Place:
    """An owner's vault and a dossier in it."""

    owner: User
    vault_id: str
    dossier_id: str

    @property
    def vault(self) -> str:
        return f"/vaults/{self.vault_id}"

    @property
    def dossier(self) -> str:
        return f"{self.vault}/dossiers/{self.dossier_id}"


def new_place(api: Api) -> Place:
    owner = new_user("owner")
    vault_id = new_vault(api, owner, "Garage des Lilas")
    return Place(owner, vault_id, new_dossier(api, owner, vault_id, f"Dossier {uuid.uuid4().hex[:6]}"))


def uploaded(api: Api, place: Place) -> str:
    """A document of 8 bytes whose bytes are in S3 (what the upload form does), not completed."""
    body = {"fileName": f"d{uuid.uuid4().hex[:8]}.pdf", "contentType": "application/pdf", "size": 8}
    answer = api.call("POST", f"{place.dossier}/documents", body, user=place.owner).json()
    boto3.client("s3").put_object(
        Bucket=os.environ["DOCUMENTS_BUCKET"], Key=answer["upload"]["fields"]["key"], Body=b"%PDF-1.4"
    )
    document_id: str = answer["documentId"]
    return document_id


def emails_to(address: str) -> int:
    """E-mails SES accepted for this address."""
    return sum(1 for m in ses_backends[ACCOUNT][REGION].sent_messages if address in (m.destinations or []))


# ---------------------------------------------------------------- a flow's calls, a keyed create


def expect_calls(plan: Any, calls: list[str], position: int) -> None:
    """The call that failed is the one the flow's list names at that position."""
    assert [str(c) for c in plan.calls[:position]] == expected(calls)[:position], plan.calls


SHORT_TIMEOUT = 1  # seconds: how long Powertools keeps a record in progress for the faulted request


@dataclass(frozen=True)
class KeyedCreate:
    """A create with an Idempotency-Key sent under a fault, then again with nothing failing."""

    first: HttpResult
    retried: HttpResult  # a 201: the retry's, or the first's when its record stayed in progress
    unrecorded: bool  # done and answered, but its record could not be completed


def keyed_create_under_a_fault(
    api: Api, function: str, faults: Injector, fault: Fault, position: int, calls: list[str],
    send: Callable[[], HttpResult],
) -> KeyedCreate:  # fmt: skip
    """`send()` with the `position`-th of `calls` failing with `fault`, then again. A record the
    faulted request leaves in progress expires in SHORT_TIMEOUT (on AWS: the function's timeout)."""
    pool = api.pools[function]
    with pytest.MonkeyPatch.context() as patch:
        if position == 1:  # (the one call whose failure can leave the record in progress, unanswered)
            patch.setattr(pool, "context", lambda: LambdaContext(pool.name, pool.arn, timeout_seconds=SHORT_TIMEOUT))
        with faults.failing(fault, at=position) as plan:
            first = clean_or_unavailable(send())
    expect_calls(plan, calls, position)
    assert first.status in (201, 503, 409), first.body
    if first.status == 409:  # botocore's own retry met Powertools' record: a request in progress
        assert first.json()["error"] == "request_in_progress"

    retried = clean(send())
    unrecorded = position == len(calls) and not (fault.after or fault.retried)
    if unrecorded:
        # The work was done and answered, but its record could not be completed: it stays in
        # progress, and a retry within the function's timeout is told so (after it, a retry would
        # do the work again: it takes this fault and a client retrying a 201).
        assert first.status == 201
        assert (retried.status, retried.json()["error"]) == (409, "request_in_progress")
        retried = first
    elif retried.status == 409:  # the first left its record in progress: it expires with its context
        assert retried.json()["error"] == "request_in_progress"
        time.sleep(SHORT_TIMEOUT + 0.1)
        retried = clean(send())
    assert retried.status == 201, retried.body
    return KeyedCreate(first, retried, unrecorded)
