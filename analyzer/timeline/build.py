"""The seat timeline: each login's run, known activity and state in every snapshot of a scope.

The definitions (README "Definitions") are implemented here and nowhere else.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import polars as pl
import polars.selectors as cs

from analyzer.model import IDLE_STATES, Settings, SnapshotInfo
from analyzer.surfaces import UNKNOWN, family_column
from analyzer.timeline.source import SeatSource

_DAY_US = 86_400 * 1_000_000
_UTC = pl.Datetime("us", "UTC")
# What the state of every seat in every snapshot needs; read for all snapshots of a scope.
_CORE = [
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
# What only the seat list of one snapshot shows; read for the snapshots asked about.
_DETAIL = [
    "snapshot_at",
    "login",
    "display_login",
    "organization",
    "last_activity_at",
    "pending_cancellation_date",
]


@dataclass(frozen=True)
class Timeline:
    """Every seat of every snapshot of one scope, with its state.

    `frames[k]` has one row per login of snapshot k (k = 0 is the oldest) with what every
    snapshot's figures need: k, login (categorical), plan (billed plan), price, known_activity,
    first_activity (the run's first known activity), activity_day, known_sign_in (the run's
    latest Last Authenticated At), known_surface (categorical), surface_family, team
    (categorical; the last one a report of the run named), created_at, pending_cancellation,
    run_start_k, first_seen, state, idle_days, signed_in_recently, excluded, reclaim,
    check_first.

    `at(k)` returns the seats of snapshot k with, besides those, as_of, display_login, orgs
    (sorted list), primary_org and pending_cancellation_date, read from that snapshot's rows
    only, and text in place of categoricals.
    """

    scope: str
    snapshots: tuple[SnapshotInfo, ...]
    settings: Settings
    frames: tuple[pl.DataFrame, ...]
    source: SeatSource
    multi_row: bool
    _seen: dict[int, pl.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    def per_snapshot(self, *aggs: pl.Expr, by: tuple[str, ...] = ()) -> pl.DataFrame:
        """Return the aggregates of each snapshot's seats, by k (and by `by` within it)."""
        parts = [frame.lazy().group_by("k", *by).agg(*aggs) for frame in self.frames]
        return pl.concat(pl.collect_all(parts)).sort("k", *by)

    def at(self, k: int) -> pl.DataFrame:
        """Return the seats of snapshot k, sorted by login."""
        if k not in self._seen:
            self._seen[k] = self._seats_of(k)
        return self._seen[k]

    def _seats_of(self, k: int) -> pl.DataFrame:
        info = self.snapshots[k]
        rows = (
            self.source.scan([info], _DETAIL)
            .filter(pl.col("snapshot_at") == info.as_of)
            .drop("snapshot_at")
        )
        detail = _detail_per_login(rows, self.multi_row).collect()
        return (
            self.frames[k]
            .with_columns(
                pl.col("login", "team", "known_surface").cast(pl.String),
                pl.lit(info.as_of, _UTC).alias("as_of"),
            )
            .join(detail, on="login", how="left")
            .sort("login")
        )

    @property
    def last(self) -> int:
        """Return the index of the newest snapshot."""
        return len(self.snapshots) - 1


def _per_login(frame: pl.LazyFrame, multi_row: bool) -> pl.LazyFrame:
    """Collapse seat rows to one row per (snapshot, login): a seat for billing is a login."""
    if not multi_row:
        return frame.rename(
            {
                "last_activity_at": "activity",
                "last_activity_day": "activity_day",
                "last_authenticated_at": "sign_in",
            }
        )
    by_activity = pl.col("last_activity_at")
    latest = {"descending": True, "nulls_last": True}
    return frame.group_by("k", "login").agg(
        pl.col("team").drop_nulls().sort().first(),
        pl.col("plan"),
        by_activity.max().alias("activity"),
        pl.col("last_authenticated_at").max().alias("sign_in"),
        pl.col("last_activity_day").sort_by(by_activity, **latest).first().alias("activity_day"),
        pl.col("surface").sort_by(by_activity, **latest).first(),
        pl.col("pending_cancellation").any(),
        pl.col("created_at").min(),
    )


def _detail_per_login(frame: pl.LazyFrame, multi_row: bool) -> pl.LazyFrame:
    """Return what a seat list shows beyond the core columns, one row per login."""
    if not multi_row:
        return frame.select(
            "login",
            "display_login",
            pl.concat_list(pl.col("organization")).list.drop_nulls().alias("orgs"),
            pl.col("organization").alias("primary_org"),
            "pending_cancellation_date",
        )
    by_activity = pl.col("last_activity_at")
    return frame.group_by("login").agg(
        pl.col("display_login").first(),
        pl.col("organization").drop_nulls().unique().sort().alias("orgs"),
        pl.col("organization")
        .sort_by(by_activity, "organization", descending=[True, False], nulls_last=True)
        .first()
        .alias("primary_org"),
        pl.col("pending_cancellation_date").min(),
    )


def _billed_plan(settings: Settings, multi_row: bool) -> pl.Expr:
    """Enterprise wins over Business for one user; no or unknown plan is the default plan."""
    if not multi_row:
        known = pl.col("plan").is_in(list(settings.prices))
        return pl.when(known).then(pl.col("plan")).otherwise(pl.lit(settings.default_plan))
    plans = pl.col("plan")
    # The costliest plan a user holds is billed: check it first (outermost `when`).
    expr = pl.lit(settings.default_plan)
    for plan in sorted(settings.prices, key=lambda p: (settings.prices[p], p)):
        expr = pl.when(plans.list.contains(plan)).then(pl.lit(plan)).otherwise(expr)
    return expr.alias("plan")


def _excluded(settings: Settings, logins: pl.Series) -> pl.Expr:
    """Return whether each login is excluded by name or by a glob pattern (fnmatch rules)."""
    if not settings.exclude_logins and not settings.exclude_patterns:
        return pl.lit(False).alias("excluded")
    names = set(settings.exclude_logins)
    globs = [re.compile(fnmatch.translate(p)) for p in settings.exclude_patterns]
    distinct = logins.unique()
    keep = [
        login in names or any(glob.match(login) for glob in globs)
        for login in distinct.cast(pl.String)
    ]
    ids = distinct.to_physical().filter(pl.Series(keep, dtype=pl.Boolean))
    return pl.col("login").to_physical().is_in(ids.implode()).alias("excluded")


def _families(surfaces: pl.Series) -> pl.Expr:
    """Return the surface family of each (categorical) surface, mapping each value once."""
    distinct = surfaces.unique().drop_nulls()
    families = family_column(distinct.cast(pl.String))
    return (
        pl.col("known_surface")
        .to_physical()
        .replace_strict(distinct.to_physical(), families, default=UNKNOWN, return_dtype=pl.String)
        .alias("surface_family")
    )


# What one snapshot hands to the next about each login (see `_carry`).
_CARRIED: dict[str, pl.DataType] = {
    "login": pl.Categorical(),
    "run_start_k": pl.Int32(),
    "first_seen": _UTC,
    "known_activity": _UTC,
    "first_activity": _UTC,
    "known_sign_in": _UTC,
    "known_surface": pl.Categorical(),
    "activity_day": pl.Boolean(),
    "team": pl.Categorical(),
    "created_at": _UTC,
}


def _carry(seats: pl.LazyFrame, before: pl.DataFrame, k: int, as_of: datetime) -> pl.LazyFrame:
    """Continue the runs of snapshot k-1 into snapshot k.

    A run is a stretch of consecutive snapshots holding the login: a login absent from
    snapshot k-1 starts a new run at k. Within a run, known activity is the latest activity any
    report showed; its day flag and surface come from the report that showed it; known
    sign-in is the latest Last Authenticated At any report showed; team and created_at are
    the last ones a report named (the activity report has no team).
    """
    prev = (
        before.lazy()
        .select("login", *[pl.col(c).alias(f"prev_{c}") for c in _CARRIED if c != "login"])
        .with_columns(pl.lit(True).alias("continues"))
    )
    joined = seats.join(prev, on="login", how="left")
    known = pl.max_horizontal("prev_known_activity", "activity")
    known_sign_in = pl.max_horizontal("prev_known_sign_in", "sign_in")
    at_known = pl.col("activity").is_not_null() & (pl.col("activity") == pl.col("known_activity"))

    def latest(column: str, carried: str) -> pl.Expr:
        fresh = at_known & pl.col(column).is_not_null()
        return pl.when(fresh).then(pl.col(column)).otherwise(pl.col(f"prev_{carried}"))

    return (
        joined.with_columns(
            pl.col("continues").fill_null(False),
            known.alias("known_activity"),
            known_sign_in.alias("known_sign_in"),
            pl.col("team").fill_null(pl.col("prev_team")),
            pl.col("created_at").fill_null(pl.col("prev_created_at")),
        )
        .with_columns(
            pl.when("continues")
            .then("prev_run_start_k")
            .otherwise(pl.lit(k, pl.Int32))
            .alias("run_start_k"),
            pl.when("continues")
            .then("prev_first_seen")
            .otherwise(pl.lit(as_of, _UTC))
            .alias("first_seen"),
            pl.col("prev_first_activity")
            .fill_null(pl.col("known_activity"))
            .alias("first_activity"),
            latest("surface", "known_surface").alias("known_surface"),
            latest("activity_day", "activity_day").alias("activity_day"),
        )
        .drop(cs.starts_with("prev_"), "activity", "surface", "sign_in")
    )


def build_timeline(source: SeatSource, infos: list[SnapshotInfo], settings: Settings) -> Timeline:
    """Compute every seat's run, known activity and state over one scope's snapshots.

    `infos` are the scope's snapshots, oldest first, up to the one asked about. One pass,
    each snapshot continuing the runs of the one before: the working set is one snapshot's
    seats, while the per-snapshot frames kept for the figures grow with the history.
    """
    if not infos:
        raise ValueError("a timeline needs at least one snapshot")
    scope = infos[0].scope
    multi_row = any(i.rows != i.seats for i in infos)
    frames: list[pl.DataFrame] = []
    before = pl.DataFrame(schema=_CARRIED)
    for k, info in enumerate(infos):
        rows = (
            source.scan([info], _CORE)
            .filter(pl.col("snapshot_at") == info.as_of)
            .drop("snapshot_at")
            .with_columns(
                pl.col("login", "surface", "team").cast(pl.Categorical),
                pl.lit(k, pl.Int32).alias("k"),
            )
        )
        seats = _per_login(rows, multi_row).with_columns(_billed_plan(settings, multi_row))
        frame = _with_states(_carry(seats, before, k, info.as_of), info.as_of, settings).collect()
        frames.append(frame)
        before = frame.select(list(_CARRIED))
    every = pl.concat(frames, rechunk=False)
    excluded = _excluded(settings, every["login"])
    families = _families(every["known_surface"])
    idle = (
        pl.col("state").is_in(IDLE_STATES) & ~pl.col("pending_cancellation") & ~pl.col("excluded")
    )
    reclaim = (idle & ~pl.col("signed_in_recently")).alias("reclaim")
    check_first = (idle & pl.col("signed_in_recently")).alias("check_first")
    frames = [f.with_columns(excluded, families).with_columns(reclaim, check_first) for f in frames]
    return Timeline(scope, tuple(infos), settings, tuple(frames), source, multi_row)


def _with_states(frame: pl.LazyFrame, as_of: datetime, settings: Settings) -> pl.LazyFrame:
    """Add state, idle_days, signed_in_recently and price; reclaim once exclusions are known."""
    t = pl.lit(as_of, _UTC)
    stale = timedelta(days=settings.stale_days)
    grace = timedelta(days=settings.grace_days)
    is_new = (
        pl.when(pl.col("created_at").is_not_null())
        .then(t - pl.col("created_at") < grace)
        .otherwise((pl.col("run_start_k") > 0) & (t - pl.col("first_seen") < grace))
    )
    state = (
        pl.when(pl.col("known_activity").is_not_null())
        .then(
            pl.when(t - pl.col("known_activity") <= stale)
            .then(pl.lit("active"))
            .otherwise(pl.lit("stale"))
        )
        .when(is_new)
        .then(pl.lit("new"))
        .otherwise(pl.lit("never_active"))
    )
    return frame.with_columns(
        state.alias("state"),
        ((t - pl.col("known_activity")).dt.total_microseconds() // _DAY_US)
        .clip(lower_bound=0)
        .cast(pl.Int64)
        .alias("idle_days"),
        (t - pl.col("known_sign_in") <= stale).fill_null(False).alias("signed_in_recently"),
        pl.col("plan")
        .replace_strict(settings.prices, default=None, return_dtype=pl.Float64)
        .alias("price"),
    )
