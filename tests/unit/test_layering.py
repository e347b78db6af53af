"""The domain does not depend on the HTTP glue: nothing outside `vault_share.api` imports it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "shared" / "vault_share"


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_domain_module_imports_the_http_glue() -> None:
    modules = [p for p in PACKAGE.rglob("*.py") if "api" not in p.relative_to(PACKAGE).parts]
    assert len(modules) > 20  # the package is where this test thinks it is
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(n for n in imported(p) if n.startswith("vault_share.api")) for p in modules
    }
    assert {path: names for path, names in offenders.items() if names} == {}
