"""Recipient side of invitations: the page of `/invite/{token}`, the letter path's e-mail address,
the acceptance with the validation code (vault_share.invitations.recipient).

The owner side (functions/invite) makes and keeps invitations; this function only reads and
judges them, makes the guest's account and admits the guest: it holds no KMS key (the code is
judged against its MAC, never decrypted) and the owner side none of the Cognito rights to make
accounts. A recipient's first request often meets a cold container: clients of services that only the
acceptance uses are made on first use.

GET and HEAD never change anything: e-mail scanners fetch links.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from vault_share import observability, snapstart
from vault_share.adapters.accounts import Accounts
from vault_share.adapters.aws import client, lazy_client
from vault_share.adapters.id_tokens import IdTokens, jwks_url
from vault_share.adapters.mailer import Mailer
from vault_share.api import openapi as doc
from vault_share.api.public import PublicSite
from vault_share.api.resolver import make_resolver, retry_headers
from vault_share.errors import DomainError
from vault_share.guard.attempts import WrongCode
from vault_share.guard.secrets import Pepper
from vault_share.invitations import emails, pages, recipient
from vault_share.invitations.store import InvitationStore
from vault_share.settings import get_settings

logger = Logger()
metrics = observability.handler_metrics()
app = make_resolver(validation=False)  # no pydantic: see api.resolver
site = PublicSite(pages.TITLE, pages.error_page, app)

# Built once per container.
settings = get_settings()
dynamodb = client("dynamodb")
invitations = InvitationStore(dynamodb, settings.shares_table)
public = recipient.Recipient(
    invitations=invitations,
    pepper=Pepper(settings.pepper_secret_arn),
    accounts=Accounts(lazy_client("cognito-idp"), settings.user_pool_id),
    id_tokens=IdTokens(
        jwks_url(settings.region, settings.user_pool_id, settings.aws_endpoint_url),
        settings.region,
        settings.user_pool_id,
        [settings.user_pool_client_id],
    ),
    admit=recipient.admit,
    mailer=Mailer(lazy_client("ses"), settings.sender_email),
    confirmation_email=lambda invitation, address, code: emails.confirmation_email(
        to=address, vault_name=invitation.vault_name, code=code
    ),
    dynamodb=dynamodb,
    vault_table=settings.vault_table,
)
snapstart.after_restore()  # SnapStart: template.yaml
snapstart.before_snapshot(partial(client, "cognito-idp"), partial(client, "ses"))


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
            "quota_exceeded",
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


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return site.resolve(event, context)
