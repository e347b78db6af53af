"""What `sam build` makes is what Lambda runs: python3.13 on arm64, the layer lock and nothing else.

The build is `make sam-build` (the AWS SAM CLI in .venv-sam; samconfig.toml caches it, so a build
of unchanged sources takes seconds), run once per session here, so these checks never read a
stale .aws-sam/build. They read the built template and folders:

- the layer holds exactly the distributions of shared/requirements.txt, at their versions: none of
  the dev set (requirements-dev.txt less the layer lock: pytest, moto, hypothesis, ruff...);
- each wheel it came from is tagged for CPython 3.13 (cp313, or abi3 of an older CPython) on
  manylinux aarch64, or pure Python;
- every shared object is a 64-bit little-endian ELF for AArch64 (e_machine 0xB7, read from the
  header), and every extension module is named for cpython-313-aarch64 or abi3;
- vault_share is the repository's sources;
- the bytecode is CPython 3.13's, unchecked hash-based (PEP 552), one .pyc for every module, when
  a CPython 3.13 was found to compile it (`make -C shared python313`); else there is none at all:
  never bytecode of this machine's Python;
- each function is its app.py alone, and a function with the layer fits Lambda's 250 MB.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import time
from itertools import chain
from pathlib import Path

import pytest
import yaml
from packaging import tags
from packaging.utils import canonicalize_name

from devstack import template
from tests.fixtures import report
from tests.test_packaging import DEV_LOCK, REPO, REQUIREMENTS, pins

BUILD = REPO / ".aws-sam" / "build"
PACKAGE = REPO / "shared" / "vault_share"
# Lambda's quota: a function and its layers, unzipped.
UNZIPPED_LIMIT = 262_144_000
EM_AARCH64 = 0xB7
# The wheel tags Lambda's python3.13 on arm64 loads (Amazon Linux 2023: glibc 2.34), as pip ranks
# them: cp313, the stable ABI of an earlier CPython 3, or pure Python.
LAMBDA_PLATFORMS = [f"manylinux_2_{minor}_aarch64" for minor in range(34, 16, -1)] + ["manylinux2014_aarch64"]
LAMBDA_TAGS = {
    str(tag)
    for tag in chain(
        tags.cpython_tags((3, 13), abis=["cp313"], platforms=LAMBDA_PLATFORMS),
        tags.compatible_tags((3, 13), interpreter="cp313", platforms=LAMBDA_PLATFORMS),
    )
}
EXTENSION = re.compile(r"\.(cpython-(?P<tag>[^.]+)|abi3)\.so$")


class _Loader(yaml.SafeLoader):
    """The built template's short-form intrinsics (!Ref, !Sub...) read as plain values."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def make(target: str) -> None:
    """`make <target>` in the repository (which installs the tool environment it needs); fails with its output."""
    done = subprocess.run(
        ["make", "--no-print-directory", target], cwd=REPO, capture_output=True, text=True, timeout=1500, check=False
    )
    assert done.returncode == 0, f"make {target} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"


@pytest.fixture(scope="session")
def built(request: pytest.FixtureRequest) -> dict[str, object]:
    started = time.monotonic()
    make("sam-build")
    report(request.config, f"sam build: done in {time.monotonic() - started:.1f} s (.aws-sam/build)")
    document: dict[str, object] = yaml.load((BUILD / "template.yaml").read_text(encoding="utf-8"), Loader=_Loader)
    return document


def _resources(document: dict[str, object], kind: str) -> dict[str, dict[str, object]]:
    resources = document["Resources"]
    assert isinstance(resources, dict)
    return {lid: r for lid, r in resources.items() if r["Type"] == kind}


def _layer_python(document: dict[str, object]) -> Path:
    (layer,) = _resources(document, "AWS::Serverless::LayerVersion").values()
    properties = layer["Properties"]
    assert isinstance(properties, dict)
    return BUILD / str(properties["ContentUri"]) / "python"


def elf_machine(path: Path) -> str | None:
    """None for a 64-bit little-endian AArch64 ELF; else what it is."""
    header = path.read_bytes()[:20]
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return "not an ELF file"
    if header[4] != 2 or header[5] != 1:
        return f"ELF class {header[4]}, data {header[5]} (not 64-bit little-endian)"
    (machine,) = struct.unpack_from("<H", header, 18)
    return None if machine == EM_AARCH64 else f"e_machine {machine:#x}, not AArch64 ({EM_AARCH64:#x})"


def _metadata(dist_info: Path, field: str) -> list[str]:
    source = dist_info / ("WHEEL" if field == "Tag" else "METADATA")
    lines = source.read_text(encoding="utf-8").splitlines() if source.is_file() else []
    return [line.split(":", 1)[1].strip() for line in lines if line.startswith(f"{field}:")]


# CPython 3.13's bytecode (importlib.util.MAGIC_NUMBER of every 3.13 release) and PEP 552's flags of
# an unchecked hash-based .pyc: the source is never read to validate it.
MAGIC_313 = (3571).to_bytes(2, "little") + b"\r\n"
UNCHECKED_HASH = 1


def bytecode_problem(pyc: Path) -> str | None:
    """None for an unchecked hash-based .pyc of CPython 3.13 beside its source; else what it is."""
    source = pyc.parent.parent / (pyc.name.split(".", 1)[0] + ".py")
    if pyc.parent.name != "__pycache__" or not pyc.name.endswith(".cpython-313.pyc"):
        return "bytecode not for CPython 3.13 (compiled by the build machine's Python?)"
    if not source.is_file():
        return "bytecode without its source"
    header = pyc.read_bytes()[:8]
    if header[:4] != MAGIC_313:
        return f"bytecode with magic {header[:4]!r}, not CPython 3.13's"
    if int.from_bytes(header[4:8], "little") != UNCHECKED_HASH:
        return "bytecode checked against its source's mtime or hash (Lambda's files carry no dependable mtime)"
    return None


def layer_problems(python: Path, locked: dict[str, str], dev_only: set[str], bytecode: bool) -> list[str]:
    """Everything in a built /opt/python that Lambda's python3.13 on arm64 would not run as locked;
    with `bytecode`, a module without CPython 3.13's bytecode too."""
    problems: list[str] = []
    installed: dict[str, str] = {}
    for dist_info in sorted(python.glob("*.dist-info")):
        (name,) = _metadata(dist_info, "Name") or [dist_info.name.split("-")[0]]
        (version,) = _metadata(dist_info, "Version") or ["?"]
        installed[canonicalize_name(name)] = version
        wheel_tags = _metadata(dist_info, "Tag")
        if not set(wheel_tags) & LAMBDA_TAGS:
            problems.append(f"{dist_info.name}: wheel tags {wheel_tags}: not for cp313 manylinux aarch64")
    for name in sorted(set(installed) & dev_only):
        problems.append(f"{name} {installed[name]}: a dev package in the layer")
    for name in sorted(set(installed) - set(locked) - dev_only):
        problems.append(f"{name} {installed[name]}: not in the layer lock")
    for name in sorted(set(locked) - set(installed)):
        problems.append(f"{name}: locked for the layer but not in it")
    for name in sorted(set(installed) & set(locked)):
        if installed[name] != locked[name]:
            problems.append(f"{name}: {installed[name]} in the layer, {locked[name]} in the lock")
    for path in sorted(python.rglob("*")):
        if not path.is_file():
            continue
        where = path.relative_to(python)
        if path.suffix == ".pyc" and (problem := bytecode_problem(path)):
            problems.append(f"{where}: {problem}")
        compiled = path.parent / "__pycache__" / f"{path.stem}.cpython-313.pyc"
        if bytecode and path.suffix == ".py" and not compiled.is_file():
            problems.append(f"{where}: no bytecode")
        if re.search(r"\.so(\.\d+)*$", path.name) and (machine := elf_machine(path)):
            problems.append(f"{where}: {machine}")
        extension = EXTENSION.search(path.name)
        if extension and extension["tag"] and extension["tag"] != "313-aarch64-linux-gnu":
            problems.append(f"{where}: an extension module for cpython-{extension['tag']}")
    return problems


def _locked() -> tuple[dict[str, str], set[str]]:
    layer = {name: found[0].version for name, found in pins(REQUIREMENTS).items()}
    return layer, set(pins(DEV_LOCK)) - set(layer)


def python313() -> str:
    """The CPython 3.13 shared/Makefile compiles the layer with ('' when it found none)."""
    done = subprocess.run(
        ["make", "--no-print-directory", "-s", "-C", "shared", "python313"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_layer_holds_the_lock_for_python313_on_arm64(built: dict[str, object]) -> None:
    python = _layer_python(built)
    assert python.is_dir(), f"no {python}"
    locked, dev_only = _locked()
    assert {"pytest", "moto", "hypothesis", "ruff", "playwright"} <= dev_only, "the dev set is read wrong"
    assert layer_problems(python, locked, dev_only, bytecode=bool(python313())) == []
    shared_objects = [p for p in python.rglob("*") if re.search(r"\.so(\.\d+)*$", p.name)]
    # pydantic-core, cryptography, cffi, Pillow, fontTools: compiled, so checked above.
    assert len(shared_objects) > 10, shared_objects


def test_lambda_s_python_runs_the_layer_s_bytecode_and_never_its_sources(
    built: dict[str, object], tmp_path: Path
) -> None:
    """On Lambda, /opt is read-only: a module without valid bytecode is compiled at every cold start
    (two to three times the cold start, bench/README.md). CPython 3.13 imports vault_share's
    modules from the layer here with every source replaced by a line that would stop it: only the
    bytecode runs (that every module has its bytecode, layer_problems checks)."""
    interpreter = python313()
    if not interpreter:
        pytest.skip("no CPython 3.13 here (shared/Makefile): the layer was built without bytecode")
    layer = tmp_path / "python"
    shutil.copytree(_layer_python(built) / "vault_share", layer / "vault_share")
    for source in layer.rglob("*.py"):
        source.write_text("raise SystemExit('a source was compiled')\n", encoding="utf-8")
    probe = "import sys; sys.path.insert(0, sys.argv[1]); from vault_share.invitations import public_holidays as h"
    probe += "; print(h.LAST_YEAR)"
    done = subprocess.run(
        [interpreter, "-I", "-B", "-c", probe, str(layer)], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "2100", "")


def test_the_layer_carries_vault_share_as_in_the_repository(built: dict[str, object]) -> None:
    shipped = _layer_python(built) / "vault_share"
    sources = {p.relative_to(PACKAGE): p.read_bytes() for p in PACKAGE.rglob("*.py")}
    copied = {p.relative_to(shipped): p.read_bytes() for p in shipped.rglob("*") if p.is_file() and p.suffix != ".pyc"}
    assert sources, PACKAGE
    assert copied == sources


def test_each_function_is_its_handler_and_fits_with_the_layer(built: dict[str, object]) -> None:
    functions = _resources(built, "AWS::Serverless::Function")
    source = {spec.logical_id: spec for spec in template.functions(template.load())}
    assert set(functions) == set(source)
    layer = sum(p.stat().st_size for p in _layer_python(built).rglob("*") if p.is_file())
    for logical_id, function in functions.items():
        properties = function["Properties"]
        assert isinstance(properties, dict)
        folder = BUILD / str(properties["CodeUri"])
        files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        assert files == {"app.py": (source[logical_id].code_uri / "app.py").read_bytes()}, logical_id
        size = layer + sum(len(content) for content in files.values())
        assert size < UNZIPPED_LIMIT, f"{logical_id}: {size} bytes unzipped with the layer"


def _elf(machine: int, elf_class: int = 2) -> bytes:
    return b"\x7fELF" + bytes([elf_class, 1, 1]) + bytes(9) + struct.pack("<HH", 3, machine) + bytes(40)


def _dist(python: Path, name: str, version: str, tag: str) -> None:
    dist_info = python / f"{name}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (dist_info / "WHEEL").write_text(f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n")


def test_the_layer_check_sees_what_lambda_would_not_run(tmp_path: Path) -> None:
    """Guards the guard: a dev package, a wheel for x86_64 or another CPython, an x86_64 or 32-bit
    shared object, bytecode of another Python, checked or without its source, a module without
    bytecode, a missing or other version of a pin are each reported."""
    python = tmp_path / "python"
    _dist(python, "pydantic_core", "2.50.5", "cp313-cp313-manylinux_2_17_aarch64")
    _dist(python, "cryptography", "50.0.2", "cp311-abi3-manylinux_2_28_x86_64")
    _dist(python, "wrapt", "2.5.2", "cp311-cp311-manylinux2014_aarch64")
    _dist(python, "six", "1.16.0", "py2-none-any\nTag: py3-none-any")
    _dist(python, "pytest", "9.0.0", "py3-none-any")
    (python / "pydantic_core").mkdir()
    (python / "pydantic_core" / "_pydantic_core.cpython-313-aarch64-linux-gnu.so").write_bytes(_elf(EM_AARCH64))
    (python / "amd64.abi3.so").write_bytes(_elf(0x3E))
    (python / "arm32.so.1").write_bytes(_elf(EM_AARCH64, elf_class=1))
    (python / "old.cpython-311-aarch64-linux-gnu.so").write_bytes(_elf(EM_AARCH64))
    (python / "cached.pyc").write_bytes(b"")
    (python / "__pycache__").mkdir()
    (python / "module.py").write_text("")
    (python / "__pycache__" / "module.cpython-311.pyc").write_bytes(b"")
    (python / "__pycache__" / "module.cpython-313.pyc").write_bytes(MAGIC_313 + (3).to_bytes(4, "little"))
    (python / "__pycache__" / "gone.cpython-313.pyc").write_bytes(MAGIC_313 + (1).to_bytes(4, "little"))
    (python / "uncompiled.py").write_text("")
    locked = {"pydantic-core": "2.50.5", "cryptography": "50.0.2", "wrapt": "2.5.2", "six": "1.17.0", "idna": "3.2"}
    problems = layer_problems(python, locked, dev_only={"pytest"}, bytecode=True)
    assert problems == [
        "cryptography-50.0.2.dist-info: wheel tags ['cp311-abi3-manylinux_2_28_x86_64']"
        ": not for cp313 manylinux aarch64",
        "wrapt-2.5.2.dist-info: wheel tags ['cp311-cp311-manylinux2014_aarch64']: not for cp313 manylinux aarch64",
        "pytest 9.0.0: a dev package in the layer",
        "idna: locked for the layer but not in it",
        "six: 1.16.0 in the layer, 1.17.0 in the lock",
        "__pycache__/gone.cpython-313.pyc: bytecode without its source",
        "__pycache__/module.cpython-311.pyc: bytecode not for CPython 3.13 (compiled by the build machine's Python?)",
        "__pycache__/module.cpython-313.pyc: bytecode checked against its source's mtime or hash"
        " (Lambda's files carry no dependable mtime)",
        "amd64.abi3.so: e_machine 0x3e, not AArch64 (0xb7)",
        "arm32.so.1: ELF class 1, data 1 (not 64-bit little-endian)",
        "cached.pyc: bytecode not for CPython 3.13 (compiled by the build machine's Python?)",
        "old.cpython-311-aarch64-linux-gnu.so: an extension module for cpython-311-aarch64-linux-gnu",
        "uncompiled.py: no bytecode",
    ]
