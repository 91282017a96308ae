"""The backtest from kept steps: each snapshot pair is judged once per threshold and settings.

A judged pair (snapshot k against k + 1, analyzer.timeline.backtest) depends on the two
carried states, the scope's first snapshot, the threshold and the settings (grace days,
prices, exclusions) only. Like the history rows (analyzer.answers.history), its counts are
kept under `derived/` keyed by a fingerprint of those settings and checked against the
carried states they came from (their checksums), so the page, the workbook and `backtest`
judge only the pairs new since: a monthly run judges one pair, not the whole history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from analyzer.answers.derived import CarriedFiles, read_history, write_history
from analyzer.answers.history import settings_fingerprint
from analyzer.errors import OutputError
from analyzer.model import BacktestStep, SnapshotInfo
from analyzer.store.folder import Store
from analyzer.store.lock import store_lock
from analyzer.timeline.backtest import judge_pairs
from analyzer.timeline.build import Timeline

# Bump when what a judged pair counts changes: kept steps are then judged again.
STEPS_VERSION = 1
_KEYS = ("id", "carried_sha256", "next_id", "next_carried_sha256", "first_id")
_SCHEMA: dict[str, pl.DataType] = {
    **{key: pl.String() for key in _KEYS},
    "stale_days": pl.Int64(),
    "candidates": pl.Int64(),
    "came_back": pl.Int64(),
    "removed": pl.Int64(),
    "stayed_idle": pl.Int64(),
    "saved_cost": pl.Float64(),
    "frozen_since": pl.Date(),
    "idle_plans": pl.List(pl.String),
    "idle_counts": pl.List(pl.Int64),
}
Pair = tuple[str, str, str, str, str]  # _KEYS: what says a kept step may be reused


def steps_fingerprint(timeline: Timeline) -> str:
    """Return the name the kept steps of these settings go under (beside the history rows)."""
    return f"backtest{STEPS_VERSION}-{settings_fingerprint(timeline.settings)}"


def kept_steps(
    store: Store, timeline: Timeline, upto: int, thresholds: Sequence[int]
) -> dict[tuple[int, int], BacktestStep]:
    """Return each threshold t's step at each snapshot k < `upto`, by (t, k).

    Steps kept for the same pair of carried states are reused; the others are judged now
    and kept (when the store can be written: a read-only store still answers).
    """
    infos = timeline.snapshots[: upto + 1]
    for info in infos:  # a backtest never stands on a snapshot damaged since
        store.check(info)
    pairs = _pairs(store, infos)
    fingerprint = steps_fingerprint(timeline)
    kept = read_history(store.root, timeline.scope, fingerprint)
    if kept is not None and not set(_SCHEMA) <= set(kept.columns):
        kept = None
    steps = _reused(kept, pairs, infos, thresholds)
    missing = [k for k in range(upto) if any((t, k) not in steps for t in thresholds)]
    if missing:
        fresh = judge_pairs(timeline.carried, infos, timeline.settings, thresholds, missing)
        steps.update(fresh)
        rows = [_row(pairs[k], t, step) for (t, k), step in fresh.items() if k in pairs]
        if rows:
            _keep(store, timeline.scope, fingerprint, kept, pl.DataFrame(rows, schema=_SCHEMA))
    return steps


def _pairs(store: Store, infos: Sequence[SnapshotInfo]) -> dict[int, Pair]:
    """Return the key of each pair k (k, k + 1) whose two carried states are both kept."""
    chain, valid = CarriedFiles(store.root).valid_prefix(list(infos))
    first = infos[0].id
    return {
        k: (infos[k].id, chain[infos[k].id].sha256, infos[k + 1].id,
            chain[infos[k + 1].id].sha256, first)
        for k in range(min(valid, len(infos)) - 1)
    }  # fmt: skip


def _reused(
    kept: pl.DataFrame | None,
    pairs: dict[int, Pair],
    infos: Sequence[SnapshotInfo],
    thresholds: Sequence[int],
) -> dict[tuple[int, int], BacktestStep]:
    """Return the kept steps of these pairs and thresholds, by (t, k)."""
    if kept is None or not pairs:
        return {}
    index = {pair: k for k, pair in pairs.items()}
    wanted = set(thresholds)
    steps: dict[tuple[int, int], BacktestStep] = {}
    for row in kept.iter_rows(named=True):
        k = index.get(tuple(row[key] for key in _KEYS))  # type: ignore[arg-type]
        if k is None or row["stale_days"] not in wanted:
            continue
        steps[row["stale_days"], k] = BacktestStep(
            as_of=infos[k].as_of,
            next_as_of=infos[k + 1].as_of,
            candidates=row["candidates"],
            came_back=row["came_back"],
            removed=row["removed"],
            stayed_idle=row["stayed_idle"],
            saved_cost=row["saved_cost"],
            frozen_since=row["frozen_since"],
            idle_by_plan=dict(zip(row["idle_plans"], row["idle_counts"], strict=True)),
        )
    return steps


def _row(pair: Pair, stale_days: int, step: BacktestStep) -> dict[str, Any]:
    """Return the kept row of one threshold's step at one pair."""
    return {
        **dict(zip(_KEYS, pair, strict=True)),
        "stale_days": stale_days,
        "candidates": step.candidates,
        "came_back": step.came_back,
        "removed": step.removed,
        "stayed_idle": step.stayed_idle,
        "saved_cost": step.saved_cost,
        "frozen_since": step.frozen_since,
        "idle_plans": list(step.idle_by_plan),
        "idle_counts": list(step.idle_by_plan.values()),
    }


def _keep(
    store: Store, scope: str, fingerprint: str, kept: pl.DataFrame | None, fresh: pl.DataFrame
) -> None:
    """Keep the fresh steps beside the kept ones of other pairs or thresholds."""
    try:
        with store_lock(store.root / ".lock"):
            # Read again under the lock: another run may have kept steps since.
            latest = read_history(store.root, scope, fingerprint)
            if latest is not None and set(_SCHEMA) <= set(latest.columns):
                kept = latest
            if kept is not None:
                replaced = fresh.select("id", "stale_days")
                others = kept.select(list(_SCHEMA)).join(
                    replaced, on=["id", "stale_days"], how="anti"
                )
                fresh = pl.concat([others, fresh])
            write_history(store.root, scope, fingerprint, fresh)
    except (OSError, OutputError):
        pass  # answers stay right without the kept steps
