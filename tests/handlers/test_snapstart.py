"""SnapStart on the public functions: the template turns it on where recipients arrive cold, and each
function registers what a restored environment must renew (vault_share/snapstart.py), through
Lambda's runtime hooks (`snapshot_restore_py`, stood in for here: it exists only in Lambda)."""

from __future__ import annotations

import random
import sys
import types
from collections.abc import Callable, Iterator

import pytest
from vault_share import snapstart

from devstack import template
from devstack.functions import load_module
from tests.fixtures import Aws

DOCUMENT = template.load()
PUBLIC = ("DownloadFunction", "AcceptFunction")


SNAPSHOT_CLIENTS = {"DownloadFunction": {"s3"}, "AcceptFunction": {"cognito-idp", "ses"}}  # made lazily otherwise


@pytest.fixture
def snapshot_hooks(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[list[Callable[[], None]], list[Callable[[], object]]]]:
    """(after-restore hooks, before-snapshot hooks) registered with a stand-in of Lambda's module."""
    restore: list[Callable[[], None]] = []
    snapshot: list[Callable[[], object]] = []
    module = types.ModuleType("snapshot_restore_py")
    module.register_after_restore = restore.append  # type: ignore[attr-defined]
    module.register_before_snapshot = snapshot.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    yield restore, snapshot


@pytest.fixture
def runtime_hooks(
    snapshot_hooks: tuple[list[Callable[[], None]], list[Callable[[], object]]],
) -> list[Callable[[], None]]:
    return snapshot_hooks[0]


def test_the_public_functions_and_only_they_run_from_snapshots() -> None:
    for logical_id, resource in DOCUMENT["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        if logical_id in PUBLIC:
            assert properties["SnapStart"] == {"ApplyOn": "PublishedVersions"}, logical_id
            assert properties["AutoPublishAlias"] == "live", logical_id  # SnapStart needs a published version
        else:
            assert "SnapStart" not in properties, logical_id
    assert DOCUMENT["Globals"]["Function"]["Runtime"] == "python3.13"  # SnapStart: Python 3.12 and later


@pytest.mark.parametrize("function", PUBLIC)
def test_each_public_function_registers_its_restore_hooks(
    aws: Aws, runtime_hooks: list[Callable[[], None]], function: str
) -> None:
    spec = next(s for s in template.functions(DOCUMENT) if s.logical_id == function)
    load_module(spec, label=f"snapstart-{function}")
    assert snapstart.reseed in runtime_hooks


@pytest.mark.parametrize("function", PUBLIC)
def test_the_snapshot_holds_the_clients_an_on_demand_start_makes_lazily(
    aws: Aws, snapshot_hooks: tuple[list[Callable[[], None]], list[Callable[[], object]]], function: str
) -> None:
    spec = next(s for s in template.functions(DOCUMENT) if s.logical_id == function)
    load_module(spec, label=f"snapshot-{function}")
    made = [hook() for hook in snapshot_hooks[1]]
    assert {client.meta.service_model.service_name for client in made} == SNAPSHOT_CLIENTS[function]


def test_a_restored_environment_draws_other_numbers_than_the_snapshot(runtime_hooks: list[Callable[[], None]]) -> None:
    assert snapstart.after_restore() is True
    random.seed(1234)  # the state every environment restored from one snapshot would share
    shared = random.random()
    random.seed(1234)
    for hook in runtime_hooks:
        hook()
    assert random.random() != shared


def test_off_lambda_nothing_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails, as off Lambda
    assert snapstart.after_restore() is False
    assert snapstart.before_snapshot(lambda: None) is False
