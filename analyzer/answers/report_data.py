"""Compute everything a monthly report shows, once, into a ReportData both writers lay out."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime

import polars as pl

from analyzer import __version__
from analyzer.answers.bill_report import pseudonymize_bill, report_bill
from analyzer.answers.forecast_report import report_forecast
from analyzer.answers.history import stored_history
from analyzer.answers.people import MONTH, people_of
from analyzer.answers.scope import month_of, pick_month, scope_snapshots, stored_timeline
from analyzer.answers.usage_queries import report_engagement
from analyzer.model import LAST_MONTH_DAYS, ReportData, SeatDiff, Settings
from analyzer.store.folder import Store
from analyzer.timeline.diff import diff_snapshots
from analyzer.timeline.figures import (
    activation,
    idle_buckets,
    summarize,
    surface_mix,
)
from analyzer.timeline.quality import find_issues
from analyzer.timeline.seats import (
    breakdowns,
    check_first_list,
    follow_through,
    reclaim_list,
    seat_table,
)


def definitions(settings: Settings) -> tuple[tuple[str, str], ...]:
    """Return every definition and assumption behind the figures, for the report footer."""
    prices = ", ".join(
        f"{plan} {price:g} {settings.currency}" for plan, price in sorted(settings.prices.items())
    )
    return (
        (
            "run",
            "the unbroken sequence of snapshots, ending at this one, in which the login "
            "holds a seat; a seat that disappears and returns starts a new run",
        ),
        (
            "known activity",
            "the latest last-activity seen in any snapshot of the run (so "
            "activity GitHub dropped after 90 days is still known); for an "
            "enterprise, the latest over all the login's org rows; a date "
            "without time counts as 00:00 UTC",
        ),
        (
            "active",
            f"known activity no more than {settings.stale_days} x 24 h before the snapshot time",
        ),
        (
            "stale",
            f"known activity more than {settings.stale_days} x 24 h before the snapshot time",
        ),
        (
            "new",
            f"no known activity, and the seat was granted (API created_at) less than "
            f"{settings.grace_days} x 24 h ago, or, without created_at, its run began "
            f"after the scope's first snapshot less than {settings.grace_days} x 24 h ago",
        ),
        (
            "never active",
            "no known activity and not new; in the scope's first snapshot this also holds "
            "seats idle for more than 90 days, so that snapshot labels them 'no activity in "
            "GitHub's 90-day window'",
        ),
        (
            "pending cancellation",
            "the seat leaves at the end of the cycle (usage report "
            "Status, or the API's pending_cancellation_date)",
        ),
        (
            "known sign-in",
            "the latest Last Authenticated At (API last_authenticated_at) seen in the seat's "
            "current run (for an enterprise, over all the login's org rows), carried like "
            "known activity",
        ),
        (
            "signed in recently",
            f"known sign-in no more than {settings.stale_days} x 24 h before the snapshot time",
        ),
        (
            "reclaim candidate",
            "stale or never active, not pending cancellation, not excluded by configuration, "
            "and not signed in recently",
        ),
        (
            "check first",
            "stale or never active, not pending cancellation, not excluded, and signed in "
            "recently; listed apart from the reclaim candidates (signed in, no activity "
            "reported: Copilot telemetry may be off; ask before removing) and never in the "
            "remove-seats API body",
        ),
        ("idle days", "whole days between known activity and the snapshot time"),
        (
            "cost",
            f"every distinct login is one billed seat (a user in several orgs of an "
            f"enterprise is billed once, Enterprise over Business) at its plan's price "
            f"per month: {prices}; default plan {settings.default_plan}",
        ),
        ("idle cost", "the cost of the stale and never-active seats"),
        (
            "month",
            "a month's state is its latest snapshot (UTC), compared with the latest "
            "snapshot of the previous month that has one; when that snapshot is more than "
            f"{LAST_MONTH_DAYS} days older, the comparison says there was no snapshot last "
            "month and names its date",
        ),
        (
            "potential savings",
            "the monthly cost of the reclaim candidates, from the next billing cycle: GitHub "
            "bills a removed seat to the end of its cycle, with no refund",
        ),
    )


def _alias(login: str) -> str:
    return "user-" + hashlib.sha256(login.encode("utf-8")).hexdigest()[:8]


def _mask(frame: pl.DataFrame) -> pl.DataFrame:
    logins = [c for c in ("login", "display_login") if c in frame.columns]
    if not logins:
        return frame
    alias = frame["login"].map_elements(_alias, return_dtype=pl.String)
    people = [c for c in ("name", "email", "manager") if c in frame.columns]
    return frame.with_columns(
        *[alias.alias(c) for c in logins],
        *[pl.lit(None, pl.String).alias(c) for c in people],
    )


def pseudonymize(data: ReportData) -> ReportData:
    """Return the report with every login replaced by a stable short hash, names removed."""
    changes = data.changes
    if changes is not None:
        changes = SeatDiff(
            changes.scope,
            changes.from_as_of,
            changes.to_as_of,
            _mask(changes.added),
            _mask(changes.removed),
            _mask(changes.transitions),
            _mask(changes.moves),
        )
    engagement = data.engagement
    if engagement is not None:
        engagement = dataclasses.replace(
            engagement,
            seats=_mask(engagement.seats),
            light_use=_mask(engagement.light_use),
        )
    return dataclasses.replace(
        data,
        engagement=engagement,
        seats=_mask(data.seats),
        reclaim=_mask(data.reclaim),
        check_first=_mask(data.check_first),
        changes=changes,
        bill=pseudonymize_bill(data.bill, _mask, _alias) if data.bill else None,
        forecast=(
            dataclasses.replace(data.forecast, users=_mask(data.forecast.users))
            if data.forecast
            else None
        ),
        pseudonymized=True,
    )


def build_report_data(
    store: Store,
    scope: str | None,
    month: str | None,
    settings: Settings,
    now: datetime,
    *,
    anonymous: bool = False,
) -> ReportData:
    """Compute the monthly report of a scope (default: the month of its latest snapshot)."""
    scope, infos = scope_snapshots(store, scope)
    k, k_prev = pick_month(infos, month)
    timeline = stored_timeline(store, infos, k, settings)
    history = stored_history(store, timeline, infos)
    people = people_of(store, settings, scope, infos[k].as_of + MONTH)
    seats = seat_table(timeline, k, people)
    bill, billing_months = report_bill(store, scope, infos, month_of(infos[k]), settings)
    data = ReportData(
        scope=scope,
        month=month_of(infos[k]),
        current=summarize(timeline, k),
        previous=summarize(timeline, k_prev) if k_prev is not None else None,
        current_snapshot=infos[k],
        previous_snapshot=infos[k_prev] if k_prev is not None else None,
        generated_at=now,
        tool_version=__version__,
        settings=settings,
        history=history,
        surface_mix=surface_mix(history),
        idle_buckets=idle_buckets(timeline, k),
        activation=activation(timeline, k),
        seats=seats,
        reclaim=reclaim_list(seats),
        check_first=check_first_list(seats),
        changes=diff_snapshots(timeline, k_prev, k) if k_prev is not None else None,
        follow_through=follow_through(timeline, k_prev, k),
        breakdowns=breakdowns(seats, people is not None),
        findings=find_issues(timeline, k, now),
        sources=tuple(infos[: k + 1]),
        definitions=definitions(settings),
        engagement=report_engagement(store, timeline, k, seats),
        bill=bill,
        billing_months=billing_months,
        # next month's estimate, beside the latest snapshot only
        forecast=report_forecast(store, scope, settings) if k == len(infos) - 1 else None,
    )
    return pseudonymize(data) if anonymous else data
