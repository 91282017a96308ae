"""The usage-metrics questions: the `usage` table, and engagement beside status/reclaim/history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from analyzer.answers.scope import scope_snapshots, stored_timeline
from analyzer.answers.usage_engagement import STALE_USAGE_DAYS
from analyzer.errors import SelectionError
from analyzer.metering.usage import (
    Coverage,
    month_coverage,
    month_days,
    seat_usage,
    tier_counts,
    usage_findings,
)
from analyzer.model import Finding, Settings, SnapshotInfo
from analyzer.reading.usage_schema import AGGREGATE
from analyzer.store.folder import Store
from analyzer.store.usage import UsageStore
from analyzer.timeline.build import Timeline
from analyzer.timeline.seats import seat_table
from analyzer.times import iso


def usage_store(store: Store) -> UsageStore:
    """Return the usage-metrics view of a store folder."""
    return UsageStore(store.root)


def usage_scope(store: Store, scope: str | None) -> str:
    """Return the scope asked for (or the only one with usage data)."""
    scopes = sorted({p.scope for p in usage_store(store).parts()})
    if not scopes:
        raise SelectionError(
            f"the store {store.root} holds no usage-metrics data yet; run "
            "`copilot-seats ingest FILE --scope S` with a users-28-day or users-1-day report"
        )
    if scope is None:
        if len(scopes) > 1:
            raise SelectionError(f"pass --scope with one of: {', '.join(scopes)}")
        return scopes[0]
    if scope.lower() not in scopes:
        raise SelectionError(f"no usage-metrics data for {scope!r}; there is: {', '.join(scopes)}")
    return scope.lower()


@dataclass(frozen=True)
class UsageAnswer:
    """The answer to `usage`: one row per seat of the month, with coverage and findings."""

    scope: str
    month: str
    coverage: Coverage
    snapshot: SnapshotInfo | None  # the seat snapshot the seats come from
    table: pl.DataFrame
    tiers: dict[str, int] | None
    findings: tuple[Finding, ...]
    light_use: pl.DataFrame  # active seats in the occasional tier: login, display_login, days, cost


def _snapshot_for(
    store: Store, scope: str, settings: Settings, last: date, window_end: date | None
) -> Timeline | None:
    """Return the timeline up to the seat snapshot that best matches the usage window.

    That is the first snapshot taken within STALE_USAGE_DAYS after the window's end (its
    states describe the same weeks), else the latest one on or before the month's last day.
    """
    try:
        _, infos = scope_snapshots(store, scope)
    except SelectionError:
        return None
    chosen = [i for i in infos if i.as_of.date() <= last]
    if window_end is not None:
        after = [
            n
            for n, i in enumerate(infos)
            if 0 <= (i.as_of.date() - window_end).days <= STALE_USAGE_DAYS
        ]
        if after:
            chosen = infos[: after[0] + 1]
    return stored_timeline(store, infos, len(chosen) - 1, settings) if chosen else None


def get_usage(
    store: Store, scope: str | None, month: str | None, settings: Settings
) -> UsageAnswer:
    """Return every seat's engagement in a month (default: the latest month with usage data)."""
    scope = usage_scope(store, scope)
    usage = usage_store(store)
    covered = usage.coverage(scope)
    months = sorted({d.strftime("%Y-%m") for d in covered})
    month = month or (months[-1] if months else None)
    if not covered and usage.scope_parts(scope, AGGREGATE):
        raise SelectionError(
            f"the usage data of {scope} is aggregate only (active-user counts per day), which "
            "names no user: per-seat usage needs the per-user reports (users-1-day or "
            "users-28-day); ingest one of those"
        )
    if month is None or month not in months:
        raise SelectionError(
            f"no usage data of {scope} covers {month}; months covered: {', '.join(months)}"
        )
    coverage = month_coverage(month, covered)
    first, last = month_days(month)[0], month_days(month)[-1]
    start = min(first, coverage.window.start) if coverage.window else first
    days = usage.days(scope, start, last)
    breakdowns = usage.breakdowns(scope, first, last, ("ide", "language"))  # the tops
    aliases = usage.logins(scope, last)
    timeline = _snapshot_for(
        store, scope, settings, last, coverage.window.end if coverage.window else None
    )
    if timeline is not None:
        seats = seat_table(timeline, timeline.last, None)
        snapshot: SnapshotInfo | None = timeline.snapshots[-1]
    else:  # no seat report yet: the users the usage data names
        seats = _usage_only_seats(aliases)
        snapshot = None
    table = seat_usage(seats, days, breakdowns, aliases, coverage).join(
        seats.select("login", "state", "monthly_cost"), on="login", how="left"
    )
    window = coverage.window
    usage_days = table.select("login", pl.col("window_days").fill_null(0).alias("usage_days"))
    findings = usage_findings(seats, usage_days, window, coverage) if timeline else []
    light = table.filter((pl.col("tier") == "occasional") & (pl.col("state") == "active")).select(
        "login", "display_login", pl.col("window_days").alias("days"), "monthly_cost"
    )
    return UsageAnswer(
        scope, month, coverage, snapshot, table, tier_counts(table), tuple(findings), light
    )


def _usage_only_seats(aliases: pl.DataFrame) -> pl.DataFrame:
    latest = aliases.sort("last_day", descending=True).unique("user_id", keep="first")
    return latest.select(
        "login",
        pl.col("login").alias("display_login"),
        pl.lit(None, pl.String).alias("state"),
        pl.lit(None, pl.Float64).alias("monthly_cost"),
    ).sort("login")


USAGE_FIELDS = (
    "login",
    "state",
    "days_active",
    "days_chat",
    "days_agent",
    "days_cli",
    "days_code_review",
    "interactions",
    "acceptances",
    "lines_added",
    "credits_used",
    "top_ide",
    "top_language",
    "window_days",
    "tier",
    "covered_days",
    "monthly_cost",
)


def usage_head(answer: UsageAnswer, currency: str) -> dict[str, Any]:
    """Return the `usage --json` object without its `rows` (one object per seat)."""
    window = answer.coverage.window
    return {
        "scope": answer.scope,
        "month": answer.month,
        "snapshot": iso(answer.snapshot.as_of) if answer.snapshot is not None else None,
        "covered_days": len(answer.coverage.covered),
        "missing_days": [d.isoformat() for d in answer.coverage.missing],
        "window": None
        if window is None
        else {
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
            "missing_days": window.missing,
            "complete": window.complete,
        },
        "tiers": answer.tiers,
        "currency": currency,
    }


def usage_rows(answer: UsageAnswer) -> list[dict[str, Any]]:
    """Return the `usage --json` rows: one object per seat, sorted by login."""
    table = answer.table.with_columns(pl.col("display_login").alias("login"))
    return table.select(USAGE_FIELDS).to_dicts()
