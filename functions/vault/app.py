"""Minimal vault API: vaults, dossiers, documents, persons, journals, notifications, profile."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from vault_share import observability
from vault_share.adapters.aws import client, lazy_client
from vault_share.adapters.documents import DocumentStore
from vault_share.api import openapi as doc
from vault_share.api.params import Cursor, Limit, PathId
from vault_share.api.resolver import json_response, make_resolver
from vault_share.pagination import DEFAULT_PAGE
from vault_share.settings import get_settings
from vault_share.vault import service
from vault_share.vault.access import Caller, caller_from_event
from vault_share.vault.schemas import CreateDocument, CreateDossier, CreatePerson, CreateVault

logger = Logger()
metrics = observability.handler_metrics()
app = make_resolver()
# Built once per container; the use cases take them as arguments. PynamoDB models are their own store.
documents = DocumentStore(lazy_client("s3"), get_settings().documents_bucket)  # the document routes only
dynamodb = client("dynamodb")


def caller() -> Caller:
    return caller_from_event(app.current_event.raw_event)


@app.post(
    "/vaults",
    **doc.owner(
        "Create a vault",
        tag="vaults",
        operation_id="createVault",
        errors=doc.BODY,
        ok=doc.Ok(201, "The vault; the caller is its owner.", "VaultCreated"),
    ),
)
def create_vault(body: Annotated[CreateVault, Body()]) -> Any:
    return json_response(201, service.create_vault(caller(), body))


@app.get(
    "/vaults",
    **doc.owner(
        "List the caller's vaults",
        tag="vaults",
        operation_id="listVaults",
        ok=doc.Ok(200, "Every vault the caller has a role in.", "VaultList"),
    ),
)
def list_vaults() -> Any:
    return json_response(200, service.list_vaults(caller()))


@app.post(
    "/vaults/<vaultId>/dossiers",
    **doc.owner(
        "Create a dossier",
        tag="vaults",
        operation_id="createDossier",
        errors=[*doc.EDITOR, *doc.BODY],
        ok=doc.Ok(201, "The dossier, empty.", "DossierCreated"),
    ),
)
def create_dossier(vaultId: PathId, body: Annotated[CreateDossier, Body()]) -> Any:  # noqa: N803
    return json_response(201, service.create_dossier(caller(), vaultId, body))


@app.get(
    "/vaults/<vaultId>/dossiers",
    **doc.owner(
        "List the dossiers the caller may read",
        tag="vaults",
        operation_id="listDossiers",
        errors=[*doc.VAULT, *doc.PAGE],
        ok=doc.Ok(200, "One page of dossiers, by name.", "DossierPage"),
    ),
)
def list_dossiers(vaultId: PathId, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Any:  # noqa: N803
    return json_response(200, service.list_dossiers(caller(), vaultId, limit, cursor))


@app.get(
    "/vaults/<vaultId>/dossiers/<dossierId>",
    **doc.owner(
        "Read a dossier and a page of its documents",
        tag="vaults",
        operation_id="getDossier",
        errors=[*doc.VAULT, "dossier_not_found", *doc.PAGE],
        ok=doc.Ok(200, "The dossier and one page of its documents.", "DossierDetail"),
    ),
)
def get_dossier(vaultId: PathId, dossierId: PathId, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Any:  # noqa: N803
    return json_response(200, service.get_dossier(caller(), vaultId, dossierId, limit, cursor))


@app.get(
    "/vaults/<vaultId>/home",
    **doc.owner(
        "Read the caller's home page in a vault",
        tag="vaults",
        operation_id="getHome",
        errors=[*doc.VAULT, "dossier_not_found", *doc.PAGE],
        description="A guest's welcome, home dossier and the dossiers they may read; owners and members get "
        "the dossiers they may read, with `welcome` and `homeDossierId` null.",
        ok=doc.Ok(200, "The home page and one page of dossiers.", "Home"),
    ),
)
def home(vaultId: PathId, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Any:  # noqa: N803
    return json_response(200, service.home(caller(), vaultId, limit, cursor))


@app.post(
    "/vaults/<vaultId>/dossiers/<dossierId>/documents",
    **doc.owner(
        "Create a document and get its upload form",
        tag="vaults",
        operation_id="createDocument",
        errors=[*doc.EDITOR, "dossier_not_found", *doc.BODY],
        description="The file goes straight to S3 with the presigned POST in `upload`; then complete the document.",
        ok=doc.Ok(201, "The pending document and where to upload its file.", "DocumentCreated"),
    ),
)
def create_document(vaultId: PathId, dossierId: PathId, body: Annotated[CreateDocument, Body()]) -> Any:  # noqa: N803
    return json_response(201, service.create_document(caller(), vaultId, dossierId, body, documents))


@app.post(
    "/vaults/<vaultId>/dossiers/<dossierId>/documents/<documentId>/complete",
    **doc.owner(
        "Complete a document once its file is uploaded",
        tag="vaults",
        operation_id="completeDocument",
        errors=[*doc.EDITOR, "dossier_not_found", "document_not_found", "upload_missing"],
        ok=doc.Ok(200, "The document, available.", "Document"),
    ),
)
def complete_document(vaultId: PathId, dossierId: PathId, documentId: PathId) -> Any:  # noqa: N803
    return json_response(200, service.complete_document(caller(), vaultId, dossierId, documentId, documents, dynamodb))


@app.get(
    "/vaults/<vaultId>/dossiers/<dossierId>/journal",
    **doc.owner(
        "Read a dossier's journal",
        tag="journal",
        operation_id="getDossierJournal",
        errors=[*doc.EDITOR, "dossier_not_found", *doc.PAGE],
        ok=doc.Ok(200, "One page of entries, newest first.", "JournalPage"),
    ),
)
def dossier_journal(vaultId: PathId, dossierId: PathId, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Any:  # noqa: N803
    return json_response(200, service.dossier_journal(caller(), vaultId, dossierId, limit, cursor))


@app.post(
    "/vaults/<vaultId>/persons",
    **doc.owner(
        "Create a person",
        tag="persons",
        operation_id="createPerson",
        errors=[*doc.EDITOR, *doc.BODY],
        ok=doc.Ok(201, "The person.", "Person"),
    ),
)
def create_person(vaultId: PathId, body: Annotated[CreatePerson, Body()]) -> Any:  # noqa: N803
    return json_response(201, service.create_person(caller(), vaultId, body))


@app.get(
    "/vaults/<vaultId>/persons",
    **doc.owner(
        "Search the persons of a vault by name",
        tag="persons",
        operation_id="searchPersons",
        errors=[*doc.EDITOR, *doc.PAGE],
        description="Every word of `q` must appear in the name, ignoring case and accents.",
        ok=doc.Ok(200, "One page of persons, by last then first name.", "PersonPage"),
    ),
)
def search_persons(
    vaultId: PathId,  # noqa: N803
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Any:
    return json_response(200, service.search_persons(caller(), vaultId, q, limit, cursor))


@app.get(
    "/vaults/<vaultId>/persons/<personId>/journal",
    **doc.owner(
        "Read a person's journal",
        tag="journal",
        operation_id="getPersonJournal",
        errors=[*doc.EDITOR, "person_not_found", *doc.PAGE],
        ok=doc.Ok(200, "One page of entries, newest first.", "JournalPage"),
    ),
)
def person_journal(
    vaultId: PathId,  # noqa: N803
    personId: PathId,  # noqa: N803
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Any:
    return json_response(200, service.person_journal(caller(), vaultId, personId, limit, cursor))


@app.get(
    "/notifications",
    **doc.owner(
        "List the caller's notifications",
        tag="account",
        operation_id="listNotifications",
        errors=doc.PAGE,
        ok=doc.Ok(200, "One page of notifications, newest first.", "NotificationPage"),
    ),
)
def notifications(limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Any:
    return json_response(200, service.notifications(caller(), limit, cursor))


@app.get(
    "/me",
    **doc.owner(
        "Read the caller's profile and personal code",
        tag="account",
        operation_id="getMe",
        ok=doc.Ok(200, "The caller's profile (made on first read).", "Profile"),
    ),
)
def me() -> Any:
    return json_response(200, service.me(caller()))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
