"""checkov runs on template.yaml in `make build-check` with no failed check; what it skips is said
where it is skipped: in the resource's Metadata, each check by its id with the reason."""

from __future__ import annotations

import re
from typing import Any

from devstack import template

DOCUMENT = template.load()


def skips(document: dict[str, Any]) -> list[tuple[str, Any]]:
    """(resource, entry) for every entry of every resource's Metadata.checkov.skip."""
    found = []
    for logical_id, resource in document["Resources"].items():
        checkov = (resource.get("Metadata") or {}).get("checkov")
        if checkov is not None:
            assert set(checkov) == {"skip"}, f"{logical_id}: Metadata.checkov holds {sorted(checkov)}"
            found += [(logical_id, entry) for entry in checkov["skip"]]
    return found


def unexplained(document: dict[str, Any]) -> list[str]:
    problems = []
    seen = set()
    for logical_id, entry in skips(document):
        check = entry.get("id") if isinstance(entry, dict) else None
        comment = entry.get("comment") if isinstance(entry, dict) else None
        if not (isinstance(check, str) and re.fullmatch(r"CKV_AWS_\d+", check)):
            problems.append(f"{logical_id}: {entry!r} names no checkov check")
            continue
        if not (isinstance(comment, str) and len(comment.split()) >= 8):
            problems.append(f"{logical_id}: {check} skipped without its reason")
        if (logical_id, check) in seen:
            problems.append(f"{logical_id}: {check} skipped twice")
        seen.add((logical_id, check))
    return problems


def test_every_checkov_skip_says_why() -> None:
    assert len(skips(DOCUMENT)) > 10
    assert unexplained(DOCUMENT) == []


def test_an_unexplained_skip_is_seen() -> None:
    """Guards the guard."""
    document = {
        "Resources": {
            "A": {"Type": "X", "Metadata": {"checkov": {"skip": [{"id": "CKV_AWS_18"}]}}},
            "B": {"Type": "X", "Metadata": {"checkov": {"skip": [{"id": "18", "comment": "because"}]}}},
            "C": {"Type": "X", "Metadata": {"checkov": {"skip": [{"id": "CKV_AWS_1", "comment": "too short"}]}}},
            "D": {"Type": "X", "Metadata": {"BuildMethod": "makefile"}},
        }
    }
    assert unexplained(document) == [
        "A: CKV_AWS_18 skipped without its reason",
        "B: {'id': '18', 'comment': 'because'} names no checkov check",
        "C: CKV_AWS_1 skipped without its reason",
    ]
