"""Billable seat days of a month from snapshots: proration, pending cancellation, plans."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from analyzer.schema import seat_schema
from analyzer.timeline.seat_days import COLUMNS, seat_days

SEP3 = datetime(2026, 9, 3, 6, tzinfo=UTC)
OCT3 = datetime(2026, 10, 3, 6, tzinfo=UTC)
NOV3 = datetime(2026, 11, 3, 6, tzinfo=UTC)


def rows(*seats: tuple[datetime, str, dict[str, object]]) -> pl.DataFrame:
    """Return seat rows (COLUMNS) from (time, login, other values)."""
    schema = {c: seat_schema()[c] for c in COLUMNS}
    data = [{"snapshot_at": t, "login": login, **extra} for t, login, extra in seats]
    return pl.DataFrame(data, schema=schema)


def days(frame: pl.DataFrame) -> dict[str, tuple[int, int]]:
    """Return login -> (days_low, days_high)."""
    return {r["login"]: (r["days_low"], r["days_high"]) for r in frame.iter_rows(named=True)}


def test_seated_throughout_is_the_whole_month() -> None:
    """A login in every snapshot around October is billed all 31 days."""
    frame = rows(*[(t, "a", {}) for t in (SEP3, OCT3, NOV3)])
    assert days(seat_days(frame, "2026-10", "business")) == {"a": (31, 31)}


def test_seat_added_on_the_17th_is_prorated() -> None:
    """A seat created on 17 October (API created_at) is billed 15 days."""
    created = {"created_at": datetime(2026, 10, 17, 9, tzinfo=UTC)}
    frame = rows((SEP3, "x", {}), (OCT3, "x", {}), (NOV3, "new", created), (NOV3, "x", {}))
    assert days(seat_days(frame, "2026-10", "business"))["new"] == (15, 15)


def test_seat_added_between_snapshots_without_a_date_is_a_range() -> None:
    """Without created_at, a seat first seen on 3 November may have started any October day."""
    frame = rows((OCT3, "x", {}), (NOV3, "new", {}), (NOV3, "x", {}))
    assert days(seat_days(frame, "2026-10", "business"))["new"] == (0, 29)


def test_pending_cancellation_is_billed_to_the_cycle_end() -> None:
    """A seat pending cancellation on 20 October is billed all October, not November."""
    pending = {"pending_cancellation_date": date(2026, 10, 20)}
    frame = rows((SEP3, "p", {}), (OCT3, "p", pending), (NOV3, "x", {}))
    assert days(seat_days(frame, "2026-10", "business"))["p"] == (31, 31)
    later = rows((OCT3, "p", pending), (NOV3, "x", {}))
    assert days(seat_days(later, "2026-11", "business"))["p"] == (0, 0)


def test_user_in_two_orgs_is_one_seat_and_enterprise_wins() -> None:
    """Two org rows of one login give one row, billed at Enterprise when one row says so."""
    frame = rows(
        (OCT3, "m", {"organization": "a", "plan": "business"}),
        (OCT3, "m", {"organization": "b", "plan": "enterprise"}),
    )
    result = seat_days(frame, "2026-10", "business")
    assert result.select("login", "plan", "orgs").rows() == [("m", "enterprise", "a, b")]
