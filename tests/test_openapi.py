"""openapi.json: what the code says (regenerated in memory), valid OpenAPI, every route of
template.yaml and nothing else, the bearer scheme where API Gateway wants it, and every error
code the domain raises documented."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from vault_share.api import openapi as doc

from devstack import template
from scripts import openapi as generator

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "shared" / "vault_share"
METHODS = ("get", "head", "post", "put", "patch", "delete", "options")


@cache
def committed() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(generator.OUTPUT.read_text(encoding="utf-8"))
    return document


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def routes() -> dict[tuple[str, str], template.ApiRoute]:
    """template.yaml's routes; its paths are API Gateway's (`{x}`), as OpenAPI writes them."""
    return {(r.method, r.path): r for spec in template.functions(template.load()) for r in spec.routes}


def test_the_committed_document_is_what_the_code_says() -> None:
    fresh = generator.render(generator.build())
    assert fresh == generator.OUTPUT.read_text(encoding="utf-8"), (
        "openapi.json differs from the routes, their decorators or vault_share.api.schemas: "
        "run `make openapi` (python -m scripts.openapi) and commit openapi.json"
    )


def test_the_document_is_valid_openapi() -> None:
    validate(committed())
    assert committed()["openapi"].startswith("3.1")


def test_title_and_version_are_the_projects() -> None:
    project = generator._project()
    assert committed()["info"]["title"] == project["name"]
    assert committed()["info"]["version"] == project["version"]


def test_every_routed_method_and_path_is_documented_and_nothing_else() -> None:
    routed, documented = set(routes()), set(operations(committed()))
    assert routed - documented == set(), "routed in template.yaml, missing from openapi.json"
    assert documented - routed == set(), "in openapi.json, routed nowhere in template.yaml"


def test_the_bearer_token_is_asked_where_api_gateway_asks_it() -> None:
    documented = operations(committed())
    for key, route in routes().items():
        operation = documented[key]
        security = operation.get("security")
        if route.authorized:
            assert security == doc.OWNER_SECURITY, key
            assert "401" in operation["responses"], key
        else:
            # Public: anonymous, or (accepting an invitation) optionally an account holder's token.
            assert security is None or {} in security, key
    assert committed()["components"]["securitySchemes"][doc.BEARER]["scheme"] == "bearer"
    assert "security" not in committed(), "no global security: public routes must stay open"


def test_every_operation_has_a_success_a_summary_a_tag_and_an_id() -> None:
    tags = {tag["name"] for tag in committed()["tags"]}
    for key, operation in operations(committed()).items():
        assert any(status.startswith(("2", "3")) for status in operation["responses"]), key
        assert operation["summary"] and operation["operationId"], key
        assert set(operation["tags"]) <= tags, key


def test_public_pages_answer_html_too() -> None:
    for (method, path), operation in operations(committed()).items():
        if path.startswith(("/share/{token}", "/invite/{token}")) and method in ("GET", "POST"):
            responses = operation["responses"]
            for status, answer in responses.items():
                if status.startswith("3"):
                    continue
                # A success a browser never gets: it is redirected (303, Post/Redirect/Get) instead.
                if status.startswith("2") and "303" in responses:
                    assert doc.HTML not in answer["content"], (method, path, status)
                    continue
                assert doc.HTML in answer["content"], (method, path, status)


def test_error_answers_name_their_codes_with_the_catalogues_status() -> None:
    for key, operation in operations(committed()).items():
        for status, answer in operation["responses"].items():
            if int(status) < 400 or key[0] == "HEAD":
                continue
            schema = answer["content"][doc.JSON]["schema"]
            codes = schema["allOf"][1]["properties"]["error"]["enum"]
            assert codes and all(doc.ERRORS[code].status == int(status) for code in codes), (key, status)


def test_the_fields_an_error_always_carries_are_required_and_are_the_error_models() -> None:
    error = committed()["components"]["schemas"]["Error"]["properties"]
    wrong_code = operations(committed())[("POST", "/share/{token}")]["responses"]["403"]
    assert wrong_code["content"][doc.JSON]["schema"]["allOf"][1]["required"] == ["attemptsLeft"]
    for code, failure in doc.ERRORS.items():
        assert set(failure.extra) <= set(error), code


# ---------------------------------------------------------------- the codes the domain raises


def _raised_codes() -> set[str]:
    """Every error code written in the package: `code="..."` in a call, `code = "..."` in a class."""
    codes: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "code" and isinstance(node.value, ast.Constant):
                codes.add(str(node.value.value))
            if isinstance(node, ast.ClassDef):
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and [getattr(t, "id", None) for t in statement.targets] == ["code"]
                        and isinstance(statement.value, ast.Constant)
                    ):
                        codes.add(str(statement.value.value))
    return codes


# Raised by the domain, never answered over HTTP, and why.
UNANSWERED = {
    "bad_request": "errors.DomainError's default: every raise names its code",
    "conflict": "errors.Conflict's default, likewise",
    "gone": "errors.Gone's default, likewise",
    "too_many_dossiers": "vault.guests' guard: the request models cap dossierIds at MAX_DOSSIERS before it",
    "internal_error": "the resolver's 500: a bug, never a documented answer",
}


def test_every_error_code_the_domain_raises_is_in_the_catalogue() -> None:
    # `link_<status>` and `invitation_<status>` are built from the state: the catalogue lists each.
    assert _raised_codes() - set(doc.ERRORS) - set(UNANSWERED) == set(), "codes without a catalogue entry"
    assert set(UNANSWERED) & set(doc.ERRORS) == set()


def test_every_catalogued_code_is_answered_by_some_route() -> None:
    used = {
        code
        for operation in operations(committed()).values()
        for status, answer in operation["responses"].items()
        if int(status) >= 400 and doc.JSON in answer.get("content", {})
        for code in answer["content"][doc.JSON]["schema"]["allOf"][1]["properties"]["error"]["enum"]
    }
    assert set(doc.ERRORS) - used == set()


# ---------------------------------------------------------------- cold start


@pytest.mark.parametrize("function", ["download", "vault", "create_link", "invite"])
def test_a_function_never_imports_the_answer_models(function: str) -> None:
    """The documents' schemas are built at generation only: Lambda's cold start pays nothing for them."""
    probe = (
        f"import sys; sys.path[:0] = [{str(ROOT / 'functions' / function)!r}]; import app; "
        "print('vault_share.api.schemas' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, **generator.environment()},
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"
