"""Warm figures, in this process: AWS requests per handler call, and the unlock's latency ratio.

Every handler is called directly (`lambda_handler(event, context)`) with the event API
Gateway builds for its route; the event and context are built before the clock or the
counter starts, since API Gateway and Lambda make them, not the function.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.counting import COUNTER
from bench.unlock_call import unlock_kwargs
from bench.world import Function, World

Counts = dict[str, list[int]]


@dataclass
class Prepared:
    function: Function
    event: dict[str, Any]
    expect: int


def count(prepared: Prepared, operations: dict[str, set[str]], figure: str) -> int:
    context = prepared.function.context()
    with COUNTER.window() as window:
        result = prepared.function.handler(prepared.event, context)
    if result["statusCode"] != prepared.expect:
        raise RuntimeError(f"{figure}: {result['statusCode']} {result.get('body')}")
    operations.setdefault(figure, set()).add(" + ".join(window.sent) or "-")
    return window.requests


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _unlock(world: World, link_code: Callable[[str], str], *, html: bool, expect: int) -> Prepared:
    link = world.new_link(1)
    code = link_code(link.code)
    if html:
        function, event = world.event(
            "POST",
            f"/share/{link.token}",
            raw_body=f"code={code}".encode(),
            headers={"Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded"},
        )
    else:
        function, event = world.event("POST", f"/share/{link.token}", {"code": code})
    return Prepared(function, event, expect)


def request_counts(world: World, runs: int) -> tuple[Counts, dict[str, set[str]]]:
    """figure -> one request count per run, and the operations seen per figure."""
    counts: Counts = {}
    operations: dict[str, set[str]] = {}

    def record(figure: str, prepare: Callable[[], Prepared]) -> None:
        samples = counts.setdefault(figure, [])
        for _ in range(runs):
            samples.append(count(prepare(), operations, figure))

    record("unlock.aws_requests", lambda: _unlock(world, str, html=False, expect=200))
    record("unlock_wrong_code.aws_requests", lambda: _unlock(world, wrong, html=False, expect=403))
    record("unlock.html.aws_requests", lambda: _unlock(world, str, html=True, expect=200))
    record("unlock_wrong_code.html.aws_requests", lambda: _unlock(world, wrong, html=True, expect=403))

    def create(documents: int, key: str | None = None) -> Prepared:
        function, event = world.create_link_event(documents, email=True, key=key)
        return Prepared(function, event, 201)

    record("create_link.1.aws_requests", lambda: create(1))
    record("create_link.50.aws_requests", lambda: create(50))
    record("create_link.idempotent.aws_requests", lambda: create(1, key=str(uuid.uuid4())))
    # The same key again: Powertools answers the stored result.
    replay_key = str(uuid.uuid4())
    count(create(1, key=replay_key), {}, "create_link.idempotent (first)")
    record("create_link.idempotent_replay.aws_requests", lambda: create(1, key=replay_key))

    # One unlocked link; its downloadUrl fetched again and again inside the 30-minute window.
    link = world.new_link(1)
    function, event = world.event("POST", f"/share/{link.token}", {"code": link.code})
    answer = json.loads(function.handler(event, function.context())["body"])
    url = urlsplit(answer["documents"][0]["downloadUrl"])
    path = url.path.removeprefix(urlsplit(world.env["PUBLIC_BASE_URL"]).path)

    def fetch() -> Prepared:
        function, event = world.event("GET", path, query=url.query)
        return Prepared(function, event, 302)

    if not parse_qs(url.query).get("grant"):
        raise RuntimeError(f"no grant in {answer['documents'][0]['downloadUrl']}")
    record("file_fetch.aws_requests", fetch)
    return counts, operations


@dataclass
class RatioSamples:
    handler_ms: list[float]
    raw_ms: list[float]
    handler_self_ms: list[float]  # handler time outside its AWS call(s): the function's own work


def unlock_ratio(world: World, iterations: int, warmup: int = 10) -> RatioSamples:
    """The unlock through the handler against the raw UpdateItem it needs, interleaved.

    Same process, same moto server, and the raw call goes through the very client the
    handler uses (vault_share.adapters.aws.client("dynamodb")), so the difference is the
    handler's own work: parsing, routing, validation, hashing, the answer. Each call
    consumes a fresh link of its own, so both succeed with the same item size.
    """
    from vault_share.adapters.aws import client

    ddb = client("dynamodb")
    table = world.env["SHARES_TABLE"]
    total = iterations + warmup
    handler_jobs = [_unlock(world, str, html=False, expect=200) for _ in range(total)]
    raw_jobs = []
    for _ in range(total):
        link = world.new_link(1)
        raw_jobs.append(unlock_kwargs(table, link.token, link.code))
    contexts = [job.function.context() for job in handler_jobs]

    handler_ms: list[float] = []
    raw_ms: list[float] = []
    handler_self_ms: list[float] = []

    def run_handler(i: int) -> None:
        job = handler_jobs[i]
        with COUNTER.window() as window:
            started = time.perf_counter()
            result = job.function.handler(job.event, contexts[i])
            elapsed = (time.perf_counter() - started) * 1000
        if result["statusCode"] != 200 or window.sent != ["dynamodb.UpdateItem"]:
            raise RuntimeError(f"warm unlock: {result['statusCode']} {window.sent} {result.get('body')}")
        if i >= warmup:
            handler_ms.append(elapsed)
            handler_self_ms.append(elapsed - window.aws_ms)

    def run_raw(i: int) -> None:
        with COUNTER.window():
            started = time.perf_counter()
            answer = ddb.update_item(**raw_jobs[i])
            elapsed = (time.perf_counter() - started) * 1000
        if answer["Attributes"]["status"]["S"] != "used":
            raise RuntimeError(f"raw unlock: {answer}")
        if i >= warmup:
            raw_ms.append(elapsed)

    for i in range(total):
        first, second = (run_handler, run_raw) if i % 2 == 0 else (run_raw, run_handler)
        first(i)
        second(i)
    return RatioSamples(handler_ms, raw_ms, handler_self_ms)
