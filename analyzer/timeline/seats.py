"""Per-seat tables of one snapshot: the seat list with people, the reclaim list, breakdowns."""

from __future__ import annotations

import polars as pl

from analyzer.model import IDLE_STATES, UNMAPPED
from analyzer.timeline.build import Timeline
from analyzer.timeline.figures import state_counts

PEOPLE_COLUMNS = ("name", "email", "department", "cost_center")
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
        "last_authenticated",
        "idle_days",
        pl.col("known_surface").alias("last_surface"),
        "surface_family",
        pl.col("price").alias("monthly_cost"),
        "excluded",
        "reclaim",
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
            "last_surface",
            "orgs",
            "team",
            "plan",
            "monthly_cost",
        )
    )


def follow_through(timeline: Timeline, k: int) -> pl.DataFrame:
    """Return what became of snapshot k-1's reclaim candidates by snapshot k.

    Columns: outcome (removed / reactivated / still idle / other), seats, monthly_cost.
    """
    order = ["removed", "reactivated", "still idle", "other"]
    if k == 0:
        return pl.DataFrame({"outcome": order, "seats": [0] * 4, "monthly_cost": [0.0] * 4})
    before = timeline.at(k - 1).filter(pl.col("reclaim")).select("login", "price")
    now = timeline.at(k).select("login", "state")
    joined = before.join(now, on="login", how="left")
    outcome = (
        pl.when(pl.col("state").is_null())
        .then(pl.lit("removed"))
        .when(pl.col("state") == "active")
        .then(pl.lit("reactivated"))
        .when(pl.col("state").is_in(IDLE_STATES))
        .then(pl.lit("still idle"))
        .otherwise(pl.lit("other"))
    )
    counts = joined.group_by(outcome.alias("outcome")).agg(
        pl.len().cast(pl.Int64).alias("seats"), pl.col("price").sum().alias("monthly_cost")
    )
    return pl.DataFrame({"outcome": order}).join(counts, on="outcome", how="left").fill_null(0)


def breakdown(seats: pl.DataFrame, column: str) -> pl.DataFrame:
    """Return states and costs per value of `column`; missing values form the UNMAPPED row."""
    keyed = seats.with_columns(
        pl.col(column).fill_null(UNMAPPED).cast(pl.String).alias("key"),
        pl.col("monthly_cost").alias("price"),
    )
    return (
        keyed.group_by("key")
        .agg(state_counts())
        .with_columns(pl.col("seats").cast(pl.Int64))
        .sort(pl.col("key") == UNMAPPED, "key")
    )


def breakdowns(seats: pl.DataFrame, with_people: bool) -> dict[str, pl.DataFrame]:
    """Return the org and team breakdowns, and cost center and department with a people file."""
    names = ["org", "team"] + (["cost_center", "department"] if with_people else [])
    return {name: breakdown(seats, BREAKDOWN_KEYS[name]) for name in names}
