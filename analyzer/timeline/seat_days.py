"""How many days of a month the seat history says each login held a seat (billing proration).

GitHub bills a seat from the day it is added to the end of the cycle (a seat removed or
pending cancellation is billed to the cycle end), once per user however many orgs seat it.
Snapshots are taken now and then, so between two snapshots a seat's start or end is only
known to lie in that interval: each login gets the fewest and the most billable days the
history allows (`days_low`, `days_high`). A seat present in two neighbouring snapshots is
taken as held throughout; an API `created_at` or `pending_cancellation_date` pins the start
or the end.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

import polars as pl

_TICK = timedelta(microseconds=1)
_MIN = datetime(2000, 1, 1, tzinfo=UTC)
_MAX = datetime(2200, 1, 1, tzinfo=UTC)
# The seat rows the computation reads.
COLUMNS = [
    "snapshot_at",
    "login",
    "plan",
    "organization",
    "pending_cancellation_date",
    "created_at",
]
SEAT_DAYS_SCHEMA = {
    "login": pl.String(),
    "plan": pl.String(),
    "plan_known": pl.Boolean(),
    "orgs": pl.String(),
    "days_low": pl.Int64(),
    "days_high": pl.Int64(),
}


def month_bounds(month: str) -> tuple[datetime, datetime, int]:
    """Return the month's first instant, the next month's first instant and its days (UTC)."""
    year, number = (int(x) for x in month.split("-"))
    days = calendar.monthrange(year, number)[1]
    start = datetime(year, number, 1, tzinfo=UTC)
    return start, start + timedelta(days=days), days


def relevant_times(times: list[datetime], month: str) -> list[datetime]:
    """Return the snapshot times bearing on a month: the last before, those in, the next after."""
    start, end, _ = month_bounds(month)
    before = [t for t in times if t < start]
    inside = [t for t in times if start <= t < end]
    after = [t for t in times if t >= end]
    return before[-1:] + inside + after[:1]


def _intervals(
    times: list[datetime],
    present: list[bool],
    created: datetime | None,
    pending: list[datetime | None],
) -> list[tuple[datetime, datetime, bool]]:
    """Return [start, end) intervals in which the login surely (True) or possibly held a seat."""
    found: list[tuple[datetime, datetime, bool]] = []
    last = len(times) - 1
    if present[0]:
        if created is not None and created <= times[0]:
            found.append((created, times[0] + _TICK, True))
        else:
            found.append((_MIN, times[0], False))
    for i, here in enumerate(present):
        t = times[i]
        if here:
            found.append((t, t + _TICK, True))
        if i == last:
            if here:
                stop = pending[i]
                found.append((t, max(stop if stop is not None else _MAX, t + _TICK), True))
            continue
        nxt, there = times[i + 1], present[i + 1]
        if here and there:
            found.append((t, nxt + _TICK, True))
        elif here:
            leaves = pending[i]
            if leaves is not None:
                found.append((t, max(min(leaves, nxt), t + _TICK), True))
            else:
                found.append((t, nxt, False))
        elif there:
            if created is not None and t < created <= nxt:
                found.append((created, nxt + _TICK, True))
            else:
                found.append((t + _TICK, nxt + _TICK, False))
    return found


def _days(
    found: list[tuple[datetime, datetime, bool]], start: datetime, end: datetime, days: int
) -> tuple[int, int]:
    """Return (fewest, most) days billed in [start, end): from the first seated day to the end."""

    def first(sure_only: bool) -> datetime | None:
        hits = [
            max(s, start)
            for s, e, sure in found
            if (sure or not sure_only) and s < end and e > start
        ]
        return min(hits) if hits else None

    def billed(moment: datetime | None) -> int:
        return 0 if moment is None else days - (moment - start).days

    return billed(first(True)), billed(first(False))


def seat_days(rows: pl.DataFrame, month: str, default_plan: str) -> pl.DataFrame:
    """Return per login the plan billed, its orgs and the fewest and most billable days.

    `rows` holds the seat rows (COLUMNS) of the snapshots `relevant_times` picks; a login
    in none of them is not listed. Enterprise wins over Business; a plan no report states is
    the default plan (`plan_known` false).
    """
    start, end, days = month_bounds(month)
    if rows.is_empty():
        return pl.DataFrame(schema=SEAT_DAYS_SCHEMA)
    times = sorted(rows["snapshot_at"].unique().to_list())
    per = (
        rows.sort("snapshot_at")
        .group_by("login", maintain_order=True)
        .agg(
            pl.col("snapshot_at").unique().sort().alias("seen"),
            (pl.col("plan") == "enterprise").any().alias("any_enterprise"),
            pl.col("plan").filter(pl.col("plan").is_in(["business", "enterprise"])).last(),
            pl.col("organization")
            .filter(pl.col("snapshot_at") == pl.col("snapshot_at").max())
            .drop_nulls()
            .unique()
            .sort()
            .str.join(", ")
            .alias("orgs"),
            pl.col("created_at").drop_nulls().max().alias("created"),
            pl.col("pending_cancellation_date").drop_nulls().max().alias("pending"),
            pl.struct("snapshot_at", "pending_cancellation_date").alias("pend_by"),
        )
    )
    full = (
        per.filter(
            (pl.col("seen").list.len() == len(times))
            & pl.col("created").is_null()
            & pl.col("pending").is_null()
        )
        .with_columns(days_low=pl.lit(days, pl.Int64), days_high=pl.lit(days, pl.Int64))
        .select("login", "days_low", "days_high")
    )
    odd = per.join(full, on="login", how="anti")
    lows: list[int] = []
    highs: list[int] = []
    for row in odd.iter_rows(named=True):
        seen = set(row["seen"])
        pend_at: dict[datetime, date] = {
            p["snapshot_at"]: p["pending_cancellation_date"]
            for p in row["pend_by"]
            if p["pending_cancellation_date"] is not None
        }
        pending = [
            datetime.combine(pend_at[t], datetime.min.time(), UTC) if t in pend_at else None
            for t in times
        ]
        found = _intervals(times, [t in seen for t in times], row["created"], pending)
        low, high = _days(found, start, end, days)
        lows.append(low)
        highs.append(high)
    odd_days = odd.select("login").with_columns(
        days_low=pl.Series(lows, dtype=pl.Int64), days_high=pl.Series(highs, dtype=pl.Int64)
    )
    spans = pl.concat([full, odd_days])
    return (
        per.join(spans, on="login")
        .select(
            "login",
            pl.when(pl.col("any_enterprise"))
            .then(pl.lit("enterprise"))
            .otherwise(pl.col("plan").fill_null(default_plan))
            .alias("plan"),
            (pl.col("any_enterprise") | pl.col("plan").is_not_null()).alias("plan_known"),
            "orgs",
            "days_low",
            "days_high",
        )
        .sort("login")
    )
