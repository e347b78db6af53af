"""Reminder schedule: cadence, quiet hours (21:00-08:00 Europe/Paris, Sundays, French public
holidays), over simulated weeks that cross both clock changes and the holidays of 2026."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from vault_share.invitations import public_holidays
from vault_share.invitations.schedule import (
    PARIS,
    Cadence,
    allowed,
    manual_relaunch_allowed,
    next_allowed,
    working_day,
)
from vault_share.settings import Settings, get_settings

from devstack import template
from scripts import public_holidays as scripts_public_holidays

REPO = template.ROOT


def paris(text: str) -> datetime:
    """A wall-clock time in Paris ("2026-03-02 10:00"), in UTC: adding a timedelta to a datetime in
    Paris time would add wall-clock time, not elapsed time."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).astimezone(UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ---------------------------------------------------------------- quiet hours, one case at a time

DEFERRED = {
    # a working Monday: 08:00 <= t < 21:00 goes as it is
    "inside the day": ("2026-03-02 10:00", "2026-03-02 10:00"),
    "08:00 itself": ("2026-03-02 08:00", "2026-03-02 08:00"),
    "20:59": ("2026-03-02 20:59", "2026-03-02 20:59"),
    "21:00 is quiet": ("2026-03-02 21:00", "2026-03-03 08:00"),
    "before dawn: that same day": ("2026-03-02 07:59", "2026-03-02 08:00"),
    "just after midnight": ("2026-03-03 00:30", "2026-03-03 08:00"),
    "a Sunday": ("2026-03-08 10:00", "2026-03-09 08:00"),
    "a Saturday is a working day": ("2026-03-07 10:00", "2026-03-07 10:00"),
    # clocks go forward on Sunday 29 March 2026 (02:00 -> 03:00), back on Sunday 25 October 2026
    "Saturday night before the spring change": ("2026-03-28 22:00", "2026-03-30 08:00"),
    "the spring change itself": ("2026-03-29 02:30", "2026-03-30 08:00"),
    "Saturday night before the autumn change": ("2026-10-24 22:00", "2026-10-26 08:00"),
    "the autumn change itself": ("2026-10-25 02:30", "2026-10-26 08:00"),
    "1 May (a Friday)": ("2026-05-01 09:00", "2026-05-02 08:00"),
    "the eve of 14 July": ("2026-07-13 21:30", "2026-07-15 08:00"),
    "Christmas Eve, late": ("2026-12-24 21:00", "2026-12-26 08:00"),
    "Ascension (Thursday 14 May)": ("2026-05-14 12:00", "2026-05-15 08:00"),
    # runs of non-working days: Sunday then a holiday Monday, a holiday Saturday then Sunday
    "Easter: Sunday, then Easter Monday": ("2026-04-04 21:30", "2026-04-07 08:00"),
    "Whitsun: Sunday, then Whit Monday": ("2026-05-23 21:00", "2026-05-26 08:00"),
    "1 May 2027 (a Saturday), then Sunday": ("2027-04-30 21:00", "2027-05-03 08:00"),
    "New Year's Eve": ("2026-12-31 23:59", "2027-01-02 08:00"),
}


@pytest.mark.parametrize(("due", "expected"), DEFERRED.values(), ids=list(DEFERRED))
def test_next_allowed(due: str, expected: str) -> None:
    moment = next_allowed(paris(due))
    assert moment == paris(expected)
    assert moment.tzinfo is UTC
    assert allowed(moment)


def test_08_00_paris_is_07_00_utc_in_winter_and_06_00_in_summer() -> None:
    assert next_allowed(paris("2026-03-28 22:00")) == utc("2026-03-30 06:00")
    assert next_allowed(paris("2026-10-24 22:00")) == utc("2026-10-26 07:00")
    assert next_allowed(utc("2026-01-05 06:59")) == utc("2026-01-05 07:00")
    assert next_allowed(utc("2026-07-06 05:59")) == utc("2026-07-06 06:00")
    assert not allowed(utc("2026-07-06 19:00"))  # 21:00 in Paris
    assert allowed(utc("2026-01-05 19:59"))  # 20:59 in Paris


def test_the_public_holidays_are_metropolitan_frances() -> None:
    holidays_2026 = [
        "2026-01-01",
        "2026-04-06",
        "2026-05-01",
        "2026-05-08",
        "2026-05-14",
        "2026-05-25",
        "2026-07-14",
        "2026-08-15",
        "2026-11-01",
        "2026-11-11",
        "2026-12-25",
    ]
    year = [datetime(2026, 1, 1).date() + timedelta(days=n) for n in range(365)]
    off = [day.isoformat() for day in year if not working_day(day) and day.weekday() != 6]
    # 15 August 2026 is a Saturday, 1 November a Sunday: listed once each.
    assert off == [d for d in holidays_2026 if d != "2026-11-01"]
    # Good Friday and 26 December are Alsace-Moselle's, not national.
    assert working_day(datetime(2026, 4, 3).date()) and working_day(datetime(2026, 12, 26).date())


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        allowed(datetime(2026, 3, 2, 10))
    with pytest.raises(ValueError, match="time zone"):
        Cadence().next_reminder(datetime(2026, 3, 2, 10), 0, utc("2026-04-01 00:00"))


# ---------------------------------------------------------------- cadence


def test_every_three_days_at_most_three_times_before_expiry() -> None:
    cadence = Cadence()
    sent = paris("2026-03-02 10:00")  # a Monday
    expires = cadence.expires_at(sent)
    assert expires == sent + timedelta(days=30)
    first = cadence.next_reminder(sent, 0, expires)
    assert first == paris("2026-03-05 10:00")
    assert cadence.next_reminder(first, 1, expires) == paris("2026-03-09 08:00")  # Sunday 8 -> Monday 08:00
    assert cadence.next_reminder(sent, 3, expires) is None


def test_three_days_are_72_hours_across_a_clock_change() -> None:
    # Friday 27 March 10:00 CET + 72 h = Monday 30 March 11:00 CEST.
    assert Cadence().next_reminder(paris("2026-03-27 10:00"), 0, utc("2026-05-01 00:00")) == paris("2026-03-30 11:00")


def test_no_reminder_at_or_after_expiry() -> None:
    cadence = Cadence(interval=timedelta(days=10), max_relaunches=3, ttl=timedelta(days=30))
    sent = paris("2026-03-03 10:00")  # a Tuesday: +10 and +20 days are working days
    expires = cadence.expires_at(sent)
    assert cadence.next_reminder(sent + timedelta(days=10), 1, expires) == sent + timedelta(days=20)
    assert cadence.next_reminder(sent + timedelta(days=20), 2, expires) is None  # due at expiry exactly
    # Deferred past the expiry by quiet hours: none either.
    late = paris("2026-03-28 21:30")  # Saturday night: deferred to Monday
    assert cadence.next_reminder(late - timedelta(days=10), 0, paris("2026-03-29 12:00")) is None


def test_the_cadence_comes_from_the_settings() -> None:
    assert Cadence.of(get_settings()) == Cadence()
    tuned = Settings.of({**os.environ, "RELAUNCH_INTERVAL_DAYS": "2", "RELAUNCH_MAX": "0", "INVITATION_TTL_DAYS": "7"})
    assert Cadence.of(tuned) == Cadence(timedelta(days=2), 0, timedelta(days=7))
    for name in ("RELAUNCH_INTERVAL_DAYS", "INVITATION_TTL_DAYS", "RELAUNCH_MAX"):
        with pytest.raises(ValueError):
            Settings.of({**os.environ, name: "-1"})


def test_the_template_parameters_reach_the_invite_functions_settings() -> None:
    document = template.load()
    parameters = document["Parameters"]
    defaults = {
        name: parameters[name]["Default"] for name in ("RelaunchIntervalDays", "RelaunchMax", "InvitationTtlDays")
    }
    assert defaults == {"RelaunchIntervalDays": 3, "RelaunchMax": 3, "InvitationTtlDays": 30}
    values = {**template.parameter_defaults(document), "RelaunchIntervalDays": 4, "RelaunchMax": 2}
    resolver = template.stack_resolver(values, "stack", "eu-west-3", "123456789012")
    (invite,) = [spec for spec in template.functions(document) if spec.logical_id == "InviteFunction"]
    own = document["Resources"]["InviteFunction"]["Properties"]["Environment"]["Variables"]
    assert own.items() <= invite.environment.items()  # what the function is given, Globals' included
    # Parameters only: a resource's attribute (InvitationKey's ARN) exists once the stack is created.
    environment = {
        name: str(resolver.resolve(value))
        for name, value in own.items()
        if "Ref" in value and value["Ref"] in parameters
    }
    settings = Settings.of({**os.environ, **environment})
    assert Cadence.of(settings) == Cadence(timedelta(days=4), 2, timedelta(days=30))


# ---------------------------------------------------------------- simulated weeks


def chain(cadence: Cadence, sent: datetime) -> list[datetime]:
    expires, sends = cadence.expires_at(sent), [sent]
    while (moment := cadence.next_reminder(sends[-1], len(sends) - 1, expires)) is not None:
        sends.append(moment)
    return sends[1:]


def test_every_start_hour_of_2026_gives_reminders_at_the_first_allowed_moment() -> None:
    """From every hour of the year (both clock changes, every holiday and Sunday): each reminder
    is allowed, no earlier than due, and no allowed moment lies between due and it."""
    cadence = Cadence()
    start = utc("2026-01-01 00:00")
    for hour in range(0, 365 * 24, 1):
        sent = start + timedelta(hours=hour)
        previous = sent
        reminders = chain(cadence, sent)
        assert len(reminders) == 3, sent  # 3 days, even deferred, stay far within 30
        for moment in reminders:
            due = previous + cadence.interval
            assert allowed(moment) and moment >= due, (sent, moment)
            if moment > due:
                assert moment.astimezone(PARIS).strftime("%H:%M") == "08:00"
                probe = due
                while probe < moment:
                    assert not allowed(probe), (sent, probe)
                    probe += timedelta(minutes=30)
            previous = moment


def run_hourly(cadence: Cadence, created: datetime, weeks: int, minute: int) -> list[datetime]:
    """The scheduled function as the lead wires it: every hour at `minute`, a due invitation is
    sent if now is allowed, else put off to the next allowed moment."""
    expires = cadence.expires_at(created)
    count, last = 0, created
    due = cadence.next_reminder(last, count, expires)
    sends = []
    now = created.replace(minute=minute, second=0, microsecond=0) + timedelta(hours=1)
    while now < created + timedelta(weeks=weeks) and due is not None:
        if now >= due:
            if allowed(now):
                sends.append(now)
                count, last = count + 1, now
                due = cadence.next_reminder(last, count, expires)
            else:
                due = next_allowed(now)
        now += timedelta(hours=1)
    return sends


@pytest.mark.parametrize(
    "created",
    [
        "2026-03-24 20:30",  # the 3rd reminder falls on the spring clock change weekend
        "2026-04-01 20:45",  # Easter weekend
        "2026-05-08 12:00",  # Ascension, then Whitsun
        "2026-07-10 20:50",  # 14 July
        "2026-10-19 20:40",  # the autumn clock change
        "2026-12-19 20:59",  # Christmas, then New Year
    ],
)
@pytest.mark.parametrize("minute", [0, 17, 59])
def test_hourly_runs_over_weeks_never_send_in_quiet_hours(created: str, minute: int) -> None:
    cadence = Cadence()
    sends = run_hourly(cadence, paris(created), weeks=5, minute=minute)
    assert len(sends) == 3, sends
    previous = paris(created)
    for moment in sends:
        assert allowed(moment), moment
        assert moment - previous >= cadence.interval
        assert moment < cadence.expires_at(paris(created))
        previous = moment


def test_a_reminder_due_at_2030_read_by_the_2115_run_waits_for_the_morning() -> None:
    sends = run_hourly(Cadence(max_relaunches=1), paris("2026-03-02 20:30"), weeks=1, minute=15)
    assert sends == [paris("2026-03-06 08:15")]  # Thursday 5, 20:30 due; 21:15 quiet; Friday's 08:15 run


# ---------------------------------------------------------------- manual relaunch


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [(timedelta(minutes=59, seconds=59), False), (timedelta(hours=1), True), (timedelta(days=2), True)],
)
def test_a_manual_relaunch_waits_an_hour_after_the_last_send(elapsed: timedelta, expected: bool) -> None:
    last = utc("2026-03-08 22:00")  # a Sunday night: quiet hours do not apply to the owner's relaunch
    assert manual_relaunch_allowed(last, last + elapsed) is expected


def test_the_holiday_table_is_what_the_holidays_package_says() -> None:
    """The table the schedule reads is the package's calendar, 2000 to 2100 (`make holidays`)."""
    this_year = datetime.now(UTC).year
    assert public_holidays.FIRST_YEAR <= this_year < public_holidays.LAST_YEAR  # this year and the next
    written = (REPO / "shared" / "vault_share" / "invitations" / "public_holidays.py").read_text(encoding="utf-8")
    assert written == scripts_public_holidays.render(), "public_holidays.py is stale: run `make holidays`"


def test_the_holidays_package_is_imported_only_for_a_year_outside_the_table() -> None:
    """An invitation's cold start asks about days of this year or the next: the table answers, and
    the package (about 100 ms of calendars) is never imported. A year before it asks the package."""
    probe = (
        "import sys, datetime as d, vault_share.invitations.schedule as s\n"
        "print(s.working_day(d.date(2026, 5, 1)), s.working_day(d.date(2026, 5, 4)), 'holidays' in sys.modules)\n"
        "print(s.working_day(d.date(1999, 7, 14)), s.working_day(d.date(1999, 7, 15)), 'holidays' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": "shared"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.split("\n")[:2] == ["False True False", "False True True"]
