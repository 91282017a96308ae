"""Compute everything a monthly report shows, once, into a ReportData both writers lay out."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import datetime

import polars as pl

from analyzer import __version__
from analyzer.answers.backtest import report_backtest
from analyzer.answers.bill_report import pseudonymize_bill, report_bill
from analyzer.answers.evidence import report_engagement
from analyzer.answers.figures import (
    history_of,
    previous_figures,
    seat_lists,
    snapshot_figures,
    status_json,
)
from analyzer.answers.forecast_report import report_forecast
from analyzer.answers.people import MONTH, people_of
from analyzer.answers.queries import Reclaim
from analyzer.answers.scope import default_month, pick_month, scope_snapshots, stored_timeline
from analyzer.model import LAST_MONTH_DAYS, Finding, ReportData, SeatDiff, Settings
from analyzer.store.folder import Store
from analyzer.timeline.diff import diff_snapshots
from analyzer.timeline.figures import activation, idle_buckets, surface_mix
from analyzer.timeline.quality import FROZEN_DAYS, FROZEN_MIN_SEATS
from analyzer.timeline.seats import breakdowns, seat_table

SHARPENED = (
    "reclaim, sharpened",
    "with usage-metrics files in the store, a stale or never-active seat with days "
    "active in the 28 days ending at the last covered day on or before the snapshot "
    "(not used when they end more than 7 days before it) is moved from the reclaim "
    "candidates to check first; every figure, list and cost here counts it there",
)


def definitions(settings: Settings, *, usage: bool = False) -> tuple[tuple[str, str], ...]:
    """Return every definition and assumption behind the figures, for the report footer.

    With `usage` (the scope has usage-metrics data), how it sharpens reclaim too.
    """
    return _definitions(settings) + ((SHARPENED,) if usage else ())


def _definitions(settings: Settings) -> tuple[tuple[str, str], ...]:
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
        (
            "came back",
            "in the Reclaim section's backtest: a reclaim candidate of a snapshot, under a "
            "threshold, whose seat shows activity reported after that snapshot's time at the "
            "next snapshot; removed: no longer seated then; stayed idle: the rest",
        ),
        (
            "idle cost saved",
            "the seat cost of a threshold's candidates that stayed idle until the next "
            "snapshot: each plan's monthly price times the months (of 30.44 days) between "
            "the two snapshots",
        ),
        (
            "frozen activity",
            f"no seat of a snapshot shows activity in the {FROZEN_DAYS} days before its time "
            f"(judged with at least {FROZEN_MIN_SEATS} seats that ever showed activity): "
            "reclaim figures from that snapshot may be overstated",
        ),
    )


def _alias(login: str) -> str:
    return "user-" + hashlib.sha256(login.encode("utf-8")).hexdigest()[:8]


def _pattern_alias(pattern: str) -> str:
    # A pattern such as `ann*` names people too: shown as a stable hash, like a login.
    return "pattern-" + hashlib.sha256(pattern.encode("utf-8")).hexdigest()[:8]


def login_alias(login: str) -> str:
    """Return the stable short hash that stands for a login in pseudonymized output."""
    return _alias(login)


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


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


def _mask_findings(findings: tuple[Finding, ...], logins: set[str]) -> tuple[Finding, ...]:
    """Return the findings with every login their messages name replaced by its alias."""

    def alias(match: re.Match[str]) -> str:
        word = match.group(0)
        return _alias(word.lower()) if word.lower() in logins else word

    return tuple(dataclasses.replace(f, message=_WORD.sub(alias, f.message)) for f in findings)


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
    logins = set(data.seats["login"].to_list())
    findings = _mask_findings(data.findings, logins)
    figures = data.figures
    if figures:
        masked = _mask_findings(tuple(Finding(**f) for f in figures["findings"]), logins)
        figures = {**figures, "findings": [dataclasses.asdict(f) for f in masked]}
    settings = dataclasses.replace(
        data.settings,
        exclude_logins=tuple(sorted(_alias(login) for login in data.settings.exclude_logins)),
        exclude_patterns=tuple(_pattern_alias(p) for p in data.settings.exclude_patterns),
    )
    return dataclasses.replace(
        data,
        settings=settings,
        findings=findings,
        figures=figures,
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
    """Compute the monthly report of a scope (default: the month just closed, see pick_month)."""
    scope, infos = scope_snapshots(store, scope)
    k, k_prev = pick_month(infos, month)
    month = month or default_month(infos)
    timeline = stored_timeline(store, infos, k, settings)
    history = history_of(store, timeline, infos)
    people = people_of(store, settings, scope, infos[k].as_of + MONTH)
    table = seat_table(timeline, k, people)
    figures = snapshot_figures(
        store,
        timeline,
        k,
        now,
        table,
        later_stored=k < len(infos) - 1,
        month=month,
        net_savings=True,
    )
    seats = figures.seats if figures.seats is not None else table
    reclaim, check_first = seat_lists(figures)
    previous, follow = previous_figures(store, timeline, k_prev, figures, None)
    bill, billing_months = report_bill(store, scope, infos, month, settings)
    data = ReportData(
        scope=scope,
        month=month,
        current=figures.summary,
        previous=previous.summary if previous is not None else None,
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
        reclaim=reclaim,
        check_first=check_first,
        changes=diff_snapshots(timeline, k_prev, k) if k_prev is not None else None,
        follow_through=follow,
        breakdowns=breakdowns(seats, people is not None),
        findings=figures.findings,
        sources=tuple(infos[: k + 1]),
        definitions=definitions(settings, usage=figures.engagement is not None),
        engagement=report_engagement(store, timeline, k, seats),
        bill=bill,
        billing_months=billing_months,
        figures=status_json(figures),
        backtest=report_backtest(store, timeline, k),
        # next month's estimate, beside the latest snapshot only
        forecast=(
            report_forecast(
                store,
                scope,
                settings,
                Reclaim(
                    figures.summary, reclaim, check_first, follow, seats, k == 0, figures.engagement
                ),
            )
            if k == len(infos) - 1
            else None
        ),
    )
    return pseudonymize(data) if anonymous else data
