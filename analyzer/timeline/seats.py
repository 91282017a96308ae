"""Per-seat tables of one snapshot: the seat list with people, the reclaim list, breakdowns."""

from __future__ import annotations

import polars as pl

from analyzer.model import UNMAPPED, FollowThrough
from analyzer.timeline.build import Timeline
from analyzer.timeline.figures import state_counts

_DAY_US = 86_400 * 1_000_000

PEOPLE_COLUMNS = ("name", "email", "department", "cost_center", "manager")
# Breakdown name -> the seat-table column it groups by.
BREAKDOWN_KEYS: dict[str, str] = {
    "org": "primary_org",
    "team": "team",
    "cost_center": "cost_center",
    "department": "department",
}


def seat_table(timeline: Timeline, k: int, people: pl.DataFrame | None) -> pl.DataFrame:
    """Return one row per billed seat of snapshot k with the people file's columns."""
    seats = timeline.at(k)
    if people is not None:
        seats = seats.join(people, on="login", how="left")
    else:
        seats = seats.with_columns([pl.lit(None, pl.String).alias(c) for c in PEOPLE_COLUMNS])
    return seats.select(
        "login",
        "display_login",
        *PEOPLE_COLUMNS,
        pl.col("orgs").list.join(", ").alias("orgs"),
        "primary_org",
        "team",
        "plan",
        "state",
        "pending_cancellation",
        "pending_cancellation_date",
        "first_seen",
        pl.col("known_activity").alias("last_activity"),
        pl.col("known_sign_in").alias("last_authenticated"),
        "idle_days",
        ((pl.col("as_of") - pl.col("known_sign_in")).dt.total_microseconds() // _DAY_US)
        .clip(lower_bound=0)
        .cast(pl.Int64)
        .alias("signed_in_days"),
        pl.col("known_surface").alias("last_surface"),
        "surface_family",
        pl.col("price").alias("monthly_cost"),
        "excluded",
        "reclaim",
        "check_first",
    ).sort("login")


def reclaim_list(seats: pl.DataFrame) -> pl.DataFrame:
    """Return the reclaim candidates, costliest first, then longest idle (never first)."""
    return (
        seats.filter(pl.col("reclaim"))
        .with_columns(pl.col("idle_days").fill_null(10**9).alias("_idle"))
        .sort(["monthly_cost", "_idle", "login"], descending=[True, True, False])
        .select(
            "login",
            "display_login",
            pl.col("state").alias("reason"),
            "idle_days",
            pl.col("last_activity").alias("idle_since"),
            "first_seen",
            "last_activity",
            "last_authenticated",
            "last_surface",
            "orgs",
            "team",
            "plan",
            "monthly_cost",
        )
    )


def check_first_list(seats: pl.DataFrame) -> pl.DataFrame:
    """Return the idle seats that signed in recently, latest sign-in first.

    They are not reclaim candidates: no activity is reported, but the sign-in says someone
    uses the seat (Copilot telemetry may be off), so an admin asks before removing them.
    """
    return (
        seats.filter(pl.col("check_first"))
        .sort(["signed_in_days", "login"])
        .select(
            "login",
            "display_login",
            pl.col("state").alias("reason"),
            "idle_days",
            "last_activity",
            "last_authenticated",
            "signed_in_days",
            "first_seen",
            "orgs",
            "team",
            "plan",
            "monthly_cost",
        )
    )


def follow_through(
    timeline: Timeline,
    k_from: int | None,
    k_to: int,
    seats_from: pl.DataFrame | None = None,
    seats_to: pl.DataFrame | None = None,
) -> FollowThrough | None:
    """Return what became of snapshot k_from's reclaim candidates by snapshot k_to.

    None when there is no earlier snapshot to follow. A candidate is removed when its login
    holds no seat at k_to (its monthly cost stops with the billing cycle), came back when
    active, still idle when still a candidate, check-first when idle but signed in recently.
    `seats_from` / `seats_to` (seat tables: login, plan, state, reclaim, check_first,
    monthly_cost) stand for the snapshots' seats when given, e.g. with reclaim sharpened.
    """
    if k_from is None:
        return None
    old = timeline.at(k_from) if seats_from is None else seats_from
    if "price" not in old.columns:
        old = old.with_columns(pl.col("monthly_cost").alias("price"))
    before = old.filter(pl.col("reclaim")).select("login", "plan", "price")
    now = (timeline.at(k_to) if seats_to is None else seats_to).select(
        "login", "state", "reclaim", "check_first"
    )
    joined = before.join(now, on="login", how="left")
    removed = joined.filter(pl.col("state").is_null())
    by_plan = removed.group_by("plan").len().sort("plan")
    came_back = int((joined["state"] == "active").sum())
    still_idle = int(joined["reclaim"].fill_null(False).sum())
    check_first = int(joined["check_first"].fill_null(False).sum())
    return FollowThrough(
        previous_as_of=timeline.snapshots[k_from].as_of,
        candidates=joined.height,
        removed=removed.height,
        removed_monthly_cost=float(removed["price"].sum() or 0.0),
        still_idle=still_idle,
        came_back=came_back,
        now_check_first=check_first,
        other=joined.height - removed.height - came_back - still_idle - check_first,
        currency=timeline.settings.currency,
        removed_by_plan={str(p): int(n) for p, n in by_plan.iter_rows()},
    )


def breakdown(seats: pl.DataFrame, column: str) -> pl.DataFrame:
    """Return states and costs per value of `column`; missing values form the UNMAPPED row.

    Values that differ only by case (`QA`, `qa`) are one group, shown with its most common
    spelling (the first in code-point order on a tie), so no seat is counted twice and every
    key is unique whatever the case: a spreadsheet's `=` and SUMIFS ignore case too.
    """
    keyed = seats.with_columns(
        pl.col(column).fill_null(UNMAPPED).cast(pl.String).alias("spelling"),
        pl.col("monthly_cost").alias("price"),
    ).with_columns(pl.col("spelling").str.to_lowercase().alias("group"))
    names = (
        keyed.group_by("group", "spelling")
        .len()
        .sort(["group", "len", "spelling"], descending=[False, True, False])
        .unique("group", keep="first", maintain_order=True)
        .select("group", pl.col("spelling").alias("key"))
    )
    return (
        keyed.group_by("group")
        .agg(state_counts())
        .join(names, on="group")
        .select("key", pl.exclude("key", "group"))
        .with_columns(pl.col("seats").cast(pl.Int64))
        .sort(pl.col("key") == UNMAPPED, "key")
    )


def breakdowns(seats: pl.DataFrame, with_people: bool) -> dict[str, pl.DataFrame]:
    """Return the org and team breakdowns, and cost center and department with a people file."""
    names = ["org", "team"] + (["cost_center", "department"] if with_people else [])
    return {name: breakdown(seats, BREAKDOWN_KEYS[name]) for name in names}
