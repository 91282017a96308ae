"""How much each seat is really used, from usage-metrics day records: pure functions on frames.

Definitions (README "Definitions"):
- a seat's **days active** in a month: distinct UTC days of the month with a usage record;
- **coverage**: the days the stored per-user files report on; a day they do not cover is
  unknown, never a day without use;
- **engagement tier** over the 28 days ending at the last covered day (the window): daily
  (15 or more days active), weekly (4-14), occasional (1-3), none (0); null when a day of the
  window is not covered.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from analyzer.model import Finding
from analyzer.times import describe_days

TIERS: tuple[str, ...] = ("daily", "weekly", "occasional", "none")
WINDOW_DAYS = 28
SHOWN_LOGINS = 10  # logins named in a finding's message


def tier_of(days: int) -> str:
    """Return the engagement tier of a number of days active in a 28-day window."""
    if days >= 15:
        return "daily"
    if days >= 4:
        return "weekly"
    return "occasional" if days >= 1 else "none"


def tier_expr(days: pl.Expr) -> pl.Expr:
    """Return the tier of a days-active column, as a polars expression (null stays null)."""
    return (
        pl.when(days.is_null())
        .then(pl.lit(None, pl.String))
        .when(days >= 15)
        .then(pl.lit("daily"))
        .when(days >= 4)
        .then(pl.lit("weekly"))
        .when(days >= 1)
        .then(pl.lit("occasional"))
        .otherwise(pl.lit("none"))
    )


ACCEPTANCE_FEATURE = "code_completion"  # the feature whose acceptance rate GitHub leads with
WEEK_DAYS = 7


def completion_counts(breakdowns: pl.DataFrame) -> tuple[int | None, int | None]:
    """Return code completion's (acceptances, generations) over the breakdown rows given.

    Either is None (unknown, never 0) when a row of the feature lacks that count (files
    stored before acceptances were kept, or an entry without it) or no row has the feature:
    a sum over some of the days would pass for the whole window's.
    """
    rows = breakdowns.filter((pl.col("kind") == "feature") & (pl.col("key") == ACCEPTANCE_FEATURE))
    sums: list[int | None] = []
    for column in ("acceptances", "generations"):
        known = column in rows.columns and rows.height and not rows[column].null_count()
        sums.append(int(rows[column].sum()) if known else None)
    return sums[0], sums[1]


def record_active_users(
    days: pl.DataFrame, covered: set[date], start: date, end: date
) -> tuple[float | None, int | None]:
    """Return (daily, weekly) active users from per-user day records in [start, end].

    Daily: distinct users per covered day, averaged over the covered days (a covered day
    without a record counts 0 users: the files report on it). Weekly: distinct users in the
    last 7 days, known only when all 7 are covered.
    """
    inside = sorted(d for d in covered if start <= d <= end)
    if not inside:
        return None, None
    rows = days.filter(pl.col("day").is_between(start, end))
    per_day = dict(rows.group_by("day").agg(pl.col("user_id").n_unique()).iter_rows())
    daily = sum(int(per_day.get(d, 0)) for d in inside) / len(inside)
    week = [end - timedelta(days=n) for n in range(WEEK_DAYS)]
    weekly = None
    if all(d in covered for d in week):
        last = rows.filter(pl.col("day") >= week[-1])
        weekly = int(last["user_id"].n_unique())
    return daily, weekly


def aggregate_active_users(
    aggregate: pl.DataFrame, start: date, end: date
) -> tuple[float | None, int | None]:
    """Return (daily, weekly) active users from an aggregate report's rows in [start, end].

    Daily: `daily_active_users` averaged over the days that give it; weekly:
    `weekly_active_users` on the window's last day. None where the report lacks them.
    """
    if aggregate.is_empty():
        return None, None
    rows = aggregate.filter(pl.col("day").is_between(start, end))
    known = rows["daily_active_users"].drop_nulls()
    daily = float(known.mean()) if known.len() else None  # type: ignore[arg-type]
    last = rows.filter(pl.col("day") == end)["weekly_active_users"].drop_nulls()
    weekly = int(last[0]) if last.len() else None
    return daily, weekly


def month_days(month: str) -> list[date]:
    """Return every day of a `YYYY-MM` month."""
    year, number = (int(x) for x in month.split("-"))
    last = calendar.monthrange(year, number)[1]
    return [date(year, number, d) for d in range(1, last + 1)]


@dataclass(frozen=True)
class Window:
    """The 28 days ending at a last covered day, and whether every one of them is covered."""

    start: date
    end: date
    missing: int  # days of the window no file covers

    @property
    def complete(self) -> bool:
        """Return True when every day of the window is covered."""
        return self.missing == 0

    def describe(self) -> str:
        """Return e.g. `28 days 2026-10-01..2026-10-28` with a note when not fully covered."""
        text = f"28 days {self.start}..{self.end}"
        return text if self.complete else f"{text} ({self.missing} not covered: tiers unknown)"


def window_ending(covered: set[date], limit: date) -> Window | None:
    """Return the window ending at the last covered day on or before `limit`, or None."""
    ends = [d for d in covered if d <= limit]
    if not ends:
        return None
    end = max(ends)
    start = end - timedelta(days=WINDOW_DAYS - 1)
    missing = sum(start + timedelta(days=n) not in covered for n in range(WINDOW_DAYS))
    return Window(start, end, missing)


@dataclass(frozen=True)
class Coverage:
    """Which days of a month the usage files cover, and the month's tier window."""

    month: str
    covered: tuple[date, ...]  # covered days of the month
    missing: tuple[date, ...]  # days of the month not covered
    window: Window | None  # ending at the month's last covered day

    def describe(self) -> str:
        """Return `usage data covers 2026-10-01..2026-10-28; 3 days missing`."""
        if not self.covered:
            return f"no usage data covers {self.month}"
        runs = describe_days(self.covered)
        missing = len(self.missing)
        tail = "; every day covered" if not missing else f"; {missing} days missing"
        if missing == 1:
            tail = "; 1 day missing"
        return f"usage data covers {runs}{tail}"


def month_coverage(month: str, covered: set[date]) -> Coverage:
    """Return the month's covered and missing days and its tier window."""
    days = month_days(month)
    inside = tuple(d for d in days if d in covered)
    missing = tuple(d for d in days if d not in covered)
    window = window_ending(covered, inside[-1]) if inside else None
    return Coverage(month, inside, missing, window)


def match_users(logins: pl.Series, aliases: pl.DataFrame) -> pl.DataFrame:
    """Return login -> user_id, matching any login a user_id had (renames followed).

    `aliases` holds (user_id, login (lower-case), last_day); a login two users held in turn
    goes to the one who held it last.
    """
    best = aliases.sort("last_day", "user_id", descending=True).unique("login", keep="first")
    frame = pl.DataFrame({"login": logins.str.to_lowercase()})
    return frame.join(best.select("login", "user_id"), on="login", how="left")


def current_logins(aliases: pl.DataFrame) -> pl.DataFrame:
    """Return each user_id's latest login (a rename's new name wins)."""
    return (
        aliases.sort("last_day", "login", descending=True)
        .unique("user_id", keep="first")
        .select("user_id", pl.col("login").alias("usage_login"))
    )


def _top(breakdowns: pl.DataFrame, kind: str, name: str) -> pl.DataFrame:
    """Return each user's most used key of one breakdown (interactions + generations)."""
    rows = breakdowns.filter(pl.col("kind") == kind)
    return (
        rows.group_by("user_id", "key")
        .agg(
            (pl.col("interactions").fill_null(0) + pl.col("generations").fill_null(0))
            .sum()
            .alias("_weight")
        )
        .sort("_weight", "key", descending=[True, False])
        .unique("user_id", keep="first")
        .select("user_id", pl.col("key").alias(name))
    )


def seat_usage(
    seats: pl.DataFrame,
    days: pl.DataFrame,
    breakdowns: pl.DataFrame,
    aliases: pl.DataFrame,
    coverage: Coverage,
) -> pl.DataFrame:
    """Return one row per seat with its month's engagement figures.

    `seats` has at least login (lower-case) and display_login; `days` holds the de-duplicated
    user-day records of the month and of its window. Figures are null when no day of the
    month is covered; `tier` is null unless the whole window is covered.
    """
    first, last = month_days(coverage.month)[0], month_days(coverage.month)[-1]
    in_month = days.filter(pl.col("day").is_between(first, last))
    has_credits = in_month["credits"].is_not_null().any() if in_month.height else False
    per_user = in_month.group_by("user_id").agg(
        pl.col("day").n_unique().alias("days_active"),
        pl.col("day").filter(pl.col("used_chat")).n_unique().alias("days_chat"),
        pl.col("day").filter(pl.col("used_agent")).n_unique().alias("days_agent"),
        pl.col("day").filter(pl.col("used_cli")).n_unique().alias("days_cli"),
        pl.col("day").filter(pl.col("used_code_review")).n_unique().alias("days_code_review"),
        pl.col("interactions").sum(),
        pl.col("acceptances").sum(),
        pl.col("loc_added").sum().alias("lines_added"),
        pl.when(pl.col("credits").is_null().any())
        .then(None)
        .otherwise(pl.col("credits").sum())
        .alias("credits_used"),
    )
    window = coverage.window
    if window is not None:
        in_window = days.filter(pl.col("day").is_between(window.start, window.end))
        windowed = in_window.group_by("user_id").agg(pl.col("day").n_unique().alias("window_days"))
    else:
        windowed = pl.DataFrame(schema={"user_id": pl.Int64, "window_days": pl.UInt32})
    month_breakdowns = breakdowns.filter(pl.col("day").is_between(first, last))
    table = (
        seats.select("login", "display_login")
        .join(match_users(seats["login"], aliases), on="login", how="left")
        .join(per_user, on="user_id", how="left")
        .join(windowed, on="user_id", how="left")
        .join(_top(month_breakdowns, "ide", "top_ide"), on="user_id", how="left")
        .join(_top(month_breakdowns, "language", "top_language"), on="user_id", how="left")
    )
    covered = len(coverage.covered) > 0
    counts = ["days_active", "days_chat", "days_agent", "days_cli", "days_code_review"]
    sums = ["interactions", "acceptances", "lines_added"]
    known = pl.lit(covered)
    window_known = pl.lit(window is not None and window.complete)
    no_credit = pl.lit(None, pl.Float64)
    return (
        table.with_columns(
            *[pl.when(known).then(pl.col(c).fill_null(0)).cast(pl.Int64).alias(c) for c in counts],
            *[pl.when(known).then(pl.col(c).fill_null(0)).cast(pl.Int64).alias(c) for c in sums],
            pl.when(known & pl.col("user_id").is_not_null() & pl.col("days_active").is_not_null())
            .then(pl.col("credits_used"))
            .when(known & pl.lit(has_credits))
            .then(pl.lit(0.0))
            .otherwise(no_credit)
            .alias("credits_used"),
            pl.when(window_known).then(pl.col("window_days").fill_null(0)).cast(pl.Int64),
            pl.lit(len(coverage.covered)).cast(pl.Int64).alias("covered_days"),
        )
        .with_columns(tier_expr(pl.col("window_days")).alias("tier"))
        .sort("login")
    )


def tier_counts(table: pl.DataFrame) -> dict[str, int] | None:
    """Return seats per tier, or None when the tiers are unknown."""
    if table.is_empty() or table["tier"].is_null().all():
        return None
    counts = dict(table.group_by("tier").len().iter_rows())
    return {tier: int(counts.get(tier, 0)) for tier in TIERS}


def window_days_for(days: pl.DataFrame, logins: pl.Series, aliases: pl.DataFrame) -> pl.DataFrame:
    """Return login -> usage_days: distinct days with a record among `days` (0 when none)."""
    per_user = days.group_by("user_id").agg(pl.col("day").n_unique().alias("usage_days"))
    return (
        match_users(logins, aliases)
        .join(per_user, on="user_id", how="left")
        .select("login", pl.col("usage_days").fill_null(0).cast(pl.Int64))
    )


def sharpen_reclaim(seats: pl.DataFrame, usage_days: pl.DataFrame) -> pl.DataFrame:
    """Move reclaim candidates with usage days in the window to check-first.

    The seat timeline's `check_first` (idle, signed in recently) is kept; a candidate the
    usage records show at work is added to it and leaves `reclaim`: never loosened silently,
    every moved seat is listed as check-first with its `usage_days`.
    """
    joined = seats.join(usage_days, on="login", how="left").with_columns(
        pl.col("usage_days").fill_null(0)
    )
    used = pl.col("usage_days") > 0
    return joined.with_columns(
        (pl.col("check_first") | (pl.col("reclaim") & used)).alias("check_first"),
        (pl.col("reclaim") & ~used).alias("reclaim"),
        (pl.col("reclaim") & used).alias("check_first_usage"),
    )


def _named(frame: pl.DataFrame) -> str:
    logins = frame.sort("login")["display_login"].to_list()
    more = f" and {len(logins) - SHOWN_LOGINS:,} more" if len(logins) > SHOWN_LOGINS else ""
    return ", ".join(logins[:SHOWN_LOGINS]) + more


def usage_findings(
    seats: pl.DataFrame, usage_days: pl.DataFrame, window: Window | None, coverage: Coverage
) -> list[Finding]:
    """Return data-quality findings that set the seat states against the usage records.

    `seats` has login, display_login and state; `usage_days` the days active in `window`.
    """
    out: list[Finding] = []
    if coverage.missing and coverage.covered:
        out.append(Finding("usage-gap", "info", coverage.describe(), len(coverage.missing)))
    if window is None:
        return out
    joined = seats.join(usage_days, on="login", how="left").with_columns(
        pl.col("usage_days").fill_null(0)
    )
    if window.complete:
        quiet = joined.filter((pl.col("state") == "active") & (pl.col("usage_days") == 0))
        if quiet.height:
            out.append(
                Finding(
                    "active-without-usage",
                    "caution",
                    f"{quiet.height:,} seats are active by last activity but have no usage "
                    f"record in the {window.describe()}: {_named(quiet)}",
                    quiet.height,
                )
            )
    idle = joined.filter(
        pl.col("state").is_in(["stale", "never_active"]) & (pl.col("usage_days") > 0)
    )
    if idle.height:
        out.append(
            Finding(
                "usage-on-idle-seat",
                "caution",
                f"{idle.height:,} seats are stale or never active by last activity but have "
                f"usage days in the {window.describe()} (Copilot telemetry off, or a report "
                f"gap); they are check-first, not reclaim candidates: {_named(idle)}",
                idle.height,
            )
        )
    return out
