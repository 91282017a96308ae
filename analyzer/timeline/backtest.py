"""Replay the reclaim rule at several thresholds on a history, and see who came back.

For each threshold T and each snapshot k but the last, the reclaim candidates are the ones the
timeline's own rule gives (`reclaim_flags`, with T as stale days and as the sign-in window); the
next snapshot then says what became of them: came back (activity reported after snapshot k's
time), removed (no longer seated) or stayed idle (the rest). Each snapshot's carried state is
read once, whatever the number of thresholds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date

import polars as pl
import polars.selectors as cs

from analyzer.model import BacktestRow, BacktestStep, Settings, SnapshotInfo
from analyzer.timeline.build import CarriedState, reclaim_flags
from analyzer.timeline.carry import UTC_TYPE
from analyzer.timeline.quality import frozen_since

_COUNTS = ("candidates", "came_back", "removed", "stayed_idle")
# Snapshot pairs judged side by side: enough to keep both cores busy, while holding the
# carried states of a few snapshots at a time, not of the whole history.
BATCH = 6


def _candidates(
    now: pl.DataFrame,
    k: int,
    infos: Sequence[SnapshotInfo],
    settings: Settings,
    thresholds: Sequence[int],
) -> pl.LazyFrame:
    """Return snapshot k's seats that are a candidate under any threshold: login, plan, c0...

    Column c<i> says whether threshold i makes the seat a reclaim candidate; all of them
    come from one pass over the carried state (`reclaim_flags`).
    """
    flags = reclaim_flags(now, k, infos, settings, thresholds)
    return flags.filter(pl.any_horizontal(cs.starts_with("c")))


def _outcomes(
    candidates: pl.LazyFrame, after: pl.DataFrame, info: SnapshotInfo, rules: int
) -> pl.LazyFrame:
    """Return, per billed plan, what became of each rule's candidates by `after`."""
    following = after.lazy().select(
        "login", pl.col("known_activity").alias("next_activity"), pl.lit(True).alias("seated")
    )
    seated = pl.col("seated").fill_null(False)
    back = seated & (pl.col("next_activity") > pl.lit(info.as_of, UTC_TYPE)).fill_null(False)
    counts = []
    for i in range(rules):
        flag = pl.col(f"c{i}")
        counts += [
            flag.sum().alias(f"candidates{i}"),
            (flag & back).sum().alias(f"came_back{i}"),
            (flag & ~seated).sum().alias(f"removed{i}"),
            (flag & seated & ~back).sum().alias(f"stayed_idle{i}"),
        ]
    return candidates.join(following, on="login", how="left").group_by("plan").agg(counts)


def _step(found: pl.DataFrame, i: int, infos: Sequence[SnapshotInfo], k: int,
          settings: Settings, frozen: date | None) -> BacktestStep:  # fmt: skip
    """Return rule i's counts at snapshot k from the per-plan rows; the saved cost priced."""
    found = found.select("plan", *(pl.col(f"{n}{i}").alias(n) for n in _COUNTS)).sort("plan")
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
    judged = judge_pairs(carried, infos, settings, chosen, range(len(infos) - 1))
    return rows_of_steps(judged, chosen, len(infos) - 1, settings.currency)


def judge_pairs(
    carried: CarriedState,
    infos: Sequence[SnapshotInfo],
    settings: Settings,
    thresholds: Sequence[int],
    ks: Sequence[int],
) -> dict[tuple[int, int], BacktestStep]:
    """Return the step of each threshold t at each snapshot k of `ks`, by (t, k).

    Snapshot k is judged against k + 1 (see `backtest_rows`); each carried state is read
    once, whatever the number of thresholds.
    """
    chosen = list(thresholds)
    if not chosen:
        return {}
    held: dict[int, pl.DataFrame] = {}  # the states of the pair being judged, and the next

    def state(k: int) -> pl.DataFrame:
        if k not in held:
            held[k] = carried(k)
        return held[k]

    steps: dict[tuple[int, int], BacktestStep] = {}
    for start in range(0, len(ks), BATCH):
        batch = ks[start : start + BATCH]
        queries: list[pl.LazyFrame] = []
        frozen: list[date | None] = []
        for k in batch:
            now, after = state(k), state(k + 1)
            for old in [j for j in held if j < k]:
                del held[old]
            frozen.append(frozen_since(now["known_activity"], infos[k].as_of))
            queries.append(
                _outcomes(
                    _candidates(now, k, infos, settings, chosen), after, infos[k], len(chosen)
                )
            )
        # A batch of snapshot pairs in one go: polars runs the queries side by side.
        for k, day, counted in zip(batch, frozen, pl.collect_all(queries), strict=True):
            for i, t in enumerate(chosen):
                steps[t, k] = _step(counted, i, infos, k, settings, day)
    return steps


def rows_of_steps(
    steps: dict[tuple[int, int], BacktestStep],
    thresholds: Sequence[int],
    judged: int,
    currency: str,
) -> tuple[BacktestRow, ...]:
    """Return one row per threshold of its steps at snapshots 0 to `judged` - 1, by (t, k)."""
    return tuple(
        BacktestRow(t, tuple(steps[t, k] for k in range(judged)), currency) for t in thresholds
    )
