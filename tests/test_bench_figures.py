"""The figures `make bench` writes to bench/results.json, and how each is judged.

The bench itself takes minutes against a moto server (bench/README.md); here its table is built
from made-up samples, to check that every figure the issues ask for is there, with its target.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench import cold, report, run, warm
from bench.invite import DUE, PENDING, ReminderRun

# Figure -> target, as issued (links: the spine issue; invitations: issue 8).
TARGETS = {
    "unlock.aws_requests": "1",
    "unlock_wrong_code.aws_requests": "<= 2",
    "create_link.1.aws_requests": "<= 4",
    "create_link.50.aws_requests": "<= 4, == .1",
    "file_fetch.aws_requests": "<= 1",
    "cold_start.download.ratio": "<= 1.5",
    "warm.unlock.ratio": "<= 1.3",
    "reminders.items_read.10_of_10000": "<= 20",
    "reminders.items_read.10_of_100": "== .10_of_10000",
    "invite.aws_requests": "<= 6",
    "accept.aws_requests": "<= 5",
    "invite_wrong_code.aws_requests": "1",
    "cold_start.invite.ratio": "<= 1.5",
}


def _sample(mode: str, ms: float) -> cold.Sample:
    return cold.Sample(mode, ms, ms / 2, ms * 1.5, ["dynamodb.GetItem"], [("dynamodb", 90.0)], [])


def _rows(items_read_100: int, items_read_10000: int, wrong_code: int) -> list[report.Row]:
    counts = {
        name: [value] * 3
        for name, value in {
            "unlock.aws_requests": 1,
            "unlock_wrong_code.aws_requests": 1,
            "unlock.html.aws_requests": 1,
            "unlock_wrong_code.html.aws_requests": 1,
            "create_link.1.aws_requests": 3,
            "create_link.50.aws_requests": 3,
            "create_link.idempotent.aws_requests": 7,
            "create_link.idempotent_replay.aws_requests": 2,
            "file_fetch.aws_requests": 1,
            "invite.aws_requests": 6,
            "accept.aws_requests": 5,
            "invite_wrong_code.aws_requests": wrong_code,
            "invite_page.aws_requests": 2,
        }.items()
    }
    ratio = warm.RatioSamples([20.0, 21.0], [19.0, 20.0], [1.0, 1.1])
    colds = {
        case: cold.ColdResults(case, [_sample("handler", 700.0)], [_sample("baseline", 500.0)]) for case in cold.CASES
    }
    stream = {"batch": [8], "read": [10], "expired": [10]}
    relaunches = [
        ReminderRun(pending, read, DUE, DUE, 0, ["dynamodb.Query"], 1.0)
        for pending, read in zip(PENDING, (items_read_100, items_read_10000), strict=True)
    ]
    return run._rows(counts, ratio, colds, stream, relaunches)


def test_every_issued_figure_is_in_results_json_with_its_target(tmp_path: Path) -> None:
    rows = _rows(20, 20, 1)
    targets = {r.name: r.target for r in rows}
    assert {name: targets.get(name) for name in TARGETS} == TARGETS
    written = tmp_path / "results.json"
    report.write_json(rows, written)
    figures = json.loads(written.read_text(encoding="utf-8"))
    assert set(TARGETS) <= set(figures)
    assert figures["cold_start.invite.ratio"] == 1.4 and figures["reminders.items_read.10_of_10000"] == 20
    assert all(r.passes for r in rows if r.name in TARGETS)


def test_the_reminders_figures_are_judged_against_each_other() -> None:
    verdicts = {r.name: r.verdict for r in _rows(12, 20, 3)}
    assert verdicts["reminders.items_read.10_of_10000"] == "PASS"
    assert verdicts["reminders.items_read.10_of_100"] == "MISSED", "fewer items read with fewer pending is a miss"
    assert verdicts["invite_wrong_code.aws_requests"] == "MISSED"
    assert {r.name: r.verdict for r in _rows(20, 21, 1)}["reminders.items_read.10_of_10000"] == "MISSED"
