"""Two-channel invitations: owner routes, public /invite/{token}, scheduled reminders.

The public pages are a recipient's first request, often to a cold container: they are served
without Powertools' Tracer, as download's are (importing the X-Ray SDK creates clients and costs
that cold start about half a second; `Tracing: Active` still traces the invocation). The owner
routes and the scheduled work are traced, the Tracer made on the first of them. Clients of
services that only some routes use are made on first use (vault_share.adapters.aws.lazy_client).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.typing import LambdaContext
from vault_share import observability
from vault_share.adapters.accounts import Accounts
from vault_share.adapters.aws import client, lazy_client
from vault_share.adapters.id_tokens import IdTokens, jwks_url
from vault_share.adapters.letters import LetterPost, LetterStore, print_provider
from vault_share.adapters.mailer import Mailer
from vault_share.adapters.sealer import Sealer
from vault_share.adapters.sms import SmsSender
from vault_share.api import openapi as doc
from vault_share.api.params import PathId
from vault_share.api.public import PublicSite
from vault_share.api.resolver import NO_STORE, json_response, make_resolver, retry_headers
from vault_share.errors import DomainError
from vault_share.guard.attempts import WrongCode
from vault_share.guard.secrets import Pepper
from vault_share.invitations import emails, owner, pages, recipient, reminders
from vault_share.invitations.delivery import Channels
from vault_share.invitations.schedule import Cadence
from vault_share.invitations.store import InvitationStore
from vault_share.settings import get_settings
from vault_share.vault.access import Caller, caller_from_event
from vault_share.vault.schemas import UpdatePerson

logger = Logger()
metrics = observability.handler_metrics()
app = make_resolver()
site = PublicSite(pages.TITLE, pages.error_page, app)

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

public = recipient.Recipient(
    invitations=invitations,
    pepper=pepper,
    sealer=sealer,
    accounts=Accounts(lazy_client("cognito-idp"), settings.user_pool_id),
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


@app.post(
    "/vaults/<vaultId>/persons/<personId>/invitations",
    **doc.owner(
        "Invite a person into the vault",
        tag="invitations",
        operation_id="invite",
        errors=[
            *doc.EDITOR,
            "person_not_found",
            "dossier_not_found",
            "dossier_not_shareable",
            "postal_address_unusable",
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
        errors=[*doc.INVITATION_OWNER, "invitation_not_pending", "too_soon"],
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
            "person_not_found",
            "dossier_not_found",
            "dossier_not_shareable",
            "invalid_personal_code",
            "personal_code_unknown",
            "too_many_personal_codes",
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


# ---------------------------------------------------------------- public: the invited person

CODE = {"type": "string", "pattern": "^[0-9]{6}$"}
ACCEPT_FIELDS = {
    "code": {**CODE, "description": "The invitation's validation code."},
    "password": {"type": "string", "description": "A new guest's password (none for an existing account)."},
    "email": {"type": "string", "format": "email", "description": "Letter path: the confirmed address."},
    "emailCode": {**CODE, "description": "Letter path: the code e-mailed to that address."},
}


def _view_doc(head: bool) -> dict[str, Any]:
    return doc.public(
        "Read an invitation's page (never consumes it)",
        tag="invite",
        operation_id="headInvitation" if head else "getInvitationPage",
        head=head,
        errors=doc.INVITATION,
        description="A browser (`Accept: text/html`) gets the page with the acceptance form; a program gets JSON.",
        ok=doc.Ok(200, "The invitation is pending.", "InvitationSummary", html=True),
    )


@app.get("/invite/<token>", **_view_doc(head=False))
@app.head("/invite/<token>", **_view_doc(head=True))
def show(token: str) -> Any:
    try:
        invitation, summary = recipient.view(token, public)
    except DomainError as exc:
        return site.error(exc)
    if site.wants_html():
        return site.page(200, pages.accept_form(invitation, summary["accountExists"], token=token))
    return site.json(200, summary)


@app.post(
    "/invite/<token>/email",
    **doc.public(
        "Confirm an e-mail address (invited by letter, no e-mail on file)",
        tag="invite",
        operation_id="confirmInvitationEmail",
        fields={"email": {"type": "string", "format": "email", "description": "The guest's address."}},
        required=["email"],
        errors=[
            *doc.INVITATION,
            "email_not_required",
            "too_many_email_codes",
            "validation_error",
            *doc.PUBLIC_BODY,
        ],
        ok=(
            doc.Ok(202, "A 6-digit confirmation code was e-mailed to that address.", "EmailCodeSent"),
            doc.Ok(
                303,
                "The same, for a browser (`Accept: text/html`): to the invitation's page, which now asks for both "
                "codes (Post/Redirect/Get).",
                headers=(("Location", "The invitation's page, relative to this URL: `../{token}`."),),
            ),
        ),
    ),
)
def confirm_email(token: str) -> Any:
    try:
        recipient.send_email_code(token, site.field("email"), public)
    except DomainError as exc:
        return refused(token, exc, at_email=True)
    if site.wants_html():
        # Post/Redirect/Get: the invitation's page now asks for both codes; reloading it sends nothing.
        return site.see_other(f"../{token}")
    return site.json(202, {"status": "sent"})


@app.post(
    "/invite/<token>",
    **doc.public(
        "Accept an invitation with its code",
        tag="invite",
        operation_id="acceptInvitation",
        optional_bearer=True,
        fields=ACCEPT_FIELDS,
        required=["code"],
        errors=[
            *doc.INVITATION,
            "invalid_code",
            "invalid_email_code",
            "password_not_expected",
            "unauthorized",
            "account_mismatch",
            "wrong_code",
            "email_not_required",
            "account_exists",
            "acceptance_in_progress",
            "person_not_found",
            "dossier_not_found",
            "already_member",
            "home_conflict",
            "validation_error",
            "weak_password",
            "unavailable",
            *doc.PUBLIC_BODY,
        ],
        description="A new guest sends `code` and `password`; an existing account holder sends its bearer ID "
        "token and no password (an invitation never sets an existing account's password). Invited by letter "
        "with no e-mail: `email` and `emailCode` too. At most 5 codes are ever evaluated.",
        ok=doc.Ok(200, "The guest is admitted and can sign in.", "Accepted", html=True),
    ),
)
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
        return refused(token, exc)
    if site.wants_html():
        return site.page(200, pages.accepted(answer["vaultName"]))
    return site.json(200, {"vaultId": answer["vaultId"], "role": answer["role"]})


def refused(token: str, exc: DomainError, at_email: bool = False) -> Response:
    """A refused form: for a browser, the form again with the error while the invitation is
    pending (one more read, on this path only); otherwise the error as JSON or as its page."""
    if not site.wants_html() or exc.status not in pages.FORM_ERRORS:
        return site.error(exc)
    invitation = exc.item if isinstance(exc, WrongCode) else None
    try:
        invitation = invitation or recipient.pending(token, invitations)
    except DomainError:
        return site.error(exc)
    return site.page(exc.status, pages.form_again(invitation, exc, token, at_email), headers=retry_headers(exc))


# ---------------------------------------------------------------- scheduled work


def run_task(task: str) -> dict[str, Any]:
    """Scheduled work (EventBridge Scheduler input `{"task": ...}`)."""
    if task == "relaunch":
        result = reminders.run(inviting).to_json()
        logger.info("reminders", extra=result)
        return {"task": task, **result}
    raise ValueError(f"unknown task: {task}")


def serve(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "task" in event:
        return run_task(event["task"])
    invite_once.register_context(context)
    return site.resolve(event, context)


@cache
def traced() -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """`serve` under Powertools' Tracer, made for the first owner request or scheduled task."""
    from aws_lambda_powertools import Tracer

    return Tracer().capture_lambda_handler(capture_response=False, capture_error=False)(serve)


@logger.inject_lambda_context(correlation_id_path=observability.API_REQUEST_OR_SCHEDULE, log_event=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if str(event.get("resource", "")).startswith("/invite/"):  # a recipient's page: untraced (see above)
        return serve(event, context)
    return traced()(event, context)
