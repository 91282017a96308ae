"""One library function per question the CLI and the reports ask, and their JSON forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from analyzer.answers.history import stored_history
from analyzer.answers.people import MONTH, people_of
from analyzer.answers.reclaim_net import reclaim_savings
from analyzer.answers.scope import (
    month_of,
    open_timeline,
    pick_snapshot,
    scope_names,
    scope_snapshots,
    stored_timeline,
    timeline_until,
)
from analyzer.answers.usage_queries import (
    Engagement,
    engagement_at,
    engagement_json,
    with_history_engagement,
)
from analyzer.errors import SelectionError
from analyzer.model import (
    STATES,
    Finding,
    FollowThrough,
    SeatDiff,
    Settings,
    SnapshotInfo,
    SnapshotSummary,
)
from analyzer.store.folder import Store
from analyzer.timeline.build import Timeline
from analyzer.timeline.diff import diff_snapshots
from analyzer.timeline.figures import summarize
from analyzer.timeline.quality import find_issues
from analyzer.timeline.seats import check_first_list, follow_through, reclaim_list, seat_table
from analyzer.times import iso


@dataclass(frozen=True)
class Status:
    """The answer to `status`: a snapshot's figures and the data-quality findings."""

    summary: SnapshotSummary
    findings: tuple[Finding, ...]
    snapshot: SnapshotInfo
    first_snapshot: bool  # the scope's first: no history tells never-used from long idle
    engagement: Engagement | None = None  # usage-metrics evidence, when the store has some
    reclaim_net_saving: float | None = None  # net of new credit overage; None: credits unknown


def _with_net_savings(
    store: Store, timeline: Timeline, k: int, seats: pl.DataFrame
) -> tuple[pl.DataFrame, float | None]:
    """Return the reclaim list with each candidate's marginal net saving, and the list's net."""
    table, net = reclaim_savings(
        store,
        timeline.scope,
        seats,
        reclaim_list(seats),
        timeline.settings,
        month_of(timeline.snapshots[k]),
    )
    return table.drop("allowance", "credits", "net_saving"), net


def _status_at(store: Store, timeline: Timeline, k: int, now: datetime) -> Status:
    summary, findings = summarize(timeline, k), find_issues(timeline, k, now)
    engagement = engagement_at(store, timeline, k, summary)
    if engagement is not None:  # reclaim sharpened by the usage records; their findings
        summary, findings = engagement.summary, (*findings, *engagement.findings)
    seats = engagement.seats if engagement is not None else seat_table(timeline, k, None)
    _, net = _with_net_savings(store, timeline, k, seats)
    return Status(summary, findings, timeline.snapshots[k], k == 0, engagement, net)


def get_status(
    store: Store, scope: str | None, settings: Settings, at: datetime | None, now: datetime
) -> Status:
    """Return the status of the snapshot at or before `at`."""
    timeline, k = timeline_until(store, scope, settings, at)
    return _status_at(store, timeline, k, now)


def get_statuses(
    store: Store, settings: Settings, at: datetime | None, now: datetime
) -> list[Status]:
    """Return the status of every scope (sorted) at or before `at`.

    Scopes with no snapshot by then are left out; none at all is an error.
    """
    found: list[Status] = []
    for scope in scope_names(store):
        _, infos = scope_snapshots(store, scope)
        if at is not None and infos[0].as_of > at:
            continue
        k = pick_snapshot(infos, at)
        found.append(_status_at(store, stored_timeline(store, infos, k, settings), k, now))
    if not found and at is not None:  # without --at every scope has its latest snapshot
        raise SelectionError(f"no scope of {store.root} has a snapshot at or before {iso(at)}")
    return found


def status_json(status: Status) -> dict[str, Any]:
    """Return the `status --json` object."""
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


def status_row(status: Status) -> dict[str, Any]:
    """Return one flat `status --csv` row: states spread out, findings as their codes."""
    body = status_json(status)
    states = body.pop("states")
    body.pop("seats_by_plan")
    findings = body.pop("findings")
    return {**body, **states, "findings": " ".join(f["code"] for f in findings)}


def get_diff(
    store: Store,
    scope: str | None,
    settings: Settings,
    at_from: datetime | None,
    at_to: datetime | None,
) -> SeatDiff:
    """Return the diff between two snapshots (default: the last two)."""
    _, infos = scope_snapshots(store, scope)
    k_to = pick_snapshot(infos, at_to)
    if at_from is None:
        if k_to == 0:
            raise SelectionError(
                f"{infos[0].scope} has only one snapshot up to {iso(infos[k_to].as_of)}"
                "; there is nothing to compare it with"
            )
        k_from = k_to - 1
    else:
        k_from = pick_snapshot(infos, at_from)
    timeline = stored_timeline(store, infos, max(k_from, k_to), settings)
    return diff_snapshots(timeline, k_from, k_to)


def diff_json(diff: SeatDiff) -> dict[str, Any]:
    """Return the `diff --json` object."""
    return {
        "scope": diff.scope,
        "from": iso(diff.from_as_of),
        "to": iso(diff.to_as_of),
        "added": diff.added["display_login"].to_list(),
        "removed": diff.removed["display_login"].to_list(),
        "transitions": diff.transition_counts(),
        "changes": diff.transitions.select(
            "login", "display_login", "from_state", "to_state", "change"
        ).to_dicts(),
        "moves": diff.moves.select("login", "display_login", "field", "before", "after").to_dicts(),
    }


@dataclass(frozen=True)
class Reclaim:
    """The answer to `reclaim`: candidates, and what became of the previous ones."""

    summary: SnapshotSummary
    candidates: pl.DataFrame
    check_first: pl.DataFrame
    follow_through: FollowThrough | None  # of the previous snapshot's candidates
    seats: pl.DataFrame  # the whole seat table, for the per-org API bodies
    first_snapshot: bool  # the scope's first: "never active" means no activity in 90 days
    engagement: Engagement | None = None  # usage-metrics evidence, when the store has some


def get_reclaim(
    store: Store,
    scope: str | None,
    settings: Settings,
    at: datetime | None,
    net_savings: bool = True,
) -> Reclaim:
    """Return the reclaim candidates of the snapshot at or before `at`.

    With `net_savings` each candidate has its marginal net saving (reads the AI usage rows).
    """
    timeline, k = timeline_until(store, scope, settings, at)
    people = people_of(store, settings, timeline.scope, timeline.snapshots[k].as_of + MONTH)
    seats = seat_table(timeline, k, people)
    summary = summarize(timeline, k)
    engagement = engagement_at(store, timeline, k, summary, seats)
    check_first = check_first_list(seats)
    if engagement is not None:  # candidates the usage records show at work: check first
        summary, seats = engagement.summary, engagement.seats
        check_first = check_first_list(seats).join(
            seats.select("login", "usage_days"), on="login", how="left"
        )
    candidates = (
        _with_net_savings(store, timeline, k, seats)[0] if net_savings else reclaim_list(seats)
    )
    return Reclaim(
        summary,
        candidates,
        check_first,
        follow_through(timeline, k - 1 if k else None, k),
        seats,
        k == 0,
        engagement,
    )


_TIMES = ("idle_since", "first_seen", "last_activity", "last_authenticated")


def reclaim_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Return the rows of a reclaim or check-first list, `login` as GitHub spells it."""
    rows: list[dict[str, Any]] = frame.with_columns(login=frame["display_login"]).to_dicts()
    for row in rows:
        for key in _TIMES:
            if key in row:
                row[key] = iso(row[key]) if row[key] is not None else None
    return rows


def reclaim_json(reclaim: Reclaim) -> dict[str, Any]:
    """Return the `reclaim --json` object.

    Savings are potential and start with the next billing cycle: GitHub bills a removed
    seat to the end of its cycle, with no refund.
    """
    s = reclaim.summary
    ft = reclaim.follow_through
    share = ft.came_back_share if ft is not None else None
    return {
        "scope": s.scope,
        "as_of": iso(s.as_of),
        "first_snapshot": reclaim.first_snapshot,
        "candidates": reclaim_rows(reclaim.candidates),
        "monthly_cost": round(s.reclaimable_monthly_cost, 2),
        "potential_monthly_savings": round(s.reclaimable_monthly_cost, 2),
        "savings_start": "next billing cycle",
        "currency": s.currency,
        "check_first": reclaim_rows(reclaim.check_first),
        "check_first_monthly_cost": round(s.check_first_monthly_cost, 2),
        "follow_through": ft.as_json() if ft is not None else None,
        "came_back_share": round(share, 4) if share is not None else None,
        "engagement": engagement_json(reclaim.engagement),
    }


def api_bodies(reclaim: Reclaim) -> dict[str, dict[str, list[str]]]:
    """Return, per org, the body for GitHub's remove-seats endpoint."""
    rows = (
        reclaim.seats.filter(pl.col("reclaim"))
        .select("display_login", pl.col("orgs").str.split(", ").alias("org"))
        .explode("org")
        .filter(pl.col("org").is_not_null() & (pl.col("org") != ""))
    )
    bodies: dict[str, dict[str, list[str]]] = {}
    for org, group in rows.group_by("org"):
        bodies[str(org[0])] = {"selected_usernames": sorted(group["display_login"].to_list())}
    return dict(sorted(bodies.items()))


def get_history(store: Store, scope: str | None, settings: Settings) -> pl.DataFrame:
    """Return one row per snapshot of the scope."""
    _, infos = scope_snapshots(store, scope)
    timeline = open_timeline(store, scope, settings)
    return with_history_engagement(store, timeline, stored_history(store, timeline, infos))
