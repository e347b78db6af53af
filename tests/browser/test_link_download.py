"""A one-time link, end to end, as people use it: the owner sends it, the recipient opens it on a phone.

The owner signs in (real InitiateAuth) and creates a link with the JSON API; the recipient only
has the e-mail from the stack's outbox and the code the owner tells them. Chromium does the rest:
the page, a wrong code, the right one, a real download (302 to the presigned S3 URL on the
embedded AWS, another origin), and the used link afterwards. Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import html
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest

from devstack.client import ApiClient
from tests.browser.conftest import skip_without_chromium
from tests.e2e.conftest import REPO, Stack

if TYPE_CHECKING:  # imported where used: without Chromium (and not root) the module must still collect and skip
    from playwright.sync_api import BrowserContext, Page, Response

pytestmark = [pytest.mark.e2e, skip_without_chromium]

SCREENSHOTS = REPO / "build" / "screenshots"
SHARE_URL = re.compile(r"https?://[^\s\"'<>]+/share/[A-Za-z0-9_-]+")
CODE_LABEL = "Code à 6 chiffres"
SUBMIT = "Accéder aux documents"
# The stylesheet is inline and allowed by its hash in the CSP: these prove it was applied.
ACCENT = "rgb(11, 87, 208)"
MIN_TAP_TARGET_PX = 44


# ---------------------------------------------------------------- the owner's side, over HTTP


def newest_email_to(stack: Stack, recipient: str, wait_seconds: float = 10.0) -> dict[str, Any]:
    """The last e-mail the stack sent to `recipient` (GET /_local/outbox, oldest first)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        answer = stack.client().get("/_local/outbox")
        assert answer.status == 200, answer.body
        emails = [m for m in answer.json()["emails"] if recipient in m["to"]]
        if emails:
            newest: dict[str, Any] = emails[-1]
            return newest
        assert time.monotonic() < deadline, f"no e-mail to {recipient} in the outbox"
        time.sleep(0.2)


def link_in(email: dict[str, Any]) -> str:
    """The share link as the recipient sees it: the same in the text and the HTML parts."""
    in_text = SHARE_URL.findall(email["text"])
    in_html = [html.unescape(href) for href in re.findall(r'href="([^"]+)"', email["html"])]
    assert len(set(in_text)) == 1, email["text"]
    assert in_html == in_text[:1], email["html"]
    return in_text[0]


def original_pdf(stack: Stack, key: str) -> bytes:
    """The uploaded bytes, straight from the embedded S3 (bucket: the template's DocumentsBucket)."""
    body: bytes = stack.aws("s3").get_object(Bucket=stack.documents_bucket(), Key=key)["Body"].read()
    return body


# ---------------------------------------------------------------- the recipient's side, in Chromium


def assert_security_headers(response: Response | None, status: int) -> None:
    assert response is not None
    assert response.status == status, response.url
    headers = response.headers  # lower-case names
    assert headers.get("referrer-policy") == "no-referrer"
    csp = headers.get("content-security-policy", "")
    assert "default-src 'none'" in csp and "style-src 'sha256-" in csp, csp
    assert headers.get("cache-control") == "no-store"
    assert headers.get("x-frame-options") == "DENY"


def assert_fits_a_phone(page: Page) -> None:
    """Styled (the CSP let the stylesheet in), no sideways scrolling, legible text, thumb-sized buttons."""
    metrics = page.evaluate(
        """() => ({
            scrollWidth: document.documentElement.scrollWidth,
            clientWidth: document.documentElement.clientWidth,
            fontSize: parseFloat(getComputedStyle(document.body).fontSize),
            cardRadius: getComputedStyle(document.querySelector('.card')).borderRadius,
            buttons: [...document.querySelectorAll('button, a.button')].map(b => {
                const box = b.getBoundingClientRect();
                const style = getComputedStyle(b);
                return {text: b.innerText, height: box.height, background: style.backgroundColor,
                        color: style.color, secondary: b.classList.contains('secondary')};
            }),
        })"""
    )
    assert metrics["cardRadius"] == "12px", "the page stylesheet was not applied (CSP hash?)"
    assert metrics["scrollWidth"] <= metrics["clientWidth"], metrics
    assert metrics["fontSize"] >= 16, metrics
    for button in metrics["buttons"]:
        assert button["height"] >= MIN_TAP_TARGET_PX, button
        # The main action filled with the accent colour; a secondary one drawn in it.
        assert button["color" if button["secondary"] else "background"] == ACCENT, button


def submit_code(page: Page, code: str) -> Response | None:
    """Type the code and press the button: the form posts and the browser shows the answer."""
    page.get_by_label(CODE_LABEL).fill(code)
    with page.expect_navigation() as answered:
        page.get_by_role("button", name=SUBMIT).click()
    return answered.value


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


# ---------------------------------------------------------------- the story


@pytest.mark.browser
def test_recipient_unlocks_the_emailed_link_and_downloads_on_a_phone(
    stack: Stack, sign_in: Callable[[str, str], str], phone: BrowserContext
) -> None:
    from playwright.sync_api import expect

    demo = stack.demo
    dossier_path = f"/vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}"

    # The owner signs in, as the front end does, and sends the whole demo dossier by e-mail.
    owner = ApiClient(stack.api_url, sign_in(demo["owner"]["email"], demo["owner"]["password"]))
    dossier = owner.get(dossier_path)
    assert dossier.status == 200, dossier.body
    file_names = {d["documentId"]: d["fileName"] for d in dossier.json()["documents"]}
    recipient = f"claire.martin.{uuid.uuid4().hex[:8]}@example.fr"
    created = owner.post(f"{dossier_path}/links", {"documentIds": demo["documentIds"], "recipientEmail": recipient})
    assert created.status == 201, created.body
    link = created.json()
    code = link["code"]  # the owner tells it to the recipient by another channel
    assert re.fullmatch(r"\d{6}", code), code
    assert link["email"]["status"] == "sent", link
    count = len(demo["documentIds"])

    # The recipient has the e-mail: the link is there, the code is not.
    email = newest_email_to(stack, recipient)
    for part in ("subject", "text", "html"):
        assert code not in email[part], f"the code is in the e-mail's {part}"
    url = link_in(email)
    assert url == link["url"]
    stack.secrets.add(urlsplit(url).path.rsplit("/", 1)[-1])  # the share token never reaches the console

    page = phone.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    # The page: who sends what, until when, and a labelled code field.
    assert_security_headers(page.goto(url), 200)
    expect(page).to_have_title("Documents transmis")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"GARAGE AUTO vous transmet {count} documents")
    expect(page.get_by_text("Lien valable une seule fois, jusqu'au")).to_be_visible()
    field = page.get_by_label(CODE_LABEL)
    expect(field).to_be_visible()
    expect(field).to_have_attribute("inputmode", "numeric")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(field).to_have_accessible_description(re.compile("Communiqué par l'expéditeur"))
    assert_fits_a_phone(page)
    screenshot(page, "1-code-form.png")

    # A wrong code: the form again, with the error tied to the field and the attempts left.
    wrong = "000000" if code != "000000" else "111111"
    assert_security_headers(submit_code(page, wrong), 403)
    expect(page.get_by_role("alert")).to_have_text("Code incorrect. Il vous reste 4 essais.")
    field = page.get_by_label(CODE_LABEL)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("Code incorrect. Il vous reste 4 essais."))
    assert_fits_a_phone(page)
    screenshot(page, "2-wrong-code.png")

    # The right code: the download list, one button per document, named after it.
    assert_security_headers(submit_code(page, code), 200)
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos documents")
    expect(page.get_by_role("status")).to_contain_text("Code accepté")
    expect(page.locator("ul.files > li")).to_have_count(count)
    for document in link["documents"]:
        button = page.get_by_role("link", name=f"Télécharger {file_names[document['documentId']]}", exact=True)
        expect(button).to_be_visible()
        assert not parse_qs(urlsplit(button.get_attribute("href") or "").query), "the page's URLs carry no grant"
    # The grant rides in an HttpOnly cookie, scoped to this link, sent back by the browser alone.
    [grant] = [c for c in page.context.cookies() if c["name"] == "vs_grant"]
    assert grant["httpOnly"] and grant["sameSite"] == "Strict", grant
    assert grant["path"] == urlsplit(url).path
    stack.secrets.add(grant["value"])
    assert_fits_a_phone(page)
    screenshot(page, "3-downloads.png")

    # The first document, downloaded by Chromium through the 302 to the presigned S3 URL.
    first = link["documents"][0]["documentId"]
    with page.expect_download() as started:
        page.get_by_role("link", name=f"Télécharger {file_names[first]}", exact=True).click()
    download = started.value
    assert download.failure() is None
    assert download.url.startswith(stack.info["awsEndpoint"] + "/"), "the file comes from S3, not the API"
    assert download.suggested_filename == file_names[first]
    downloaded = Path(download.path()).read_bytes()
    assert downloaded.startswith(b"%PDF-")
    assert downloaded == original_pdf(stack, f"vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}/{first}")

    # The link worked once: opened again, it says so.
    assert_security_headers(page.goto(url), 410)
    expect(page.get_by_role("heading", level=1)).to_have_text("Lien déjà utilisé")
    expect(page.get_by_label(CODE_LABEL)).to_have_count(0)
    assert_fits_a_phone(page)

    blocked = [text for text in console if "Content Security Policy" in text]
    assert not blocked, blocked
