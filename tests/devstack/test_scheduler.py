"""The scheduler follows the local clock: due schedules run once, missed ones are not replayed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from vault_share import clock

from devstack.scheduler import Scheduler, ScheduleTarget
from devstack.template import Schedule
from tests.devstack.conftest import wait_for

HOUR = 3600
RELAUNCH = Schedule("InviteFunction", "Reminders", HOUR, '{"task": "relaunch"}')
SWEEP = Schedule("NotifyFunction", "ExpirySweep", 300, '{"task": "expiry_sweep"}')
BARE = Schedule("NotifyFunction", "Tick", 60, None)


@pytest.fixture(autouse=True)
def local_clock() -> Iterator[None]:
    clock.reset()
    yield
    clock.reset()


@pytest.fixture
def schedulers() -> Iterator[list[Scheduler]]:
    made: list[Scheduler] = []
    yield made
    for scheduler in made:
        scheduler.stop()


class Calls:
    def __init__(self, answer: Callable[[dict[str, Any]], Any] | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self._answer = answer

    def __call__(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        return self._answer(event) if self._answer else {"handled": len(self.events)}


def test_due_schedule_runs_once_by_the_local_clock(schedulers: list[Scheduler]) -> None:
    calls = Calls()
    scheduler = Scheduler([ScheduleTarget(RELAUNCH, calls)], check_interval=0.02)
    schedulers.append(scheduler)
    scheduler.start()

    assert scheduler.run_due() == 0  # first run is one rate after start
    clock.advance(HOUR)
    wait_for(lambda: len(calls.events) == 1)
    assert calls.events[0] == {"task": "relaunch"}  # the Input, parsed

    clock.advance(5 * HOUR)  # five periods at once: one run, no catch-up
    wait_for(lambda: len(calls.events) == 2)
    assert scheduler.run_due() == 0
    assert len(calls.events) == 2
    assert scheduler.runs == {"InviteFunction.Reminders": 2}


def test_schedule_keeps_its_cadence() -> None:
    calls = Calls()
    scheduler = Scheduler([ScheduleTarget(RELAUNCH, calls)])  # not started: driven by run_due
    clock.advance(HOUR)
    assert scheduler.run_due() == 1
    clock.advance(HOUR / 2)
    assert scheduler.run_due() == 0
    clock.advance(HOUR / 2)
    assert scheduler.run_due() == 1
    assert scheduler.run_due() == 0
    assert len(calls.events) == 2


def test_each_schedule_follows_its_own_rate() -> None:
    relaunch, sweep = Calls(), Calls()
    scheduler = Scheduler([ScheduleTarget(RELAUNCH, relaunch), ScheduleTarget(SWEEP, sweep)])
    clock.advance(300)
    assert scheduler.run_due() == 1
    assert (len(relaunch.events), len(sweep.events)) == (0, 1)
    assert sweep.events[0] == {"task": "expiry_sweep"}


def test_run_all_now_runs_each_schedule_once_and_returns_the_answers() -> None:
    relaunch = Calls(lambda event: {"relaunched": 2})
    sweep = Calls(lambda event: {"expired": 0})
    bare = Calls(lambda event: None)
    scheduler = Scheduler(
        [ScheduleTarget(RELAUNCH, relaunch), ScheduleTarget(SWEEP, sweep), ScheduleTarget(BARE, bare)],
        region="eu-west-3",
        account="123456789012",
    )
    clock.advance(24 * HOUR)
    assert scheduler.run_all_now() == [{"relaunched": 2}, {"expired": 0}, None]
    assert [len(c.events) for c in (relaunch, sweep, bare)] == [1, 1, 1]

    (event,) = bare.events  # no Input: EventBridge's "Scheduled Event"
    assert set(event) == {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["region"] == "eu-west-3" and event["account"] == "123456789012"
    assert event["resources"] == ["arn:aws:events:eu-west-3:123456789012:rule/NotifyFunction-Tick"]
    assert event["detail"] == {}
    # Stamped by the local clock, which may be ahead of the wall clock.
    assert abs((clock.parse_iso(event["time"]) - clock.now()).total_seconds()) < 5


def test_run_all_now_reports_a_failure_and_runs_the_others() -> None:
    def broken(_event: dict[str, Any]) -> Any:
        raise RuntimeError("secret detail")

    sweep = Calls(lambda event: {"expired": 1})
    scheduler = Scheduler([ScheduleTarget(RELAUNCH, broken), ScheduleTarget(SWEEP, sweep)])
    assert scheduler.run_all_now() == [{"errorType": "RuntimeError"}, {"expired": 1}]


def test_a_failing_invocation_does_not_stop_the_thread(
    schedulers: list[Scheduler], caplog: pytest.LogCaptureFixture
) -> None:
    def flaky(event: dict[str, Any]) -> Any:
        if len(calls.events) == 1:
            raise ValueError("secret detail")
        return None

    calls = Calls(flaky)
    scheduler = Scheduler([ScheduleTarget(RELAUNCH, calls)], check_interval=0.02)
    schedulers.append(scheduler)
    scheduler.start()

    clock.advance(HOUR)
    wait_for(lambda: len(calls.events) == 1)
    clock.advance(HOUR)
    wait_for(lambda: len(calls.events) == 2)
    assert "ValueError" in caplog.text
    assert "secret detail" not in caplog.text


def test_stop_joins_the_thread() -> None:
    scheduler = Scheduler([ScheduleTarget(RELAUNCH, Calls())], check_interval=0.02)
    scheduler.start()
    thread = scheduler._thread
    assert thread is not None and thread.is_alive()
    scheduler.stop()
    assert not thread.is_alive()
