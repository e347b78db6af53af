"""Cold start: a fresh process serving one unlock through the download handler, against a
fresh process that imports boto3 and sends the same single UpdateItem.

Both are `python -P bench/cold_child.py` with the same environment (the download
function's variables from template.yaml, resolved, plus AWS_ENDPOINT_URL to this
process's moto server and POWERTOOLS_TRACE_DISABLED=true as devstack sets them),
and each works on a link of its own, created just before through the create_link
handler. The kinds alternate (H B, B H, H B, ...) so machine noise hits both alike;
one discarded run of each first compiles bytecode and fills the file cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.unlock_call import unlock_kwargs
from bench.world import World, layer_dirs

CHILD = Path(__file__).with_name("cold_child.py")


@dataclass
class Sample:
    mode: str
    ms: float  # first statement of the process -> answer back (interpreter boot excluded)
    import_ms: float  # first statement -> `import app` / `import boto3` done
    wall_ms: float  # measured here: process start -> exit (boot and teardown included)
    sent: list[str]
    clients: list[tuple[str, float]]  # (service, ms) for every botocore client the process created


@dataclass
class ColdResults:
    handler: list[Sample] = field(default_factory=list)
    baseline: list[Sample] = field(default_factory=list)


def _child_env(world: World, job: dict[str, Any], scratch: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": scratch,
        # Lambda has no ~/.aws: neither process should read one.
        "AWS_CONFIG_FILE": os.path.join(scratch, "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(scratch, "no-credentials"),
        **world.env,
        "BENCH_JOB": json.dumps(job),
    }


def _job(world: World, mode: str) -> dict[str, Any]:
    link = world.new_link(1)
    if mode == "handler":
        function, event = world.event("POST", f"/share/{link.token}", {"code": link.code})
        function_dir, layer_dir = layer_dirs(world)
        return {
            "mode": mode,
            "function_dir": str(function_dir),
            "layer_dir": str(layer_dir),
            "function_name": function.spec.logical_id,
            "function_arn": function.arn,
            "event": event,
        }
    return {"mode": mode, "kwargs": unlock_kwargs(world.env["SHARES_TABLE"], link.token, link.code)}


def _spawn(env: dict[str, str], scratch: str, flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *flags, "-P", str(CHILD)], env=env, cwd=scratch, capture_output=True, text=True, check=False
    )


def run_one(world: World, mode: str, scratch: str) -> Sample:
    env = _child_env(world, _job(world, mode), scratch)  # the link is created before the clock starts
    started = time.perf_counter()
    done = _spawn(env, scratch)
    wall_ms = (time.perf_counter() - started) * 1000
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"cold {mode} process failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    report = json.loads(lines[-1].removeprefix("BENCH_RESULT "))
    if report["status"] != 200:
        raise RuntimeError(f"cold {mode} process answered {report['status']}:\n{done.stdout}")
    clients = [(service, ms) for service, ms in report["clients"]]
    return Sample(mode, report["ms"], report["import_ms"], wall_ms, report["sent"], clients)


def run(world: World, runs: int) -> ColdResults:
    results = ColdResults()
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch:
        run_one(world, "handler", scratch)
        run_one(world, "baseline", scratch)
        for i in range(runs):
            order = ("handler", "baseline") if i % 2 == 0 else ("baseline", "handler")
            for mode in order:
                sample = run_one(world, mode, scratch)
                (results.handler if mode == "handler" else results.baseline).append(sample)
    return results
