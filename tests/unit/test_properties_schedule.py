"""Properties of quiet hours (vault_share.invitations.schedule: allowed, next_allowed), for any moment.

The oracle is written here from the rule, not from the module: 08:00 <= Paris time < 21:00, not
on a Sunday, not on one of the 11 national public holidays of metropolitan France (Code du
travail, L3133-1), listed for 2026-2030 from the Easter dates. Moments come in any time zone
(IANA zones and fixed offsets, DST gaps and folds included), spread over 2026-2030 and packed
around the Paris changes of time, the holidays and the opening and closing minutes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from vault_share.invitations.schedule import allowed, next_allowed

PARIS = ZoneInfo("Europe/Paris")
EASTER = {
    2026: date(2026, 4, 5),
    2027: date(2027, 3, 28),
    2028: date(2028, 4, 16),
    2029: date(2029, 4, 1),
    2030: date(2030, 4, 21),
}
HOLIDAYS = frozenset(
    day
    for year, easter in EASTER.items()
    for day in (
        date(year, 1, 1),
        easter + timedelta(days=1),  # lundi de Pâques
        date(year, 5, 1),
        date(year, 5, 8),
        easter + timedelta(days=39),  # Ascension
        easter + timedelta(days=50),  # lundi de Pentecôte
        date(year, 7, 14),
        date(year, 8, 15),
        date(year, 11, 1),
        date(year, 11, 11),
        date(year, 12, 25),
    )
)
# The Paris changes of time: the last Sundays of March and October, at 01:00 UTC.
DST_CHANGES = [
    datetime(year, month, last_sunday, 1, tzinfo=UTC)
    for year in EASTER
    for month in (3, 10)
    for last_sunday in [max(d for d in range(25, 32) if date(year, month, d).weekday() == 6)]
]
# A closure is at most Saturday 21:00 to Tuesday 08:00 around a Monday holiday, plus an hour when
# the clocks go back that weekend (30-31 October 2027, then 1 November): 60 hours.
LONGEST_CLOSURE = timedelta(hours=60)


def working(day: date) -> bool:
    return day.weekday() != 6 and day not in HOLIDAYS


def oracle_allowed(moment: datetime) -> bool:
    local = moment.astimezone(PARIS)
    return working(local.date()) and time(8) <= local.time() < time(21)


def opening(day: date) -> datetime:
    return datetime.combine(day, time(8), tzinfo=PARIS)


zones = st.one_of(
    st.just(PARIS),
    st.just(UTC),
    st.timezones(),
    st.builds(timezone, st.integers(-14 * 60, 14 * 60).map(lambda minutes: timedelta(minutes=minutes))),
)
spread = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 28), timezones=zones)
# Instants near what matters, as UTC plus an offset, shown in any zone.
landmarks = st.sampled_from(
    [
        *DST_CHANGES,
        *(opening(day).astimezone(UTC) for day in HOLIDAYS),
        *(datetime.combine(day, time(21), tzinfo=PARIS).astimezone(UTC) for day in HOLIDAYS),
    ]
)
near = st.builds(
    lambda landmark, offset, zone: (landmark + offset).astimezone(zone),
    landmarks,
    st.one_of(
        st.timedeltas(min_value=timedelta(days=-2), max_value=timedelta(days=2)),
        st.integers(-120, 120).map(lambda seconds: timedelta(seconds=seconds)),
        st.integers(-3, 3).map(lambda microseconds: timedelta(microseconds=microseconds)),
    ),
    zones,
)
moments = st.one_of(spread, near)


def test_the_oracle_has_the_holidays_of_the_calendar() -> None:
    assert len(HOLIDAYS) == 55
    assert {date(2027, 5, 6), date(2028, 6, 5), date(2030, 6, 10)} <= HOLIDAYS  # Ascension, Pentecôte
    assert len(DST_CHANGES) == 10 and DST_CHANGES[0] == datetime(2026, 3, 29, 1, tzinfo=UTC)


@given(moment=moments)
@example(moment=datetime(2026, 3, 30, 7, 59, 59, 999_999, tzinfo=PARIS))
@example(moment=datetime(2026, 3, 30, 8, tzinfo=PARIS))
@example(moment=datetime(2026, 3, 30, 20, 59, 59, 999_999, tzinfo=PARIS))
@example(moment=datetime(2026, 3, 30, 21, tzinfo=PARIS))
@example(moment=datetime(2026, 3, 29, 2, 30, tzinfo=PARIS))  # does not exist in Paris (spring gap)
@example(moment=datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=PARIS))  # the second 02:30 (autumn fold)
@example(moment=datetime(2027, 10, 30, 19, 0, tzinfo=UTC))  # the longest closure starts
def test_allowed_is_the_rule(moment: datetime) -> None:
    assert allowed(moment) is oracle_allowed(moment)


@given(moment=moments)
@example(moment=datetime(2027, 10, 30, 19, 0, tzinfo=UTC))
@example(moment=datetime(2026, 12, 24, 21, tzinfo=PARIS))
@example(moment=datetime(2028, 4, 15, 20, 59, 59, 999_999, tzinfo=PARIS))  # Saturday before Easter
@example(moment=datetime(2026, 3, 29, 2, 30, tzinfo=PARIS))
@example(moment=datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=PARIS))
@example(moment=datetime(2030, 12, 28, 23, 59, tzinfo=timezone(timedelta(hours=-14))))
def test_next_allowed_is_the_first_allowed_moment_from_the_given_one(moment: datetime) -> None:
    found = next_allowed(moment)
    assert found.tzinfo is UTC
    assert oracle_allowed(found)  # never inside quiet hours
    assert found >= moment
    if oracle_allowed(moment):
        assert found == moment
        return
    # Not allowed: the answer is an opening (08:00 Paris on a working day)...
    local = found.astimezone(PARIS)
    assert local.time() == time(8) and working(local.date()), local
    assert found - moment <= LONGEST_CLOSURE
    # ...and nothing allowed lies before it: stepping back a minute at a time (the allowed set is a
    # union of 13-hour windows, so a minute grid would land in any of them) to the given moment.
    step = found - timedelta(minutes=1)
    while step > moment:
        assert not oracle_allowed(step), (moment, found, step)
        step -= timedelta(minutes=1)
    # Nor in the last minute before it, to the microsecond (the gap before 08:00 is closed).
    assert not oracle_allowed(found - timedelta(microseconds=1))


@given(moment=moments)
def test_next_allowed_is_stable(moment: datetime) -> None:
    found = next_allowed(moment)
    assert next_allowed(found) == found
    assert allowed(found)


@pytest.mark.parametrize("moment", [datetime(2026, 5, 1, 12), datetime(2026, 3, 29, 2, 30)])
def test_a_moment_without_a_zone_is_refused(moment: datetime) -> None:
    with pytest.raises(ValueError, match="time zone"):
        allowed(moment)
    with pytest.raises(ValueError, match="time zone"):
        next_allowed(moment)
