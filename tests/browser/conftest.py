"""A real browser against the local stack: Debian's Chromium, driven by Playwright for Python.

The stack is tests/e2e's session fixture, imported here. pytest keys a fixture by the conftest
that defines it, so this directory gets a stack of its own: its outbox and clock are not shared
with the HTTP suite (which moves the clock), and neither suite depends on the other's order.

Chromium is /usr/bin/chromium from Debian's `chromium` package (scripts/ensure-chromium.sh
installs it as root; `make test` runs that script). Playwright's own browser download is not used.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from devstack.browser import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.conftest import sign_in, stack

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ViewportSize

__all__ = ["phone", "sign_in", "skip_without_chromium", "stack"]

CHROMIUM_MISSING = not os.access(CHROMIUM, os.X_OK)
# Only where nobody could have installed it: as root (CI) a missing Chromium is a failure.
SKIP_REASON = (
    f"{CHROMIUM} is missing and we are not root: install Debian's chromium "
    "(sudo apt-get install chromium, or sudo bash scripts/ensure-chromium.sh) to run the browser tests"
)
# A phone held upright (iPhone 12 to 15 class): the pages must read well there.
PHONE_VIEWPORT: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


skip_without_chromium = pytest.mark.skipif(CHROMIUM_MISSING and os.geteuid() != 0, reason=SKIP_REASON)


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[BrowserContext]:
    """A fresh Chromium profile with a phone-sized viewport, French, downloads accepted."""
    if CHROMIUM_MISSING:
        pytest.fail(f"{CHROMIUM} is missing although we run as root: run `bash scripts/ensure-chromium.sh` first")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install -e '.[dev]' (make test does)")
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            chromium_sandbox=False,
            args=CHROMIUM_ARGS,
            viewport=PHONE_VIEWPORT,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="fr-FR",
            timezone_id="Europe/Paris",
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()
