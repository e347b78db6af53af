"""Recipient side of one-time links: page, unlock (the one consuming step), file redirects.

GET and HEAD never change anything: e-mail scanners fetch links.

No Powertools Tracer here: importing the X-Ray SDK costs this hot path about
a third of its cold start, and `Tracing: Active` still traces the invocation.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from aws_lambda_powertools.utilities.typing import LambdaContext
from vault_share import observability
from vault_share.adapters.aws import client
from vault_share.adapters.documents import DocumentStore
from vault_share.api.public import PublicSite
from vault_share.errors import DomainError
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
documents = DocumentStore(client("s3"), settings.documents_bucket)
pepper = Pepper(settings.pepper_secret_arn)

GRANT_COOKIE = "vs_grant"


@app.route("/share/<token>", method=["GET", "HEAD"])
def show(token: str) -> Any:
    try:
        link = recipient.active(token, links)
    except DomainError as exc:
        return site.error(exc)
    if site.wants_html():
        return site.page(200, pages.code_form(link))
    return site.json(200, recipient.summary(link))


@app.post("/share/<token>")
def unlock(token: str) -> Any:
    try:
        unlocked = recipient.unlock(token, site.field("code"), links, pepper)
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


@app.get("/share/<token>/files/<documentId>")
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
