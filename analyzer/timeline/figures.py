"""Figures of a timeline: a snapshot's summary, the history table, mixes and distributions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

from analyzer.model import (
    ACTIVATION_BUCKETS,
    IDLE_STATES,
    STATES,
    SnapshotInfo,
    SnapshotSummary,
    idle_bucket_spec,
)
from analyzer.surfaces import FAMILY_ORDER
from analyzer.timeline.build import Timeline


def state_counts() -> list[pl.Expr]:
    """Return the aggregations every per-group table shares (seats, states, costs)."""
    return [
        pl.len().alias("seats"),
        *[(pl.col("state") == s).sum().cast(pl.Int64).alias(s) for s in STATES],
        pl.col("pending_cancellation").sum().cast(pl.Int64).alias("pending_cancellation"),
        pl.col("reclaim").sum().cast(pl.Int64).alias("reclaim_candidates"),
        pl.col("price").sum().alias("monthly_cost"),
        pl.col("price").filter(pl.col("state").is_in(IDLE_STATES)).sum().alias("idle_monthly_cost"),
    ]


def summarize(timeline: Timeline, k: int | None = None) -> SnapshotSummary:
    """Return the figures of snapshot k (default: the newest)."""
    k = timeline.last if k is None else k
    seats = timeline.at(k)
    row = seats.select(
        *state_counts(),
        pl.col("price").filter(pl.col("reclaim")).sum().alias("reclaimable"),
        pl.col("check_first").sum().cast(pl.Int64).alias("check_first"),
        pl.col("price").filter(pl.col("check_first")).sum().alias("check_first_cost"),
    ).row(0, named=True)
    plans = seats.group_by("plan").len().sort("plan")
    settings = timeline.settings
    return SnapshotSummary(
        scope=timeline.scope,
        as_of=timeline.snapshots[k].as_of,
        seats=int(row["seats"]),
        states={s: int(row[s]) for s in STATES},
        pending_cancellation=int(row["pending_cancellation"]),
        reclaim_candidates=int(row["reclaim_candidates"]),
        monthly_cost=float(row["monthly_cost"] or 0.0),
        idle_monthly_cost=float(row["idle_monthly_cost"] or 0.0),
        reclaimable_monthly_cost=float(row["reclaimable"] or 0.0),
        check_first=int(row["check_first"]),
        check_first_monthly_cost=float(row["check_first_cost"] or 0.0),
        seats_by_plan={p: int(n) for p, n in plans.iter_rows()},
        currency=settings.currency,
        stale_days=settings.stale_days,
        grace_days=settings.grace_days,
    )


def plan_counts(plans: Sequence[str]) -> list[pl.Expr]:
    """Return per-plan seats, idle seats and reclaim candidates: what costs are rebuilt from.

    With them a workbook prices any month from its price cells (seats x price), so a price
    edited there reprices the whole history, not just the latest month.
    """
    idle = pl.col("state").is_in(IDLE_STATES)
    exprs: list[pl.Expr] = []
    for plan in plans:
        on_plan = pl.col("plan") == plan
        exprs += [
            on_plan.sum().cast(pl.Int64).alias(f"seats_{plan}"),
            (on_plan & idle).sum().cast(pl.Int64).alias(f"idle_{plan}"),
            (on_plan & pl.col("reclaim")).sum().cast(pl.Int64).alias(f"reclaim_{plan}"),
        ]
    return exprs


def history_rows(timeline: Timeline, ks: Sequence[int] | None = None) -> pl.DataFrame:
    """Return the history row of each snapshot k in `ks` (default: all), without `removed`.

    A row depends on that snapshot's carried state, the scope's first snapshot and the
    settings only, so rows can be kept and reused; `finish_history` then adds what needs the
    row before (seats removed since it).
    """
    ks = list(timeline.indexes if ks is None else ks)
    return rows_of_states(timeline.each(ks), timeline.snapshots, list(timeline.settings.prices))


def rows_of_states(
    states: Iterable[tuple[int, pl.DataFrame | pl.LazyFrame]],
    snapshots: Sequence[SnapshotInfo],
    plans: Sequence[str],
) -> pl.DataFrame:
    """Return the history row of each (k, states of snapshot k) (see `history_rows`).

    The states may be a query (`state_query`): only its row is then computed, in one pass.
    """
    aggs = [
        *state_counts(),
        *plan_counts(plans),
        # A login whose run starts at k was not in snapshot k-1; the others continue a run.
        (pl.col("run_start_k") == pl.col("k")).sum().cast(pl.Int64).alias("added"),
        *[
            (pl.col("surface_family") == family).sum().cast(pl.Int64).alias(f"surface_{family}")
            for family in FAMILY_ORDER
        ],
    ]
    ks: list[int] = []
    counts = []
    for k, frame in states:  # one snapshot's states at a time
        ks.append(k)
        counts.append(frame.lazy().group_by("k").agg(*aggs).collect())
    times = pl.DataFrame(
        {"k": ks, "as_of": [snapshots[k].as_of for k in ks]},
        schema={"k": pl.Int32, "as_of": pl.Datetime("us", "UTC")},
    )
    return times.join(pl.concat(counts), on="k", how="left").sort("k")


def finish_history(rows: pl.DataFrame, plans: Sequence[str]) -> pl.DataFrame:
    """Return the history table from every snapshot's row (oldest first): adds `removed`."""
    return rows.sort("k").select(
        "as_of",
        "seats",
        *STATES,
        "pending_cancellation",
        "reclaim_candidates",
        "added",
        (pl.col("seats").shift(1) - (pl.col("seats") - pl.col("added")))
        .fill_null(0)
        .cast(pl.Int64)
        .alias("removed"),
        "monthly_cost",
        "idle_monthly_cost",
        *[f"surface_{f}" for f in FAMILY_ORDER],
        *[f"{what}_{plan}" for plan in plans for what in ("seats", "idle", "reclaim")],
    )


def history_table(timeline: Timeline) -> pl.DataFrame:
    """Return one row per snapshot: time, seats, states, pending, churn, costs, surfaces.

    Then, per priced plan: `seats_<plan>`, `idle_<plan>` and `reclaim_<plan>`.
    """
    return finish_history(history_rows(timeline), list(timeline.settings.prices))


def surface_mix(history: pl.DataFrame) -> pl.DataFrame:
    """Return as_of, family, seats for every snapshot and family (zeros included), long form."""
    return (
        history.select("as_of", *[f"surface_{f}" for f in FAMILY_ORDER])
        .unpivot(index="as_of", variable_name="family", value_name="seats")
        .with_columns(pl.col("family").str.strip_prefix("surface_"), pl.col("seats").cast(pl.Int64))
        .with_columns(
            pl.col("family")
            .replace_strict(
                list(FAMILY_ORDER), list(range(len(FAMILY_ORDER))), return_dtype=pl.Int32
            )
            .alias("_order")
        )
        .sort("as_of", "_order")
        .drop("_order")
    )


def _count_buckets(frame: pl.DataFrame, order: tuple[str, ...]) -> pl.DataFrame:
    counts = dict(frame.group_by("bucket").len().iter_rows())
    return pl.DataFrame(
        {"bucket": list(order), "seats": [int(counts.get(b, 0)) for b in order]},
        schema={"bucket": pl.String, "seats": pl.Int64},
    )


def idle_buckets(timeline: Timeline, k: int | None = None) -> pl.DataFrame:
    """Return bucket, state, seats of snapshot k by idle age, buckets from the state threshold.

    Each state's buckets add up to that state's count (see model.idle_bucket_spec).
    """
    seats = timeline.at(timeline.last if k is None else k)
    spec = idle_bucket_spec(timeline.settings.stale_days)
    counts = seats.group_by("state", "idle_days").len()
    found = {(b, st): 0 for b, st, _ in spec}
    for state, days, n in counts.iter_rows():
        for label, bucket_state, upper in spec:
            if state == bucket_state and (upper is None or days is None or days <= upper):
                found[(label, bucket_state)] += int(n)
                break
    return pl.DataFrame(
        {
            "bucket": [b for b, _, _ in spec],
            "state": [st for _, st, _ in spec],
            "seats": [found[(b, st)] for b, st, _ in spec],
        },
        schema={"bucket": pl.String, "state": pl.String, "seats": pl.Int64},
    )


def activation(timeline: Timeline, k: int | None = None) -> pl.DataFrame:
    """Return the seats of snapshot k by days from their run's first snapshot to activity."""
    k = timeline.last if k is None else k
    seats = timeline.at(k)
    days = (pl.col("first_activity") - pl.col("first_seen")).dt.total_seconds() // 86_400
    bucket = (
        pl.when(pl.col("first_activity").is_null())
        .then(pl.lit("not yet"))
        .when(days < 0)
        .then(pl.lit("before first snapshot"))
        .when(days <= 7)
        .then(pl.lit("0-7"))
        .when(days <= 30)
        .then(pl.lit("8-30"))
        .when(days <= 90)
        .then(pl.lit("31-90"))
        .otherwise(pl.lit("over 90"))
    )
    return _count_buckets(seats.select(bucket.alias("bucket")), ACTIVATION_BUCKETS)
