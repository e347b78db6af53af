"""Runs every figure, prints the table, writes bench/results.json."""

from __future__ import annotations

import argparse
import sys
import time

from bench import cold, explain, notify, report, warm, world
from bench.report import Row

_STARTED = time.perf_counter()


def _progress(message: str) -> None:
    print(f"[bench {time.perf_counter() - _STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


def _rows(
    counts: dict[str, list[int]], ratio: warm.RatioSamples, colds: cold.ColdResults, stream: dict[str, list[int]]
) -> list[Row]:
    def counted(name: str, target: str = "", limit: int | None = None) -> Row:
        check = None if limit is None else (lambda median: median <= limit)
        return report.stats(name, counts[name], target, check)

    create_1 = counted("create_link.1.aws_requests", "<= 4", 4)
    create_50 = report.stats(
        "create_link.50.aws_requests",
        counts["create_link.50.aws_requests"],
        "<= 4, == .1",
        lambda median: median <= 4 and median == create_1.median,
    )
    handler, baseline = colds.handler, colds.baseline
    rows = [
        counted("unlock.aws_requests", "1", 1),
        counted("unlock_wrong_code.aws_requests", "<= 2", 2),
        create_1,
        create_50,
        counted("file_fetch.aws_requests", "<= 1", 1),
        report.ratio(
            "cold_start.download.ratio",
            [s.ms for s in handler],
            [s.ms for s in baseline],
            "<= 1.5",
            lambda median: median <= 1.5,
        ),
        report.ratio("warm.unlock.ratio", ratio.handler_ms, ratio.raw_ms, "<= 1.3", lambda median: median <= 1.3),
        report.stats("notify.batch100.aws_requests", stream["batch"], "<= 8", lambda median: median <= 8),
        report.stats("expiry_sweep.items_read", stream["read"], "<= 20", lambda median: median <= 20),
        report.stats("expiry_sweep.expired", stream["expired"], "10", lambda median: median == 10),
        # For information.
        counted("create_link.idempotent.aws_requests"),
        counted("create_link.idempotent_replay.aws_requests"),
        counted("unlock.html.aws_requests"),
        counted("unlock_wrong_code.html.aws_requests"),
        report.stats("cold_start.download.aws_requests", [len(s.sent) for s in handler]),
        report.stats("cold_start.baseline.aws_requests", [len(s.sent) for s in baseline]),
        report.stats("cold_start.download.ms", [s.ms for s in handler]),
        report.stats("cold_start.baseline.ms", [s.ms for s in baseline]),
        report.stats("cold_start.download.import_ms", [s.import_ms for s in handler]),
        report.stats("cold_start.baseline.import_ms", [s.import_ms for s in baseline]),
        report.ratio("cold_start.download.wall_ratio", [s.wall_ms for s in handler], [s.wall_ms for s in baseline]),
        report.stats("cold_start.download.wall_ms", [s.wall_ms for s in handler]),
        report.stats("cold_start.baseline.wall_ms", [s.wall_ms for s in baseline]),
        report.stats("warm.unlock.handler_ms", ratio.handler_ms),
        report.stats("warm.unlock.raw_ms", ratio.raw_ms),
        report.stats("warm.unlock.handler_self_ms", ratio.handler_self_ms),
    ]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=30, help="warm runs per request-count figure (30)")
    parser.add_argument("--iterations", type=int, default=200, help="interleaved iterations of the warm ratio (200)")
    parser.add_argument("--cold-runs", type=int, default=10, help="cold processes of each kind (10)")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="explain the cold start (python -X importtime) even if it meets its target",
    )
    args = parser.parse_args(argv)

    _progress("moto server, template.yaml resources, seed (vault, dossier, 50 documents)")
    stack = world.start(documents=50)
    try:
        _progress(f"request counts: {args.runs} warm runs per figure")
        counts, operations = warm.request_counts(stack, args.runs)
        _progress(f"warm unlock ratio: {args.iterations} interleaved iterations")
        ratio = warm.unlock_ratio(stack, args.iterations)
        _progress("notify: batches of 100 link events; expiry sweep with 10 due links among 10,000")
        read, expired = notify.sweep_items_read(stack)
        stream = {"batch": notify.batch_requests(stack, 5), "read": [read], "expired": [expired]}
        _progress(f"cold starts: {args.cold_runs} processes of each kind, alternating")
        colds = cold.run(stack, args.cold_runs)
        rows = _rows(counts, ratio, colds, stream)
        explanation = ""
        if args.explain or any(r.passes is False for r in rows if r.name.startswith("cold_start.")):
            _progress("cold start explanation: python -X importtime")
            explanation = explain.explain(stack, colds)
    finally:
        stack.stop()

    print(report.table(rows))
    handler, baseline = colds.handler, colds.baseline
    print()
    print("Requests seen per figure (botocore before-send, every client of the process):")
    for name, seen in operations.items():
        print(f"  {name}: {' | '.join(sorted(seen))}")
    print(f"  cold_start.download.aws_requests: {' | '.join(sorted({' + '.join(s.sent) for s in handler}))}")
    print(f"  cold_start.baseline.aws_requests: {' | '.join(sorted({' + '.join(s.sent) for s in baseline}))}")
    print()
    print(
        f"Counts: median of {args.runs} warm runs each; verdicts judge the median. Warm ratio: "
        f"median of {len(ratio.handler_ms)} handler calls / median of {len(ratio.raw_ms)} raw UpdateItem calls, "
        "interleaved, same process, same client, moto server on 127.0.0.1; min/max are per-pair ratios.\n"
        f"Cold start: {len(handler)} fresh processes of each kind, alternating; *.ms and the ratio are timed inside "
        "each process, from its first statement (interpreter boot and site excluded, equally for both) to the "
        "answer; wall_* is process start to exit as seen from here (boot and teardown included)."
    )
    if explanation:
        print()
        print(explanation)
    report.write_json(rows)
    missed = [r.name for r in rows if r.passes is False]
    print(f"\nWrote {report.RESULTS.relative_to(world.ROOT)} in {time.perf_counter() - _STARTED:.0f} s.", end=" ")
    print(f"MISSED: {', '.join(missed)}" if missed else "Every target met.")
    return 0
