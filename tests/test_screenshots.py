"""The README's console screenshots are the browser story's: one file per screen it photographs."""

from __future__ import annotations

from tests.browser.test_console import SCREENS
from tests.e2e.conftest import REPO


def test_docs_hold_a_screenshot_of_every_screen_the_story_photographs() -> None:
    shots = REPO / "docs" / "screenshots"
    assert sorted(p.stem for p in shots.glob("*.png")) == sorted(SCREENS), "run `make screenshots`"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in ("01-connexion", "03-dossier", "05-lien-cree", "09-invitation-assistant", "12-invite-depot"):
        assert f"docs/screenshots/{name}.png" in readme
