"""The owner console in Chromium, against a local stack of its own, as a garage's staff uses it.

One story, in the order the issue tells it: the owner signs in, selects every document of the demo
dossier, makes a one-time link with a generated code and an e-mail; the recipient, in a second
browser, opens the e-mail from the outbox, unlocks and downloads; the owner sees the link used, the
journal entry and a notification without reloading. Then the owner adds a person, finds people
whatever their accents, invites DUPONT Alain (e-mail + SMS), reads the code and "Nombre de
relances 0", relaunches once the local clock has moved; Alain accepts, signs in to the console, sees
only what a guest may and uploads a document with its progress.

Every screen is scanned with axe-core (no serious or critical violation) and photographed: into
build/screenshots/console/ normally, into docs/screenshots/ with `make screenshots` (the README's).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from devstack.browser import CHROMIUM, CHROMIUM_ARGS
from devstack.seed import GUEST_EMAIL, GUEST_MOBILE
from tests.browser.conftest import PHONE_VIEWPORT, TIMEOUT_MS, skip_without_chromium
from tests.browser.test_invitation_accept import ACCEPT, PASSWORD_LABEL, new_password
from tests.browser.test_invitation_accept import CODE_LABEL as INVITATION_CODE_LABEL
from tests.browser.test_link_download import link_in, newest_email_to, submit_code
from tests.e2e.conftest import REPO, Stack, running_stack
from tests.e2e.test_walkthrough import SIX_DIGITS, invitation_link
from tests.fixtures import report

if TYPE_CHECKING:  # imported where used: without Chromium (and not root) the module must still collect and skip
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.e2e, pytest.mark.browser, skip_without_chromium]

AXE = REPO / "console" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or REPO / "build" / "screenshots" / "console")
DESKTOP = {"width": 1280, "height": 860}
RECIPIENT = "agent.siv@prefecture.example.fr"
WELCOME = "Bienvenue chez GARAGE AUTO : déposez ici votre justificatif de domicile."
# Every screen the stories photograph, in order (13: tests/browser/test_account_security.py):
# docs/screenshots holds exactly these (make screenshots).
SCREENS = (
    "01-connexion",
    "02-coffre",
    "03-dossier",
    "04-lien-dialogue",
    "05-lien-cree",
    "06-notifications",
    "07-nouvelle-personne",
    "08-personnes",
    "09-invitation-assistant",
    "10-invitation-suivie",
    "11-invite-accueil",
    "12-invite-depot",
    "13-securite",
)
# Polled screens (links, journal, bell) refresh every 5 s: two rounds and some slack.
REFRESHED_MS = 15_000


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack for this story alone: it moves the clock and invites DUPONT Alain, as other tests do."""
    with running_stack(request.config, tmp_path_factory.mktemp("console-stack"), "console's stack") as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing although we run as root: run `bash scripts/ensure-chromium.sh` first")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, chromium_sandbox=False, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


def new_page(browser: Browser, **options: Any) -> Page:
    context = browser.new_context(
        viewport=DESKTOP, locale="fr-FR", timezone_id="Europe/Paris", accept_downloads=True, **options
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.problems = problems  # type: ignore[attr-defined]
    return page


def no_page_errors(page: Page) -> None:
    # Refused API calls the test makes on purpose answer 4xx: the browser logs them as failed loads.
    errors = [p for p in page.problems if "status of 4" not in p]  # type: ignore[attr-defined]
    assert not errors, errors


def check(page: Page, name: str) -> None:
    """axe-core on the screen as it is: no serious or critical violation; then its screenshot."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Through the DevTools protocol, which the page's CSP (script-src 'self') does not govern:
        # the console is scanned with its real policy on.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    results = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 3).map(n => n.html)}))"""
    )
    assert results == [], f"{name}: {json.dumps(results, ensure_ascii=False, indent=1)}"
    assert name in SCREENS, f"{name}: add it to SCREENS (and run make screenshots)"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits_a_phone(page: Page) -> None:
    """At a phone's width the screen scrolls down, never sideways."""
    page.set_viewport_size(PHONE_VIEWPORT)
    try:
        page.wait_for_timeout(100)
        width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1], f"{page.url} scrolls sideways at {PHONE_VIEWPORT['width']} px: {width}"
    finally:
        page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]


def sign_in(page: Page, stack: Stack, email: str, password: str, path: str = "/app/") -> float:
    """Opens the console and signs in; returns the seconds until the sign-in screen was usable."""
    from playwright.sync_api import expect

    started = time.monotonic()
    page.goto(f"{stack.api_url}{path}")
    field = page.get_by_label("Adresse e-mail")
    expect(field).to_be_editable()
    first_screen = time.monotonic() - started
    field.fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    return first_screen


def newest_sms_to(stack: Stack, number: str) -> str:
    answer = stack.client().get("/_local/outbox", headers={"Accept": "application/json"})
    texts = [m["text"] for m in answer.json()["sms"] if m["to"] == number]
    assert texts, f"no SMS to {number}"
    return str(texts[-1])


def test_the_owner_shares_invites_and_the_guest_uploads(
    stack: Stack, browser: Browser, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import expect

    demo, owner = stack.demo, stack.demo["owner"]
    page = new_page(browser, permissions=["clipboard-read", "clipboard-write"])

    # ---- sign in: a wrong password is refused in French, then the real one
    page.goto(f"{stack.api_url}/app/vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}")
    check(page, "01-connexion")
    page.get_by_label("Adresse e-mail").fill(owner["email"])
    page.get_by_label("Mot de passe").fill("Pas-le-bon-2026")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_have_text("Adresse e-mail ou mot de passe incorrect.")
    page.get_by_label("Mot de passe").fill(owner["password"])
    page.get_by_role("button", name="Se connecter").click()
    # The deep link survives the sign-in: the demo dossier, its four documents.
    expect(page.get_by_role("heading", level=1)).to_have_text("SIV AB-123-CD")
    page.get_by_role("navigation", name="Fil d’Ariane").get_by_role("link", name="GARAGE AUTO").click()
    expect(page.get_by_role("heading", name="Dossiers")).to_be_visible()
    check(page, "02-coffre")
    page.get_by_role("link", name="SIV AB-123-CD").click()
    rows = page.locator("table.documents tbody tr")
    expect(rows).to_have_count(4)
    check(page, "03-dossier")
    fits_a_phone(page)

    # ---- select all, then the link dialog from the dossier's menu
    page.get_by_label("Sélectionner tous les documents").check()
    for box in page.locator("table.documents tbody input[type=checkbox]").all():
        expect(box).to_be_checked()
    expect(page.get_by_text("4 documents sélectionnés.")).to_be_visible()
    page.get_by_role("button", name="Actions du dossier").click()
    page.get_by_role("menuitem", name="Lien de téléchargement").click()
    dialog = page.get_by_role("dialog", name="Lien de téléchargement")
    expect(dialog).to_be_visible()
    expect(dialog.locator("ul.chosen li")).to_have_count(4)
    dialog.get_by_role("button", name="Générer un code").click()
    code = dialog.get_by_label("Code à 6 chiffres").input_value()
    assert SIX_DIGITS.fullmatch(code), code
    stack.secrets.add(code)
    dialog.get_by_label("E-mail du destinataire (facultatif)").fill(RECIPIENT)
    check(page, "04-lien-dialogue")
    dialog.get_by_role("button", name="Créer le lien").click()
    expect(dialog.get_by_role("status")).to_have_text("Le lien est créé.")
    expect(dialog.get_by_test_id("link-code")).to_have_text(code)
    expect(dialog.get_by_role("note")).to_contain_text("Ce code ne sera plus jamais affiché")
    expect(dialog.get_by_text(f"Le lien a été envoyé par e-mail à {RECIPIENT}.")).to_be_visible()
    url = dialog.get_by_label("Lien", exact=True).input_value()
    dialog.get_by_role("button", name="Copier le lien").click()
    expect(dialog.get_by_role("button", name="Lien copié")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    check(page, "05-lien-cree")
    dialog.get_by_role("button", name="Fermer").first.click()
    expect(dialog).to_be_hidden()
    link_row = page.locator("table.links tbody tr").first
    expect(link_row).to_contain_text("Actif")
    expect(link_row).to_contain_text(RECIPIENT)

    # ---- the recipient, in another browser: the e-mail from the outbox, the code, a download
    email = newest_email_to(stack, RECIPIENT)
    assert code not in email["text"] and code not in email["html"]
    stack.secrets.add(url.rsplit("/", 1)[1])
    assert link_in(email) == url
    recipient = new_page(browser)
    recipient.goto(url)
    submit_code(recipient, code)
    expect(recipient.get_by_role("heading", level=1)).to_have_text("Vos documents")
    with recipient.expect_download() as downloading:
        recipient.get_by_role("link", name="Télécharger mandat-immatriculation.pdf", exact=True).click()
    assert downloading.value.suggested_filename == "mandat-immatriculation.pdf"
    recipient.context.close()

    # ---- back in the console, nothing reloaded: used, downloaded, journal, notification
    expect(link_row).to_contain_text("Utilisé", timeout=REFRESHED_MS)
    expect(link_row).to_contain_text(re.compile(r"mandat-immatriculation\.pdf : téléchargé le"), timeout=REFRESHED_MS)
    expect(page.locator("ol.journal li[data-type='link.used']")).to_have_count(1, timeout=REFRESHED_MS)
    unread = page.get_by_test_id("unread")
    expect(unread).to_be_visible(timeout=REFRESHED_MS)
    assert int(unread.inner_text()) >= 1
    page.get_by_role("button", name=re.compile(r"^Notifications, \d+ non lue")).click()
    panel = page.get_by_role("region", name="Notifications")
    expect(panel.locator("li[data-type='link.used']")).to_have_count(1)
    check(page, "06-notifications")
    page.keyboard.press("Escape")
    expect(unread).to_be_hidden()

    # ---- persons: the "personnes" icon, a new person, a search that ignores accents and case
    page.get_by_role("link", name="Gérer les accès (personnes)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personnes")
    page.get_by_role("button", name="Inviter…").click()
    new_person = page.get_by_role("dialog", name="Nouvelle personne")
    new_person.get_by_label("Nom", exact=True).fill("ÉTIENNE")
    new_person.get_by_label("Prénom").fill("Hélène")
    new_person.get_by_label("E-mail").fill("pas une adresse")
    new_person.get_by_role("button", name="Continuer vers l’invitation").click()
    expect(new_person.locator(".problem")).not_to_have_count(0)  # the API's words, next to the field
    new_person.get_by_label("E-mail").fill("helene.etienne@example.fr")
    check(page, "07-nouvelle-personne")
    new_person.get_by_role("button", name="Continuer vers l’invitation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ÉTIENNE Hélène")
    # Her contact details are edited in place: a mobile added.
    page.get_by_role("button", name="Modifier").click()
    editing = page.get_by_role("dialog", name="Modifier les coordonnées")
    editing.get_by_label("Mobile").fill("06 11 22 33 44")
    editing.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("dl")).to_contain_text("+33611223344")
    page.get_by_role("link", name="Toutes les personnes").click()
    page.get_by_label("Rechercher une personne").fill("etienne")
    expect(page.locator("ul.cards li")).to_have_count(1)
    expect(page.locator("ul.cards li")).to_contain_text("ÉTIENNE Hélène")
    page.get_by_label("Rechercher une personne").fill("DUPONT")
    expect(page.locator("ul.cards li")).to_have_count(1)
    check(page, "08-personnes")
    page.get_by_role("link", name="DUPONT Alain").click()

    # ---- the invitation assistant: home page, rights, the two channels, "Envoyer"
    expect(page.get_by_role("heading", level=1)).to_have_text("DUPONT Alain")
    assistant = page.locator("section", has=page.get_by_role("heading", name="Inviter dans le coffre"))
    # The dossier the owner came from is preselected.
    expect(assistant.get_by_label("SIV AB-123-CD")).to_be_checked()
    expect(assistant).to_contain_text(
        "Aucun droit par défaut sur les dossiers du Coffre sauf celui en lecture des dossiers publics "
        "et en écriture de la page d’accueil"
    )
    expect(assistant).to_contain_text(f"Envoyé par e-mail à {GUEST_EMAIL}.")
    expect(assistant.get_by_label("Mobile")).to_have_value(GUEST_MOBILE)
    expect(assistant).to_contain_text("Envoyé par SMS, séparément du lien.")
    assistant.get_by_label("Texte d’accueil").fill(WELCOME)
    check(page, "09-invitation-assistant")
    fits_a_phone(page)
    assistant.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("heading", name="Invitation envoyée")).to_be_visible()
    invitation_code = page.get_by_test_id("invitation-code").inner_text()
    stack.secrets.add(invitation_code)
    expect(page.get_by_test_id("relaunch-count")).to_have_text("0")
    sms = newest_sms_to(stack, GUEST_MOBILE)
    assert invitation_code in sms
    page.get_by_role("button", name="Suivre l’invitation").click()
    expect(page.get_by_text("Lien : par e-mail (envoyé).")).to_be_visible()
    expect(page.get_by_test_id("relaunch-count")).to_have_text("0")
    # Relaunching at once is refused in the API's words; an hour later it goes.
    page.get_by_role("button", name="Relancer").click()
    expect(page.get_by_role("alert")).to_contain_text("heure")
    moved = stack.client().post("/_local/clock", {"advanceSeconds": 3601})
    assert moved.status == 200, moved.body
    page.get_by_role("button", name="Relancer").click()
    expect(page.get_by_test_id("relaunch-count")).to_have_text("1")
    expect(page.get_by_role("alert")).to_have_count(0)
    check(page, "10-invitation-suivie")
    expect(page.locator("ol.journal li[data-type='invitation.relaunched']")).to_have_count(1, timeout=REFRESHED_MS)
    no_page_errors(page)

    # ---- Alain accepts from the e-mail and the SMS, then signs in to the console
    guest = new_page(browser)
    link = invitation_link(stack, newest_email_to(stack, GUEST_EMAIL)["text"])
    guest.goto(link)
    guest.get_by_label(INVITATION_CODE_LABEL).fill(SIX_DIGITS.search(newest_sms_to(stack, GUEST_MOBILE))[0])  # type: ignore[index]
    password = new_password(stack)
    guest.get_by_label(PASSWORD_LABEL).fill(password)
    guest.get_by_role("button", name=ACCEPT).click()
    expect(guest.get_by_role("status")).to_have_text("Invitation acceptée.")
    first_screen = sign_in(guest, stack, GUEST_EMAIL, password)
    report(request.config, f"console: the sign-in screen was usable {first_screen * 1000:.0f} ms after navigation")
    guest.get_by_role("link", name="GARAGE AUTO").click()
    expect(guest.locator(".welcome")).to_have_text(WELCOME)
    expect(guest.get_by_role("link", name="SIV AB-123-CD")).to_be_visible()
    # Nothing an owner has: no persons, no dossier menu.
    expect(guest.get_by_role("link", name="Personnes")).to_have_count(0)
    # Their own account's security is theirs to set, as an owner's is.
    expect(guest.get_by_role("link", name="Sécurité du compte")).to_be_visible()
    check(guest, "11-invite-accueil")
    guest.get_by_role("link", name="SIV AB-123-CD").click()
    expect(guest.locator("table.documents tbody tr")).to_have_count(4)
    for absent in ("Actions du dossier", "Lien de téléchargement", "Choisir des fichiers"):
        expect(guest.get_by_role("button", name=absent)).to_have_count(0)
    expect(guest.locator("table.documents input[type=checkbox]")).to_have_count(0)
    expect(guest.get_by_role("heading", name="Journal du dossier")).to_have_count(0)
    expect(guest.get_by_role("heading", name="Liens du dossier")).to_have_count(0)
    guest.go_back()

    # ---- the guest uploads into their home page, with its progress bar
    guest.get_by_role("link", name="Ma page d’accueil (déposer des documents)").click()
    body = b"%PDF-1.7\n" + os.urandom(1_500_000)
    guest.get_by_label("Choisir des fichiers", exact=True).and_(guest.locator("input[type=file]")).set_input_files(
        {"name": "justificatif-domicile-alain.pdf", "mimeType": "application/pdf", "buffer": body}
    )
    bar = guest.get_by_role("progressbar", name="Envoi de justificatif-domicile-alain.pdf")
    expect(bar).to_be_visible()
    expect(bar).to_have_attribute("value", "100")
    expect(guest.locator(".sendings")).to_contain_text("Envoyé")
    expect(guest.locator("table.documents tbody")).to_contain_text("justificatif-domicile-alain.pdf")
    expect(guest.locator("table.documents tbody")).to_contain_text("Disponible")
    check(guest, "12-invite-depot")
    no_page_errors(guest)
    guest.context.close()
    page.context.close()


def tab_to(page: Page, name: str, limit: int = 60) -> None:
    """Tab forward until the focused element is named `name`: what a keyboard user does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement;
                return (e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].innerText)
                        || e.innerText || '').trim() }"""
        )
        if focused == name:
            return
    pytest.fail(f"{name!r} cannot be reached with Tab")


def test_the_console_works_with_the_keyboard_alone_and_forgets_the_session_on_reload(
    stack: Stack, browser: Browser
) -> None:
    from playwright.sync_api import expect

    owner = stack.demo["owner"]
    page = new_page(browser)
    page.goto(f"{stack.api_url}/app/")
    tab_to(page, "Adresse e-mail")
    page.keyboard.type(owner["email"])
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mot de passe")).to_be_focused()
    page.keyboard.type(owner["password"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Mes coffres")).to_be_visible()
    tab_to(page, "GARAGE AUTO")
    page.keyboard.press("Enter")
    tab_to(page, "SIV AB-123-CD")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("SIV AB-123-CD")
    # The header's checkbox with the space bar, then the dossier's menu with the arrows.
    tab_to(page, "Sélectionner tous les documents")
    page.keyboard.press("Space")
    expect(page.get_by_text("4 documents sélectionnés.")).to_be_visible()
    menu = page.get_by_role("button", name="Actions du dossier")
    menu.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitem", name="Lien de téléchargement")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Gérer les accès (personnes)")).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Lien de téléchargement")
    expect(dialog).to_be_visible()
    # The dialog holds the focus, and Escape gives it back where it was.
    expect(dialog.locator(":focus")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(menu).to_be_focused()
    # The skip link goes straight to the content.
    page.keyboard.press("Shift+Tab")
    page.get_by_role("link", name="Aller au contenu").focus()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Tokens live in memory only: a reload asks to sign in again, and so does signing out.
    page.reload()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    page.get_by_label("Adresse e-mail").fill(owner["email"])
    page.get_by_label("Mot de passe").fill(owner["password"])
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SIV AB-123-CD")
    stored = page.evaluate(
        "() => JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage}) + document.cookie"
    )
    assert "eyJ" not in stored, "a token was stored where other scripts of the origin could read it"
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    no_page_errors(page)
    page.context.close()


def test_the_owner_revokes_a_link_and_gives_direct_access_with_a_personal_code(stack: Stack, browser: Browser) -> None:
    from playwright.sync_api import expect

    demo, owner = stack.demo, stack.demo["owner"]
    page = new_page(browser)
    sign_in(
        page, stack, owner["email"], owner["password"], f"/app/vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}"
    )

    # A typed code, one document, no e-mail; then revoked from the dossier's links.
    page.get_by_label("Sélectionner piece-identite.pdf").check()
    page.get_by_role("button", name="Lien de téléchargement").click()
    dialog = page.get_by_role("dialog", name="Lien de téléchargement")
    dialog.get_by_label("Code à 6 chiffres").fill("135790")
    dialog.get_by_role("button", name="Créer le lien").click()
    expect(dialog.get_by_text("Aucun e-mail envoyé : transmettez le lien vous-même.")).to_be_visible()
    stack.secrets.add(dialog.get_by_label("Lien", exact=True).input_value().rsplit("/", 1)[1])
    dialog.get_by_role("button", name="Fermer").first.click()
    newest = page.locator("table.links tbody tr").first
    expect(newest).to_contain_text("Actif")
    expect(newest).to_contain_text("piece-identite.pdf : pas encore téléchargé")
    page.once("dialog", lambda confirm: confirm.accept())
    newest.get_by_role("button", name="Révoquer").click()
    expect(newest).to_contain_text("Révoqué")
    expect(newest.get_by_role("button", name="Révoquer")).to_have_count(0)

    # Direct access: a person who has an account gives the personal code of their profile.
    email, password = "paul.martin@example.fr", f"Compte-{os.urandom(4).hex()}-X9"
    stack.create_user(email, password)
    personal_code = stack.client(stack.sign_in(email, password)).get("/me").json()["personalCode"]
    stack.secrets.add(personal_code)
    page.get_by_role("link", name="Gérer les accès (personnes)").click()  # a reload would sign out
    page.get_by_role("button", name="Inviter…").click()
    adding = page.get_by_role("dialog", name="Nouvelle personne")
    adding.get_by_label("Nom", exact=True).fill("MARTIN")
    adding.get_by_label("Prénom").fill("Paul")
    adding.get_by_role("button", name="Continuer vers l’invitation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MARTIN Paul")
    direct = page.locator("section", has=page.get_by_role("heading", name="Accès direct"))
    expect(direct.get_by_label("SIV AB-123-CD")).to_be_checked()
    direct.get_by_label("Code personnel d’identification").fill("ZZZZ-ZZZZ-ZZZZ")
    direct.get_by_role("button", name="Donner l’accès").click()
    expect(direct.get_by_role("alert")).to_be_visible()
    assert "ZZZZ" not in direct.get_by_role("alert").inner_text()
    direct.get_by_label("Code personnel d’identification").fill(personal_code)
    direct.get_by_role("button", name="Donner l’accès").click()
    expect(page.get_by_text("A accès au coffre (Invité).")).to_be_visible()
    expect(page.locator("ol.journal li[data-type='access.granted']")).to_have_count(1, timeout=REFRESHED_MS)
    no_page_errors(page)
    page.context.close()
