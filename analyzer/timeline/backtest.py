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
from datetime import timedelta

import polars as pl

from analyzer.model import BacktestRow, BacktestStep, Settings, SnapshotInfo
from analyzer.timeline.build import CarriedState, state_query
from analyzer.timeline.carry import UTC_TYPE
from analyzer.timeline.quality import frozen_since

# A seat's monthly price covers this many days (a year's days over twelve): the seat cost of
# the time between two snapshots is the price times their distance over it.
MONTH_DAYS = 365.25 / 12


def _outcome(candidates: pl.LazyFrame, after: pl.LazyFrame, info: SnapshotInfo) -> pl.LazyFrame:
    """Return one row of counts: what became of `candidates` (login, price) by `after`."""
    joined = candidates.join(after, on="login", how="left")
    seated = pl.col("seated").fill_null(False)
    back = seated & (pl.col("next_activity") > pl.lit(info.as_of, UTC_TYPE)).fill_null(False)
    idle = seated & ~back
    return joined.select(
        pl.len().alias("candidates"),
        back.sum().alias("came_back"),
        (~seated).sum().alias("removed"),
        idle.sum().alias("stayed_idle"),
        pl.col("price").filter(idle).sum().alias("idle_cost"),
        pl.col("price").filter(idle).null_count().alias("unpriced"),
    )


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
    for nothing); the removed ones were removed anyway, and the ones that came back would
    have had their seat back, on a day no snapshot tells.
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
                state_query(now, k, infos, rule).filter("reclaim").select("login", "price"),
                following,
                infos[k],
            )
            for rule in rules
        ]
        months = (infos[k + 1].as_of - infos[k].as_of) / timedelta(days=1) / MONTH_DAYS
        for t, found in zip(chosen, pl.collect_all(queries), strict=True):
            row = found.row(0, named=True)
            saved = None if row["unpriced"] else float(row["idle_cost"] or 0.0) * months
            steps[t].append(
                BacktestStep(
                    as_of=infos[k].as_of,
                    next_as_of=infos[k + 1].as_of,
                    candidates=int(row["candidates"]),
                    came_back=int(row["came_back"]),
                    removed=int(row["removed"]),
                    stayed_idle=int(row["stayed_idle"]),
                    saved_cost=saved,
                    frozen_since=frozen,
                )
            )
        now = after
    return tuple(BacktestRow(t, tuple(steps[t]), settings.currency) for t in chosen)
