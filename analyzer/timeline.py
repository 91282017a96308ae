"""The seat timeline: each login's run, known activity and state in every snapshot of a scope.

The definitions (README "Definitions") are implemented here and nowhere else.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from datetime import timedelta

import polars as pl

from analyzer.errors import SelectionError
from analyzer.model import Settings, SnapshotInfo
from analyzer.store import Store
from analyzer.surfaces import family_column

_DAY_US = 86_400 * 1_000_000
_READ = [
    "snapshot_at",
    "login",
    "display_login",
    "organization",
    "team",
    "plan",
    "last_activity_at",
    "last_activity_day",
    "last_authenticated_at",
    "surface",
    "pending_cancellation",
    "pending_cancellation_date",
    "created_at",
]


@dataclass(frozen=True)
class Timeline:
    """Every seat of every snapshot of one scope, with its state (one row per k and login).

    Columns of `seats`: k (snapshot index, oldest 0), as_of, login, display_login, orgs
    (sorted list), primary_org, team (the last one a report of the run named), plan (billed
    plan), price, known_activity, activity_day, known_surface, surface_family,
    last_authenticated, created_at, pending_cancellation, pending_cancellation_date,
    run_start_k, first_seen, state, idle_days, excluded, reclaim.
    """

    scope: str
    snapshots: tuple[SnapshotInfo, ...]
    settings: Settings
    seats: pl.DataFrame

    def at(self, k: int) -> pl.DataFrame:
        """Return the seats of snapshot k."""
        return self.seats.filter(pl.col("k") == k)

    @property
    def last(self) -> int:
        """Return the index of the newest snapshot."""
        return len(self.snapshots) - 1


def scope_snapshots(store: Store, scope: str | None) -> tuple[str, list[SnapshotInfo]]:
    """Return the scope asked for (or the only one) and its snapshots, oldest first."""
    infos = store.snapshots()
    scopes = sorted({i.scope for i in infos})
    if not scopes:
        raise SelectionError(
            f"the store {store.root} holds no snapshots yet; run "
            "`copilot-seats ingest FOLDER` first"
        )
    if scope is None:
        if len(scopes) > 1:
            raise SelectionError(
                f"the store holds several scopes; pass --scope with one of: {', '.join(scopes)}"
            )
        scope = scopes[0]
    chosen = [i for i in infos if i.scope == scope.lower()]
    if not chosen:
        raise SelectionError(
            f"no snapshots for scope {scope!r}; the store has: {', '.join(scopes)}"
        )
    return scope.lower(), chosen


def _per_login(frame: pl.LazyFrame, multi_row: bool) -> pl.LazyFrame:
    """Collapse seat rows to one row per (snapshot, login): a seat for billing is a login."""
    if not multi_row:
        return frame.with_columns(
            pl.concat_list(pl.col("organization")).list.drop_nulls().alias("orgs"),
            pl.col("organization").alias("primary_org"),
            pl.col("last_activity_at").alias("activity"),
            pl.col("last_activity_day").alias("activity_day"),
        ).drop("organization", "last_activity_at", "last_activity_day")
    by_activity = pl.col("last_activity_at")
    return frame.group_by("k", "login").agg(
        pl.col("display_login").first(),
        pl.col("organization").drop_nulls().unique().sort().alias("orgs"),
        pl.col("organization")
        .sort_by(by_activity, "organization", descending=[True, False], nulls_last=True)
        .first()
        .alias("primary_org"),
        pl.col("team").drop_nulls().sort().first(),
        pl.col("plan"),
        by_activity.max().alias("activity"),
        pl.col("last_activity_day")
        .sort_by(by_activity, descending=True, nulls_last=True)
        .first()
        .alias("activity_day"),
        pl.col("surface").sort_by(by_activity, descending=True, nulls_last=True).first(),
        pl.col("last_authenticated_at").max(),
        pl.col("pending_cancellation").any(),
        pl.col("pending_cancellation_date").min(),
        pl.col("created_at").min(),
    )


def _billed_plan(settings: Settings, multi_row: bool) -> pl.Expr:
    """Enterprise wins over Business for one user; no or unknown plan is the default plan."""
    plans = pl.col("plan") if multi_row else pl.concat_list(pl.col("plan"))
    # The costliest plan a user holds is billed: check it first (outermost `when`).
    expr = pl.lit(settings.default_plan)
    for plan in sorted(settings.prices, key=lambda p: (settings.prices[p], p)):
        expr = pl.when(plans.list.contains(plan)).then(pl.lit(plan)).otherwise(expr)
    return expr.alias("plan")


def _excluded(settings: Settings, logins: pl.Series) -> pl.Expr:
    """Return whether each login is excluded by name or by a glob pattern (fnmatch rules)."""
    matched: list[str] = []
    if settings.exclude_patterns:
        globs = re.compile("|".join(fnmatch.translate(p) for p in settings.exclude_patterns))
        matched = [login for login in logins.unique().to_list() if globs.match(login)]
    return pl.col("login").is_in([*settings.exclude_logins, *matched])


def build_timeline(
    store: Store, scope: str | None, settings: Settings, upto: SnapshotInfo | None = None
) -> Timeline:
    """Compute every seat's run, known activity and state for a scope's snapshots."""
    scope, infos = scope_snapshots(store, scope)
    if upto is not None:
        infos = [i for i in infos if i.as_of <= upto.as_of]
    multi_row = any(i.rows != i.seats for i in infos)
    index = pl.LazyFrame(
        {"snapshot_at": [i.as_of for i in infos], "k": list(range(len(infos)))},
        schema={"snapshot_at": pl.Datetime("us", "UTC"), "k": pl.Int32},
    )
    rows = store.scan(infos, _READ).join(index, on="snapshot_at", how="inner")
    seats = _per_login(rows, multi_row).with_columns(_billed_plan(settings, multi_row))
    seats = (
        seats.sort("login", "k")
        .with_columns(
            ((pl.col("k") - pl.col("k").shift(1).over("login")) != 1).fill_null(True).alias("brk")
        )
        .with_columns(pl.col("brk").cum_sum().over("login").alias("run"))
    )
    run = ["login", "run"]
    seats = seats.with_columns(
        pl.col("activity").cum_max().forward_fill().over(run).alias("known_activity"),
        pl.col("k").min().over(run).alias("run_start_k"),
        pl.col("created_at").forward_fill().over(run),
        # The activity report has no team: keep the last team a report named in the run.
        pl.col("team").forward_fill().over(run),
    ).with_columns(
        pl.when(pl.col("activity") == pl.col("known_activity"))
        .then(pl.col("surface"))
        .forward_fill()
        .over(run)
        .alias("known_surface"),
        pl.when(pl.col("activity") == pl.col("known_activity"))
        .then(pl.col("activity_day"))
        .forward_fill()
        .over(run)
        .alias("activity_day"),
    )
    frame = seats.drop("brk", "run", "activity", "surface", "snapshot_at", strict=False).collect()
    return _with_states(scope, infos, settings, frame)


def _with_states(
    scope: str, infos: list[SnapshotInfo], settings: Settings, frame: pl.DataFrame
) -> Timeline:
    times = pl.DataFrame(
        {"k": list(range(len(infos))), "as_of": [i.as_of for i in infos]},
        schema={"k": pl.Int32, "as_of": pl.Datetime("us", "UTC")},
    )
    frame = frame.join(times, on="k").join(
        times.rename({"k": "run_start_k", "as_of": "first_seen"}), on="run_start_k"
    )
    t = pl.col("as_of")
    stale = timedelta(days=settings.stale_days)
    grace = timedelta(days=settings.grace_days)
    has_created = pl.col("created_at").is_not_null()
    is_new = (
        pl.when(has_created)
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
    prices = pl.DataFrame({"plan": list(settings.prices), "price": list(settings.prices.values())})
    frame = (
        frame.with_columns(
            state.alias("state"),
            ((t - pl.col("known_activity")).dt.total_microseconds() // _DAY_US)
            .clip(lower_bound=0)
            .cast(pl.Int64)
            .alias("idle_days"),
            _excluded(settings, frame["login"]).alias("excluded"),
            family_column(frame["known_surface"]),
            pl.col("last_authenticated_at").alias("last_authenticated"),
        )
        .drop("last_authenticated_at")
        .join(prices, on="plan", how="left")
    )
    frame = frame.with_columns(
        (
            pl.col("state").is_in(["stale", "never_active"])
            & ~pl.col("pending_cancellation")
            & ~pl.col("excluded")
        ).alias("reclaim")
    ).sort("k", "login")
    return Timeline(scope, tuple(infos), settings, frame)
