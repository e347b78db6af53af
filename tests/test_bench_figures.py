"""The figures `make bench` writes to bench/results.json, and how each is judged.

The bench itself takes minutes against a moto server (bench/README.md); here its table is built
from made-up samples, to check that every figure the issues ask for is there, with its target.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from bench import cold, load, report, run, warm
from bench.invite import DUE, PENDING, ReminderRun
from devstack import template
from devstack.client import Answer

# Every function of functions/ has a cold-start figure (a case of bench/cold.py).
FUNCTIONS = sorted(path.parent.name for path in (Path(__file__).resolve().parents[1] / "functions").glob("*/app.py"))
# Figure -> target, as issued (links: the spine issue; invitations: issue 8).
TARGETS = {
    "unlock.aws_requests": "1",
    "unlock_wrong_code.aws_requests": "<= 2",
    "create_link.1.aws_requests": "<= 4",
    "create_link.50.aws_requests": "<= 4, == .1",
    "file_fetch.aws_requests": "<= 1",
    "warm.unlock.ratio": "<= 1.3",
    "reminders.items_read.10_of_10000": "<= 20",
    "reminders.items_read.10_of_100": "== .10_of_10000",
    "invite.aws_requests": "<= 6",
    "accept.aws_requests": "<= 5",
    "invite_wrong_code.aws_requests": "1",
    # Cold starts of every function (issue 11).
    **{f"cold_start.{function}.ratio": "<= 1.5" for function in FUNCTIONS},
    # Load on the local stack (issue 9): the checks, then the figures reported for information.
    "load.unlock.links_used_twice": "0",
    "load.unlock.server_errors": "0",
    "load.guess.max_evaluated": "<= 5",
    "load.create_link.server_errors": "0",
    "load.invite.server_errors": "0",
    "load.unlock.rps": "",
    "load.unlock.p50_ms": "",
    "load.unlock.p95_ms": "",
    "load.unlock.p99_ms": "",
    "load.create_link.rps": "",
    "load.create_link.p95_ms": "",
    "load.invite.rps": "",
    "load.invite.p95_ms": "",
}
README = Path(__file__).resolve().parents[1] / "bench" / "README.md"


def _sample(mode: str, ms: float) -> cold.Sample:
    return cold.Sample(mode, ms, ms / 2, ms * 1.5, ["dynamodb.GetItem"], [("dynamodb", 90.0)], [])


def _answer(status: int, body: dict[str, Any] | None = None, ms: float = 10.0) -> load.Timed:
    return load.Timed(Answer(status, {}, json.dumps(body or {}).encode()), ms)


def _unlock_phase(
    clients: int, *, wins: int = 1, evaluated: int = 5, locks: bool = True, status: int = 410
) -> load.UnlockPhase:
    """Two unlocked links (the first won `wins` times, the other losers answered `status`) and
    two guessed ones (the first evaluated `evaluated` times), judged as the bench judges them."""
    unlocked = [load.Link(f"u{n}", f"token-u{n}", "123456") for n in range(2)]
    guessed = [load.Link(f"g{n}", f"token-g{n}", "654321") for n in range(2)]
    used = _answer(410, {"error": "link_used", "status": "used"})
    lost = used if status == 410 else _answer(status, {"error": "internal"})
    wrong = _answer(403, {"error": "wrong_code", "attemptsLeft": 1})
    locked = _answer(410, {"error": "link_locked", "status": "locked"})
    results, role_links = [], []
    for n, link in enumerate(unlocked):
        won = wins if n == 0 else 1
        answers = [_answer(200, {"documents": []})] * won + [lost] * (load.RECIPIENTS - won)
        results += [[a] for a in answers]
        role_links += [link] * load.RECIPIENTS
    for link in guessed:
        results.append([wrong] * 4 + [locked])
        role_links.append(link)
    listed = {
        **{link.link_id: {"status": "used", "usedAt": "2026-12-01T10:00:00.000Z"} for link in unlocked},
        **{link.link_id: {"status": "locked", "failedAttempts": 5} for link in guessed},
    }
    listed["g0"] = {"status": "locked" if locks else "active", "failedAttempts": evaluated}
    return load.judge(load.Run(results, 2.0, 1.9, 0.1), role_links, unlocked, guessed, listed, clients)


def _created(count: int, status: int = 201) -> load.Created:
    return load.Created(
        [_answer(status, {"channels": {"link": {"status": "sent"}, "code": {"status": "sent"}}})] * count, 5.0, 4.0, 0.2
    )


def _load(**faults: Any) -> load.LoadResults:
    levels = {clients: _unlock_phase(clients) for clients in load.LEVELS}
    return load.LoadResults(_unlock_phase(250, **faults), levels, _created(50), _created(50), 0, 3.0, 1.0, 0, 2.0, 90.0)


def _rows(items_read_100: int, items_read_10000: int, wrong_code: int, **faults: Any) -> list[report.Row]:
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
        case.name: cold.ColdResults(
            case.name,
            [_sample("handler", 700.0)],
            [_sample("baseline", 500.0)],
            restored=[_sample("restore", 300.0)] if case.snapstart else [],
            unbytecoded=[_sample("handler", 2600.0), _sample("handler", 3000.0)],
        )
        for case in cold.CASES
    }
    stream = {"batch": [8], "read": [10], "expired": [10]}
    relaunches = [
        ReminderRun(pending, read, DUE, DUE, 0, ["dynamodb.Query"], 1.0)
        for pending, read in zip(PENDING, (items_read_100, items_read_10000), strict=True)
    ]
    return run._rows(counts, ratio, colds, stream, relaunches, _load(**faults))


def test_every_function_has_a_cold_start_case() -> None:
    assert len(FUNCTIONS) == 6, FUNCTIONS
    assert sorted(case.name for case in cold.CASES) == FUNCTIONS


def test_the_restore_path_is_measured_for_every_snapstart_function() -> None:
    document = template.load()
    snapstart = {
        spec.code_uri.name
        for spec in template.functions(document)
        if "SnapStart" in document["Resources"][spec.logical_id]["Properties"]
    }
    assert snapstart == {"download", "accept"}
    assert {case.name for case in cold.CASES if case.snapstart} == snapstart
    figures = {row.name: row.median for row in _rows(20, 20, 1)}
    for name in snapstart:  # for information: what a restored environment's first request costs here
        assert figures[f"snapstart.{name}.restore_path_ms"] == 300.0
        assert figures[f"snapstart.{name}.restore_path_ratio"] == 0.6
    assert not any(f.startswith("snapstart.vault") for f in figures)


def test_every_function_reports_its_cold_start_without_bytecode() -> None:
    """For information: the cold start a layer shipped without bytecode would cost on Lambda."""
    figures = {row.name: row.median for row in _rows(20, 20, 1)}
    for name in FUNCTIONS:
        assert figures[f"cold_start.{name}.without_bytecode_ms"] == 2800.0
        assert figures[f"cold_start.{name}.without_bytecode_ratio"] == 4.0


def test_every_issued_figure_is_in_results_json_with_its_target(tmp_path: Path) -> None:
    rows = _rows(20, 20, 1)
    targets = {r.name: r.target for r in rows}
    assert {name: targets.get(name) for name in TARGETS} == TARGETS
    written = tmp_path / "results.json"
    report.write_json(rows, written, extra={"load.unlock.by_clients": load.by_clients(_load())})
    figures = json.loads(written.read_text(encoding="utf-8"))
    assert set(TARGETS) <= set(figures)
    assert figures["cold_start.invite.ratio"] == 1.4 and figures["reminders.items_read.10_of_10000"] == 20
    assert all(r.passes for r in rows if r.target)
    # One level per number of concurrent clients, each with its throughput and latencies.
    table = figures["load.unlock.by_clients"]
    assert list(table) == ["1", "5", "25", "50", "100", "200"]
    assert {"rps", "p50_ms", "p95_ms", "p99_ms", "server_errors"} <= set(table["200"])
    assert table["1"]["requests"] == 2 * load.RECIPIENTS + 2 * 5 and table["1"]["rps"] == 9.0


def test_the_load_checks_catch_a_link_won_twice_a_sixth_code_a_5xx_and_a_link_left_open() -> None:
    def verdicts(**faults: Any) -> dict[str, str]:
        return {r.name: r.verdict for r in _rows(20, 20, 1, **faults) if r.name.startswith("load.")}

    assert set(verdicts().values()) <= {"PASS", "info"}
    assert verdicts(wins=2)["load.unlock.links_used_twice"] == "MISSED"
    assert verdicts(wins=0)["load.unlock.links_used_once"] == "MISSED", "a link nobody won"
    assert verdicts(evaluated=6)["load.guess.max_evaluated"] == "MISSED"
    assert verdicts(locks=False)["load.guess.links_locked"] == "MISSED"
    missed = verdicts(status=502)
    assert missed["load.unlock.server_errors"] == "MISSED" and missed["load.unlock.unexpected"] == "MISSED"


def test_the_clients_of_a_burst_run_at_once_and_each_role_once() -> None:
    http = load.Http(load.StackProcess("http://127.0.0.1:9", 0, {}, Path()), 4, "unused")  # never sends
    met = threading.Barrier(4, timeout=5)  # broken (an error) unless the four roles overlap

    def meet() -> list[load.Timed]:
        met.wait()
        return [_answer(200)]

    assert [len(sent) for sent in load.together(http, [meet] * 4, 4).results] == [1, 1, 1, 1]

    taken: list[int] = []

    def role(n: int) -> load.Role:
        def take() -> list[load.Timed]:
            taken.append(n)
            return [_answer(200, ms=n)]

        return take

    ran = load.together(http, [role(n) for n in range(9)], 2)
    assert sorted(taken) == list(range(9)) and [sent[0].ms for sent in ran.results] == list(range(9))


def test_every_load_figure_is_explained_in_the_bench_readme() -> None:
    checked, information = load.rows(_load())
    documented = README.read_text(encoding="utf-8")
    assert [r.name for r in checked + information if f"`{r.name}`" not in documented] == []
    assert "`load.unlock.by_clients`" in documented


def test_the_reminders_figures_are_judged_against_each_other() -> None:
    verdicts = {r.name: r.verdict for r in _rows(12, 20, 3)}
    assert verdicts["reminders.items_read.10_of_10000"] == "PASS"
    assert verdicts["reminders.items_read.10_of_100"] == "MISSED", "fewer items read with fewer pending is a miss"
    assert verdicts["invite_wrong_code.aws_requests"] == "MISSED"
    assert {r.name: r.verdict for r in _rows(20, 21, 1)}["reminders.items_read.10_of_10000"] == "MISSED"


def test_the_cost_of_a_flow_is_its_counted_requests_at_list_prices() -> None:
    from bench import cost

    operations = {
        "create_link.1.aws_requests": {"dynamodb.GetItem + dynamodb.PutItem + ses.SendRawEmail + dynamodb.UpdateItem"},
        "unlock.aws_requests": {"dynamodb.UpdateItem"},
        "file_fetch.aws_requests": {"dynamodb.UpdateItem"},
        "invite.aws_requests": {"dynamodb.TransactWriteItems + ses.SendRawEmail + sns.Publish"},
        "invite_page.aws_requests": {"dynamodb.GetItem"},
        "accept.aws_requests": {"dynamodb.UpdateItem + cognito-idp.AdminCreateUser"},
    }
    reminders = ["dynamodb.Query"] + ["ses.SendRawEmail", "sns.Publish", "dynamodb.UpdateItem"] * 10
    figures, table = cost.rows(
        {
            "link_flow": cost.link_flow(operations, 8),
            "invitation_flow": cost.invitation_flow(operations, reminders, 10, 8),
        }
    )
    link = cost.priced(cost.link_flow(operations, 8))
    invitation = cost.priced(cost.invitation_flow(operations, reminders, 10, 8))
    # Two e-mails a link (the recipient's, the owner's "lien utilisé"); no SMS.
    assert link["SES"] == pytest.approx(2 * cost.PRICES["ses.email"])
    assert "SNS (SMS)" not in link
    # The invitation's SMS and its reminder's: two SMS, the bulk of its cost.
    assert invitation["SNS (SMS)"] == pytest.approx(2 * cost.PRICES["sns.sms_france"])
    assert invitation["SNS (SMS)"] / sum(invitation.values()) > 0.95
    assert invitation["Cognito"] == 0.0  # per monthly active user, not per call
    assert link["API Gateway"] == pytest.approx(7 * cost.PRICES["apigateway.rest_request"])
    assert [f.name for f in figures] == ["cost.link_flow.usd_per_1000", "cost.invitation_flow.usd_per_1000"]
    assert figures[1].median == round(sum(invitation.values()) * 1000, 4)
    assert "invitation_flow:" in table and "SNS (SMS)" in table
