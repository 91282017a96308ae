"""A snapshot's headline figures, computed once for status, reclaim, history, page and workbook.

Seats, states, reclaim candidates and check first with their costs, potential savings and
engagement tiers all come from `snapshot_figures`; `status_json` is their one JSON form,
printed by `status --json` and embedded in the page (docs/figures.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from analyzer.answers.evidence import (
    Engagement,
    engagement_at,
    engagement_json,
    sharpened_history,
)
from analyzer.answers.history import stored_history
from analyzer.answers.reclaim_net import reclaim_savings
from analyzer.answers.scope import month_of
from analyzer.model import STATES, Finding, FollowThrough, SnapshotInfo, SnapshotSummary
from analyzer.store.folder import Store
from analyzer.timeline.build import Timeline
from analyzer.timeline.figures import summarize
from analyzer.timeline.quality import find_issues
from analyzer.timeline.seats import check_first_list, follow_through, reclaim_list, seat_table
from analyzer.times import iso


@dataclass(frozen=True)
class SnapshotFigures:
    """One snapshot's headline figures with the usage records' evidence applied."""

    summary: SnapshotSummary
    findings: tuple[Finding, ...]  # the timeline's, then the usage records'
    snapshot: SnapshotInfo
    first_snapshot: bool  # the scope's first: no history tells never-used from long idle
    engagement: Engagement | None  # usage-metrics evidence, when the store has some
    seats: pl.DataFrame | None  # the seat table asked for, reclaim/check_first sharpened
    reclaim_net_saving: float | None = None  # net of new credit overage; None: unknown


def snapshot_figures(
    store: Store,
    timeline: Timeline,
    k: int,
    now: datetime | None,
    seats: pl.DataFrame | None = None,
    *,
    later_stored: bool = False,
    month: str | None = None,
    net_savings: bool = False,
) -> SnapshotFigures:
    """Return the figures of snapshot k; `seats` (its seat table) comes back sharpened.

    `now` dates the data-quality findings (an old snapshot: judged at the end of `month`
    when that is earlier, and never while `later_stored`, a later snapshot is stored);
    without it only the usage records' findings are given (a seat list needs none).

    A reclaim candidate the usage records show at work in the snapshot's window is check
    first instead (README "Definitions": reclaim, sharpened); every figure, list and cost
    follows from that one seat table.
    """
    summary = summarize(timeline, k)
    findings = (
        find_issues(timeline, k, now, later_stored=later_stored, month=month)
        if now is not None
        else []
    )
    engagement = engagement_at(store, timeline, k, summary, seats)
    if engagement is not None:
        summary, seats = engagement.summary, engagement.seats
        findings = [*findings, *engagement.findings]
    net = None
    if net_savings:  # reads the month's AI usage rows (docs/forecast.md)
        table = seats if seats is not None else seat_table(timeline, k, None)
        net = net_reclaim(store, timeline, k, table)[1]
    return SnapshotFigures(
        summary, tuple(findings), timeline.snapshots[k], k == 0, engagement, seats, net
    )


def net_reclaim(
    store: Store, timeline: Timeline, k: int, seats: pl.DataFrame
) -> tuple[pl.DataFrame, float | None]:
    """Return the reclaim list with each candidate's marginal net saving, and the list's net.

    Net of the credit overage the removals would add under the AI-credit pool; None where
    the credits are unknown (docs/forecast.md).
    """
    table, net = reclaim_savings(
        store,
        timeline.scope,
        seats,
        reclaim_list(seats),
        timeline.settings,
        month_of(timeline.snapshots[k]),
    )
    return table.drop("allowance", "credits", "net_saving"), net


def seat_lists(figures: SnapshotFigures) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return the reclaim candidates and the check-first seats of the figures' seat table.

    With usage data, the check-first list carries each seat's `usage_days`.
    """
    if figures.seats is None:
        raise ValueError("snapshot_figures was not given the seat table")  # a bug
    seats = figures.seats
    check_first = check_first_list(seats)
    if "usage_days" in seats.columns:
        check_first = check_first.join(seats.select("login", "usage_days"), on="login", how="left")
    return reclaim_list(seats), check_first


def previous_figures(
    store: Store,
    timeline: Timeline,
    k_prev: int | None,
    current: SnapshotFigures,
    now: datetime | None,
) -> tuple[SnapshotFigures | None, FollowThrough | None]:
    """Return snapshot k_prev's figures and what became of its reclaim candidates by `current`.

    Both snapshots' candidates follow the same rule (`snapshot_figures`), so last month's
    count in the follow-through is the count `status --at` gives for that snapshot. With
    `now` None the previous snapshot's findings are not computed (no surface shows them).
    """
    if k_prev is None:
        return None, None
    previous = snapshot_figures(store, timeline, k_prev, now, seat_table(timeline, k_prev, None))
    k = timeline.snapshots.index(current.snapshot)
    seats_to = current.seats if current.seats is not None else seat_table(timeline, k, None)
    follow = follow_through(timeline, k_prev, k, previous.seats, seats_to)
    return previous, follow


def history_of(store: Store, timeline: Timeline, infos: list[SnapshotInfo]) -> pl.DataFrame:
    """Return the history table of `timeline` (one row per snapshot), reclaim sharpened.

    Each row's reclaim candidates follow the same rule as `snapshot_figures`, so the last
    row of `history` and the page's trend equal `status` for that snapshot.
    """
    return sharpened_history(store, timeline, stored_history(store, timeline, infos))


def status_json(status: SnapshotFigures) -> dict[str, Any]:
    """Return the `status --json` object (also the page's `copilot-seats-figures` script)."""
    s = status.summary
    return {
        "scope": s.scope,
        "as_of": iso(s.as_of),
        "first_snapshot": status.first_snapshot,
        "seats": s.seats,
        "states": {state: s.states[state] for state in STATES},
        "pending_cancellation": s.pending_cancellation,
        "reclaim_candidates": s.reclaim_candidates,
        "monthly_cost": round(s.monthly_cost, 2),
        "idle_monthly_cost": round(s.idle_monthly_cost, 2),
        "reclaimable_monthly_cost": round(s.reclaimable_monthly_cost, 2),
        "reclaim_net_monthly_saving": (
            None if status.reclaim_net_saving is None else round(status.reclaim_net_saving, 2)
        ),
        "check_first": s.check_first,
        "check_first_monthly_cost": round(s.check_first_monthly_cost, 2),
        "seats_by_plan": s.seats_by_plan,
        "currency": s.currency,
        "stale_days": s.stale_days,
        "grace_days": s.grace_days,
        "source": status.snapshot.source_name,
        "findings": [
            {"code": f.code, "severity": f.severity, "message": f.message, "count": f.count}
            for f in status.findings
        ],
        "engagement": engagement_json(status.engagement),
    }


# The columns of `status --csv`: one flat row per scope.
STATUS_CSV_COLUMNS = [
    "scope",
    "as_of",
    "first_snapshot",
    "seats",
    *STATES,
    "pending_cancellation",
    "reclaim_candidates",
    "check_first",
    "monthly_cost",
    "idle_monthly_cost",
    "reclaimable_monthly_cost",
    "check_first_monthly_cost",
    "currency",
    "stale_days",
    "grace_days",
    "source",
    "findings",
]


def status_row(status: SnapshotFigures) -> dict[str, Any]:
    """Return one flat `status --csv` row: states spread out, findings as their codes."""
    body = status_json(status)
    states = body.pop("states")
    body.pop("seats_by_plan")
    findings = body.pop("findings")
    return {**body, **states, "findings": " ".join(f["code"] for f in findings)}
