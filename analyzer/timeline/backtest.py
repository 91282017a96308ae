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
import polars.selectors as cs

from analyzer.model import BacktestRow, BacktestStep, Settings, SnapshotInfo
from analyzer.timeline.build import CarriedState, state_query
from analyzer.timeline.carry import UTC_TYPE
from analyzer.timeline.quality import frozen_since

_COUNTS = ("candidates", "came_back", "removed", "stayed_idle")


def _candidates(
    now: pl.DataFrame, k: int, infos: Sequence[SnapshotInfo], rules: Sequence[Settings]
) -> pl.LazyFrame:
    """Return snapshot k's seats that are a candidate under any rule: login, plan, c0, c1...

    Column c<i> says whether rule i makes the seat a reclaim candidate. Every rule's states
    come from the same carried state, row for row, so their flags sit side by side.
    """
    first, *others = rules
    flags = [
        state_query(now, k, infos, first).select("login", "plan", pl.col("reclaim").alias("c0")),
        *(
            state_query(now, k, infos, rule).select(pl.col("reclaim").alias(f"c{i}"))
            for i, rule in enumerate(others, 1)
        ),
    ]
    return pl.concat(flags, how="horizontal").filter(pl.any_horizontal(cs.starts_with("c")))


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
    if not chosen:
        return ()
    rules = [dataclasses.replace(settings, stale_days=t) for t in chosen]
    steps: dict[int, list[BacktestStep]] = {t: [] for t in chosen}
    now = carried(0) if len(infos) > 1 else pl.DataFrame()
    queries: list[pl.LazyFrame] = []
    frozen: list[date | None] = []
    for k in range(len(infos) - 1):
        after = carried(k + 1)
        frozen.append(frozen_since(now["known_activity"], infos[k].as_of))
        queries.append(_outcomes(_candidates(now, k, infos, rules), after, infos[k], len(rules)))
        now = after
    # Every snapshot pair's counts in one go: polars runs the queries side by side.
    for k, counted in enumerate(pl.collect_all(queries)):
        for i, t in enumerate(chosen):
            steps[t].append(_step(counted, i, infos, k, settings, frozen[k]))
    return tuple(BacktestRow(t, tuple(steps[t]), settings.currency) for t in chosen)
