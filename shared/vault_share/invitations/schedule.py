"""When the reminders ("relances") of a pending invitation go out. Pure: no clock, no AWS.

- Cadence (settings, template parameters RelaunchIntervalDays, RelaunchMax, InvitationTtlDays):
  a reminder is due `interval` after the last send (elapsed time: 72 hours for 3 days, whatever
  the clocks do in between), at most `max_relaunches` times, and never once the invitation has
  expired (`ttl` after its creation).
- Quiet hours: a scheduled reminder is never sent between 21:00 and 08:00 Europe/Paris, on a
  Sunday or on a public holiday of metropolitan France (the `holidays` package, no subdivision:
  Alsace-Moselle's and overseas days are not national; read from the table written from it,
  `public_holidays`, for the years it holds). A reminder due then is deferred to 08:00 of the next
  day on which sending is allowed.

The scheduled run checks `allowed(now)` itself: a reminder due at 20:30 and read by a run at
21:15 goes out at `next_allowed(now)`, not at once. A manual relaunch ignores quiet hours but
waits an hour after the last send.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from vault_share.settings import Settings

PARIS = ZoneInfo("Europe/Paris")
OPENS = time(8)
CLOSES = time(21)
MANUAL_RELAUNCH_GAP = timedelta(hours=1)


@cache
def _france_class() -> Any:
    """France's calendar class, loaded alone: `holidays.countries` imports every one of its 250-odd
    countries (about 150 ms), so France's module is run from its file, without its package's
    `__init__`. The package root loads its entities lazily."""
    import importlib.util

    import holidays

    path = Path(holidays.__path__[0]) / "countries" / "france.py"
    spec = importlib.util.spec_from_file_location("holidays.countries.france", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no holidays calendar at {path}")
    france_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(france_module)
    return france_module.France


def france(years: Iterable[int] = ()) -> Any:
    """France's public holidays as the `holidays` package gives them (a dict-like of dates, filled in
    for the years asked, and for any other year when it is asked about)."""
    return _france_class()(years=years)


@cache
def _calendar() -> Any:
    return france()


def public_holiday(day: date) -> bool:
    """From the table written from the package (no import of it) for the years it holds; from the
    package, loaded on first use, for any other. (Imported here: a broken table never stops
    scripts/public_holidays.py, which imports this module, from writing it again.)"""
    from vault_share.invitations import public_holidays

    days = public_holidays.DAYS.get(day.year)
    if days is None:
        return day in _calendar()
    return f"{day:%m-%d}" in days


@dataclass(frozen=True)
class Cadence:
    interval: timedelta = timedelta(days=3)
    max_relaunches: int = 3
    ttl: timedelta = timedelta(days=30)

    @classmethod
    def of(cls, settings: Settings) -> Cadence:
        return cls(
            interval=timedelta(days=settings.relaunch_interval_days),
            max_relaunches=settings.relaunch_max,
            ttl=timedelta(days=settings.invitation_ttl_days),
        )

    def expires_at(self, created_at: datetime) -> datetime:
        return _aware(created_at) + self.ttl

    def next_reminder(self, last_sent_at: datetime, relaunch_count: int, expires_at: datetime) -> datetime | None:
        """The moment of the next scheduled reminder (UTC), or None: none left, or none before expiry."""
        if relaunch_count >= self.max_relaunches:
            return None
        moment = next_allowed(_aware(last_sent_at) + self.interval)
        return moment if moment < _aware(expires_at) else None


def working_day(day: date) -> bool:
    """Neither a Sunday nor a French public holiday."""
    return day.weekday() != 6 and not public_holiday(day)


def allowed(moment: datetime) -> bool:
    """Whether a scheduled reminder may go out at this moment: 08:00 <= Paris time < 21:00 on a working day."""
    local = _aware(moment).astimezone(PARIS)
    return working_day(local.date()) and OPENS <= local.time() < CLOSES


def next_allowed(moment: datetime) -> datetime:
    """`moment` itself (in UTC) if allowed, else 08:00 Paris time of the next working day (before
    08:00 on a working day, that very day)."""
    if allowed(moment):
        return _aware(moment)
    local = _aware(moment).astimezone(PARIS)
    day = local.date() if local.time() < OPENS else local.date() + timedelta(days=1)
    while not working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, OPENS, tzinfo=PARIS).astimezone(UTC)


def manual_relaunch_allowed(last_sent_at: datetime, now: datetime) -> bool:
    """An owner's relaunch is refused (429 too_soon) within an hour of the last send."""
    return _aware(now) - _aware(last_sent_at) >= MANUAL_RELAUNCH_GAP


def _aware(moment: datetime) -> datetime:
    """The moment in UTC, where adding a timedelta adds elapsed time (in Paris time, Python would
    add wall-clock time: 69 hours for 3 days across the spring change). A naive moment would be
    read in the machine's zone: refused, never guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a moment must carry its time zone")
    return moment.astimezone(UTC)
