"""The seat timeline: each login's run, known activity and state in every snapshot of a scope.

The definitions (README "Definitions") are implemented here and nowhere else.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import polars as pl

from analyzer.model import IDLE_STATES, Settings, SnapshotInfo
from analyzer.surfaces import UNKNOWN, family_column
from analyzer.timeline.carry import UTC_TYPE, carry_all
from analyzer.timeline.source import SeatSource

_DAY_US = 86_400 * 1_000_000
# What only the seat list of one snapshot shows; read for the snapshots asked about.
_DETAIL = [
    "snapshot_at",
    "login",
    "display_login",
    "organization",
    "last_activity_at",
    "pending_cancellation_date",
]
# Hands out the carried state of snapshot k (see analyzer.timeline.carry).
CarriedState = Callable[[int], pl.DataFrame]


@dataclass(frozen=True)
class Timeline:
    """Every seat of every snapshot of one scope, with its state.

    `frame(k)` has one row per login of snapshot k (k = 0 is the oldest) with what every
    snapshot's figures need: k, login, plan (billed plan), price, known_activity,
    first_activity (the run's first known activity), activity_day, known_sign_in (the run's
    latest Last Authenticated At), known_surface, surface_family, team (the last one a report
    of the run named), created_at, pending_cancellation, run_start_k, first_seen, state,
    idle_days, signed_in_recently, excluded, reclaim, check_first. It is derived from the
    snapshot's carried state and the settings, so an answer about one snapshot reads only
    that snapshot's carried state, whatever the length of the history.

    `at(k)` returns the seats of snapshot k with, besides those, as_of, display_login, orgs
    (sorted list), primary_org and pending_cancellation_date, read from that snapshot's rows
    only.
    """

    scope: str
    snapshots: tuple[SnapshotInfo, ...]
    settings: Settings
    carried: CarriedState
    source: SeatSource
    _frames: dict[int, pl.DataFrame] = field(default_factory=dict, repr=False, compare=False)
    _seen: dict[int, pl.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    def frame(self, k: int) -> pl.DataFrame:
        """Return the states of snapshot k's seats (kept once computed)."""
        if k not in self._frames:
            self._frames[k] = self._states_of(k)
        return self._frames[k]

    def per_snapshot(
        self, *aggs: pl.Expr, by: tuple[str, ...] = (), ks: Sequence[int] | None = None
    ) -> pl.DataFrame:
        """Return the aggregates of each snapshot's seats (of `ks`, default all), by k."""
        chosen = self.indexes if ks is None else ks
        if not chosen:
            return pl.DataFrame()
        parts = [frame.group_by("k", *by).agg(*aggs) for _, frame in self.each(chosen)]
        return pl.concat(parts).sort("k", *by)

    def each(self, ks: Sequence[int] | None = None) -> Iterator[tuple[int, pl.DataFrame]]:
        """Yield (k, states of snapshot k) one at a time, keeping none that was not kept.

        A history of a million seats a month holds one snapshot's states at a time this way.
        """
        for k in self.indexes if ks is None else ks:
            kept = self._frames.get(k)
            yield k, (kept if kept is not None else self._states_of(k))

    @property
    def indexes(self) -> range:
        """Return the index of every snapshot, oldest first."""
        return range(len(self.snapshots))

    def at(self, k: int) -> pl.DataFrame:
        """Return the seats of snapshot k, sorted by login."""
        if k not in self._seen:
            self._seen[k] = self._seats_of(k)
        return self._seen[k]

    def _states_of(self, k: int) -> pl.DataFrame:
        return state_frame(self.carried(k), k, self.snapshots, self.settings)

    def _seats_of(self, k: int) -> pl.DataFrame:
        info = self.snapshots[k]
        rows = (
            self.source.scan([info], _DETAIL)
            .filter(pl.col("snapshot_at") == info.as_of)
            .drop("snapshot_at")
        )
        detail = _detail_per_login(rows, info.rows != info.seats).collect()
        return (
            self.frame(k)
            .with_columns(pl.lit(info.as_of, UTC_TYPE).alias("as_of"))
            .join(detail, on="login", how="left")
            .sort("login")
        )

    @property
    def last(self) -> int:
        """Return the index of the newest snapshot."""
        return len(self.snapshots) - 1


def _detail_per_login(frame: pl.LazyFrame, multi_row: bool) -> pl.LazyFrame:
    """Return what a seat list shows beyond the core columns, one row per login."""
    if not multi_row:
        org = pl.col("organization")
        return frame.select(
            "login",
            "display_login",
            # [org], or [] without one (as concat_list + list.drop_nulls, a hundred times faster)
            pl.when(org.is_null())
            .then(pl.lit([], dtype=pl.List(pl.String)))
            .otherwise(pl.concat_list(org))
            .alias("orgs"),
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


def _billed_plan(settings: Settings) -> pl.Expr:
    """Enterprise wins over Business for one user; no or unknown plan is the default plan."""
    plans = pl.col("plans")
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
    keep = [login in names or any(glob.match(login) for glob in globs) for login in distinct]
    excluded = distinct.filter(pl.Series(keep, dtype=pl.Boolean))
    return pl.col("login").is_in(excluded.implode()).alias("excluded")


def _families(surfaces: pl.Series) -> pl.Expr:
    """Return the surface family of each surface, mapping each distinct value once."""
    distinct = surfaces.unique().drop_nulls()
    families = family_column(distinct)
    return (
        pl.col("known_surface")
        .replace_strict(distinct, families, default=UNKNOWN, return_dtype=pl.String)
        .alias("surface_family")
    )


def build_timeline(
    source: SeatSource,
    infos: list[SnapshotInfo],
    settings: Settings,
    carried: CarriedState | None = None,
) -> Timeline:
    """Return the timeline of one scope's snapshots, oldest first, up to the one asked about.

    `carried(k)` hands out snapshot k's carried state (the store keeps it from ingest on);
    without it, every snapshot's is computed here in one pass, each continuing the one before
    (the full recomputation the stored state is checked against).
    """
    if not infos:
        raise ValueError("a timeline needs at least one snapshot")
    if carried is None:
        chain = list(carry_all(source, infos))
        carried = chain.__getitem__
    return Timeline(infos[0].scope, tuple(infos), settings, carried, source)


def state_frame(
    carried: pl.DataFrame, k: int, infos: tuple[SnapshotInfo, ...], settings: Settings
) -> pl.DataFrame:
    """Return snapshot k's seats with their states, from its carried state and the settings."""
    return state_query(carried, k, infos, settings).collect()


def state_query(
    carried: pl.DataFrame, k: int, infos: Sequence[SnapshotInfo], settings: Settings
) -> pl.LazyFrame:
    """Return `state_frame` as a query, for a caller that only aggregates it."""
    as_of, stale = infos[k].as_of, settings.stale_days
    return (
        _seats_query(carried, k, infos, settings)
        .with_columns(
            _state(as_of, stale, settings.grace_days).alias("state"),
            (
                (pl.lit(as_of, UTC_TYPE) - pl.col("known_activity")).dt.total_microseconds()
                // _DAY_US
            )
            .clip(lower_bound=0)
            .cast(pl.Int64)
            .alias("idle_days"),
            _signed_in(as_of, stale).alias("signed_in_recently"),
            pl.col("plan")
            .replace_strict(settings.prices, default=None, return_dtype=pl.Float64)
            .alias("price"),
        )
        .with_columns(_excluded(settings, carried["login"]), _families(carried["known_surface"]))
        .with_columns(
            _reclaim(pl.col("state"), pl.col("signed_in_recently")).alias("reclaim"),
            (_idle(pl.col("state")) & pl.col("signed_in_recently")).alias("check_first"),
        )
    )


def reclaim_flags(
    carried: pl.DataFrame,
    k: int,
    infos: Sequence[SnapshotInfo],
    settings: Settings,
    stale_days: Sequence[int],
) -> pl.LazyFrame:
    """Return login, plan and whether each threshold makes the seat a reclaim candidate.

    Column c<i> is `state_query`'s reclaim with `stale_days[i]` as the stale days and the
    sign-in window, the other settings as given: every threshold in one pass.
    """
    as_of, grace = infos[k].as_of, settings.grace_days
    flags = [
        _reclaim(_state(as_of, days, grace), _signed_in(as_of, days)).alias(f"c{i}")
        for i, days in enumerate(stale_days)
    ]
    return (
        _seats_query(carried, k, infos, settings)
        .with_columns(_excluded(settings, carried["login"]))
        .select("login", "plan", *flags)
    )


def _seats_query(
    carried: pl.DataFrame, k: int, infos: Sequence[SnapshotInfo], settings: Settings
) -> pl.LazyFrame:
    """Return snapshot k's carried state with run_start_k, k and the billed plan."""
    starts = pl.DataFrame(
        {"first_seen": [i.as_of for i in infos[: k + 1]], "run_start_k": range(k + 1)},
        schema={"first_seen": UTC_TYPE, "run_start_k": pl.Int32},
    )
    return (
        carried.lazy()
        .join(starts.lazy(), on="first_seen", how="left", maintain_order="left")
        .with_columns(pl.lit(k, pl.Int32).alias("k"), _billed_plan(settings))
        .drop("plans")
    )


def _state(as_of: datetime, stale_days: int, grace_days: int) -> pl.Expr:
    """Return each seat's state at `as_of`: active, stale, new or never_active."""
    t = pl.lit(as_of, UTC_TYPE)
    stale = timedelta(days=stale_days)
    grace = timedelta(days=grace_days)
    is_new = (
        pl.when(pl.col("created_at").is_not_null())
        .then(t - pl.col("created_at") < grace)
        .otherwise((pl.col("run_start_k") > 0) & (t - pl.col("first_seen") < grace))
    )
    return (
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


def _signed_in(as_of: datetime, stale_days: int) -> pl.Expr:
    """Return whether each seat's known sign-in is within `stale_days` of `as_of`."""
    t = pl.lit(as_of, UTC_TYPE)
    return (t - pl.col("known_sign_in") <= timedelta(days=stale_days)).fill_null(False)


def _idle(state: pl.Expr) -> pl.Expr:
    """Return whether a seat of this state counts against its cost (once exclusions are known)."""
    return state.is_in(IDLE_STATES) & ~pl.col("pending_cancellation") & ~pl.col("excluded")


def _reclaim(state: pl.Expr, signed_in_recently: pl.Expr) -> pl.Expr:
    """Return whether a seat of this state and sign-in is a reclaim candidate."""
    return _idle(state) & ~signed_in_recently
