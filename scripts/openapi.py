"""openapi.json: the whole HTTP API in one OpenAPI document, made from the functions' own resolvers.

    python -m scripts.openapi          # (= make openapi) writes openapi.json at the repository root
    python -m scripts.openapi --check  # exit 1 when openapi.json differs from what the code says

Every function of template.yaml that serves API routes is loaded as Lambda loads it
(devstack.functions); Powertools builds each resolver's document (paths, parameters, request
bodies from the validation models, and what the route decorators say: vault_share.api.openapi)
and merges them (OpenAPIMerge). The answers' schemas come from vault_share.api.schemas. Title,
version and description are pyproject.toml's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import Tag

from devstack import template
from devstack.functions import load_module

ROOT = template.ROOT
OUTPUT = ROOT / "openapi.json"
# Powertools' own 422 body ({"detail": [...]}): this API answers its Error instead (api.resolver).
POWERTOOLS_422 = "#/components/schemas/HTTPValidationError"
REF = '"$ref": "#/components/schemas/'


class _Names(template.Resolver):
    """Names in place of what a stack would create: loading a function needs its variables set,
    not real resources (nothing is called at import)."""

    def ref(self, name: str) -> str:
        try:
            return super().ref(name)
        except KeyError:
            return name

    def get_att(self, logical_id: str, attribute: str) -> str:
        return f"{logical_id}.{attribute}"


def environment() -> dict[str, str]:
    """The functions' variables (names in place of resources) that this process has not set."""
    document = template.load()
    specs = [spec for spec in template.functions(document) if spec.routes]
    names = _Names(template.parameter_defaults(document), pseudo={"AWS::Region": "eu-west-3", "AWS::Partition": "aws"})
    wanted = {"AWS_DEFAULT_REGION": "eu-west-3", **template.merged_environment(names, specs)}
    return {name: value for name, value in wanted.items() if name not in os.environ}


@contextmanager
def _loading() -> Iterator[None]:
    """The missing variables while the functions load, and the process as it was afterwards (a
    test run keeps its own, and no settings read from these names stay cached)."""
    from vault_share.settings import get_settings

    added = environment()
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)
        get_settings.cache_clear()


def api_functions() -> list[template.FunctionSpec]:
    return [spec for spec in template.functions(template.load()) if spec.routes]


def _project() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        project: dict[str, Any] = tomllib.load(fh)["project"]
    return project


def build() -> dict[str, Any]:
    """The document, as a JSON-ready dict."""
    from vault_share.api import openapi as doc

    project = _project()
    title, version = project["name"], project["version"]
    merge = OpenAPIMerge(
        title=title,
        version=version,
        description=f"{project['description']} Paths are relative to the API's base URL: the local stack's "
        'root, or the deployed stage\'s (`.../v1`). Errors are `{"error", "message"}` plus the fields their '
        "code names; user-facing texts are French.",
        tags=[Tag(name=name, description=text) for name, text in doc.TAGS.items()],
        security_schemes=doc.SECURITY_SCHEMES,  # plain dicts: Powertools validates them into its models
        on_conflict="error",
    )
    with _loading():
        for spec in api_functions():
            app = load_module(spec, "openapi").app
            schema = app.get_openapi_schema(title=title, version=version, security_schemes=doc.SECURITY_SCHEMES)
            merge.add_schema(schema)
    # Through Powertools' OpenAPI model: validated, and plain JSON (its enums as strings).
    document: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    _finish(document, doc.components())
    return document


def _operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path_item in document["paths"].values():
        yield from path_item.values()


def _finish(document: dict[str, Any], answers: dict[str, Any]) -> None:
    """What Powertools leaves to us: parameters a route reads itself, no body where none is
    sent, no 422 of Powertools' shape, the answers' schemas, and every reference resolved."""
    for operation in _operations(document):
        operation.setdefault("parameters", []).extend(operation.pop("x-parameters", []))
        if not operation["parameters"]:
            del operation["parameters"]
        responses = operation["responses"]
        for status in list(responses):
            answer = responses[status]
            if POWERTOOLS_422 in json.dumps(answer):
                del responses[status]
            elif not answer.get("content"):
                answer.pop("content", None)
        operation["responses"] = dict(sorted(responses.items(), key=lambda item: int(item[0])))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    clashes = sorted(name for name in answers if name in schemas and schemas[name] != answers[name])
    if clashes:
        raise ValueError(f"request and answer schemas share names: {clashes}")
    schemas.update(answers)
    document["components"]["schemas"] = {
        name: schemas[name] for name in sorted(_referenced(document["paths"], schemas))
    }
    document["paths"] = dict(sorted(document["paths"].items()))


def _names(value: Any) -> set[str]:
    return {part.split('"', 1)[0] for part in json.dumps(value).split(REF)[1:]}


def _referenced(paths: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    """The schemas the operations use, directly or through other schemas; one named but not
    defined is an error (a decorator's typo)."""
    found: set[str] = set()
    pending = _names(paths)
    while pending:
        name = pending.pop()
        if name not in schemas:
            raise ValueError(f"schema named but not defined: {name}")
        found.add(name)
        pending |= _names(schemas[name]) - found
    return found


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="compare with openapi.json instead of writing it")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print("openapi.json is out of date: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
