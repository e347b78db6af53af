"""The domain clock: ISO 8601 UTC text with milliseconds, moved only forward."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from vault_share import clock

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@pytest.fixture(autouse=True)
def fresh_clock() -> Iterator[None]:
    clock.reset()
    yield
    clock.reset()


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 3, 1, 9, 5, 7, 123456, tzinfo=UTC), "2026-03-01T09:05:07.123Z"),
        (datetime(2026, 3, 1, 9, 5, 7, tzinfo=UTC), "2026-03-01T09:05:07.000Z"),
        (datetime(2026, 3, 1, 9, 5, 7, 999999, tzinfo=UTC), "2026-03-01T09:05:07.999Z"),
        (datetime(2026, 3, 1, 9, 5, 7, 1000, tzinfo=UTC), "2026-03-01T09:05:07.001Z"),
        # Another offset is converted to UTC.
        (datetime(2026, 3, 1, 10, 5, 7, 42000, tzinfo=timezone(timedelta(hours=1))), "2026-03-01T09:05:07.042Z"),
        (datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))), "2025-12-31T22:30:00.000Z"),
    ],
)
def test_iso_is_utc_with_z_and_milliseconds(moment: datetime, text: str) -> None:
    assert clock.iso(moment) == text


def test_iso_of_now_has_the_contract_shape() -> None:
    assert ISO.match(clock.iso(clock.now()))


def test_iso_sorts_as_time_does() -> None:
    start = datetime(2026, 3, 1, 9, 59, 59, 998000, tzinfo=UTC)
    moments = [start + timedelta(milliseconds=n) for n in (0, 1, 2, 3, 1000, 60_000, 86_400_000)]
    texts = [clock.iso(m) for m in moments]
    assert texts == sorted(texts)
    assert len(set(texts)) == len(texts)


def test_parse_iso_inverts_iso() -> None:
    moment = datetime(2026, 3, 1, 9, 5, 7, 123000, tzinfo=UTC)
    assert clock.parse_iso(clock.iso(moment)) == moment


def test_now_is_aware_utc() -> None:
    now = clock.now()
    assert now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_advance_moves_forward_and_adds_up() -> None:
    before = clock.now()
    moved = clock.advance(3600)
    assert timedelta(seconds=3600) <= moved - before < timedelta(seconds=3605)
    clock.advance(1800)
    assert timedelta(seconds=5400) <= clock.now() - before < timedelta(seconds=5405)


def test_advance_by_zero_is_allowed() -> None:
    before = clock.now()
    assert clock.advance(0) - before < timedelta(seconds=5)


@pytest.mark.parametrize("seconds", [-1, -0.001, -86400])
def test_advance_never_goes_back(seconds: float) -> None:
    clock.advance(60)
    before = clock.now()
    with pytest.raises(ValueError):
        clock.advance(seconds)
    assert clock.now() >= before


def test_reset_returns_to_system_time() -> None:
    clock.advance(86400 * 30)
    clock.reset()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
