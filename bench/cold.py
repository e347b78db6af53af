"""Cold start of every function: a fresh process serving one request through its handler,
against a fresh process that imports boto3 and makes the same AWS calls.

| case        | the request                                                                 |
|-------------|-----------------------------------------------------------------------------|
| vault       | the owner opens a dossier: `GET /vaults/{v}/dossiers/{d}`                    |
| create_link | the owner sends a link to one document by e-mail: `POST .../links`           |
| download    | the recipient unlocks it: `POST /share/{token}` (JSON)                       |
| notify      | the stream's record of that unlock (journal, notification, owner's e-mail)   |
| invite      | the owner invites a person by e-mail and SMS: `POST .../invitations`        |
| accept      | the person opens the e-mailed link: `GET /invite/{token}` (`Accept: text/html`) |

Each case's request is made once before any process (its link, person or invitation). A first,
discarded handler process records the AWS calls it makes (service, operation, parameters, error
code); every baseline replays exactly those. Before every process of either kind, DynamoDB is
put back as it was before the recorded one at the keys it wrote (bench/rewind.py), so each
process meets the same store: the link not yet used, the quota counters as they were.

Both kinds are `python -P bench/cold_child.py` with the variables Lambda's runtime sets, then the
embedded AWS as devstack sets it (AWS_ENDPOINT_URL to this process's moto server,
POWERTOOLS_TRACE_DISABLED=true), then the function's own variables from template.yaml, resolved.
The kinds alternate (H B, B H, H B, ...) so machine noise hits both alike; one discarded run of
each first compiles bytecode and fills the file cache.

SnapStart functions (download, accept) also run the restore path (`restore` in
bench/cold_child.py): the init done first, as the snapshot holds it, then the after-restore hooks and
the request, timed. What Lambda spends restoring the snapshot itself cannot be measured here.

A few handler processes run last without bytecode but the standard library's (none found for the
packages and vault_share, none kept), as Lambda would run a layer shipped without it:
`without_bytecode_ratio` is their time over the handler's with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import boto3

from bench.rewind import Rewind
from bench.world import REGION, Function, World, layer_dirs
from devstack import template
from devstack.functions import lambda_variables
from devstack.poller import lambda_record
from devstack.stack import aws_environment

CHILD = Path(__file__).with_name("cold_child.py")
# Handler processes that find no bytecode, per case: what a layer without it costs every cold start
# on Lambda (slow, 2 to 4 s each here, and only for information: few).
UNBYTECODED_RUNS = 2

Request = tuple[Function, dict[str, Any]]


def _vault(world: World) -> Request:
    return world.event("GET", f"/vaults/{world.vault_id}/dossiers/{world.dossier_id}", owner=True)


def _create_link(world: World) -> Request:
    return world.create_link_event(1)


def _download(world: World) -> Request:
    link = world.new_link(1)
    return world.event("POST", f"/share/{link.token}", {"code": link.code})


def _notify(world: World) -> Request:
    """The stream record of a link's unlock, read from the table's stream as Lambda's poller reads it."""
    stream_arn = world.resolver.get_att("SharesTable", "StreamArn")
    streams = boto3.client("dynamodbstreams")
    shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    iterators = [
        streams.get_shard_iterator(StreamArn=stream_arn, ShardId=s["ShardId"], ShardIteratorType="LATEST")
        for s in shards
    ]
    function, event = _download(world)
    result = function.handler(event, function.context())
    if result["statusCode"] != 200:
        raise RuntimeError(f"unlock: {result['statusCode']} {result.get('body')}")
    records = [
        record
        for iterator in iterators
        for record in streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
        if record["eventName"] == "MODIFY"
    ]
    if len(records) != 1:
        raise RuntimeError(f"the unlock streamed {len(records)} MODIFY records, not 1")
    return world.functions["NotifyFunction"], {"Records": [lambda_record(records[0], stream_arn)]}


def _invite(world: World) -> Request:
    person_id, _ = world.new_person()
    return world.invite_event(person_id)


def _accept(world: World) -> Request:
    invitation = world.new_invitation()
    return world.event("GET", f"/invite/{invitation.token}", headers={"Accept": "text/html"})


@dataclass(frozen=True)
class Case:
    name: str  # the function's directory: cold_start.<name>.ratio
    request: Callable[[World], Request]
    status: int  # the handler's answer (notify: 200 when no record failed)
    snapstart: bool = False  # SnapStart in template.yaml: its restore path is measured too


CASES = (
    Case("vault", _vault, 200),
    Case("create_link", _create_link, 201),
    Case("download", _download, 200, snapstart=True),
    Case("notify", _notify, 200),
    Case("invite", _invite, 201),
    Case("accept", _accept, 200, snapstart=True),
)


@dataclass
class Sample:
    mode: str
    ms: float  # first statement of the process -> answer back (interpreter boot excluded)
    import_ms: float  # first statement -> `import app` / `import boto3` done (restore: the after-restore hooks)
    wall_ms: float  # measured here: process start -> exit (boot and teardown included)
    sent: list[str]
    clients: list[tuple[str, float]]  # (service, ms) for every botocore client the process created
    calls: list[list[Any]]  # [service, operation, parameters, error code]: what the process asked AWS


@dataclass
class ColdResults:
    case: str
    handler: list[Sample] = field(default_factory=list)
    baseline: list[Sample] = field(default_factory=list)
    replayed: list[list[Any]] = field(default_factory=list)  # the calls every baseline makes
    restored: list[Sample] = field(default_factory=list)  # SnapStart: after-restore hooks + the request
    unbytecoded: list[Sample] = field(default_factory=list)  # handler processes finding no bytecode
    function: Function | None = None
    event: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    rewind: Rewind | None = None

    def job(self, world: World, mode: str) -> dict[str, Any]:
        """What one fresh process of this case does; the store put back first, before the clock starts."""
        if self.function is None:
            raise RuntimeError("a case's request is made first (run)")
        if self.rewind is not None:  # none yet for the recorded process
            self.rewind.restore()
        if mode in ("handler", "restore"):
            return _handler_job(mode, self.function, self.event)
        if not self.replayed:
            raise RuntimeError("the baseline replays a handler process's calls: run one first")
        return {"mode": mode, "calls": self.replayed}


def _handler_job(mode: str, function: Function, event: dict[str, Any]) -> dict[str, Any]:
    function_dir, layer_dir = layer_dirs(function)
    return {
        "mode": mode,
        "function_dir": str(function_dir),
        "layer_dir": str(layer_dir),
        "function_name": function.spec.logical_id,
        "function_arn": function.arn,
        "event": event,
    }


def child_env(
    world: World, colds: ColdResults, job: dict[str, Any], scratch: str, bytecode: bool = True
) -> dict[str, str]:
    """What Lambda's runtime sets, then the embedded AWS as devstack sets it, then the function's own
    variables. Without `bytecode`, the process finds none and keeps none, as on Lambda with a layer
    shipped without it (/opt is read-only): it compiles every module it imports."""
    if colds.function is None:
        raise RuntimeError("a case's request is made first (run)")
    spec = colds.function.spec
    unbytecoded = {} if bytecode else {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(stdlib_bytecode())}
    return {
        **unbytecoded,
        **lambda_variables(spec, REGION),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": scratch,
        # Lambda has no ~/.aws: neither process should read one.
        "AWS_CONFIG_FILE": os.path.join(scratch, "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(scratch, "no-credentials"),
        **aws_environment(world.endpoint),
        **template.merged_environment(world.resolver, [spec]),
        "BENCH_JOB": json.dumps(job),
    }


@cache
def stdlib_bytecode() -> Path:
    """A pycache prefix that holds the standard library's bytecode and nothing else: a process
    given it finds bytecode for what Lambda's runtime ships compiled (its standard library), none
    for the rest (the packages and vault_share a layer would carry), and writes none. Compiled once,
    kept between runs (compileall skips what is up to date)."""
    prefix = template.ROOT / "build" / "bench-stdlib-bytecode"
    skip = r"site-packages|[/\\](tests?|idlelib|tkinter|turtledemo|lib2to3)[/\\]"
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", "-x", skip, sysconfig.get_paths()["stdlib"]],
        env={**os.environ, "PYTHONPYCACHEPREFIX": str(prefix)},
        capture_output=True,
        check=False,  # a file of the standard library that does not compile is not the bench's business
    )
    return prefix


def spawn(env: dict[str, str], scratch: str, flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *flags, "-P", str(CHILD)], env=env, cwd=scratch, capture_output=True, text=True, check=False
    )


def run_one(world: World, results: ColdResults, mode: str, scratch: str, bytecode: bool = True) -> Sample:
    env = child_env(world, results, results.job(world, mode), scratch, bytecode)  # made before the clock starts
    started = time.perf_counter()
    done = spawn(env, scratch)
    wall_ms = (time.perf_counter() - started) * 1000
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_RESULT ")]
    if done.returncode != 0 or not lines:
        failed = f"cold {results.case} {mode} process failed ({done.returncode})"
        raise RuntimeError(f"{failed}:\n{done.stdout}\n{done.stderr}")
    report = json.loads(lines[-1].removeprefix("BENCH_RESULT "))
    if report["status"] != (200 if mode == "baseline" else results.status):
        raise RuntimeError(f"cold {results.case} {mode} process answered {report['status']}:\n{done.stdout}")
    clients = [(service, ms) for service, ms in report["clients"]]
    return Sample(mode, report["ms"], report["import_ms"], wall_ms, report["sent"], clients, report["calls"])


def _operations(calls: list[list[Any]]) -> list[tuple[str, str]]:
    return [(service, operation) for service, operation, _, _ in calls]


def run(world: World, runs: int, case: Case) -> ColdResults:
    function, event = case.request(world)
    results = ColdResults(case.name, function=function, event=event, status=case.status)
    rewind = Rewind.capture(boto3.client("dynamodb"))
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch:
        first = run_one(world, results, "handler", scratch)  # recorded, discarded
        results.replayed = first.calls
        rewind.keep(first.calls)
        results.rewind = rewind
        run_one(world, results, "baseline", scratch)
        for i in range(runs):
            order = ("handler", "baseline") if i % 2 == 0 else ("baseline", "handler")
            for mode in order:
                sample = run_one(world, results, mode, scratch)
                (results.handler if mode == "handler" else results.baseline).append(sample)
        if case.snapstart:
            results.restored = [run_one(world, results, "restore", scratch) for _ in range(runs)]
        results.unbytecoded = [
            run_one(world, results, "handler", scratch, bytecode=False) for _ in range(UNBYTECODED_RUNS)
        ]
    differ = [s.calls for s in results.handler if _operations(s.calls) != _operations(results.replayed)]
    if differ:
        raise RuntimeError(f"cold {case.name}: a handler process made other calls than the replayed ones: {differ[0]}")
    return results
