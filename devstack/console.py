"""The owner console (console/, built by Vite into console/dist) served at /app/, as CloudFront serves it.

- `/app/config.json` is written from the running stack (API URL, user pool, client, Cognito's
  endpoint): the same build runs here and deployed, where the file is uploaded beside it.
- Deep links (`/app/vaults/…`, no file extension) are answered with index.html: the app routes them.
- Hashed assets are cached for a year; index.html and config.json are revalidated every time.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from devstack.events import HttpAnswer
from devstack.gateway import error_answer, json_answer

PREFIX = "/app"
DIST = Path(__file__).resolve().parent.parent / "console" / "dist"


def security_headers(connect: list[str]) -> list[tuple[str, str]]:
    """What every answer carries; `connect` are the origins the app calls besides its own (Cognito, S3)."""
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {' '.join(connect)}; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'; object-src 'none'"
    )
    return [
        ("Content-Security-Policy", policy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
    ]


class ConsoleSite:
    def __init__(self, config: dict[str, Any], *, dist: Path = DIST, connect: list[str] | None = None) -> None:
        self.config = config
        self.dist = dist.resolve()
        self.headers = security_headers(connect or [])

    def answer(self, method: str, path: str) -> HttpAnswer:
        if method not in ("GET", "HEAD"):
            return error_answer(405, "method_not_allowed", "Méthode non autorisée.", [("Allow", "GET, HEAD")])
        if path == PREFIX:
            return HttpAnswer(301, [("Location", f"{PREFIX}/")], b"")
        relative = path.removeprefix(f"{PREFIX}/")
        if relative == "config.json":
            return json_answer(200, self.config, [("Cache-Control", "no-cache"), *self.headers])
        index = self.dist / "index.html"
        if not index.is_file():
            return error_answer(
                503, "console_not_built", "La console n'est pas construite : lancez `make run` (ou `make console`)."
            )
        file = self._file(relative)
        if file is not None:
            media = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            if media.startswith("text/") or media in ("application/javascript", "image/svg+xml"):
                media += "; charset=utf-8"
            cache = "public, max-age=31536000, immutable" if relative.startswith("assets/") else "no-cache"
            return self._page(file.read_bytes(), media, cache)
        if "." in relative.rsplit("/", 1)[-1]:
            return error_answer(404, "not_found", "Ressource introuvable.")
        return self._page(index.read_bytes(), "text/html; charset=utf-8", "no-cache")  # a deep link: the app routes it

    def _page(self, body: bytes, media: str, cache: str) -> HttpAnswer:
        return HttpAnswer(200, [("Content-Type", media), ("Cache-Control", cache), *self.headers], body)

    def _file(self, relative: str) -> Path | None:
        if not relative or relative.endswith("/"):
            return None
        candidate = (self.dist / relative).resolve()
        if not candidate.is_relative_to(self.dist) or not candidate.is_file():
            return None
        return candidate


def config_for(info: dict[str, Any], letter_cost_cents: int) -> dict[str, Any]:
    """config.json for the local stack: Cognito is the embedded one, where USER_PASSWORD_AUTH is allowed."""
    return {
        "apiUrl": info["apiUrl"],
        "region": info["region"],
        "userPoolId": info["userPoolId"],
        "userPoolClientId": info["userPoolClientId"],
        "cognitoEndpoint": info["awsEndpoint"],
        "authFlow": "USER_PASSWORD_AUTH",
        "letterCostCents": letter_cost_cents,
    }


__all__ = ["ConsoleSite", "config_for"]
