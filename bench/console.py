"""The owner console's figures: what a browser downloads, and how soon the first screen is usable.

- `console.bundle.gzip_kb`: console/dist's scripts and stylesheets, gzip-compressed (as CloudFront
  serves them with Compress), in kB.
- `console.first_screen_ms`: a fresh Chromium profile opens /app/ on the local stack (a subprocess, as
  `make run` starts it) until the sign-in form can be typed in: page, scripts, config.json.
- `console.dossier_screen_ms`: from "Se connecter" to the demo dossier's documents on screen (a real
  InitiateAuth against the embedded Cognito, then three API calls), for information.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import load, report
from bench.report import Row
from devstack.browser import CHROMIUM, CHROMIUM_ARGS

DIST = Path(__file__).resolve().parent.parent / "console" / "dist"
RUNS = 7


def bundle_gzip_kb(dist: Path = DIST) -> float:
    assets = [p for p in (dist / "assets").glob("*") if p.suffix in (".js", ".css")]
    if not assets:
        raise RuntimeError(f"{dist} has no build: run `make console` first")
    return sum(len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in assets) / 1024


def screens(api_url: str, demo: dict[str, Any], runs: int) -> tuple[list[float], list[float]]:
    from playwright.sync_api import expect, sync_playwright

    first: list[float] = []
    dossier: list[float] = []
    owner = demo["owner"]
    path = f"/app/vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
                page = context.new_page()
                started = time.perf_counter()
                page.goto(api_url + path)
                expect(page.get_by_label("Adresse e-mail")).to_be_editable()
                first.append((time.perf_counter() - started) * 1000)
                page.get_by_label("Adresse e-mail").fill(owner["email"])
                page.get_by_label("Mot de passe").fill(owner["password"])
                started = time.perf_counter()
                page.get_by_role("button", name="Se connecter").click()
                expect(page.locator("table.documents tbody tr").first).to_be_visible()
                dossier.append((time.perf_counter() - started) * 1000)
                context.close()
        finally:
            browser.close()
    return first, dossier


def rows(progress: Callable[[str], None], runs: int = RUNS) -> list[Row]:
    size = bundle_gzip_kb()
    progress(f"console: {runs} fresh browser profiles open the console on a local stack")
    with load.local_stack() as stack:
        first, dossier = screens(stack.api_url, stack.info["demo"], runs)
    return [
        report.stats("console.bundle.gzip_kb", [round(size, 1)], "<= 100", lambda kb: kb <= 100),
        report.stats("console.first_screen_ms", first, "<= 1000", lambda ms: ms <= 1000),
        report.stats("console.dossier_screen_ms", dossier),
    ]
