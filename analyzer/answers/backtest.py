"""The `backtest` answer: how each reclaim threshold would have fared on the stored history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analyzer.answers.backtest_kept import kept_steps
from analyzer.answers.scope import scope_snapshots, stored_timeline
from analyzer.model import Backtest, BacktestRow, BacktestStep, Settings
from analyzer.store.folder import Store
from analyzer.timeline.backtest import rows_of_steps
from analyzer.timeline.build import Timeline
from analyzer.times import iso

# The thresholds the page and the workbook replay, besides the configured one.
REPORT_THRESHOLDS = (30, 60, 90)
# Judging needs a snapshot and the next one; the report's table waits for two such pairs.
MIN_SNAPSHOTS = 2
REPORT_MIN_SNAPSHOTS = 3


def default_thresholds(settings: Settings) -> tuple[int, ...]:
    """Return 30, 60, 90 and the configured stale days, sorted, each once."""
    return tuple(sorted({*REPORT_THRESHOLDS, settings.stale_days}))


def replay(
    store: Store,
    timeline: Timeline,
    upto: int,
    thresholds: Sequence[int],
    minimum: int = MIN_SNAPSHOTS,
) -> Backtest:
    """Return the thresholds replayed on the timeline's snapshots up to index `upto`.

    With fewer than `minimum` snapshots nothing is replayed; `needed` says how many more.
    Pairs of snapshots judged by an earlier run under the same settings are not judged again
    (analyzer.answers.backtest_kept).
    """
    held = upto + 1
    needed = max(0, minimum - held)
    rows: tuple[BacktestRow, ...] = ()
    if not needed:
        chosen = sorted(set(thresholds))
        steps = kept_steps(store, timeline, upto, chosen)
        rows = rows_of_steps(steps, chosen, upto, timeline.settings.currency)
    return Backtest(timeline.scope, held, needed, rows)


def get_backtest(
    store: Store, scope: str | None, settings: Settings, thresholds: Sequence[int] | None
) -> Backtest:
    """Return the thresholds (default: 30, 60, 90 and the configured one) on a scope's history."""
    _, infos = scope_snapshots(store, scope)
    timeline = stored_timeline(store, infos, len(infos) - 1, settings)
    return replay(store, timeline, timeline.last, thresholds or default_thresholds(settings))


def report_backtest(store: Store, timeline: Timeline, k: int) -> Backtest:
    """Return the report's table: 30, 60, 90 and the configured days, up to snapshot k."""
    thresholds = default_thresholds(timeline.settings)
    return replay(store, timeline, k, thresholds, REPORT_MIN_SNAPSHOTS)


def _step_json(step: BacktestStep) -> dict[str, Any]:
    saved = step.saved_cost
    return {
        "as_of": iso(step.as_of),
        "next_as_of": iso(step.next_as_of),
        "candidates": step.candidates,
        "came_back": step.came_back,
        "removed": step.removed,
        "stayed_idle": step.stayed_idle,
        "saved_cost": round(saved, 2) if saved is not None else None,
        "frozen_since": step.frozen_since.isoformat() if step.frozen_since else None,
    }


def row_json(row: BacktestRow) -> dict[str, Any]:
    """Return the `backtest --json` object of one threshold."""
    share, saved = row.came_back_share, row.saved_cost
    return {
        "stale_days": row.stale_days,
        "snapshots": len(row.steps),
        **{n: row.total(n) for n in ("candidates", "came_back", "removed", "stayed_idle")},
        "came_back_share": round(share, 4) if share is not None else None,
        "saved_cost": round(saved, 2) if saved is not None else None,
        "asked_back": row.total("came_back"),
        "currency": row.currency,
        "by_snapshot": [_step_json(step) for step in row.steps],
    }


def backtest_json(backtest: Backtest) -> dict[str, Any]:
    """Return the `backtest --json` object: the scope, its snapshots and one row per threshold."""
    return {
        "scope": backtest.scope,
        "snapshots": backtest.snapshots,
        "snapshots_needed": backtest.needed,
        "rows": [row_json(row) for row in backtest.rows],
    }


# The columns of `backtest --csv`: one row per threshold and judged snapshot.
CSV_COLUMNS = [
    "stale_days",
    "as_of",
    "next_as_of",
    "candidates",
    "came_back",
    "removed",
    "stayed_idle",
    "saved_cost",
    "frozen_since",
    "currency",
]


def backtest_csv_rows(backtest: Backtest) -> list[dict[str, Any]]:
    """Return the `backtest --csv` rows: each threshold's counts per snapshot."""
    return [
        {"stale_days": row.stale_days, **_step_json(step), "currency": row.currency}
        for row in backtest.rows
        for step in row.steps
    ]


def frozen_steps(backtest: Backtest) -> list[BacktestStep]:
    """Return the judged snapshots whose activity looked frozen (once each, oldest first)."""
    steps = backtest.rows[0].steps if backtest.rows else ()
    return [step for step in steps if step.frozen_since is not None]
