"""The HTTP front door: API Gateway emulation for template routes, plus /_local/* (the API's
OpenAPI document and Swagger UI among them)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aws_lambda_powertools.event_handler.openapi import swagger_ui
from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

from devstack.authorizer import AuthorizationError, CognitoAuthorizer
from devstack.events import HttpAnswer, RouteTable, bad_gateway, build_event, map_response
from devstack.functions import FunctionPool
from devstack.template import ApiRoute

log = logging.getLogger("devstack.gateway")

# API Gateway refuses payloads over 10 MB before any function runs.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024

LocalHandler = Callable[[str, bytes, dict[str, str]], HttpAnswer]

# The names a page elsewhere cannot borrow by DNS rebinding: loopback literals and localhost.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The listen backlog: socketserver's default (5) resets bursts of concurrent clients.
    request_queue_size = 128


def json_answer(status: int, body: Any, headers: list[tuple[str, str]] | None = None) -> HttpAnswer:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return HttpAnswer(status, [("Content-Type", "application/json"), *(headers or [])], payload)


def error_answer(status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None) -> HttpAnswer:
    return json_answer(status, {"error": code, "message": message}, headers)


# ---------------------------------------------------------------- the API's document (local only)

OPENAPI_PATH = "/_local/openapi.json"
SWAGGER_PATH = "/_local/swagger"
OPENAPI_FILE = Path(__file__).resolve().parent.parent / "openapi.json"  # `make openapi` writes it
# Swagger UI as Powertools ships it (its enable_swagger's offline copy): served from here, no CDN.
SWAGGER_ASSETS = {
    f"{SWAGGER_PATH}/swagger-ui-bundle.min.js": "application/javascript",
    f"{SWAGGER_PATH}/swagger-ui.min.css": "text/css",
}
_NO_STORE = ("Cache-Control", "no-store")


def _openapi_text() -> str | None:
    try:
        return OPENAPI_FILE.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _no_document() -> HttpAnswer:
    return error_answer(503, "openapi_missing", "openapi.json est absent : lancez `make openapi`.")


def _openapi(_query: str, _body: bytes, _headers: dict[str, str]) -> HttpAnswer:
    text = _openapi_text()
    if text is None:
        return _no_document()
    return HttpAnswer(200, [("Content-Type", "application/json"), _NO_STORE], text.encode("utf-8"))


def _swagger(query: str, body: bytes, headers: dict[str, str]) -> HttpAnswer:
    """Swagger UI on the committed document; `?format=json` is the document (the page's own link)."""
    if parse_qs(query).get("format") == ["json"]:
        return _openapi(query, body, headers)
    text = _openapi_text()
    if text is None:
        return _no_document()
    js, css = SWAGGER_ASSETS
    page = generate_swagger_html(text.replace("</", "<\\/"), js, css, SWAGGER_PATH, None, persist_authorization=True)
    return HttpAnswer(200, [("Content-Type", "text/html; charset=utf-8"), _NO_STORE], page.encode("utf-8"))


def _asset(path: str) -> LocalHandler:
    file = Path(swagger_ui.__file__).with_name(path.rsplit("/", 1)[1])

    def serve(_query: str, _body: bytes, _headers: dict[str, str]) -> HttpAnswer:
        return HttpAnswer(200, [("Content-Type", SWAGGER_ASSETS[path])], file.read_bytes())

    return serve


def docs_routes() -> dict[tuple[str, str], LocalHandler]:
    """GET /_local/openapi.json and /_local/swagger (with its two assets)."""
    return {
        ("GET", OPENAPI_PATH): _openapi,
        ("GET", SWAGGER_PATH): _swagger,
        **{("GET", path): _asset(path) for path in SWAGGER_ASSETS},
    }


class Gateway:
    """Binds its port at once (the public URL must be known before functions load); `mount` adds the API."""

    def __init__(self, *, host: str, port: int, stage: str, account: str) -> None:
        self.stage = stage
        self.account = account
        self.api_id = "local"
        self.table = RouteTable([])
        self.pools: dict[str, FunctionPool] = {}
        self.authorizer: CognitoAuthorizer | None = None
        self.cors: dict[str, str] = {}
        self.local_routes: dict[tuple[str, str], LocalHandler] = {}
        # The owner console at /app/ (devstack.console), set once the stack knows its config.
        self.console: Any = None
        self.server = _Server((host, port), self._handler_class())
        self._thread: threading.Thread | None = None

    def mount(
        self,
        *,
        routes: list[ApiRoute],
        pools: dict[str, FunctionPool],
        authorizer: CognitoAuthorizer,
        cors: dict[str, str],
        local_routes: dict[tuple[str, str], LocalHandler],
    ) -> None:
        self.table = RouteTable(routes)
        self.pools = pools
        self.authorizer = authorizer
        self.cors = cors
        self.local_routes = {**docs_routes(), **local_routes}

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """`Host` values this gateway answers: the loopback names with its port (bare on port 80)."""
        hosts = {f"{name}:{self.port}" for name in LOOPBACK_HOSTS}
        if self.port == 80:
            hosts.update(LOOPBACK_HOSTS)
        return frozenset(hosts)

    def refuse_host(self, hosts: list[str]) -> HttpAnswer | None:
        """DNS rebinding: a page on another site that makes its name resolve to 127.0.0.1 still
        sends its own name as `Host`. Answer only ours; a missing or repeated Host is a 400."""
        if len(hosts) != 1 or not hosts[0].strip():
            return error_answer(400, "invalid_host", "La requête doit porter un et un seul en-tête Host.")
        if hosts[0].strip().lower() not in self.allowed_hosts:
            return error_answer(
                421,
                "misdirected_request",
                f"Cette pile locale ne répond qu'à 127.0.0.1, localhost et [::1] sur le port {self.port}.",
            )
        return None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, name="gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    # ---------------------------------------------------------------- dispatch

    def handle(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, client: str) -> HttpAnswer:
        parts = urlsplit(target)
        path = parts.path or "/"
        header_map = {k.lower(): v for k, v in headers}
        if path.startswith("/_local/"):
            local = self.local_routes.get((method if method != "HEAD" else "GET", path))
            if local is None:
                return error_answer(404, "not_found", "Ressource introuvable.")
            if method == "POST" and _media_type(header_map.get("content-type")) != "application/json":
                # A form on another site can POST here without a preflight; JSON it cannot.
                return error_answer(
                    415, "unsupported_media_type", "Les requêtes POST vers /_local/ doivent être en application/json."
                )
            return local(parts.query, body, header_map)
        if self.console is not None and (path == "/app" or path.startswith("/app/")):
            return self.console.answer(method, path)
        route, params, allowed = self.table.match(method, path)
        if method == "OPTIONS" and allowed:
            return self._preflight()
        if route is None:
            if allowed:
                return error_answer(
                    405, "method_not_allowed", "Méthode non autorisée.", [("Allow", ", ".join(allowed))]
                )
            return error_answer(404, "not_found", "Ressource introuvable.")
        if len(body) > MAX_PAYLOAD_BYTES:
            return error_answer(413, "payload_too_large", "Requête trop volumineuse.")
        claims = None
        if route.authorized:
            assert self.authorizer is not None
            try:
                claims = self.authorizer.claims(header_map.get("authorization"))
            except AuthorizationError:
                return error_answer(401, "unauthorized", "Authentification requise.")
        event = build_event(
            route=route,
            path=path,
            path_parameters=params,
            method=method,
            query=parts.query,
            headers=headers,
            body=body,
            source_ip=client,
            stage=self.stage,
            api_id=self.api_id,
            account=self.account,
            claims=claims,
        )
        try:
            result = self.pools[route.function].invoke(event)
        except Exception:  # a crashed function is API Gateway's 502
            log.exception("function %s raised", route.function)
            return bad_gateway()
        return map_response(result)

    def _preflight(self) -> HttpAnswer:
        headers = [(f"Access-Control-{name}", value) for name, value in self.cors.items()]
        return HttpAnswer(200, headers, b"")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "vault-share-local"

            def _serve(self) -> None:
                declared = (self.headers.get("Content-Length") or "0").strip()
                length = int(declared) if declared.isascii() and declared.isdigit() else -1
                refused = gateway.refuse_host(self.headers.get_all("Host") or [])
                if refused is not None or length < 0:
                    answer = refused or error_answer(400, "invalid_content_length", "En-tête Content-Length invalide.")
                    self.close_connection = True  # the body, if any, is left unread
                elif length > MAX_PAYLOAD_BYTES:
                    answer = error_answer(413, "payload_too_large", "Requête trop volumineuse.")
                    self.close_connection = True
                else:
                    body = self.rfile.read(length) if length else b""
                    answer = gateway.handle(
                        self.command, self.path, list(self.headers.items()), body, self.client_address[0]
                    )
                if answer.status in (204, 304) or answer.status < 200:
                    answer = HttpAnswer(answer.status, answer.headers, b"")  # HTTP forbids a body here
                self.send_response(answer.status)
                for name, value in answer.headers:
                    if name.lower() not in ("content-length", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve  # noqa: N815

            def __getattr__(self, name: str) -> Any:
                # Any other method (TRACE, QUERY...) too: http.server would answer it with its own
                # 501 page, a 5xx that no route gives; the routes answer 405 (or 404).
                if name.startswith("do_"):
                    return self._serve
                raise AttributeError(name)

            def log_message(self, format: str, *args: Any) -> None:
                # Paths may carry share tokens: log method and status only.
                log.debug("%s %s", self.command, args[1] if len(args) > 1 else "")

        return Handler
