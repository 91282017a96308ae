"""What one snapshot hands to the next: each login's run, carried without any setting.

A run is a stretch of consecutive snapshots of a scope holding the login; a login absent from
the snapshot before starts a new run. The carried state of snapshot k depends only on the seat
rows of snapshots 0..k, never on thresholds, prices or exclusions, so it can be computed once,
when the snapshot is stored, and every answer about snapshot k starts from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import polars as pl
import polars.selectors as cs

from analyzer.model import SnapshotInfo
from analyzer.timeline.source import SeatSource

UTC_TYPE = pl.Datetime("us", "UTC")
# What the figures of a snapshot need from its seat rows; read once per snapshot.
CORE_COLUMNS = [
    "snapshot_at",
    "login",
    "plan",
    "last_activity_at",
    "last_activity_day",
    "last_authenticated_at",
    "surface",
    "team",
    "pending_cancellation",
    "created_at",
]
# The carried state of one snapshot: one row per login.
CARRIED: dict[str, pl.DataType] = {
    "login": pl.String(),
    "plans": pl.List(pl.String()),  # every plan a row of the login names (billing picks one)
    "pending_cancellation": pl.Boolean(),
    "first_seen": UTC_TYPE,  # the time of the run's first snapshot
    "known_activity": UTC_TYPE,  # the latest activity any report of the run showed
    "first_activity": UTC_TYPE,  # the run's first known activity
    "known_sign_in": UTC_TYPE,  # the latest Last Authenticated At of the run
    "known_surface": pl.String(),  # the surface of the report showing the known activity
    "activity_day": pl.Boolean(),  # that activity came as a date only
    "team": pl.String(),  # the last team a report of the run named
    "created_at": UTC_TYPE,  # the seat's grant time (API), the last one named in the run
}
# Carried from one snapshot to the next (the rest is the snapshot's own).
_CONTINUED = [c for c in CARRIED if c not in ("login", "plans", "pending_cancellation")]


def empty_carried() -> pl.DataFrame:
    """Return the carried state of no snapshot."""
    return pl.DataFrame(schema=CARRIED)


def _per_login(rows: pl.LazyFrame, multi_row: bool) -> pl.LazyFrame:
    """Collapse seat rows to one row per login: a seat for billing is a login."""
    if not multi_row:
        return rows.select(
            "login",
            pl.concat_list("plan").alias("plans"),
            pl.col("last_activity_at").alias("activity"),
            pl.col("last_activity_day").alias("day_flag"),
            pl.col("last_authenticated_at").alias("sign_in"),
            "surface",
            "team",
            "pending_cancellation",
            "created_at",
        )
    by_activity = pl.col("last_activity_at")
    latest = {"descending": True, "nulls_last": True}
    return rows.group_by("login").agg(
        pl.col("plan").alias("plans"),
        by_activity.max().alias("activity"),
        pl.col("last_activity_day").sort_by(by_activity, **latest).first().alias("day_flag"),
        pl.col("last_authenticated_at").max().alias("sign_in"),
        pl.col("surface").sort_by(by_activity, **latest).first(),
        pl.col("team").drop_nulls().sort().first(),
        pl.col("pending_cancellation").any(),
        pl.col("created_at").min(),
    )


def carry_forward(
    source: SeatSource, info: SnapshotInfo, before: pl.DataFrame | None
) -> pl.DataFrame:
    """Return the carried state of `info`, continuing `before` (the snapshot just before it).

    Within a run, known activity is the latest activity any report showed; its day flag and
    surface come from the report that showed it; known sign-in is the latest Last
    Authenticated At any report showed; team and created_at are the last ones a report named
    (the activity report has no team).
    """
    rows = source.scan([info], CORE_COLUMNS)
    return carry_rows(rows, info.as_of, info.rows != info.seats, before)


def carry_rows(
    rows: pl.LazyFrame, as_of: datetime, multi_row: bool, before: pl.DataFrame | None
) -> pl.DataFrame:
    """Return the carried state of the seat rows (CORE_COLUMNS) of the snapshot at `as_of`.

    See `carry_forward`; `multi_row` says that a login has several rows (one per org).
    """
    rows = rows.filter(pl.col("snapshot_at") == as_of).drop("snapshot_at")
    seats = _per_login(rows, multi_row)
    prev = (
        (before if before is not None else empty_carried())
        .lazy()
        .select(
            "login",
            *[pl.col(c).alias(f"prev_{c}") for c in _CONTINUED],
            pl.lit(True).alias("continues"),
        )
    )
    joined = seats.join(prev, on="login", how="left", maintain_order="left").with_columns(
        pl.col("continues").fill_null(False)
    )
    known = pl.max_horizontal("prev_known_activity", "activity")
    at_known = pl.col("activity").is_not_null() & (pl.col("activity") == known)

    def latest(column: str, carried: str) -> pl.Expr:
        fresh = at_known & pl.col(column).is_not_null()
        return pl.when(fresh).then(pl.col(column)).otherwise(pl.col(f"prev_{carried}"))

    return (
        joined.select(
            "login",
            "plans",
            "pending_cancellation",
            pl.when("continues")
            .then("prev_first_seen")
            .otherwise(pl.lit(as_of, UTC_TYPE))
            .alias("first_seen"),
            known.alias("known_activity"),
            pl.col("prev_first_activity").fill_null(known).alias("first_activity"),
            pl.max_horizontal("prev_known_sign_in", "sign_in").alias("known_sign_in"),
            latest("surface", "known_surface").alias("known_surface"),
            latest("day_flag", "activity_day").alias("activity_day"),
            pl.col("team").fill_null(pl.col("prev_team")),
            pl.col("created_at").fill_null(pl.col("prev_created_at")),
        )
        .drop(cs.starts_with("prev_"))
        # One row per login of the file, in the file's order; the grouping of a file with a
        # login on several rows gives no order, so its logins are sorted (a stable result).
        .pipe(lambda frame: frame.sort("login") if multi_row else frame)
        .collect()
        .cast(CARRIED)  # type: ignore[arg-type]
    )


def carry_all(source: SeatSource, infos: list[SnapshotInfo]) -> Iterator[pl.DataFrame]:
    """Yield the carried state of every snapshot, oldest first (the full recomputation)."""
    before: pl.DataFrame | None = None
    for info in infos:
        before = carry_forward(source, info, before)
        yield before
