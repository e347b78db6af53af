"""EventBridge schedules (`rate(...)`) played by the local clock.

A schedule first fires `rate` after start, then every `rate` on that cadence. Time is read from
`vault_share.clock`, so moving the clock forward makes due schedules fire; like EventBridge, missed
occurrences are not replayed: a jump of hours fires a schedule once, not once per missed period.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from vault_share import clock

from devstack.template import Schedule

log = logging.getLogger("devstack.scheduler")

CHECK_INTERVAL = 1.0
STOP_TIMEOUT = 10.0
DEFAULT_REGION = "eu-west-3"
DEFAULT_ACCOUNT = "123456789012"


@dataclass
class ScheduleTarget:
    schedule: Schedule
    invoke: Callable[[dict[str, Any]], Any]


@dataclass
class _Entry:
    target: ScheduleTarget
    anchor: datetime
    next_run: datetime


class Scheduler:
    def __init__(
        self,
        targets: list[ScheduleTarget],
        *,
        check_interval: float = CHECK_INTERVAL,
        region: str = DEFAULT_REGION,
        account: str = DEFAULT_ACCOUNT,
    ) -> None:
        self._targets = list(targets)
        self._entries: list[_Entry] = []
        self._check_interval = check_interval
        self._region = region
        self._account = account
        self._run_lock = threading.Lock()  # one invocation at a time, thread or caller
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs: dict[str, int] = {self._key(t.schedule): 0 for t in self._targets}
        self._anchor(clock.now())

    @staticmethod
    def _key(schedule: Schedule) -> str:
        return f"{schedule.function}.{schedule.name}"

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Anchor every schedule at the local clock's now; the first run is one `rate` later."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._anchor(clock.now())
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(STOP_TIMEOUT)
            if thread.is_alive():
                log.warning("scheduler still busy after %.0f s", STOP_TIMEOUT)

    def _anchor(self, now: datetime) -> None:
        with self._run_lock:
            self._entries = [_Entry(t, now, now + timedelta(seconds=t.schedule.rate_seconds)) for t in self._targets]

    def _run(self) -> None:
        while not self._stop.wait(self._check_interval):
            try:
                self.run_due()
            except Exception as exc:  # never let the thread die
                log.warning("scheduler check failed (%s)", type(exc).__name__)

    # ------------------------------------------------------------ running

    def run_due(self) -> int:
        """Run every schedule due by the local clock, once each; returns how many ran."""
        ran = 0
        with self._run_lock:
            now = clock.now()
            for entry in self._entries:
                if entry.next_run > now:
                    continue
                rate = timedelta(seconds=entry.target.schedule.rate_seconds)
                # Next occurrence on the original cadence, strictly after now: no catch-up.
                periods = (now - entry.anchor) // rate + 1
                entry.next_run = entry.anchor + rate * periods
                self._invoke(entry.target, now)
                ran += 1
        return ran

    def run_all_now(self) -> list[Any]:
        """Run every schedule once, now, in order; answers as the handlers return them.

        A failed invocation answers `{"errorType": "<exception type>"}`, as Lambda's Invoke reports an
        unhandled error, so one failure does not hide the others.
        """
        with self._run_lock:
            now = clock.now()
            return [self._invoke(target, now) for target in self._targets]

    def _invoke(self, target: ScheduleTarget, now: datetime) -> Any:
        schedule = target.schedule
        self.runs[self._key(schedule)] = self.runs.get(self._key(schedule), 0) + 1
        log.debug("running schedule %s of %s", schedule.name, schedule.function)
        try:
            return target.invoke(self.event(schedule, now))
        except Exception as exc:
            log.warning("schedule %s of %s failed (%s)", schedule.name, schedule.function, type(exc).__name__)
            return {"errorType": type(exc).__name__}

    def event(self, schedule: Schedule, now: datetime | None = None) -> dict[str, Any]:
        """The schedule's Input parsed as JSON, its context attributes replaced as EventBridge
        Scheduler replaces them (`<aws.scheduler.execution-id>`...); without one, EventBridge's
        "Scheduled Event"."""
        moment = now or clock.now()
        if schedule.input is not None:
            text = schedule.input
            for name, value in {
                "execution-id": uuid.uuid4().hex[:16],
                "schedule-arn": f"arn:aws:scheduler:{self._region}:{self._account}:schedule/default/{schedule.name}",
                "scheduled-time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "attempt-number": "1",
            }.items():
                text = text.replace(f"<aws.scheduler.{name}>", value)
            payload: dict[str, Any] = json.loads(text)
            return payload
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self._account,
            "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self._region,
            "resources": [f"arn:aws:events:{self._region}:{self._account}:rule/{schedule.function}-{schedule.name}"],
            "detail": {},
        }
