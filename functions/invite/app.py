"""Two-channel invitations: owner routes, public /invite/{token}, scheduled reminders."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from vault_share.adapters.aws import client
from vault_share.adapters.letters import LetterPost, LetterStore, print_provider
from vault_share.adapters.mailer import Mailer
from vault_share.adapters.sealer import Sealer
from vault_share.adapters.sms import SmsSender
from vault_share.api.params import PathId
from vault_share.api.resolver import NO_STORE, json_response, make_resolver
from vault_share.guard.secrets import Pepper
from vault_share.invitations import owner
from vault_share.invitations.delivery import Channels
from vault_share.invitations.schedule import Cadence
from vault_share.invitations.store import InvitationStore
from vault_share.settings import get_settings
from vault_share.vault.access import Caller, caller_from_event
from vault_share.vault.schemas import UpdatePerson

logger = Logger()
tracer = Tracer()
app = make_resolver()

# Built once per container.
settings = get_settings()
dynamodb = client("dynamodb")
inviting = owner.Inviting(
    store=InvitationStore(dynamodb, settings.shares_table),
    sealer=Sealer(client("kms"), settings.invitation_key_arn),
    pepper=Pepper(settings.pepper_secret_arn),
    channels=Channels(
        mailer=Mailer(client("ses"), settings.sender_email),
        sms=SmsSender(client("sns"), settings.sms_sender_id),
        letters=LetterPost(
            LetterStore(client("s3"), settings.documents_bucket),
            # No Secrets Manager client while letters wait for the manual print step (the default).
            print_provider(
                settings.print_provider,
                settings.print_provider_secret,
                client("secretsmanager") if settings.print_provider != "none" else None,
            ),
            settings.letter_cost_cents,
        ),
    ),
    cadence=Cadence.of(settings),
    dynamodb=dynamodb,
    vault_table=settings.vault_table,
    shares_table=settings.shares_table,
)


def caller() -> Caller:
    return caller_from_event(app.current_event.raw_event)


# ---------------------------------------------------------------- owner routes


@app.post("/vaults/<vaultId>/persons/<personId>/invitations")
def invite(vaultId: PathId, personId: PathId, body: Annotated[owner.CreateInvitation, Body()]) -> Any:  # noqa: N803
    return json_response(201, owner.invite(owner.InviteRequest(caller(), vaultId, personId, body), inviting))


@app.get("/vaults/<vaultId>/invitations/<invitationId>")
def get_invitation(vaultId: PathId, invitationId: PathId) -> Any:  # noqa: N803
    return json_response(200, owner.get_invitation(caller(), vaultId, invitationId, inviting))


@app.post("/vaults/<vaultId>/invitations/<invitationId>/relaunch")
def relaunch(vaultId: PathId, invitationId: PathId) -> Any:  # noqa: N803
    return json_response(200, owner.relaunch(caller(), vaultId, invitationId, inviting))


@app.delete("/vaults/<vaultId>/invitations/<invitationId>")
def cancel(vaultId: PathId, invitationId: PathId) -> Any:  # noqa: N803
    owner.cancel(caller(), vaultId, invitationId, inviting)
    return Response(status_code=204, headers=NO_STORE, body="")


@app.get("/vaults/<vaultId>/persons/<personId>")
def person_page(vaultId: PathId, personId: PathId) -> Any:  # noqa: N803
    return json_response(200, owner.person_page(caller(), vaultId, personId, inviting))


@app.patch("/vaults/<vaultId>/persons/<personId>")
def update_person(vaultId: PathId, personId: PathId, body: Annotated[UpdatePerson, Body()]) -> Any:  # noqa: N803
    return json_response(200, owner.update_person(caller(), vaultId, personId, body, inviting))


@app.post("/vaults/<vaultId>/persons/<personId>/access")
def grant_access(vaultId: PathId, personId: PathId, body: Annotated[owner.DirectAccess, Body()]) -> Any:  # noqa: N803
    return json_response(201, owner.grant_access(caller(), vaultId, personId, body, inviting))


# ---------------------------------------------------------------- scheduled work


def run_task(task: str) -> dict[str, Any]:
    """Scheduled work (EventBridge Scheduler input `{"task": ...}`)."""
    logger.info("scheduled task", extra={"task": task})
    return {"task": task, "processed": 0}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "task" in event:
        return run_task(event["task"])
    return app.resolve(event, context)
