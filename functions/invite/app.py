"""Two-channel invitations, owner side: invite, read, relaunch, cancel, direct access, the person's
page and contact details; the scheduled reminders. The invited person's side is functions/accept.

Clients of services that only some routes use are made on first use
(vault_share.adapters.aws.lazy_client).
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.typing import LambdaContext
from vault_share import observability
from vault_share.adapters.aws import client, lazy_client
from vault_share.adapters.letters import LetterPost, LetterStore, print_provider
from vault_share.adapters.mailer import Mailer
from vault_share.adapters.sealer import Sealer
from vault_share.adapters.sms import SmsSender
from vault_share.api import openapi as doc
from vault_share.api.params import PathId
from vault_share.api.resolver import NO_STORE, json_response, make_resolver
from vault_share.guard.secrets import Pepper
from vault_share.invitations import owner, reminders
from vault_share.invitations.delivery import Channels
from vault_share.invitations.schedule import Cadence
from vault_share.invitations.store import InvitationStore
from vault_share.settings import get_settings
from vault_share.vault.access import Caller, caller_from_event
from vault_share.vault.schemas import UpdatePerson

logger = Logger()
metrics = observability.handler_metrics()
app = make_resolver()

# Built once per container.
settings = get_settings()
dynamodb = client("dynamodb")
invitations = InvitationStore(dynamodb, settings.shares_table)
sealer = Sealer(lazy_client("kms"), settings.invitation_key_arn)
pepper = Pepper(settings.pepper_secret_arn)
mailer = Mailer(lazy_client("ses"), settings.sender_email)
inviting = owner.Inviting(
    store=invitations,
    sealer=sealer,
    pepper=pepper,
    channels=Channels(
        mailer=mailer,
        sms=SmsSender(lazy_client("sns"), settings.sms_sender_id),
        letters=LetterPost(
            LetterStore(lazy_client("s3"), settings.documents_bucket),
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
# A retried invitation (same Idempotency-Key) gets its first answer; `inviting` is read when it runs.
invite_once = owner.idempotent_invite(
    settings.idempotency_table, sealer, pepper, lambda request: owner.invite(request, inviting)
)


def caller() -> Caller:
    return caller_from_event(app.current_event.raw_event)


# ---------------------------------------------------------------- owner routes


@app.post(
    "/vaults/<vaultId>/persons/<personId>/invitations",
    **doc.owner(
        "Invite a person into the vault",
        tag="invitations",
        operation_id="invite",
        errors=[
            *doc.EDITOR,
            "email_not_verified",
            "person_not_found",
            "dossier_not_found",
            "dossier_not_shareable",
            "postal_address_unusable",
            "quota_exceeded",
            *doc.BODY,
            *doc.IDEMPOTENT,
        ],
        description="The link goes by e-mail, else by letter; the code by SMS, else the owner phones it. The code "
        "is in this answer; the link and the code never travel in the same message.",
        parameters=[doc.IDEMPOTENCY_KEY],
        ok=doc.Ok(201, "The invitation, its code and what each channel did.", "Invitation"),
    ),
)
def invite(vaultId: PathId, personId: PathId, body: Annotated[owner.CreateInvitation, Body()]) -> Any:  # noqa: N803
    request = owner.InviteRequest(caller(), vaultId, personId, body)
    return json_response(201, invite_once(request, app.current_event.headers.get("Idempotency-Key")))


@app.get(
    "/vaults/<vaultId>/invitations/<invitationId>",
    **doc.owner(
        "Read an invitation, with its code",
        tag="invitations",
        operation_id="getInvitation",
        errors=doc.INVITATION_OWNER,
        ok=doc.Ok(200, "The invitation.", "Invitation"),
    ),
)
def get_invitation(vaultId: PathId, invitationId: PathId) -> Any:  # noqa: N803
    return json_response(200, owner.get_invitation(caller(), vaultId, invitationId, inviting))


@app.post(
    "/vaults/<vaultId>/invitations/<invitationId>/relaunch",
    **doc.owner(
        "Send an invitation again (same link, same code)",
        tag="invitations",
        operation_id="relaunchInvitation",
        errors=[*doc.INVITATION_OWNER, "invitation_not_pending", "too_soon", "quota_exceeded"],
        description="A postal invitation gets a new letter, paid again. Concurrent relaunches send once.",
        ok=doc.Ok(200, "The invitation, `relaunchCount` increased by 1.", "Invitation"),
    ),
)
def relaunch(vaultId: PathId, invitationId: PathId) -> Any:  # noqa: N803
    return json_response(200, owner.relaunch(caller(), vaultId, invitationId, inviting))


@app.delete(
    "/vaults/<vaultId>/invitations/<invitationId>",
    **doc.owner(
        "Cancel an invitation",
        tag="invitations",
        operation_id="cancelInvitation",
        errors=[*doc.INVITATION_OWNER, "invitation_not_pending"],
        ok=doc.Ok(204, "Cancelled: its link answers 410 from now on."),
    ),
)
def cancel(vaultId: PathId, invitationId: PathId) -> Any:  # noqa: N803
    owner.cancel(caller(), vaultId, invitationId, inviting)
    return Response(status_code=204, headers=NO_STORE, body="")


@app.get(
    "/vaults/<vaultId>/persons/<personId>",
    **doc.owner(
        "Read a person's page",
        tag="persons",
        operation_id="getPerson",
        errors=[*doc.EDITOR, "person_not_found"],
        ok=doc.Ok(200, "The person, their account's role in the vault and their latest invitation.", "PersonDetail"),
    ),
)
def person_page(vaultId: PathId, personId: PathId) -> Any:  # noqa: N803
    return json_response(200, owner.person_page(caller(), vaultId, personId, inviting))


@app.patch(
    "/vaults/<vaultId>/persons/<personId>",
    **doc.owner(
        "Change a person's contact details",
        tag="persons",
        operation_id="updatePerson",
        errors=[*doc.EDITOR, "person_not_found", *doc.BODY],
        description="The fields sent are set, `null` clears one, absent ones stay.",
        ok=doc.Ok(200, "The person's page as it now is.", "PersonDetail"),
    ),
)
def update_person(vaultId: PathId, personId: PathId, body: Annotated[UpdatePerson, Body()]) -> Any:  # noqa: N803
    return json_response(200, owner.update_person(caller(), vaultId, personId, body, inviting))


@app.post(
    "/vaults/<vaultId>/persons/<personId>/access",
    **doc.owner(
        "Grant guest access by personal code",
        tag="invitations",
        operation_id="grantAccess",
        errors=[
            *doc.EDITOR,
            "email_not_verified",
            "person_not_found",
            "dossier_not_found",
            "dossier_not_shareable",
            "invalid_personal_code",
            "personal_code_unknown",
            "too_many_personal_codes",
            "quota_exceeded",
            "already_member",
            "home_conflict",
            *doc.BODY,
        ],
        description="The account holder is a guest at once, no invitation, and is told by e-mail.",
        ok=doc.Ok(201, "The guest's access and whether the e-mail went.", "AccessGranted"),
    ),
)
def grant_access(vaultId: PathId, personId: PathId, body: Annotated[owner.DirectAccess, Body()]) -> Any:  # noqa: N803
    return json_response(201, owner.grant_access(caller(), vaultId, personId, body, inviting))


# ---------------------------------------------------------------- scheduled work


def run_task(task: str) -> dict[str, Any]:
    """Scheduled work (EventBridge Scheduler input `{"task": ...}`)."""
    if task == "relaunch":
        result = reminders.run(inviting).to_json()
        logger.info("reminders", extra=result)
        return {"task": task, **result}
    raise ValueError(f"unknown task: {task}")


@logger.inject_lambda_context(correlation_id_path=observability.API_REQUEST_OR_SCHEDULE, log_event=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "task" in event:
        return run_task(event["task"])
    invite_once.register_context(context)
    return app.resolve(event, context)
