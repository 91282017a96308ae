"""One library function per question the CLI and the reports ask, and their JSON forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from analyzer.answers.evidence import Engagement, engagement_json, with_history_engagement
from analyzer.answers.figures import (
    SnapshotFigures,
    history_of,
    net_reclaim,
    previous_figures,
    seat_lists,
    snapshot_figures,
)
from analyzer.answers.people import MONTH, people_of
from analyzer.answers.scope import (
    covers,
    open_timeline,
    pick_snapshot,
    scope_names,
    scope_snapshots,
    store_range,
    stored_timeline,
    timeline_until,
)
from analyzer.errors import SelectionError
from analyzer.model import FollowThrough, SeatDiff, Settings, SnapshotSummary
from analyzer.store.folder import Store
from analyzer.timeline.diff import diff_snapshots
from analyzer.timeline.seats import seat_table
from analyzer.times import DISPLAY_FORMAT, iso


def get_status(
    store: Store, scope: str | None, settings: Settings, at: datetime | None, now: datetime
) -> SnapshotFigures:
    """Return the status of the snapshot at or before `at`."""
    timeline, k = timeline_until(store, scope, settings, at)
    return snapshot_figures(store, timeline, k, now, net_savings=True)


def get_statuses(
    store: Store, settings: Settings, at: datetime | None, now: datetime
) -> list[SnapshotFigures]:
    """Return the status of every scope (sorted) at or before `at`.

    Scopes whose snapshots do not reach `at` (it is before their first or on a day after
    their last) are left out; none at all is an error giving each scope's range.
    """
    found: list[SnapshotFigures] = []
    skipped: list[str] = []
    for scope in scope_names(store):
        _, infos = scope_snapshots(store, scope)
        if at is not None and not covers(infos, at):
            skipped.append(store_range(infos))
            continue
        k = pick_snapshot(infos, at)
        timeline = stored_timeline(store, infos, k, settings)
        found.append(snapshot_figures(store, timeline, k, now, net_savings=True))
    if not found and at is not None:  # without --at every scope has its latest snapshot
        raise SelectionError(
            f"no scope of {store.root} has a snapshot for --at {iso(at)}; {'; '.join(skipped)}"
        )
    return found


def scopes_left_out(store: Store, at: datetime | None) -> list[str]:
    """Return, for each scope whose snapshots do not reach `at`, the range the store holds."""
    if at is None:
        return []
    ranges = [scope_snapshots(store, scope)[1] for scope in scope_names(store)]
    return [store_range(infos) for infos in ranges if not covers(infos, at)]


def statuses_json(
    at: datetime | None, bodies: list[dict[str, Any]], left_out: list[str]
) -> dict[str, Any]:
    """Return the `status --json` object of several scopes: the time asked and each status.

    `left_out` says, per scope whose snapshots do not reach `at`, the range the store holds.
    """
    return {"at": iso(at) if at is not None else None, "scopes": bodies, "left_out": left_out}


def get_diff(
    store: Store,
    scope: str | None,
    settings: Settings,
    at_from: datetime | None,
    at_to: datetime | None,
) -> SeatDiff:
    """Return the diff between two snapshots (default: the last two)."""
    _, infos = scope_snapshots(store, scope)
    k_to = pick_snapshot(infos, at_to, "--to")
    if at_from is None:
        if k_to == 0:
            raise SelectionError(
                f"{infos[0].scope} has only one snapshot up to {iso(infos[k_to].as_of)}"
                "; there is nothing to compare it with"
            )
        k_from = k_to - 1
    else:
        k_from = pick_snapshot(infos, at_from, "--from")
    if k_from == k_to:
        raise SelectionError(
            f"--from and --to both pick the snapshot of {iso(infos[k_to].as_of)} of "
            f"{infos[0].scope}; there is nothing to compare; {store_range(infos)}"
        )
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
    follow: bool = True,
) -> Reclaim:
    """Return the reclaim candidates of the snapshot at or before `at`.

    With `net_savings` each candidate has its marginal net saving (reads the AI usage rows);
    without `follow` the previous snapshot's candidates are not followed (follow_through None).
    """
    timeline, k = timeline_until(store, scope, settings, at)
    people = people_of(store, settings, timeline.scope, timeline.snapshots[k].as_of + MONTH)
    seats = seat_table(timeline, k, people)
    figures = snapshot_figures(store, timeline, k, None, seats)
    candidates, check_first = seat_lists(figures)
    if net_savings and figures.seats is not None:
        candidates = net_reclaim(store, timeline, k, figures.seats)[0]
    previous = k - 1 if k and follow else None
    _, follow_through = previous_figures(store, timeline, previous, figures, None)
    return Reclaim(
        figures.summary,
        candidates,
        check_first,
        follow_through,
        figures.seats if figures.seats is not None else seats,
        k == 0,
        figures.engagement,
    )


_TIMES = ("idle_since", "first_seen", "last_activity", "last_authenticated")


def reclaim_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Return the rows of a reclaim or check-first list, `login` as GitHub spells it."""
    times = [  # as `iso` writes them, formatted by polars: one call, not one per value
        pl.col(key).dt.convert_time_zone("UTC").dt.strftime(DISPLAY_FORMAT)
        for key in _TIMES
        if isinstance(frame.schema.get(key), pl.Datetime)
    ]
    return frame.with_columns(frame["display_login"].alias("login"), *times).to_dicts()


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


def history_json(scope: str, table: pl.DataFrame, currency: str) -> dict[str, Any]:
    """Return the `history --json` object: the scope and one row per snapshot."""
    rows = table.with_columns(table["as_of"].dt.strftime(DISPLAY_FORMAT)).to_dicts()
    return {"scope": scope, "currency": currency, "rows": rows}


def get_history(store: Store, scope: str | None, settings: Settings) -> pl.DataFrame:
    """Return one row per snapshot of the scope."""
    _, infos = scope_snapshots(store, scope)
    timeline = open_timeline(store, scope, settings)
    return with_history_engagement(store, timeline, history_of(store, timeline, infos))
