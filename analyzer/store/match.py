"""Tell a re-saved copy of a stored report from a different report for the same moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from analyzer.model import SnapshotInfo

if TYPE_CHECKING:
    from analyzer.reading.reader import ParsedReport

# polars truncation units of the precisions a copy can keep; a re-save never adds any.
_UNITS = {"second": "1s", "minute": "1m", "day": "1d"}
_ORDER = ("second", "minute", "day")
_TIMES = ("last_activity_at", "last_authenticated_at")


def coarser(a: str, b: str) -> str:
    """Return the less precise of two time precisions (unknown ones count as seconds)."""
    rank = {p: i for i, p in enumerate(_ORDER)}
    return max(a, b, key=lambda p: rank.get(p, 0))


def _same_moment(info: SnapshotInfo, parsed: ParsedReport) -> bool:
    """Compare times at the coarser precision of the two (a re-save may drop seconds)."""
    if parsed.as_of is None:
        return False
    precision = coarser(info.time_precision, parsed.time_precision)
    return _truncated(info.as_of, precision) == _truncated(parsed.as_of, precision)


def _truncated(moment: datetime, precision: str) -> datetime:
    """Return a UTC time cut to a precision (plain Python: it runs per stored snapshot)."""
    if precision == "day":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if precision == "minute":
        return moment.replace(second=0, microsecond=0)
    return moment.replace(microsecond=0)


def _keyed(seats: pl.DataFrame) -> pl.DataFrame:
    return seats.select(
        "login",
        pl.col("organization").fill_null(""),
        *_TIMES,
        pl.col("last_activity_day").fill_null(False),
        "pending_cancellation",
    )


def same_seats(
    mine: pl.DataFrame, my_precision: str, theirs: pl.DataFrame, their_precision: str
) -> bool:
    """Return True when every seat agrees at the precision the less precise copy keeps.

    A copy with seconds is compared to the second, a spreadsheet re-save that kept minutes
    by the minute, and a value one copy has as a date only by the day. Logins, orgs and
    pending cancellations must match exactly; any other difference makes two reports.
    """
    if mine.height != theirs.height:
        return False
    unit = _UNITS[coarser(my_precision, their_precision)]
    keys = ["login", "organization"]
    a, b = _keyed(mine), _keyed(theirs)
    if a.select(keys).is_duplicated().any() or b.select(keys).is_duplicated().any():
        return False  # (readers merge repeated logins, so a stored snapshot has none)
    both = a.join(b, on=keys, how="inner", suffix="_b", nulls_equal=True)
    if both.height != a.height:
        return False
    day = pl.col("last_activity_day") | pl.col("last_activity_day_b")
    checks = [pl.col("pending_cancellation") == pl.col("pending_cancellation_b")]
    for col in _TIMES:
        other = pl.col(f"{col}_b")
        by_unit = pl.col(col).dt.truncate(unit).eq_missing(other.dt.truncate(unit))
        by_day = pl.col(col).dt.truncate("1d").eq_missing(other.dt.truncate("1d"))
        # Only the activity column has a date-only flag; a usage report has no auth times.
        checks.append(pl.when(day).then(by_day).otherwise(by_unit) if col == _TIMES[0] else by_unit)
    return bool(both.select(pl.all_horizontal(checks).all()).item())


def find_same_report(
    load: Callable[[SnapshotInfo], pl.DataFrame], infos: list[SnapshotInfo], parsed: ParsedReport
) -> tuple[SnapshotInfo | None, SnapshotInfo | None]:
    """Return (stored snapshot this file re-saves, stored snapshot it clashes with)."""
    if parsed.seats is None:
        return None, None
    clash: SnapshotInfo | None = None
    for info in infos:
        if info.scope != parsed.scope or not _same_moment(info, parsed):
            continue
        if same_seats(parsed.seats, parsed.time_precision, load(info), info.time_precision):
            return info, None
        clash = info
    return None, clash
