"""Cold start: a fresh process serving one recipient's request through its handler, against a
fresh process that imports boto3 and makes the same AWS calls.

- download: one unlock, `POST /share/{token}` (JSON), against the single UpdateItem that
  `LinkStore.unlock` builds (bench/unlock_call.py); each process has a link of its own.
- invite: the invitation page as the person's browser opens it from the e-mail,
  `GET /invite/{token}` (`Accept: text/html`), against the very calls a handler process made
  (recorded in the discarded first one: the page only reads, so they replay as they were).

Both kinds are `python -P bench/cold_child.py` with the same environment (the functions'
variables from template.yaml, resolved, plus AWS_ENDPOINT_URL to this process's moto server
and POWERTOOLS_TRACE_DISABLED=true as devstack sets them). The kinds alternate (H B, B H,
H B, ...) so machine noise hits both alike; one discarded run of each first compiles bytecode
and fills the file cache.
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
from bench.world import Function, World, layer_dirs

CHILD = Path(__file__).with_name("cold_child.py")
CASES = ("download", "invite")


@dataclass
class Sample:
    mode: str
    ms: float  # first statement of the process -> answer back (interpreter boot excluded)
    import_ms: float  # first statement -> `import app` / `import boto3` done
    wall_ms: float  # measured here: process start -> exit (boot and teardown included)
    sent: list[str]
    clients: list[tuple[str, float]]  # (service, ms) for every botocore client the process created
    calls: list[list[Any]]  # [service, operation, parameters, error code]: what the process asked AWS


@dataclass
class ColdResults:
    case: str
    handler: list[Sample] = field(default_factory=list)
    baseline: list[Sample] = field(default_factory=list)
    replayed: list[list[Any]] = field(default_factory=list)  # invite: the calls every baseline makes

    def job(self, world: World, mode: str) -> dict[str, Any]:
        """What one fresh process of this case does (its link or invitation made before the clock starts)."""
        if self.case == "download":
            link = world.new_link(1)
            if mode == "handler":
                return _handler_job(*world.event("POST", f"/share/{link.token}", {"code": link.code}))
            unlock = unlock_kwargs(world.env["SHARES_TABLE"], link.token, link.code)
            return {"mode": mode, "calls": [["dynamodb", "UpdateItem", unlock, None]]}
        if mode == "handler":
            invitation = world.new_invitation()
            return _handler_job(*world.event("GET", f"/invite/{invitation.token}", headers={"Accept": "text/html"}))
        if not self.replayed:
            raise RuntimeError("the invite baseline replays a handler process's calls: run one first")
        return {"mode": mode, "calls": self.replayed}


def _handler_job(function: Function, event: dict[str, Any]) -> dict[str, Any]:
    function_dir, layer_dir = layer_dirs(function)
    return {
        "mode": "handler",
        "function_dir": str(function_dir),
        "layer_dir": str(layer_dir),
        "function_name": function.spec.logical_id,
        "function_arn": function.arn,
        "event": event,
    }


def child_env(world: World, job: dict[str, Any], scratch: str) -> dict[str, str]:
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


def spawn(env: dict[str, str], scratch: str, flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *flags, "-P", str(CHILD)], env=env, cwd=scratch, capture_output=True, text=True, check=False
    )


def run_one(world: World, results: ColdResults, mode: str, scratch: str) -> Sample:
    env = child_env(world, results.job(world, mode), scratch)  # made before the clock starts
    started = time.perf_counter()
    done = spawn(env, scratch)
    wall_ms = (time.perf_counter() - started) * 1000
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_RESULT ")]
    if done.returncode != 0 or not lines:
        failed = f"cold {results.case} {mode} process failed ({done.returncode})"
        raise RuntimeError(f"{failed}:\n{done.stdout}\n{done.stderr}")
    report = json.loads(lines[-1].removeprefix("BENCH_RESULT "))
    if report["status"] != 200:
        raise RuntimeError(f"cold {results.case} {mode} process answered {report['status']}:\n{done.stdout}")
    clients = [(service, ms) for service, ms in report["clients"]]
    return Sample(mode, report["ms"], report["import_ms"], wall_ms, report["sent"], clients, report["calls"])


def _operations(calls: list[list[Any]]) -> list[tuple[str, str]]:
    return [(service, operation) for service, operation, _, _ in calls]


def run(world: World, runs: int, case: str) -> ColdResults:
    results = ColdResults(case)
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch:
        first = run_one(world, results, "handler", scratch)
        if case == "invite":
            results.replayed = first.calls
        run_one(world, results, "baseline", scratch)
        for i in range(runs):
            order = ("handler", "baseline") if i % 2 == 0 else ("baseline", "handler")
            for mode in order:
                sample = run_one(world, results, mode, scratch)
                (results.handler if mode == "handler" else results.baseline).append(sample)
    if results.replayed:
        differ = [s.calls for s in results.handler if _operations(s.calls) != _operations(results.replayed)]
        if differ:
            raise RuntimeError(f"cold {case}: a handler process made other calls than the replayed ones: {differ[0]}")
    return results
