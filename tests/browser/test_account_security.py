"""The console's "Sécurité du compte" in Chromium, against a local stack of its own: the owner sets up
an authenticator app from the QR code's secret, signs in again with its code (a wrong one refused),
then turns it off, and the next sign-in asks no code.

The codes are computed here from the secret the page shows (RFC 6238), as the owner's phone would;
the local Cognito checks them against that account's secret (devstack/cognito.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import skip_without_chromium
from tests.browser.test_console import browser, check, fits_a_phone, new_page, no_page_errors, sign_in
from tests.devstack.totp import code_now, wrong_code
from tests.e2e.conftest import Stack, running_stack

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.e2e, pytest.mark.browser, skip_without_chromium]

__all__ = ["browser"]  # the fixture, shared with the console's story

TITLE = "Sécurité du compte"
CODE_AT_SIGN_IN = "Code de votre application d’authentification"
WRONG = "Ce code n’est pas le bon : saisissez celui que votre application affiche maintenant."


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack for this story alone: the demo owner's sign-in asks for a code for a while."""
    with running_stack(request.config, tmp_path_factory.mktemp("security-stack"), "security's stack") as running:
        yield running


def password_step(page: Page, stack: Stack, email: str, password: str) -> None:
    page.goto(f"{stack.api_url}/app/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def state(page: Page) -> str:
    from playwright.sync_api import expect

    shown = page.get_by_test_id("totp-state")
    expect(shown).to_be_visible()
    return shown.locator("strong").inner_text()


def test_the_owner_sets_up_an_authenticator_app_signs_in_with_it_and_turns_it_off(
    stack: Stack, browser: Browser
) -> None:
    from playwright.sync_api import expect

    owner = stack.demo["owner"]
    page = new_page(browser, permissions=["clipboard-read", "clipboard-write"])
    sign_in(page, stack, owner["email"], owner["password"])

    # ---- from the header, the screen: off; the QR code and its secret, grouped by 4
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert page.url == f"{stack.api_url}/app/account/security"
    assert state(page) == "désactivée"
    page.get_by_role("button", name="Activer l’application d’authentification").click()
    expect(page.get_by_role("heading", name="Configurer l’application")).to_be_focused()
    qr = page.get_by_role("img", name="QR code à scanner avec votre application d’authentification")
    expect(qr).to_be_visible()
    assert qr.evaluate("e => e.tagName") == "svg" and len(qr.locator("path").get_attribute("d") or "") > 1000
    grouped = page.get_by_label("Clé de configuration").input_value()
    secret = grouped.replace(" ", "")
    stack.secrets.add(secret)
    assert grouped == " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) and len(secret) == 32
    page.get_by_role("button", name="Copier la clé").click()
    expect(page.get_by_role("button", name="Clé copiée")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == secret
    check(page, "13-securite")
    fits_a_phone(page)

    # ---- a wrong code is refused beside its field; the right one turns the app on
    field = page.get_by_label("Code à 6 chiffres affiché par l’application")
    field.fill(wrong_code(secret))
    page.get_by_role("button", name="Vérifier et activer").click()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field .problem")).to_have_text(WRONG)
    expect(field).to_be_focused()
    assert state(page) == "désactivée"
    code = code_now(secret)
    stack.secrets.add(code)
    field.fill(code)
    page.get_by_role("button", name="Vérifier et activer").click()
    expect(page.get_by_role("status")).to_have_text(
        "L’application d’authentification est activée : la prochaine connexion demandera son code."
    )
    assert state(page) == "activée"
    expect(page.get_by_label("Clé de configuration")).to_have_count(0)

    # ---- signed out and in again: the password, then the code (a wrong one refused)
    page.get_by_role("button", name="Se déconnecter").click()
    password_step(page, stack, owner["email"], owner["password"])
    asked = page.get_by_label(CODE_AT_SIGN_IN)
    expect(asked).to_be_visible()
    asked.fill(wrong_code(secret))
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_have_text(WRONG)
    code = code_now(secret)
    stack.secrets.add(code)
    asked.fill(code)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Mes coffres")).to_be_visible()

    # ---- turned off, once confirmed: the next sign-in asks no code
    page.get_by_role("link", name=TITLE).click()
    assert state(page) == "activée"
    messages: list[str] = []
    page.once("dialog", lambda confirm: (messages.append(confirm.message), confirm.dismiss()))
    page.get_by_role("button", name="Désactiver").click()
    expect(page.get_by_role("button", name="Désactiver")).to_be_visible()
    assert messages == [
        "Désactiver l’application d’authentification ? La connexion ne demandera plus que le mot de passe."
    ]
    assert state(page) == "activée"
    page.once("dialog", lambda confirm: confirm.accept())
    page.get_by_role("button", name="Désactiver").click()
    expect(page.get_by_role("status")).to_have_text("L’application d’authentification est désactivée.")
    assert state(page) == "désactivée"
    page.get_by_role("button", name="Se déconnecter").click()
    sign_in(page, stack, owner["email"], owner["password"])
    expect(page.get_by_label(CODE_AT_SIGN_IN)).to_have_count(0)
    no_page_errors(page)
    page.context.close()
