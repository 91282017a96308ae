"""Replay the reclaim rule at several thresholds on a history, and see who came back.

For each threshold T and each snapshot k but the last, the reclaim candidates are the ones the
timeline's own rule gives (`state_query`, with T as stale days and as the sign-in window); the
next snapshot then says what became of them: came back (activity reported after snapshot k's
time), removed (no longer seated) or stayed idle (the rest). Each snapshot's carried state is
read once, whatever the number of thresholds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date

import polars as pl

from analyzer.model import BacktestRow, BacktestStep, Settings, SnapshotInfo
from analyzer.timeline.build import CarriedState, state_query
from analyzer.timeline.carry import UTC_TYPE
from analyzer.timeline.quality import frozen_since


def _outcome(candidates: pl.LazyFrame, after: pl.LazyFrame, info: SnapshotInfo) -> pl.LazyFrame:
    """Return, per billed plan, what became of `candidates` (login, plan) by `after`."""
    seated = pl.col("seated").fill_null(False)
    back = seated & (pl.col("next_activity") > pl.lit(info.as_of, UTC_TYPE)).fill_null(False)
    return (
        candidates.join(after, on="login", how="left")
        .group_by("plan")
        .agg(
            pl.len().alias("candidates"),
            back.sum().alias("came_back"),
            (~seated).sum().alias("removed"),
            (seated & ~back).sum().alias("stayed_idle"),
        )
        .sort("plan")
    )


def _step(found: pl.DataFrame, infos: Sequence[SnapshotInfo], k: int, settings: Settings,
          frozen: date | None) -> BacktestStep:  # fmt: skip
    """Return snapshot k's counts from its per-plan rows; the saved cost priced per plan."""
    idle = {str(plan): int(n) for plan, n in found.select("plan", "stayed_idle").iter_rows()}
    step = BacktestStep(
        as_of=infos[k].as_of,
        next_as_of=infos[k + 1].as_of,
        candidates=int(found["candidates"].sum()),
        came_back=int(found["came_back"].sum()),
        removed=int(found["removed"].sum()),
        stayed_idle=sum(idle.values()),
        saved_cost=None,
        frozen_since=frozen,
        idle_by_plan={plan: n for plan, n in idle.items() if n},
    )
    prices = settings.prices
    if any(plan not in prices for plan in step.idle_by_plan):
        return step  # a plan without a price: the cost is unknown, not zero
    monthly = sum(n * prices[plan] for plan, n in step.idle_by_plan.items())
    return dataclasses.replace(step, saved_cost=monthly * step.months)


def backtest_rows(
    carried: CarriedState,
    infos: Sequence[SnapshotInfo],
    settings: Settings,
    thresholds: Sequence[int],
) -> tuple[BacktestRow, ...]:
    """Return, per threshold (sorted, once each), what became of each snapshot's candidates.

    `carried(k)` hands out the carried state of `infos[k]` (oldest first); every snapshot but
    the last is judged, against the one after it. The saved cost is the seat cost of the
    candidates that stayed idle, from their snapshot to the next (the time they held a seat
    for nothing), at their billed plan's price; None when a plan has no price. The removed
    ones were removed anyway, and the ones that came back would have had their seat back, on
    a day no snapshot tells.
    """
    chosen = sorted(set(thresholds))
    rules = [dataclasses.replace(settings, stale_days=t) for t in chosen]
    steps: dict[int, list[BacktestStep]] = {t: [] for t in chosen}
    now = carried(0) if len(infos) > 1 else pl.DataFrame()
    for k in range(len(infos) - 1):
        after = carried(k + 1)
        frozen = frozen_since(now["known_activity"], infos[k].as_of)
        following = after.lazy().select(
            "login",
            pl.col("known_activity").alias("next_activity"),
            pl.lit(True).alias("seated"),
        )
        queries = [
            _outcome(
                state_query(now, k, infos, rule).filter("reclaim").select("login", "plan"),
                following,
                infos[k],
            )
            for rule in rules
        ]
        for t, found in zip(chosen, pl.collect_all(queries), strict=True):
            steps[t].append(_step(found, infos, k, settings, frozen))
        now = after
    return tuple(BacktestRow(t, tuple(steps[t]), settings.currency) for t in chosen)
