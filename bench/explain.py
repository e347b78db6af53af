"""Why a cold start costs what it costs: `python -X importtime` of one process of each kind.

Run when the cold-start target is missed (or with --explain), on 3 more processes of
each kind. Reports, per top-level
package, the import time the handler process pays beyond the baseline process (sum of
the modules' own times, so nested packages are not counted twice), with the chain of
imports that first pulled each package in, and the botocore clients each process
created (how many, for which service, how long).
"""

from __future__ import annotations

import re
import statistics
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field

from bench.cold import ColdResults, child_env, spawn
from bench.world import World

_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")


@dataclass
class Node:
    name: str
    self_us: int
    cumulative_us: int
    depth: int
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)

    @property
    def package(self) -> str:
        return self.name.split(".", 1)[0]

    def chain(self) -> list[str]:
        names, node = [], self.parent
        while node is not None:
            names.append(node.name)
            node = node.parent
        return names


def parse(stderr: str) -> list[Node]:
    """Every imported module, with its importer, from importtime's post-order listing."""
    pending: list[Node] = []
    nodes: list[Node] = []
    for line in stderr.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        node = Node(match.group(4), int(match.group(1)), int(match.group(2)), len(match.group(3)) // 2)
        while pending and pending[-1].depth > node.depth:
            child = pending.pop()
            child.parent = node
            node.children.append(child)
        pending.append(node)
        nodes.append(node)
    return nodes


def _by_package(nodes: list[Node]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for node in nodes:
        totals[node.package] += node.self_us / 1000
    return totals


def _importtime(world: World, colds: ColdResults, mode: str) -> list[Node]:
    with tempfile.TemporaryDirectory(prefix="bench-importtime-") as scratch:
        done = spawn(child_env(world, colds, colds.job(world, mode), scratch), scratch, ("-X", "importtime"))
    if done.returncode != 0:
        raise RuntimeError(f"importtime {colds.case} {mode}: {done.stderr[-2000:]}")
    return parse(done.stderr)


def _median_by_package(runs: list[list[Node]]) -> dict[str, float]:
    totals = [_by_package(nodes) for nodes in runs]
    packages = {pkg for total in totals for pkg in total}
    return {pkg: statistics.median(total.get(pkg, 0.0) for total in totals) for pkg in packages}


def explain(world: World, colds: ColdResults, top: int = 14, runs: int = 3) -> str:
    handler_runs, baseline_runs = [], []
    for _ in range(runs):  # alternating, like the measured runs
        handler_runs.append(_importtime(world, colds, "handler"))
        baseline_runs.append(_importtime(world, colds, "baseline"))
    handler_nodes = handler_runs[0]
    handler, baseline = _median_by_package(handler_runs), _median_by_package(baseline_runs)
    first_import: dict[str, Node] = {}
    for node in handler_nodes:  # post-order: the outermost module of a package comes after its submodules
        if node.name == node.package and node.package not in first_import:
            first_import[node.package] = node
    extra = sorted(
        ((pkg, handler.get(pkg, 0.0) - baseline.get(pkg, 0.0)) for pkg in handler),
        key=lambda item: item[1],
        reverse=True,
    )
    out = [
        f"Cold start of {colds.case}, explained (python -X importtime, medians of {runs} processes of each kind; "
        "importtime inflates absolute numbers, compare them with each other):",
        f"  imports: handler {sum(handler.values()):.0f} ms, baseline {sum(baseline.values()):.0f} ms "
        f"(sum of modules' own times)",
        "  top-level packages the handler pays beyond the baseline (ms), and what first imported them:",
    ]
    for pkg, ms in extra[:top]:
        first = first_import.get(pkg)
        chain = " <- ".join([pkg, *first.chain()]) if first else pkg
        out.append(f"    {ms:7.1f}  {chain}")
    app = next((i for i, node in enumerate(handler_nodes) if node.name == "app" and node.depth == 0), None)
    if app is not None:
        late = [node for node in handler_nodes[app + 1 :] if node.depth == 0]
        described = ", ".join(f"{node.name} {node.cumulative_us / 1000:.0f}" for node in late)
        out.append(f"  imported by the first request, after `import app` (ms): {described or 'nothing'}")
    out.append("  botocore clients created per process (median ms over the measured runs):")
    for label, samples in (("handler", colds.handler), ("baseline", colds.baseline)):
        per_service: dict[str, list[float]] = defaultdict(list)
        for sample in samples:
            for service, ms in sample.clients:
                per_service[service].append(ms)
        runs = max(len(samples), 1)
        described = ", ".join(
            f"{service} x{len(values) / runs:g} ({statistics.median(values):.0f} ms each)"
            for service, values in per_service.items()
        )
        out.append(f"    {label}: {described or 'none'}")
    h_ms = statistics.median(s.ms - s.import_ms for s in colds.handler)
    b_ms = statistics.median(s.ms - s.import_ms for s in colds.baseline)
    h_imp = statistics.median(s.import_ms for s in colds.handler)
    b_imp = statistics.median(s.import_ms for s in colds.baseline)
    out.append(
        f"  phases (medians): import {h_imp:.0f} ms vs {b_imp:.0f} ms; after import (clients, request, answer) "
        f"{h_ms:.0f} ms vs {b_ms:.0f} ms"
    )
    return "\n".join(out)
