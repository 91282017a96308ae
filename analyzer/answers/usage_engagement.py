"""The report's engagement figures: tiers over time, days active, features, light use.

Everything here follows one rule: a day no stored usage-metrics file covers is unknown, never
a day without use. Per-seat figures and tiers are null unless the whole 28-day window is
covered; counts of users per feature, IDE, language or model are counted over the covered
days only, and say so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import polars as pl

from analyzer.metering.usage import (
    WINDOW_DAYS,
    Window,
    aggregate_active_users,
    completion_counts,
    match_users,
    record_active_users,
    tier_counts,
    tier_expr,
)
from analyzer.model import ENGAGEMENT_TIERS, EngagementData
from analyzer.model_parts import ActiveUse
from analyzer.store.usage import UsageStore
from analyzer.times import describe_days

AGGREGATE_NOTE = "the aggregate report"
RECORDS_NOTE = "per-user records"
TOP_KEYS = 10  # languages and models listed on the page and in the workbook
# Usage data ending more than this many days before a snapshot says nothing about it.
STALE_USAGE_DAYS = 7

_KEY_SCHEMA = {
    "key": pl.String,
    "users": pl.Int64,
    "user_days": pl.Int64,
    "interactions": pl.Int64,
}
SEAT_FIGURES: dict[str, pl.DataType] = {
    "days_active": pl.Int64(),
    "tier": pl.String(),
    "days_chat": pl.Int64(),
    "days_agent": pl.Int64(),
    "days_cli": pl.Int64(),
    "credits_used": pl.Float64(),
}


def describe_coverage(covered: set[date]) -> str:
    """Return `usage data covers 2026-10-01..2026-10-28; 3 days missing` (gaps inside)."""
    if not covered:
        return "no usage data is stored"
    span = (max(covered) - min(covered)).days + 1
    missing = span - len(covered)
    tail = "every day covered" if not missing else f"{missing:,} days missing"
    if missing == 1:
        tail = "1 day missing"
    return f"usage data covers {describe_days(covered)}; {tail}"


def window_for(covered: set[date], day: date) -> Window | None:
    """Return the 28 days ending at the last covered day on or before `day`, if recent."""
    ends = [d for d in covered if d <= day]
    if not ends or (day - max(ends)).days > STALE_USAGE_DAYS:
        return None
    end = max(ends)
    start = end - timedelta(days=WINDOW_DAYS - 1)
    missing = sum(start + timedelta(days=n) not in covered for n in range(WINDOW_DAYS))
    return Window(start, end, missing)


def stale_note(covered: set[date]) -> str:
    """Say why a snapshot has no usage window: the usage data ends too long before it."""
    ends = max(covered).isoformat() if covered else "-"
    return (
        f"usage data (to {ends}) does not reach the {STALE_USAGE_DAYS} days before "
        "this snapshot: engagement unknown"
    )


def seat_figures(
    seats: pl.Series, days: pl.DataFrame, aliases: pl.DataFrame, complete: bool
) -> pl.DataFrame:
    """Return login -> SEAT_FIGURES over the window's day rows; all null unless `complete`.

    A seat without a record in a fully covered window used Copilot on 0 days; its credits
    are 0 only when the window's records carry credits at all, else unknown.
    """
    per_user = days.group_by("user_id").agg(
        pl.col("day").n_unique().cast(pl.Int64).alias("days_active"),
        *[
            pl.col("day").filter(pl.col(f"used_{s}")).n_unique().cast(pl.Int64).alias(f"days_{s}")
            for s in ("chat", "agent", "cli")
        ],
        pl.when(pl.col("credits").is_null().any())
        .then(None)
        .otherwise(pl.col("credits").sum())
        .alias("credits_used"),
    )
    has_credits = bool(days.height and days["credits"].is_not_null().any())
    joined = match_users(seats, aliases).join(per_user, on="user_id", how="left")
    known = pl.lit(complete)
    counts = ["days_active", "days_chat", "days_agent", "days_cli"]
    credits = (
        pl.when(known & pl.col("days_active").is_not_null())
        .then(pl.col("credits_used"))
        .when(known & pl.lit(has_credits))
        .then(pl.lit(0.0))
        .otherwise(pl.lit(None, pl.Float64))
    )
    return (
        joined.with_columns(
            *[pl.when(known).then(pl.col(c).fill_null(0)).alias(c) for c in counts],
            credits.alias("credits_used"),
        )
        .with_columns(tier_expr(pl.col("days_active")).alias("tier"))
        .select("login", *SEAT_FIGURES)
        .cast(SEAT_FIGURES)  # type: ignore[arg-type]
    )


def key_counts(breakdowns: pl.DataFrame, kind: str, limit: int | None = None) -> pl.DataFrame:
    """Return users, user-days and prompts per key of one breakdown kind, most users first."""
    rows = breakdowns.filter(pl.col("kind") == kind)
    table = (
        rows.group_by("key")
        .agg(
            pl.col("user_id").n_unique().alias("users"),
            pl.struct("user_id", "day").n_unique().alias("user_days"),
            pl.col("interactions").sum(),
        )
        .sort(["users", "key"], descending=[True, False])
        .cast(_KEY_SCHEMA)  # type: ignore[arg-type]
    )
    return table.head(limit) if limit else table


def distribution(figures: pl.DataFrame) -> pl.DataFrame:
    """Return seats per days-active value 0-28 with its tier (empty when unknown)."""
    known = figures.filter(pl.col("days_active").is_not_null())
    schema = {"days": pl.Int64, "tier": pl.String, "seats": pl.Int64}
    if known.is_empty():
        return pl.DataFrame(schema=schema)
    counts = dict(known.group_by("days_active").len().iter_rows())
    frame = pl.DataFrame(
        {"days": list(range(WINDOW_DAYS + 1))}, schema={"days": pl.Int64}
    ).with_columns(
        tier_expr(pl.col("days")).alias("tier"),
        pl.col("days").replace_strict(counts, default=0, return_dtype=pl.Int64).alias("seats"),
    )
    return frame.cast(schema)  # type: ignore[arg-type]


def tiers_over_time(
    usage: UsageStore,
    scope: str,
    times: list[datetime],
    logins: Callable[[int], pl.Series],
    covered: set[date],
) -> pl.DataFrame:
    """Return per snapshot time the seats per tier, null when its window is not covered.

    `logins(k)` returns the seats of snapshot k; it is read only for covered windows.
    """
    rows = []
    for k, as_of in enumerate(times):
        counts: dict[str, int | None] = dict.fromkeys(ENGAGEMENT_TIERS)
        window = window_for(covered, as_of.date())
        if window is not None and window.complete:
            days = usage.days(scope, window.start, window.end)
            aliases = usage.logins(scope, window.end)
            figures = seat_figures(logins(k), days, aliases, True)
            counts.update(tier_counts(figures) or {})
        rows.append({"as_of": as_of, **counts})
    schema: dict[str, pl.DataType] = {"as_of": pl.Datetime("us", "UTC")}
    schema.update({tier: pl.Int64() for tier in ENGAGEMENT_TIERS})
    return pl.DataFrame(rows, schema=schema)


def light_use(seats: pl.DataFrame, figures: pl.DataFrame) -> pl.DataFrame:
    """Return the active seats in the occasional tier, costliest first, then by login."""
    joined = seats.join(figures, on="login", how="inner")
    return (
        joined.filter((pl.col("tier") == "occasional") & (pl.col("state") == "active"))
        .select(
            "login",
            "display_login",
            pl.col("days_active").alias("days"),
            "orgs",
            "team",
            "plan",
            "monthly_cost",
        )
        .sort(["monthly_cost", "days", "login"], descending=[True, False, False])
    )


def active_use(
    usage: UsageStore,
    scope: str,
    window: Window,
    days: pl.DataFrame,
    breakdowns: pl.DataFrame,
    covered: set[date],
) -> ActiveUse:
    """Return the window's active users and code completion's acceptance rate.

    The aggregate report's own active-user counts (GitHub's dashboard figures) are used
    where it gives them; otherwise users with a record are counted. Each figure is None
    where the files do not give it.
    """
    reported = aggregate_active_users(usage.aggregate(scope), window.start, window.end)
    counted = record_active_users(days, covered, window.start, window.end)
    figures: list[float | int | None] = []
    sources: list[str] = []
    for given, count in zip(reported, counted, strict=True):
        figures.append(given if given is not None else count)
        known = given is not None or count is not None
        sources.append("" if not known else AGGREGATE_NOTE if given is not None else RECORDS_NOTE)
    acceptances, generations = completion_counts(breakdowns)
    daily, weekly = figures
    return ActiveUse(
        daily_active_users=None if daily is None else round(daily, 1),
        weekly_active_users=None if weekly is None else int(weekly),
        daily_from=sources[0],
        weekly_from=sources[1],
        acceptances=acceptances,
        generations=generations,
    )


def build_engagement(
    usage: UsageStore,
    scope: str,
    seats: pl.DataFrame,
    times: list[datetime],
    logins: Callable[[int], pl.Series],
) -> EngagementData | None:
    """Return the engagement figures of the last snapshot of `times`; None without usage data.

    `seats` is that snapshot's seat table (login, display_login, state, orgs, team, plan,
    monthly_cost); `times` are the scope's snapshot times up to it, oldest first, and
    `logins(k)` the seats of snapshot k.
    """
    if not usage.scope_parts(scope):
        return None
    covered = usage.coverage(scope)
    window = window_for(covered, times[-1].date())
    tiers = tiers_over_time(usage, scope, times, logins, covered)
    empty_keys = pl.DataFrame(schema=_KEY_SCHEMA)
    if window is None:
        note = stale_note(covered)
        figures = seats.select("login").with_columns(
            *[pl.lit(None, dtype).alias(name) for name, dtype in SEAT_FIGURES.items()]
        )
        return EngagementData(
            describe_coverage(covered), None, None, 0, note, tiers, figures,
            distribution(figures), empty_keys, empty_keys, empty_keys, empty_keys,
            light_use(seats, figures), 0.0, None,
        )  # fmt: skip
    days = usage.days(scope, window.start, window.end)
    breakdowns = usage.breakdowns(scope, window.start, window.end)
    aliases = usage.logins(scope, window.end)
    figures = seat_figures(seats["login"], days, aliases, window.complete)
    light = light_use(seats, figures)
    return EngagementData(
        coverage=describe_coverage(covered),
        window_start=window.start,
        window_end=window.end,
        window_covered=WINDOW_DAYS - window.missing,
        note=window.describe(),
        tiers=tiers,
        seats=figures,
        days_active=distribution(figures),
        features=key_counts(breakdowns, "feature"),
        ides=key_counts(breakdowns, "ide"),
        languages=key_counts(breakdowns, "language", TOP_KEYS),
        models=key_counts(breakdowns, "model", TOP_KEYS),
        light_use=light,
        light_use_monthly_cost=float(light["monthly_cost"].sum() or 0.0),
        current_tiers=tier_counts(figures) if window.complete else None,
        activity=active_use(usage, scope, window, days, breakdowns, covered),
    )
