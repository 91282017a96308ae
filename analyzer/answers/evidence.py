"""Usage-metrics evidence beside a seat snapshot: reclaim sharpened, tiers, light use.

One rule for every surface: the window is the 28 days ending at the last covered day on or
before the snapshot, not used when it ends more than STALE_USAGE_DAYS before it
(`usage_engagement.window_for`); a reclaim candidate with a day of use in it is check first.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from analyzer.answers.usage_engagement import (
    build_engagement,
    light_use,
    seat_figures,
    stale_note,
    tiers_over_time,
    window_for,
)
from analyzer.answers.usage_queries import usage_store
from analyzer.metering.usage import (
    TIERS,
    Window,
    month_coverage,
    sharpen_reclaim,
    tier_counts,
    usage_findings,
    window_days_for,
)
from analyzer.model import EngagementData, Finding, SnapshotSummary
from analyzer.store.folder import Store
from analyzer.store.usage import UsageStore
from analyzer.timeline.build import Timeline
from analyzer.timeline.seats import seat_table


@dataclass(frozen=True)
class Engagement:
    """Usage-metrics evidence beside one seat snapshot: tiers, findings, sharpened reclaim."""

    window: Window | None  # the 28 days ending at the last covered day on or before it
    note: str  # what the window is, or why there is none
    tiers: dict[str, int] | None  # None unless the window is fully covered
    summary: SnapshotSummary  # the snapshot's figures with reclaim sharpened
    seats: pl.DataFrame  # seat table with usage_days, check_first_usage
    findings: tuple[Finding, ...]
    light_use: int  # active seats in the occasional tier
    light_use_monthly_cost: float
    moved_to_check_first: int  # reclaim candidates the usage records show at work


def _resummarize(summary: SnapshotSummary, seats: pl.DataFrame) -> SnapshotSummary:
    """Return the summary with reclaim and check-first counts taken from `seats`."""

    def cost(mask: str) -> float:
        return float(seats.filter(pl.col(mask))["monthly_cost"].sum() or 0.0)

    return dataclasses.replace(
        summary,
        reclaim_candidates=int(seats["reclaim"].sum()),
        reclaimable_monthly_cost=cost("reclaim"),
        check_first=int(seats["check_first"].sum()),
        check_first_monthly_cost=cost("check_first"),
    )


@dataclass(frozen=True)
class UsageEvidence:
    """The usage records' days of use per seat over the window that describes a snapshot."""

    window: Window
    covered: set[date]  # every day a stored usage file covers
    usage_days: pl.DataFrame  # login, usage_days: days with a record in the window
    days: pl.DataFrame  # the window's user-day records
    aliases: pl.DataFrame  # user_id, login, last_day: the logins each user had


def usage_evidence(
    usage: UsageStore,
    scope: str,
    day: date,
    logins: pl.Series,
    covered: set[date] | None = None,
) -> UsageEvidence | str | None:
    """Return the usage evidence for a snapshot taken on `day` with these seat logins.

    None when the scope has no usage data; the reason (a note) when its data ends more than
    STALE_USAGE_DAYS before `day`. This is the one rule every surface follows. `covered`
    (the scope's covered days) spares reading them again.
    """
    if covered is None:
        if not usage.scope_parts(scope):
            return None
        covered = usage.coverage(scope)
    window = window_for(covered, day)
    if window is None:
        return stale_note(covered)
    aliases = usage.logins(scope, window.end)
    days = usage.days(scope, window.start, window.end)
    usage_days = window_days_for(days, logins, aliases)
    return UsageEvidence(window, covered, usage_days, days, aliases)


def engagement_at(
    store: Store,
    timeline: Timeline,
    k: int,
    summary: SnapshotSummary,
    seats: pl.DataFrame | None = None,
) -> Engagement | None:
    """Return the usage evidence for snapshot k, or None when the scope has no usage data."""
    scope = timeline.snapshots[k].scope
    usage = usage_store(store)
    if not usage.scope_parts(scope):
        return None
    seats = seat_table(timeline, k, None) if seats is None else seats
    evidence = usage_evidence(usage, scope, timeline.snapshots[k].as_of.date(), seats["login"])
    if not isinstance(evidence, UsageEvidence):
        # No window: each seat's usage days are unknown (null), and none moves to check first.
        unknown = seats.with_columns(
            pl.lit(None, pl.Int64).alias("usage_days"), pl.lit(False).alias("check_first_usage")
        )
        return Engagement(None, str(evidence), None, summary, unknown, (), 0, 0.0, 0)
    window, usage_days = evidence.window, evidence.usage_days
    sharpened = sharpen_reclaim(seats, usage_days)
    coverage = month_coverage(window.end.strftime("%Y-%m"), evidence.covered)
    findings = usage_findings(seats, usage_days, window, coverage)
    # The page's functions: the tiers and light use status prints are the page's.
    figures = seat_figures(seats["login"], evidence.days, evidence.aliases, window.complete)
    light = light_use(seats, figures)
    return Engagement(
        window,
        window.describe(),
        tier_counts(figures) if window.complete else None,
        _resummarize(summary, sharpened),
        sharpened,
        tuple(findings),
        light.height,
        float(light["monthly_cost"].sum() or 0.0),
        int(sharpened["check_first_usage"].sum()),
    )


def engagement_json(engagement: Engagement | None) -> dict[str, Any] | None:
    """Return the `engagement` object of status/reclaim JSON (None without usage data)."""
    if engagement is None:
        return None
    w = engagement.window
    return {
        "window_start": w.start.isoformat() if w else None,
        "window_end": w.end.isoformat() if w else None,
        "window_complete": bool(w and w.complete),
        "note": engagement.note,
        "tiers": engagement.tiers,
        "light_use": engagement.light_use,
        "light_use_monthly_cost": round(engagement.light_use_monthly_cost, 2),
        "moved_to_check_first": engagement.moved_to_check_first,
    }


def engagement_lines(engagement: Engagement | None, currency: str) -> list[str]:
    """Return the text lines status prints about engagement (none without usage data)."""
    if engagement is None:
        return []
    lines = [f"{'Engagement window':<22}{engagement.note}"]
    if engagement.tiers is not None:
        tiers = ", ".join(f"{t} {engagement.tiers[t]:,}" for t in TIERS)
        lines.append(f"{'  tiers':<22}{tiers}")
        lines.append(
            f"{'  light use':<22}{engagement.light_use:,} active seats on 1-3 days "
            f"({engagement.light_use_monthly_cost:,.2f} {currency} a month)"
        )
    if engagement.moved_to_check_first:
        lines.append(
            f"{'  used, not idle':<22}{engagement.moved_to_check_first:,} idle seats with usage "
            "days moved from reclaim to check first"
        )
    return lines


def history_engagement(store: Store, timeline: Timeline) -> pl.DataFrame | None:
    """Return per snapshot (as_of) the seats per tier over its window; None without usage data.

    Tiers are null for a snapshot whose window is not fully covered (or has no usage data);
    the same function (`tiers_over_time`) draws the page's and the workbook's tier trend.
    """
    usage = usage_store(store)
    if not usage.scope_parts(timeline.scope):
        return None
    tiers = tiers_over_time(
        usage,
        timeline.scope,
        [info.as_of for info in timeline.snapshots],
        lambda k: next(timeline.each([k]))[1]["login"],
        usage.coverage(timeline.scope),
    )
    return tiers.rename({tier: f"tier_{tier}" for tier in TIERS})


def sharpened_history(store: Store, timeline: Timeline, table: pl.DataFrame) -> pl.DataFrame:
    """Return the history table with each snapshot's reclaim candidates sharpened by usage.

    The same rule as `status` and `reclaim` (`usage_evidence`, `sharpen_reclaim`): a
    candidate with days of use in its snapshot's window is not a reclaim candidate. Kept
    history rows hold the seat history's figures only, so usage files ingested later are
    always taken into account here.
    """
    usage = usage_store(store)
    if not usage.scope_parts(timeline.scope):
        return table
    covered = usage.coverage(timeline.scope)
    plans = list(timeline.settings.prices)
    moved: dict[str, list[object]] = {"as_of": [], "_moved": []}
    moved.update({f"_moved_{plan}": [] for plan in plans})
    for k, info in enumerate(timeline.snapshots):
        if window_for(covered, info.as_of.date()) is None:
            continue  # usage_evidence would find none: skip reading the snapshot's seats
        seats = next(timeline.each([k]))[1].select("login", "reclaim", "check_first", "plan")
        evidence = usage_evidence(usage, timeline.scope, info.as_of.date(), seats["login"], covered)
        if not isinstance(evidence, UsageEvidence):
            continue
        gone = sharpen_reclaim(seats, evidence.usage_days).filter("check_first_usage")
        moved["as_of"].append(info.as_of)
        moved["_moved"].append(gone.height)
        for plan in plans:
            moved[f"_moved_{plan}"].append(int((gone["plan"] == plan).sum()))
    if not moved["as_of"]:
        return table
    schema: dict[str, pl.DataType] = {"as_of": pl.Datetime("us", "UTC")}
    schema.update({key: pl.Int64() for key in moved if key != "as_of"})
    counts = pl.DataFrame(moved, schema=schema)
    columns = {"reclaim_candidates": "_moved", **{f"reclaim_{p}": f"_moved_{p}" for p in plans}}
    return (
        table.join(counts, on="as_of", how="left")
        .with_columns(
            (pl.col(column) - pl.col(by).fill_null(0)).cast(pl.Int64).alias(column)
            for column, by in columns.items()
            if column in table.columns
        )
        .drop(counts.columns[1:])
    )


def with_history_engagement(store: Store, timeline: Timeline, table: pl.DataFrame) -> pl.DataFrame:
    """Return the history table with the tier columns added when usage data exists."""
    tiers = history_engagement(store, timeline)
    if tiers is None:
        return table
    return table.join(tiers, on="as_of", how="left")


def report_engagement(
    store: Store, timeline: Timeline, k: int, seats: pl.DataFrame
) -> EngagementData | None:
    """Return the report's engagement figures for snapshot k; None without usage data."""
    times = [info.as_of for info in timeline.snapshots[: k + 1]]
    return build_engagement(
        usage_store(store),
        timeline.snapshots[k].scope,
        seats,
        times,
        lambda i: next(timeline.each([i]))[1]["login"],
    )
