"""Two-channel invitations: owner routes, public /invite/{token}, scheduled reminders."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.typing import LambdaContext
from vault_share import observability
from vault_share.adapters.accounts import Accounts
from vault_share.adapters.aws import client
from vault_share.adapters.id_tokens import IdTokens, jwks_url
from vault_share.adapters.letters import LetterPost, LetterStore, print_provider
from vault_share.adapters.mailer import Mailer
from vault_share.adapters.sealer import Sealer
from vault_share.adapters.sms import SmsSender
from vault_share.api.params import PathId
from vault_share.api.public import PublicSite
from vault_share.api.resolver import NO_STORE, json_response, make_resolver
from vault_share.errors import DomainError
from vault_share.guard.secrets import Pepper
from vault_share.invitations import emails, owner, pages, recipient, reminders
from vault_share.invitations.delivery import Channels
from vault_share.invitations.schedule import Cadence
from vault_share.invitations.store import InvitationStore
from vault_share.settings import get_settings
from vault_share.vault.access import Caller, caller_from_event
from vault_share.vault.schemas import UpdatePerson

logger = Logger()
tracer = Tracer()
metrics = observability.handler_metrics()
app = make_resolver()
site = PublicSite(pages.TITLE, pages.error_page, app)

# Built once per container.
settings = get_settings()
dynamodb = client("dynamodb")
invitations = InvitationStore(dynamodb, settings.shares_table)
sealer = Sealer(client("kms"), settings.invitation_key_arn)
pepper = Pepper(settings.pepper_secret_arn)
mailer = Mailer(client("ses"), settings.sender_email)
inviting = owner.Inviting(
    store=invitations,
    sealer=sealer,
    pepper=pepper,
    channels=Channels(
        mailer=mailer,
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
# A retried invitation (same Idempotency-Key) gets its first answer; `inviting` is read when it runs.
invite_once = owner.idempotent_invite(
    settings.idempotency_table, sealer, pepper, lambda request: owner.invite(request, inviting)
)

public = recipient.Recipient(
    invitations=invitations,
    pepper=pepper,
    sealer=sealer,
    accounts=Accounts(client("cognito-idp"), settings.user_pool_id),
    id_tokens=IdTokens(
        jwks_url(settings.region, settings.user_pool_id, settings.aws_endpoint_url),
        settings.region,
        settings.user_pool_id,
        [settings.user_pool_client_id],
    ),
    admit=recipient.admit,
    mailer=mailer,
    confirmation_email=lambda invitation, address, code: emails.confirmation_email(
        to=address, vault_name=invitation.vault_name, code=code
    ),
)


def caller() -> Caller:
    return caller_from_event(app.current_event.raw_event)


# ---------------------------------------------------------------- owner routes


@app.post("/vaults/<vaultId>/persons/<personId>/invitations")
def invite(vaultId: PathId, personId: PathId, body: Annotated[owner.CreateInvitation, Body()]) -> Any:  # noqa: N803
    request = owner.InviteRequest(caller(), vaultId, personId, body)
    return json_response(201, invite_once(request, app.current_event.headers.get("Idempotency-Key")))


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


# ---------------------------------------------------------------- public: the invited person


@app.route("/invite/<token>", method=["GET", "HEAD"])
def show(token: str) -> Any:
    try:
        invitation, summary = recipient.view(token, public)
    except DomainError as exc:
        return site.error(exc)
    if site.wants_html():
        return site.page(200, pages.accept_form(invitation, summary["accountExists"], token=token))
    return site.json(200, summary)


@app.post("/invite/<token>/email")
def confirm_email(token: str) -> Any:
    email = site.field("email")
    try:
        recipient.send_email_code(token, email, public)
        if not site.wants_html():
            return site.json(202, {"status": "sent"})
        invitation = recipient.pending(token, invitations)
    except DomainError as exc:
        return site.error(exc)
    return site.page(202, pages.accept_form(invitation, False, email=str(email), token=token))


@app.post("/invite/<token>")
def accept(token: str) -> Any:
    submitted = recipient.Submitted(
        code=site.field("code"),
        password=site.field("password"),
        email=site.field("email"),
        email_code=site.field("emailCode"),
    )
    try:
        answer = recipient.accept(token, submitted, app.current_event.headers.get("Authorization"), public)
    except DomainError as exc:
        return site.error(exc)
    if site.wants_html():
        return site.page(200, pages.accepted(answer["vaultName"]))
    return site.json(200, {"vaultId": answer["vaultId"], "role": answer["role"]})


# ---------------------------------------------------------------- scheduled work


def run_task(task: str) -> dict[str, Any]:
    """Scheduled work (EventBridge Scheduler input `{"task": ...}`)."""
    if task == "relaunch":
        result = reminders.run(inviting).to_json()
        logger.info("reminders", extra=result)
        return {"task": task, **result}
    raise ValueError(f"unknown task: {task}")


@logger.inject_lambda_context(correlation_id_path=observability.API_REQUEST_OR_SCHEDULE, log_event=False)
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "task" in event:
        return run_task(event["task"])
    invite_once.register_context(context)
    return site.resolve(event, context)
