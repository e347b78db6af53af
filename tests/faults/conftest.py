"""Fault tests: the injector's hooks on every client the handlers build (tests.faults.injector),
and what every answer given under a fault must respect."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from moto.ses.models import ses_backends

from tests.conftest import REGION
from tests.faults.injector import Injector, fresh_clients, injector
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
