"""Owner side of one-time download links: create, list, revoke."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from vault_share.api.resolver import json_response, make_resolver
from vault_share.links import idempotency, owner
from vault_share.links.schemas import CreateLink
from vault_share.links.store import default_store
from vault_share.vault.access import caller_from_event

logger = Logger()
tracer = Tracer()
app = make_resolver()

PathId = Annotated[str, Path(min_length=1, max_length=64)]


@app.post("/vaults/<vaultId>/dossiers/<dossierId>/links")
def create_link(vaultId: PathId, dossierId: PathId, body: Annotated[CreateLink, Body()]) -> Any:  # noqa: N803
    request = owner.CreateRequest(caller_from_event(app.current_event.raw_event), vaultId, dossierId, body)
    key = app.current_event.headers.get("Idempotency-Key")
    return json_response(201, idempotency.create_link(request, key))


@app.get("/vaults/<vaultId>/dossiers/<dossierId>/links")
def list_links(vaultId: PathId, dossierId: PathId) -> Any:  # noqa: N803
    caller = caller_from_event(app.current_event.raw_event)
    return json_response(200, owner.list_links(caller, vaultId, dossierId, default_store()))


@app.delete("/vaults/<vaultId>/links/<linkId>")
def revoke_link(vaultId: PathId, linkId: PathId) -> Any:  # noqa: N803
    owner.revoke_link(caller_from_event(app.current_event.raw_event), vaultId, linkId, default_store())
    return Response(status_code=204, headers={"Cache-Control": "no-store"}, body="")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_context(context)
    return app.resolve(event, context)
