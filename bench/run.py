"""Runs every figure, prints the table, writes bench/results.json."""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from bench import cold, console, cost, explain, invite, load, notify, report, warm, world
from bench.report import Row

_STARTED = time.perf_counter()


def _progress(message: str) -> None:
    print(f"[bench {time.perf_counter() - _STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


def _cold_rows(colds: cold.ColdResults) -> list[Row]:
    """The cold-start figures of one function: its ratio (judged), then for information its
    processes' and its baseline's request counts and times."""
    name, handler, baseline = colds.case, colds.handler, colds.baseline
    base = f"{name}.baseline"
    return [
        report.ratio(
            f"cold_start.{name}.ratio",
            [s.ms for s in handler],
            [s.ms for s in baseline],
            "<= 1.5",
            lambda median: median <= 1.5,
        ),
        report.stats(f"cold_start.{name}.aws_requests", [len(s.sent) for s in handler]),
        report.stats(f"cold_start.{base}.aws_requests", [len(s.sent) for s in baseline]),
        report.stats(f"cold_start.{name}.ms", [s.ms for s in handler]),
        report.stats(f"cold_start.{base}.ms", [s.ms for s in baseline]),
        report.stats(f"cold_start.{name}.import_ms", [s.import_ms for s in handler]),
        report.stats(f"cold_start.{base}.import_ms", [s.import_ms for s in baseline]),
        report.ratio(f"cold_start.{name}.wall_ratio", [s.wall_ms for s in handler], [s.wall_ms for s in baseline]),
        report.stats(f"cold_start.{name}.wall_ms", [s.wall_ms for s in handler]),
        report.stats(f"cold_start.{base}.wall_ms", [s.wall_ms for s in baseline]),
        *_restore_rows(colds),
        *_unbytecoded_rows(colds),
    ]


def _unbytecoded_rows(colds: cold.ColdResults) -> list[Row]:
    """What the function's cold start would be on Lambda with a layer shipped without bytecode."""
    if not colds.unbytecoded:
        return []
    name, unbytecoded = colds.case, [s.ms for s in colds.unbytecoded]
    with_bytecode = statistics.median(s.ms for s in colds.handler)
    return [
        report.stats(f"cold_start.{name}.without_bytecode_ms", unbytecoded),
        report.ratio(f"cold_start.{name}.without_bytecode_ratio", unbytecoded, [with_bytecode] * len(unbytecoded)),
    ]


def _restore_rows(colds: cold.ColdResults) -> list[Row]:
    """A SnapStart function's restore path, as far as it runs here: its after-restore hooks and the request."""
    if not colds.restored:
        return []
    name, restored = colds.case, colds.restored
    return [
        report.stats(f"snapstart.{name}.restore_path_ms", [s.ms for s in restored]),
        report.stats(f"snapstart.{name}.after_restore_hooks_ms", [s.import_ms for s in restored]),
        report.ratio(f"snapstart.{name}.restore_path_ratio", [s.ms for s in restored], [s.ms for s in colds.baseline]),
    ]


def _rows(
    counts: dict[str, list[int]],
    ratio: warm.RatioSamples,
    colds: dict[str, cold.ColdResults],
    stream: dict[str, list[int]],
    relaunches: list[invite.ReminderRun],
    loaded: load.LoadResults,
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
    checked, information = load.rows(loaded)
    few, many = relaunches
    many_read = report.stats(f"reminders.items_read.{invite.DUE}_of_{many.pending}", [many.items_read], "<= 20",
                             lambda median: median <= 20)  # fmt: skip
    cold_rows = [_cold_rows(colds[case.name]) for case in cold.CASES]
    rows = [
        counted("unlock.aws_requests", "1", 1),
        counted("unlock_wrong_code.aws_requests", "<= 2", 2),
        create_1,
        create_50,
        counted("file_fetch.aws_requests", "<= 1", 1),
        report.ratio("warm.unlock.ratio", ratio.handler_ms, ratio.raw_ms, "<= 1.3", lambda median: median <= 1.3),
        report.stats("notify.batch100.aws_requests", stream["batch"], "<= 8", lambda median: median <= 8),
        report.stats("expiry_sweep.items_read", stream["read"], "<= 20", lambda median: median <= 20),
        report.stats("expiry_sweep.expired", stream["expired"], "10", lambda median: median == 10),
        many_read,
        report.stats(
            f"reminders.items_read.{invite.DUE}_of_{few.pending}",
            [few.items_read],
            f"== .{invite.DUE}_of_{many.pending}",
            lambda median: median == many_read.median,
        ),
        report.stats(
            f"reminders.relaunched.{invite.DUE}_of_{many.pending}",
            [many.relaunched],
            str(invite.DUE),
            lambda median: median == invite.DUE,
        ),
        counted("invite.aws_requests", "<= 6", 6),
        counted("accept.aws_requests", "<= 5", 5),
        counted("invite_wrong_code.aws_requests", "1", 1),
        *(rows[0] for rows in cold_rows),
        *checked,
        # For information.
        counted("create_link.idempotent.aws_requests"),
        counted("create_link.idempotent_replay.aws_requests"),
        counted("unlock.html.aws_requests"),
        counted("unlock_wrong_code.html.aws_requests"),
        counted("invite_page.aws_requests"),
        report.stats(f"reminders.reported_items_read.{invite.DUE}_of_{many.pending}", [many.reported]),
        report.stats(f"reminders.aws_requests.{invite.DUE}_of_{many.pending}", [len(many.requests)]),
        *(row for rows in cold_rows for row in rows[1:]),
        report.stats("warm.unlock.handler_ms", ratio.handler_ms),
        report.stats("warm.unlock.raw_ms", ratio.raw_ms),
        report.stats("warm.unlock.handler_self_ms", ratio.handler_self_ms),
        *information,
    ]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=30, help="warm runs per request-count figure (30)")
    parser.add_argument("--iterations", type=int, default=200, help="interleaved iterations of the warm ratio (200)")
    parser.add_argument(
        "--invite-runs",
        type=int,
        default=10,
        help="warm runs per invitation figure (10: each makes a person and an invitation first)",
    )
    parser.add_argument("--cold-runs", type=int, default=10, help="cold processes of each kind (10)")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="explain the cold start (python -X importtime) even if it meets its target",
    )
    args = parser.parse_args(argv)

    # First, before this process's own moto server exists: the local stack as a developer runs it.
    _progress(f"load: the local stack in a subprocess, up to {load.MAX_CLIENTS} concurrent HTTP clients")
    loaded = load.run(_progress)
    console_rows = console.rows(_progress)
    _progress("moto server, template.yaml resources, seed (vault, dossier, 50 documents)")
    stack = world.start(documents=50)
    try:
        _progress(f"request counts: {args.runs} warm runs per figure")
        counts, operations = warm.request_counts(stack, args.runs)
        _progress(f"warm unlock ratio: {args.iterations} interleaved iterations")
        ratio = warm.unlock_ratio(stack, args.iterations)
        _progress(f"invitations: {args.invite_runs} warm runs per figure (a new person and invitation each)")
        invited, invite_operations = invite.request_counts(stack, args.invite_runs)
        counts.update(invited)
        operations.update(invite_operations)
        colds: dict[str, cold.ColdResults] = {}
        for case in cold.CASES:
            _progress(f"cold starts ({case.name}): {args.cold_runs} processes of each kind, alternating")
            colds[case.name] = cold.run(stack, args.cold_runs, case)
        explanations = []
        for name, measured in colds.items():
            if args.explain or _cold_rows(measured)[0].passes is False:
                _progress(f"cold start explanation ({name}): python -X importtime")
                explanations.append(explain.explain(stack, measured))
        pending = " then ".join(f"{n:,}" for n in invite.PENDING)
        _progress(f"reminders: scheduled runs with {invite.DUE} due invitations among {pending} pending")
        relaunches = invite.reminders(stack)  # after every other invitation
        # The 10,000-item stages last: every stage after them would read and scan bigger tables.
        _progress("notify: batches of 100 link events; expiry sweep with 10 due links among 10,000")
        read, expired = notify.sweep_items_read(stack)
        stream = {"batch": notify.batch_requests(stack, 5), "read": [read], "expired": [expired]}
        notify_per_100 = statistics.median(stream["batch"])
        many = relaunches[1]
        cost_rows, cost_table = cost.rows(
            {
                "link_flow": cost.link_flow(operations, notify_per_100),
                "invitation_flow": cost.invitation_flow(operations, many.requests, many.relaunched, notify_per_100),
            }
        )
        rows = [*_rows(counts, ratio, colds, stream, relaunches, loaded), *console_rows, *cost_rows]
    finally:
        stack.stop()

    print(report.table(rows))
    print()
    print(cost_table)
    print()
    print(load.describe(loaded))
    print()
    print("Requests seen per figure (botocore before-send, every client of the process):")
    for name, seen in operations.items():
        print(f"  {name}: {' | '.join(sorted(seen))}")
    for name, measured in colds.items():
        for base, samples in ((name, measured.handler), (f"{name}.baseline", measured.baseline)):
            print(f"  cold_start.{base}.aws_requests: {' | '.join(sorted({' + '.join(s.sent) for s in samples}))}")
    for run in relaunches:
        print(f"  reminders: {invite.describe(run)}")
    print()
    print(
        f"Counts: median of {args.runs} warm runs each ({args.invite_runs} for invitations); verdicts judge the "
        "median. Warm ratio: "
        f"median of {len(ratio.handler_ms)} handler calls / median of {len(ratio.raw_ms)} raw UpdateItem calls, "
        "interleaved, same process, same client, moto server on 127.0.0.1; min/max are per-pair ratios.\n"
        f"Reminders: one scheduled run each; items read are what DynamoDB's answers report (a Query's "
        "ScannedCount, one per item a GetItem returned), counted on every client.\n"
        f"Cold start: {args.cold_runs} fresh processes of each kind, alternating; *.ms and the ratio are timed inside "
        "each process, from its first statement (interpreter boot and site excluded, equally for both) to the "
        "answer; wall_* is process start to exit as seen from here (boot and teardown included)."
    )
    for explanation in explanations:
        print()
        print(explanation)
    report.write_json(rows, extra={"load.unlock.by_clients": load.by_clients(loaded)})
    missed = [r.name for r in rows if r.passes is False]
    print(f"\nWrote {report.RESULTS.relative_to(world.ROOT)} in {time.perf_counter() - _STARTED:.0f} s.", end=" ")
    print(f"MISSED: {', '.join(missed)}" if missed else "Every target met.")
    return 0
