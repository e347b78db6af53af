"""What gets deployed loads and routes the way Lambda and API Gateway will use it.

- the layer's lock pins the package's dependencies, at the versions the dev lock tests;
- every handler imports with its CodeUri and the layer on sys.path and nothing else;
- CodeUris hold the handler only; template.yaml lints and keeps runtime, architecture,
  layer, tracing and log retention on every function;
- every API route of template.yaml reaches a route of the function's resolver.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from devstack import template
from devstack.events import build_event
from devstack.functions import RUNTIME, LambdaContext, handler_of, lambda_variables, load_module
from devstack.template import ApiRoute, FunctionSpec
from tests.fixtures import Api, Aws, new_user, report

REPO = Path(__file__).resolve().parents[1]
REQUIREMENTS = REPO / "shared" / "requirements.txt"  # the layer lock
DEV_LOCK = REPO / "requirements-dev.txt"
MAKEFILE = (REPO / "Makefile").read_text(encoding="utf-8")
PYPROJECT = REPO / "pyproject.toml"
LAYER_CACHE = REPO / "build" / "layer-test"
ARCHITECTURE = "arm64"

DOCUMENT = template.load()
RESOURCES: dict[str, Any] = DOCUMENT["Resources"]
FUNCTION_IDS = [lid for lid, res in RESOURCES.items() if res["Type"] == "AWS::Serverless::Function"]
SPECS = {spec.logical_id: spec for spec in template.functions(DOCUMENT)}
EVENTS = Api()  # builds the API Gateway events (its handlers are not used: see Loaded)


# ---------------------------------------------------------------- (a) requirements


def normalized(line: str) -> str:
    try:
        requirement = Requirement(line)
    except InvalidRequirement as exc:
        raise AssertionError(f"not a requirement specifier: {line!r} ({exc})") from None
    extras = ",".join(sorted(canonicalize_name(e) for e in requirement.extras))
    specifiers = ",".join(sorted(str(s) for s in requirement.specifier))
    marker = f"; {requirement.marker}" if requirement.marker else ""
    url = f" @ {requirement.url}" if requirement.url else ""
    return f"{canonicalize_name(requirement.name)}[{extras}]{specifiers}{url}{marker}"


def requirements_txt(text: str) -> list[str]:
    """The requirement lines of a requirements file: comments dropped, continued lines joined."""
    lines = []
    for raw in text.replace("\\\n", " ").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    marker: str
    hashes: tuple[str, ...]


def pins(path: Path) -> dict[str, list[Pin]]:
    """A lock's pins by package name; fails on any line that is not `name==version ... --hash=...`."""
    found: dict[str, list[Pin]] = {}
    for line in requirements_txt(path.read_text(encoding="utf-8")):
        spec, *options = line.split(" --hash=")
        requirement = Requirement(spec)
        pinned = [s.version for s in requirement.specifier if s.operator == "=="]
        assert len(requirement.specifier) == 1 and pinned, f"{path.name}: not pinned with ==: {line!r}"
        assert options, f"{path.name}: no --hash for {spec!r}"
        name = canonicalize_name(requirement.name)
        marker = str(requirement.marker or "")
        found.setdefault(name, []).append(Pin(name, pinned[0], marker, tuple(o.strip() for o in options)))
    return found


def project_requirements(group: str | None = None) -> list[Requirement]:
    """pyproject.toml's ranges: the runtime dependencies, or an optional group."""
    with PYPROJECT.open("rb") as fh:
        project = tomllib.load(fh)["project"]
    lines = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return [Requirement(line) for line in lines]


def assert_within_ranges(lock: Path, requirements: list[Requirement]) -> None:
    locked = pins(lock)
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{lock.name} does not pin {requirement} (pyproject.toml): run `make lock`"
        for pin in locked[name]:
            assert requirement.specifier.contains(pin.version, prereleases=True), (
                f"{lock.name} pins {name}=={pin.version}, outside pyproject.toml's {requirement}: run `make lock`"
            )


def test_layer_lock_pins_the_package_dependencies() -> None:
    """shared/requirements.txt (what sam build installs) pins, with hashes, every runtime dependency in its range."""
    assert pins(REQUIREMENTS), "shared/requirements.txt lists nothing"
    assert_within_ranges(REQUIREMENTS, project_requirements())
    assert all(pin.marker == "" for pinned in pins(REQUIREMENTS).values() for pin in pinned), (
        "the layer lock is for one platform (Lambda): no markers expected"
    )


def test_dev_lock_pins_the_dev_environment() -> None:
    assert_within_ranges(DEV_LOCK, project_requirements() + project_requirements("dev"))


def test_layer_and_dev_lock_agree() -> None:
    """Every package of the layer is tested at the very version it ships with."""
    dev = pins(DEV_LOCK)
    differ = {
        name: (pinned[0].version, sorted({pin.version for pin in dev.get(name, [])}))
        for name, pinned in pins(REQUIREMENTS).items()
        if {pin.version for pin in dev.get(name, [])} != {pinned[0].version}
    }
    assert differ == {}, f"layer version vs dev lock versions: {differ} (run `make lock`)"


@pytest.mark.parametrize("lock", [REQUIREMENTS, DEV_LOCK], ids=lambda p: p.name)
def test_locks_say_how_they_are_made(lock: Path) -> None:
    header = lock.read_text(encoding="utf-8").split("\n", 2)[:2]
    assert header[0].startswith("# This file was autogenerated by uv"), header
    assert header[1].startswith("#    uv pip compile pyproject.toml ") and "--generate-hashes" in header[1], header
    assert f"-o {lock.relative_to(REPO)}" in header[1], header
    assert f"-o $({'LAYER_LOCK' if lock == REQUIREMENTS else 'DEV_LOCK'})" in MAKEFILE, "make lock writes it"


def test_lock_parsing_sees_what_is_wrong(tmp_path: Path) -> None:
    """Guards the guards: a range, a missing hash, a version apart are reported."""
    lock = tmp_path / "lock.txt"
    lock.write_text("# header\nboto3==1.40.1 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via x\n")
    assert pins(lock) == {"boto3": [Pin("boto3", "1.40.1", "", ("sha256:aa", "sha256:bb"))]}
    with pytest.raises(AssertionError, match="outside"):
        assert_within_ranges(lock, [Requirement("boto3>=1.41")])
    with pytest.raises(AssertionError, match="does not pin"):
        assert_within_ranges(lock, [Requirement("pydantic>=2")])
    lock.write_text("boto3>=1.40 --hash=sha256:aa\n")
    with pytest.raises(AssertionError, match="not pinned"):
        pins(lock)
    lock.write_text("boto3==1.40.1\n")
    with pytest.raises(AssertionError, match="no --hash"):
        pins(lock)


def test_pre_commit_runs_the_locked_ruff() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (ruff,) = [repo for repo in config["repos"] if repo["repo"].endswith("/ruff-pre-commit")]
    (pin,) = pins(DEV_LOCK)["ruff"]
    assert ruff["rev"] == f"v{pin.version}", f"pre-commit runs ruff {ruff['rev']}, the dev lock pins {pin.version}"
    assert {hook["id"] for hook in ruff["hooks"]} >= {"ruff-check", "ruff-format"}


def test_requirement_normalization_tells_specifiers_apart() -> None:
    assert normalized("Pydantic >=2.11, <3") == normalized("pydantic<3,>=2.11")
    assert normalized("pydantic>=2.11,<3") != normalized("pydantic>=2.11,<4")
    assert normalized("aws-lambda-powertools[tracer]>=3.37,<4") != normalized("aws-lambda-powertools>=3.37,<4")
    assert requirements_txt("# comment\n\nboto3>=1.40  # inline\n") == ["boto3>=1.40"]


# ---------------------------------------------------------------- (b) handlers load as Lambda loads them


def _python_tag() -> str:
    return f"{sys.implementation.name}-{sys.version_info.major}.{sys.version_info.minor}-{sysconfig.get_platform()}"


@pytest.fixture(scope="session")
def layer(request: pytest.FixtureRequest) -> Path:
    """The layer's /opt/python: pip install --require-hashes -r shared/requirements.txt, plus vault_share.

    Dependencies are built once and cached under build/layer-test/<hash of the requirements and the
    interpreter>; vault_share is copied afresh every session (it changes far more often).
    """
    key = hashlib.sha256(REQUIREMENTS.read_bytes() + _python_tag().encode()).hexdigest()[:16]
    folder = LAYER_CACHE / key
    python = folder / "python"
    complete = folder / ".complete"
    started = time.monotonic()
    cold = not complete.is_file()
    if cold:
        building = LAYER_CACHE / f".{key}.{os.getpid()}.{uuid.uuid4().hex[:6]}"
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-warn-script-location",
            "--no-input",
            "--require-hashes",
            "--only-binary=:all:",
            "--target",
            str(building / "python"),
            "-r",
            str(REQUIREMENTS),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            pytest.fail(f"pip could not build the layer ({' '.join(command)}):\n{done.stdout}\n{done.stderr}")
        (building / ".complete").write_text(_python_tag() + "\n", encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)  # an interrupted build of an earlier session
        try:
            building.rename(folder)
        except OSError:  # another session finished first: use its build
            shutil.rmtree(building, ignore_errors=True)
    _refresh_package(python)
    seconds = time.monotonic() - started
    report(request.config, f"packaging: layer {'built' if cold else 'reused'} in {seconds:.1f} s ({folder})")
    return python


def test_layer_lock_installs_on_lambda(tmp_path: Path) -> None:
    """Each pin of the layer lock has a wheel for python3.13 on arm64 Lambda, and its hash is in the lock.

    pip fetches them as sam build does for the layer (wheels for the target platform only).
    Checked once per version of the lock (a stamp under build/layer-test).
    """
    key = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]
    stamp = LAYER_CACHE / f"lambda-{key}.ok"
    if stamp.is_file():
        return
    command = [
        *(sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-input"),
        *("--require-hashes", "--no-deps", "--only-binary=:all:", "--implementation", "cp"),
        *("--python-version", "3.13", "--abi", "cp313", "--abi", "abi3", "--abi", "none"),
        *("--platform", "manylinux_2_28_aarch64", "--platform", "manylinux2014_aarch64", "--platform", "any"),
        *("-d", str(tmp_path), "-r", str(REQUIREMENTS)),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    downloaded = {canonicalize_name(path.name.split("-", 1)[0]) for path in tmp_path.glob("*.whl")}
    assert downloaded == set(pins(REQUIREMENTS)), f"no Lambda wheel for {set(pins(REQUIREMENTS)) - downloaded}"
    LAYER_CACHE.mkdir(parents=True, exist_ok=True)
    stamp.write_text(" ".join(sorted(downloaded)) + "\n", encoding="utf-8")


def _refresh_package(python: Path) -> None:
    """Put the current shared/vault_share in the layer; untouched when unchanged.

    Several sessions may share the cache (one checkout, several engineers): rewriting the
    package only when it changed keeps a concurrent session from seeing it half copied.
    """
    source = REPO / "shared" / "vault_share"
    files = sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes() + b"\0")
    stamp = python.parent / ".vault_share.sha256"
    package = python / "vault_share"
    if package.is_dir() and stamp.is_file() and stamp.read_text(encoding="utf-8") == digest.hexdigest():
        return
    fresh = python.parent / f".vault_share.{os.getpid()}.{uuid.uuid4().hex[:6]}"
    shutil.copytree(source, fresh, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.rmtree(package, ignore_errors=True)
    fresh.rename(package)
    stamp.write_text(digest.hexdigest(), encoding="utf-8")


# Runs under `python -I -S`: no site-packages, no current directory, no PYTHON* variables.
LOADER = r"""
import importlib, json, sys, sysconfig
code_uri, layer, module_name, attribute = sys.argv[1:5]
stdlib = list(sys.path)
sys.path[:] = [code_uri, layer, *stdlib]
module = importlib.import_module(module_name)
handler = getattr(module, attribute, None)
shipped = (code_uri.rstrip("/") + "/", layer.rstrip("/") + "/")
python = tuple(p.rstrip("/") + "/" for p in (*stdlib, sysconfig.get_paths()["stdlib"]))
def allowed(file):
    return file.startswith(shipped) or (file.startswith(python) and "-packages/" not in file)
strays = sorted(
    f"{name}: {m.__file__}" for name, m in list(sys.modules.items())
    if getattr(m, "__file__", None) and not allowed(str(m.__file__))
)
print(json.dumps({"stdlib": stdlib, "sysPath": sys.path, "module": module.__file__,
                  "callable": callable(handler), "strays": strays}))
"""


class _Dummies(dict[str, str]):
    """!GetAtt X.<anything> -> a dummy value."""

    def __init__(self, logical_id: str) -> None:
        super().__init__()
        self.logical_id = logical_id

    def __missing__(self, attribute: str) -> str:
        return f"dummy-{self.logical_id}-{attribute}"


def function_environment(spec: FunctionSpec) -> dict[str, str]:
    """The variables Lambda sets, plus the function's own from template.yaml (refs as dummies)."""
    resolver = template.Resolver(
        parameters=template.parameter_defaults(DOCUMENT),
        refs={lid: f"dummy-{lid}" for lid in RESOURCES},
        attributes={lid: _Dummies(lid) for lid in RESOURCES},
        pseudo={"AWS::StackName": "vault-share", "AWS::Region": "eu-west-3", "AWS::AccountId": "123456789012"},
    )
    own = {name: str(value) for name, value in resolver.resolve(spec.environment).items()}
    # AWS_ENDPOINT_URL is not Lambda's: an AWS call made at import fails here, fast, instead of reaching an account.
    return {**lambda_variables(spec, "eu-west-3"), "AWS_ENDPOINT_URL": "http://127.0.0.1:9", **own}


def probe_function(spec: template.FunctionSpec, *arguments: str) -> Any:
    """`python <arguments>` in a fresh process with the function's variables and in its CodeUri, as
    Lambda starts it; what the probe printed last, as JSON (fails with its output if it failed)."""
    done = subprocess.run(
        [sys.executable, *arguments],
        env=function_environment(spec),
        cwd=spec.code_uri,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert done.returncode == 0, f"{spec.logical_id}: the probe failed:\n{output}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("function", FUNCTION_IDS)
def test_handler_loads_with_code_uri_and_layer_only(layer: Path, function: str) -> None:
    spec = SPECS[function]
    module_name, _, attribute = spec.handler.rpartition(".")
    # Fails with the probe's output when the handler does not import as Lambda imports it.
    outcome = probe_function(
        spec, "-I", "-S", "-B", "-c", LOADER, str(spec.code_uri), str(layer), module_name, attribute
    )
    assert not [p for p in outcome["stdlib"] if "-packages" in p], f"not isolated: {outcome['stdlib']}"
    assert outcome["sysPath"][:2] == [str(spec.code_uri), str(layer)]
    assert Path(outcome["module"]).resolve() == (spec.code_uri / f"{module_name.replace('.', '/')}.py").resolve()
    assert outcome["callable"], f"{function}: {spec.handler} is not callable: {outcome}"
    assert not outcome["strays"], f"{function} imported modules from outside CodeUri and the layer: {outcome['strays']}"


def test_the_isolated_loader_does_fail() -> None:
    """Guards the guard: without the layer on sys.path, a handler cannot import."""
    spec = SPECS["VaultFunction"]
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            "-B",
            "-c",
            LOADER,
            str(spec.code_uri),
            str(REPO / "build"),
            "app",
            "lambda_handler",
        ],
        env=function_environment(spec),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "ModuleNotFoundError" in done.stderr


# ---------------------------------------------------------------- (c) thin handlers


@pytest.mark.parametrize("function", FUNCTION_IDS)
def test_code_uri_holds_the_handler_only(function: str) -> None:
    spec = SPECS[function]
    assert spec.code_uri.is_dir(), f"{function}: CodeUri {spec.code_uri} does not exist"
    files = sorted(
        str(path.relative_to(spec.code_uri))
        for path in spec.code_uri.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )
    assert "app.py" in files, f"{function}: no app.py in {spec.code_uri}"
    assert set(files) <= {"app.py", "__init__.py"}, f"{function}: CodeUri holds more than the handler: {files}"
    assert spec.handler.rpartition(".")[0] == "app", f"{function}: Handler {spec.handler} is not in app.py"


# ---------------------------------------------------------------- (d) template


def test_template_passes_cfn_lint() -> None:
    linter = Path(sys.executable).parent / "cfn-lint"
    executable = str(linter) if linter.exists() else shutil.which("cfn-lint")
    assert executable, "cfn-lint is not installed (pip install -e '.[dev]')"
    done = subprocess.run(
        [executable, str(REPO / "template.yaml")], capture_output=True, text=True, timeout=300, check=False, cwd=REPO
    )
    assert done.returncode == 0, f"cfn-lint template.yaml:\n{done.stdout}\n{done.stderr}"


def _sam_merge(globals_value: Any, own: Any) -> Any:
    """SAM's Globals: maps merge, lists add up, scalars are overridden."""
    if isinstance(globals_value, dict) and isinstance(own, dict):
        merged = dict(globals_value)
        for key, value in own.items():
            merged[key] = _sam_merge(globals_value[key], value) if key in globals_value else value
        return merged
    if isinstance(globals_value, list) and isinstance(own, list):
        return [*globals_value, *own]
    return own


def merged_properties(function: str) -> dict[str, Any]:
    defaults = DOCUMENT.get("Globals", {}).get("Function", {})
    merged: dict[str, Any] = _sam_merge(defaults, RESOURCES[function]["Properties"])
    return merged


def _ref(value: Any) -> str | None:
    return str(value["Ref"]) if isinstance(value, dict) and set(value) == {"Ref"} else None


@pytest.mark.parametrize("function", FUNCTION_IDS)
def test_function_runtime_layer_and_tracing(function: str) -> None:
    props = merged_properties(function)
    assert props.get("Runtime") == RUNTIME, function
    assert props.get("Architectures") == [ARCHITECTURE], function
    assert props.get("Tracing") == "Active", function
    layers = [_ref(item) for item in props.get("Layers", [])]
    shared = [
        lid
        for lid in layers
        if lid
        and RESOURCES.get(lid, {}).get("Type") == "AWS::Serverless::LayerVersion"
        and str(RESOURCES[lid]["Properties"].get("ContentUri", "")).rstrip("/") == "shared"
    ]
    assert shared, f"{function} does not use the shared/ layer (Layers: {props.get('Layers')})"
    layer = RESOURCES[shared[0]]
    assert RUNTIME in layer["Properties"].get("CompatibleRuntimes", [])
    assert ARCHITECTURE in layer["Properties"].get("CompatibleArchitectures", [])
    # Built by shared/Makefile for the runtime and architecture (no Docker; its bytecode by a CPython
    # 3.13 when one is found); tests/test_sam_build.py checks what it builds.
    assert layer.get("Metadata", {}).get("BuildMethod") == "makefile"
    assert layer.get("Metadata", {}).get("BuildArchitecture") == ARCHITECTURE
    layer_makefile = (REPO / "shared" / "Makefile").read_text(encoding="utf-8")
    assert f"--python-version {RUNTIME.removeprefix('python')}" in layer_makefile
    assert "_aarch64" in layer_makefile and "--require-hashes" in layer_makefile


def _log_group_target(name: Any) -> str | None:
    """The function a LogGroupName `/aws/lambda/<function>` names, by !Sub or !Join."""
    if isinstance(name, dict) and "Fn::Sub" in name and isinstance(name["Fn::Sub"], str):
        match = re.fullmatch(r"/aws/lambda/\$\{(\w+)\}", name["Fn::Sub"])
        return match.group(1) if match else None
    if isinstance(name, dict) and "Fn::Join" in name:
        separator, parts = name["Fn::Join"]
        if separator == "" and len(parts) == 2 and parts[0] == "/aws/lambda/":
            return _ref(parts[1])
    return None


@pytest.mark.parametrize("function", FUNCTION_IDS)
def test_function_has_a_log_group_with_retention(function: str) -> None:
    groups = [
        res["Properties"]
        for res in RESOURCES.values()
        if res["Type"] == "AWS::Logs::LogGroup" and _log_group_target(res["Properties"].get("LogGroupName")) == function
    ]
    assert len(groups) == 1, f"{function}: {len(groups)} log groups named /aws/lambda/${{{function}}}"
    retention = groups[0].get("RetentionInDays")
    assert isinstance(retention, int) and retention > 0, f"{function}: log group without retention"


# ---------------------------------------------------------------- (e) every route is served


# Resolver's own "no such route" answer (shared/vault_share/api/resolver.py, _on_not_found).
ROUTE_NOT_FOUND = {"error": "not_found", "message": "Ressource introuvable."}


class RouteNotServed(AssertionError):
    pass


def _api_routes() -> list[Any]:
    cases = []
    for spec in SPECS.values():
        for api_route in spec.routes:
            cases.append(pytest.param(api_route, id=f"{spec.logical_id}:{api_route.method} {api_route.path}"))
    return cases


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(\+?)\}", lambda m: "x1/x2" if m.group(2) else f"x{m.group(1)}", path)


class Loaded:
    """Two module instances of a handler: as shipped, and with the resolver's 404 marked."""

    MARK = "__route_not_found__"

    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        self.pristine = self._load("pristine")
        self.marked = self._load("marked")
        app = getattr(self.marked, "app", None)
        self.can_mark = hasattr(app, "not_found")
        if app is not None and self.can_mark:
            from aws_lambda_powertools.event_handler import Response

            app.not_found(lambda _exc: Response(status_code=404, content_type="application/json", body=self.MARK))

    def _load(self, flavour: str) -> ModuleType:
        return load_module(self.spec, f"packaging_{flavour}")

    def call(self, module: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
        context = LambdaContext(function_name=self.spec.logical_id, invoked_function_arn=f"arn:{self.spec.logical_id}")
        result: dict[str, Any] = handler_of(module, self.spec)(event, context)
        return result


@pytest.fixture(scope="module")
def handlers(aws: Aws) -> dict[str, Loaded]:
    return {lid: Loaded(spec) for lid, spec in SPECS.items() if spec.routes}


def _event(api_route: ApiRoute) -> dict[str, Any]:
    path = _concrete(api_route.path)
    matched, _ = EVENTS.route(api_route.method, path)
    assert matched == api_route, f"the gateway routes {api_route.method} {path} to {matched}"
    body = {} if api_route.method in ("POST", "PUT", "PATCH") else None
    return EVENTS.event(api_route.method, path, body, user=new_user("packaging"))


def _is_route_not_found(result: dict[str, Any]) -> bool:
    if result.get("statusCode") != 404:
        return False
    try:
        return bool(json.loads(result.get("body") or "null") == ROUTE_NOT_FOUND)
    except ValueError:
        return False


@pytest.mark.parametrize("api_route", _api_routes())
def test_every_template_route_is_served_by_its_function(handlers: dict[str, Loaded], api_route: ApiRoute) -> None:
    loaded = handlers[api_route.function]
    result = loaded.call(loaded.pristine, _event(api_route))
    assert isinstance(result, dict) and isinstance(result.get("statusCode"), int), result
    if not _is_route_not_found(result):
        return
    # The resolver's fallback and a domain NotFound() share one body: ask the resolver itself.
    if loaded.can_mark:
        marked = loaded.call(loaded.marked, _event(api_route))
        if marked.get("body") != Loaded.MARK:
            return
    raise RouteNotServed(
        f"{api_route.method} {api_route.path} is in template.yaml but {api_route.function}'s resolver "
        f"has no such route: {result}"
    )


def test_an_unknown_route_is_reported(aws: Aws) -> None:
    """Guards the guard: a path the resolver does not know is told apart from a domain 404."""
    spec = SPECS["VaultFunction"]
    loaded = Loaded(spec)
    unknown = ApiRoute("VaultFunction", "/vaults/{vaultId}/nothing", "GET", authorized=True)
    event = build_event(
        route=unknown,
        path="/vaults/v1/nothing",
        path_parameters={"vaultId": "v1"},
        method="GET",
        query="",
        headers=[("Accept", "application/json")],
        body=b"",
        source_ip="203.0.113.7",
        stage="v1",
        api_id="abcdef1234",
        account="123456789012",
        claims=new_user("packaging").claims,
    )
    assert _is_route_not_found(loaded.call(loaded.pristine, event))
    assert loaded.call(loaded.marked, event)["body"] == Loaded.MARK


# ---------------------------------------------------------------- (f) the repository stands alone

# What would reach outside the clone: the sibling shared/ folder, its documents, an absolute path.
# (Written so that these patterns do not match themselves.)
OUTSIDE = re.compile(r"\.\./shared|/w[o]rk/|shared/(API|DESIGN)\.md|shared/e[v]ents")


def outside_references(files: dict[str, str]) -> list[str]:
    return [
        f"{name}:{number}: {line.strip()}"
        for name, text in files.items()
        for number, line in enumerate(text.splitlines(), 1)
        if OUTSIDE.search(line)
    ]


def test_nothing_tracked_names_a_path_outside_the_repository() -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    files = {}
    for name in filter(None, listed.split("\0")):
        path = REPO / name
        if path.is_file():
            files[name] = path.read_bytes().decode("utf-8", errors="replace")
    assert len(files) > 50, f"git ls-files listed only {len(files)} files"
    assert outside_references(files) == []


def test_outside_references_are_seen() -> None:
    """Guards the guard."""
    samples = {
        "a.md": "contract: ../" + "shared/" + "API.md",
        "b.py": 'Path("/w' + 'ork/shared/x.json")',
        "c.py": "see shared/e" + "vents/x.json",
        "d.py": "nothing here",
    }
    assert [line.split(":")[0] for line in outside_references(samples)] == ["a.md", "b.py", "c.py"]
