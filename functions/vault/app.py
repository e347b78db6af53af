"""Minimal vault API: vaults, dossiers, documents, persons, journals, notifications, profile."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from vault_share import observability
from vault_share.adapters.aws import client
from vault_share.adapters.documents import DocumentStore
from vault_share.api.params import Cursor, Limit, PathId
from vault_share.api.resolver import json_response, make_resolver
from vault_share.pagination import DEFAULT_PAGE
from vault_share.settings import get_settings
from vault_share.vault import service
from vault_share.vault.access import Caller, caller_from_event
from vault_share.vault.schemas import CreateDocument, CreateDossier, CreatePerson, CreateVault

logger = Logger()
tracer = Tracer()
metrics = observability.handler_metrics()
app = make_resolver()
# Built once per container; the use cases take them as arguments. PynamoDB models are their own store.
documents = DocumentStore(client("s3"), get_settings().documents_bucket)
dynamodb = client("dynamodb")


def caller() -> Caller:
    return caller_from_event(app.current_event.raw_event)


@app.post("/vaults")
def create_vault(body: Annotated[CreateVault, Body()]) -> Any:
    return json_response(201, service.create_vault(caller(), body))


@app.get("/vaults")
def list_vaults() -> Any:
    return json_response(200, service.list_vaults(caller()))


@app.post("/vaults/<vaultId>/dossiers")
def create_dossier(vaultId: PathId, body: Annotated[CreateDossier, Body()]) -> Any:  # noqa: N803
    return json_response(201, service.create_dossier(caller(), vaultId, body))


@app.get("/vaults/<vaultId>/dossiers")
def list_dossiers(vaultId: PathId, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Any:  # noqa: N803
    return json_response(200, service.list_dossiers(caller(), vaultId, limit, cursor))


@app.get("/vaults/<vaultId>/dossiers/<dossierId>")
def get_dossier(vaultId: PathId, dossierId: PathId, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Any:  # noqa: N803
    return json_response(200, service.get_dossier(caller(), vaultId, dossierId, limit, cursor))


@app.get("/vaults/<vaultId>/home")
def home(vaultId: PathId, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Any:  # noqa: N803
    return json_response(200, service.home(caller(), vaultId, limit, cursor))


@app.post("/vaults/<vaultId>/dossiers/<dossierId>/documents")
def create_document(vaultId: PathId, dossierId: PathId, body: Annotated[CreateDocument, Body()]) -> Any:  # noqa: N803
    return json_response(201, service.create_document(caller(), vaultId, dossierId, body, documents))


@app.post("/vaults/<vaultId>/dossiers/<dossierId>/documents/<documentId>/complete")
def complete_document(vaultId: PathId, dossierId: PathId, documentId: PathId) -> Any:  # noqa: N803
    return json_response(200, service.complete_document(caller(), vaultId, dossierId, documentId, documents, dynamodb))


@app.get("/vaults/<vaultId>/dossiers/<dossierId>/journal")
def dossier_journal(vaultId: PathId, dossierId: PathId, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Any:  # noqa: N803
    return json_response(200, service.dossier_journal(caller(), vaultId, dossierId, limit, cursor))


@app.post("/vaults/<vaultId>/persons")
def create_person(vaultId: PathId, body: Annotated[CreatePerson, Body()]) -> Any:  # noqa: N803
    return json_response(201, service.create_person(caller(), vaultId, body))


@app.get("/vaults/<vaultId>/persons")
def search_persons(
    vaultId: PathId,  # noqa: N803
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Any:
    return json_response(200, service.search_persons(caller(), vaultId, q, limit, cursor))


@app.get("/vaults/<vaultId>/persons/<personId>/journal")
def person_journal(
    vaultId: PathId,  # noqa: N803
    personId: PathId,  # noqa: N803
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Any:
    return json_response(200, service.person_journal(caller(), vaultId, personId, limit, cursor))


@app.get("/notifications")
def notifications(limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Any:
    return json_response(200, service.notifications(caller(), limit, cursor))


@app.get("/me")
def me() -> Any:
    return json_response(200, service.me(caller()))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
