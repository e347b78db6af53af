"""Recipient side of one-time links: page, unlock (the one consuming step), file redirects.

GET and HEAD never change anything: e-mail scanners fetch links.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from aws_lambda_powertools.utilities.typing import LambdaContext
from vault_share import observability, snapstart
from vault_share.adapters.aws import client, lazy_client
from vault_share.adapters.documents import DocumentStore
from vault_share.api import openapi as doc
from vault_share.api.public import PublicSite
from vault_share.errors import DomainError
from vault_share.guard import secrets
from vault_share.guard.secrets import Pepper
from vault_share.links import pages, recipient
from vault_share.links.rules import DOWNLOAD_WINDOW, share_url
from vault_share.links.store import LinkStore
from vault_share.settings import get_settings

logger = Logger()
metrics = observability.handler_metrics()
site = PublicSite(pages.TITLE, pages.error_page)
app = site.app

# Built once per container.
settings = get_settings()
links = LinkStore(client("dynamodb"), settings.shares_table)
documents = DocumentStore(lazy_client("s3"), settings.documents_bucket)  # file fetches only
pepper = Pepper(settings.pepper_secret_arn)
snapstart.after_restore()  # SnapStart: template.yaml
snapstart.before_snapshot(partial(client, "s3"))

GRANT_COOKIE = "vs_grant"
UNLOCK_FIELDS = {
    "code": {"type": "string", "pattern": "^[0-9]{6}$", "description": "The link's 6-digit code."},
    "grant": {
        "type": "string",
        "pattern": "^[A-Za-z0-9_-]{20,100}$",
        "description": "Optional, API clients: the client's own random download grant. Sent again with the right "
        "code while the window is open, it gets the same answer back (an unlock whose answer was lost).",
    },
}


def _show_doc(head: bool) -> dict[str, Any]:
    return doc.public(
        "Read a link's page (never consumes it)",
        tag="share",
        operation_id="headShare" if head else "getShare",
        head=head,
        errors=[*doc.LINK],
        description="A browser (`Accept: text/html`) gets the page with the code form; a program gets JSON.",
        ok=doc.Ok(
            200,
            "The link is active: who sends, how many documents, until when.",
            "ShareSummary",
            html=True,
            headers=(("Set-Cookie", "`vs_grant`, the grant the page's unlock will record (browsers only)."),),
        ),
    )


@app.get("/share/<token>", **_show_doc(head=False))
@app.head("/share/<token>", **_show_doc(head=True))
def show(token: str) -> Any:
    try:
        link = recipient.active(token, links)
    except DomainError as exc:
        return site.error(exc)
    if site.wants_html():
        # The grant the unlock will record, in the browser before the form is sent: if the
        # unlock's answer is lost, sending the form again gets the download page back.
        grant = recipient.client_grant(site.cookie(GRANT_COOKIE))
        cookies = [] if grant else [_grant_cookie(token, secrets.new_grant())]
        return site.page(200, pages.code_form(link), cookies=cookies)
    return site.json(200, recipient.summary(link))


@app.post(
    "/share/<token>",
    **doc.public(
        "Unlock a link with its code (the one consuming step)",
        tag="share",
        operation_id="unlockShare",
        fields=UNLOCK_FIELDS,
        required=["code"],
        errors=["invalid_code", "wrong_code", *doc.LINK, *doc.PUBLIC_BODY],
        description="Atomic: at most 5 codes are ever evaluated for a link, and exactly one right code wins. "
        "A browser's page sets the download grant in the `vs_grant` cookie; JSON carries it in each `downloadUrl`. "
        "The same client sending the right code again with the same grant (the cookie, or `grant`) gets the same "
        "answer while the download window is open.",
        ok=doc.Ok(
            200,
            "The right code: the link is used; its documents can be fetched for 30 minutes.",
            "Unlocked",
            html=True,
            headers=(("Set-Cookie", "`vs_grant`, the download grant, for the page's buttons (browsers only)."),),
        ),
    ),
)
def unlock(token: str) -> Any:
    # The browser's cookie (set with the form), or an API client's own `grant`.
    grant = recipient.client_grant(site.cookie(GRANT_COOKIE) if site.wants_html() else site.field("grant"))
    try:
        unlocked = recipient.unlock(token, site.field("code"), links, pepper, grant)
    except DomainError as exc:
        return site.error(exc)
    if site.wants_html():
        return site.page(200, pages.downloads(token, unlocked.link), cookies=[_grant_cookie(token, unlocked.grant)])
    return site.json(200, recipient.unlocked_json(token, unlocked))


def _grant_cookie(token: str, grant: str) -> Cookie:
    """The grant for the page's download buttons: never in a URL a person can copy."""
    url = urlsplit(share_url(token))
    return Cookie(
        name=GRANT_COOKIE,
        value=grant,
        path=url.path,
        # Plain HTTP only on the local stack: a Secure cookie would never come back there.
        secure=url.scheme == "https",
        http_only=True,
        same_site=SameSite.STRICT_MODE,
        max_age=int(DOWNLOAD_WINDOW.total_seconds()),
    )


@app.get(
    "/share/<token>/files/<documentId>",
    **doc.public(
        "Fetch an unlocked document",
        tag="share",
        operation_id="fetchShareFile",
        parameters=[
            doc.parameter("grant", "query", "The download grant, as the unlock's `downloadUrl` carries it."),
            doc.parameter(GRANT_COOKIE, "cookie", "The download grant, as the unlock's page set it."),
        ],
        errors=["download_not_found", "link_not_found", "not_found", "download_unavailable"],
        description="Within 30 minutes of the unlock, as often as needed; every fetch is recorded.",
        ok=doc.Ok(
            302,
            "To the file: a presigned S3 URL, valid at most 60 s, served as an attachment.",
            headers=(("Location", "The presigned S3 URL."),),
        ),
    ),
)
def fetch(token: str, documentId: str) -> Any:  # noqa: N803
    grant = app.current_event.query_string_parameters.get("grant") or site.cookie(GRANT_COOKIE) or ""
    try:
        url = recipient.fetch(token, documentId, grant, links, documents)
    except DomainError as exc:
        return site.error(exc)
    return site.redirect(url)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return site.resolve(event, context)
