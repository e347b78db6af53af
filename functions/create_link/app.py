"""Owner side of one-time download links: create, list, revoke."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from vault_share import observability
from vault_share.adapters.aws import client, lazy_client
from vault_share.adapters.mailer import Mailer
from vault_share.adapters.sealer import Sealer
from vault_share.api import openapi as doc
from vault_share.api.params import Cursor, Limit, PathId
from vault_share.api.resolver import json_response, make_resolver
from vault_share.guard.secrets import Pepper
from vault_share.links import owner
from vault_share.links.idempotency import idempotent_create
from vault_share.links.schemas import CreateLink
from vault_share.links.store import LinkStore
from vault_share.pagination import DEFAULT_PAGE
from vault_share.settings import get_settings
from vault_share.vault.access import caller_from_event

logger = Logger()
metrics = observability.handler_metrics()
app = make_resolver()

# Built once per container.
settings = get_settings()
links = LinkStore(client("dynamodb"), settings.shares_table)
pepper = Pepper(settings.pepper_secret_arn)
create = idempotent_create(
    settings.idempotency_table,
    Sealer(lazy_client("kms"), settings.idempotency_key_arn),  # an Idempotency-Key only
    pepper,
    partial(
        owner.create,
        sharing=owner.Sharing(
            links, Mailer(lazy_client("ses"), settings.sender_email), pepper, client("dynamodb"), settings.vault_table
        ),
    ),
)


@app.post(
    "/vaults/<vaultId>/dossiers/<dossierId>/links",
    **doc.owner(
        "Create a one-time download link",
        tag="links",
        operation_id="createLink",
        errors=[
            *doc.EDITOR,
            "email_not_verified",
            "dossier_not_found",
            "documents_unavailable",
            "quota_exceeded",
            *doc.BODY,
            *doc.IDEMPOTENT,
        ],
        description="The answer is the only place the code ever appears. With `recipientEmail`, the link (never "
        "the code) is e-mailed there; `email.status` says whether it went.",
        parameters=[doc.IDEMPOTENCY_KEY],
        ok=doc.Ok(201, "The link, its code and the e-mail's outcome.", "LinkCreated"),
    ),
)
def create_link(vaultId: PathId, dossierId: PathId, body: Annotated[CreateLink, Body()]) -> Any:  # noqa: N803
    request = owner.CreateRequest(caller_from_event(app.current_event.raw_event), vaultId, dossierId, body)
    return json_response(201, create(request, app.current_event.headers.get("Idempotency-Key")))


@app.get(
    "/vaults/<vaultId>/dossiers/<dossierId>/links",
    **doc.owner(
        "List a dossier's links",
        tag="links",
        operation_id="listLinks",
        errors=[*doc.EDITOR, "dossier_not_found", *doc.PAGE],
        ok=doc.Ok(200, "One page of links, newest first.", "LinkPage"),
    ),
)
def list_links(vaultId: PathId, dossierId: PathId, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Any:  # noqa: N803
    caller = caller_from_event(app.current_event.raw_event)
    return json_response(200, owner.list_links(caller, vaultId, dossierId, links, limit, cursor))


@app.delete(
    "/vaults/<vaultId>/links/<linkId>",
    **doc.owner(
        "Revoke a link, or end a used link's download window",
        tag="links",
        operation_id="revokeLink",
        errors=[*doc.EDITOR, "link_not_found", "link_not_active"],
        ok=doc.Ok(204, "Revoked (an active link), or its downloads ended at once (a used one)."),
    ),
)
def revoke_link(vaultId: PathId, linkId: PathId) -> Any:  # noqa: N803
    owner.revoke_link(caller_from_event(app.current_event.raw_event), vaultId, linkId, links)
    return Response(status_code=204, headers={"Cache-Control": "no-store"}, body="")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    create.register_context(context)
    return app.resolve(event, context)
