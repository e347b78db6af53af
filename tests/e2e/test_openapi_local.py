"""The local stack serves the API's OpenAPI document and Swagger UI (local only, never deployed),
and what it answers over HTTP is what that document says."""

from __future__ import annotations

import json
import secrets
from typing import Any

import jsonschema
import pytest

from devstack.client import Answer, ApiClient
from devstack.gateway import OPENAPI_FILE, SWAGGER_ASSETS, SWAGGER_PATH
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


def conforms(document: dict[str, Any], path: str, method: str, answer: Answer) -> None:
    """The answer's status is documented for the operation, and its JSON body fits the schema."""
    documented = document["paths"][path][method]["responses"]
    assert str(answer.status) in documented, (method, path, answer.status)
    schema = documented[str(answer.status)]["content"]["application/json"]["schema"]
    # References (#/components/...) resolve against the document's components.
    jsonschema.validate(answer.json(), {**schema, "components": document["components"]})


def test_the_openapi_document_is_served_as_committed(stack: Stack) -> None:
    answer = stack.client().get("/_local/openapi.json")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.body == OPENAPI_FILE.read_bytes()


def test_swagger_ui_is_served_with_its_assets_from_the_stack(stack: Stack) -> None:
    client = stack.client()
    page = client.get(SWAGGER_PATH, headers={"Accept": "text/html"})
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.body.decode()
    assert "SwaggerUIBundle" in html and '"openapi": "3.1.0"' in html  # the document, inline
    for asset, content_type in SWAGGER_ASSETS.items():
        assert f"'{asset}'" in html, asset  # linked from the stack itself: no CDN
        served = client.get(asset, headers={"Accept": "*/*"})
        assert served.status == 200 and served.headers["Content-Type"] == content_type, asset
        assert len(served.body) > 10_000, asset
    as_json = client.get(f"{SWAGGER_PATH}?format=json")
    assert as_json.status == 200 and json.loads(as_json.body)["info"]["title"] == "vault-share"


def test_live_answers_fit_the_document(stack: Stack, owner: ApiClient) -> None:
    document = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    conforms(document, "/vaults", "get", owner.get("/vaults"))
    conforms(document, "/me", "get", owner.get("/me"))
    vault_id = stack.demo["vaultId"]
    conforms(document, "/vaults/{vaultId}/dossiers", "get", owner.get(f"/vaults/{vault_id}/dossiers"))
    anonymous = stack.client()
    conforms(document, "/vaults", "get", anonymous.get("/vaults"))  # 401, from the gateway
    token = secrets.token_urlsafe(32)
    conforms(document, "/share/{token}", "get", anonymous.get(f"/share/{token}"))  # 404
    conforms(document, "/invite/{token}", "post", anonymous.post(f"/invite/{token}", {"code": "123456"}))  # 404
