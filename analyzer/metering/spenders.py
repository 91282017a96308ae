"""Who spends the credits: cohorts of users, and each cost centre's pool share: pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

COHORTS: tuple[tuple[str, float], ...] = (
    ("top 5 %", 0.05),
    ("next 15 %", 0.20),
    ("middle 55 %", 0.75),
    ("lowest 25 %", 1.0),
)
NO_CREDITS = "none"


def _cut(count: int, share: float) -> int:
    """Return how many of `count` users sort above a cumulative share (at least one rank)."""
    return -(-round(count * share * 1e9) // 10**9)  # ceil without float noise


def cohort_of(users: pl.DataFrame) -> pl.DataFrame:
    """Return `users` (login, credits) with the `cohort` each falls in, most credits first.

    Users with credits are ranked (ties by login); the top 5 % (rounded up) are "top 5 %",
    up to 20 % "next 15 %", up to 75 % "middle 55 %", the rest "lowest 25 %"; a user
    without credits (0 or null) is "none".
    """
    ranked = users.with_columns(pl.col("credits").fill_null(0.0)).sort(
        ["credits", "login"], descending=[True, False]
    )
    using = int((ranked["credits"] > 0).sum())
    bounds = [_cut(using, share) for _, share in COHORTS]
    rank = pl.int_range(1, pl.len() + 1)
    label: Any = pl.when(pl.col("credits") <= 0).then(pl.lit(NO_CREDITS))
    for (name, _), bound in zip(COHORTS, bounds, strict=True):
        label = label.when(rank <= bound).then(pl.lit(name))
    return ranked.with_columns(label.otherwise(pl.lit(NO_CREDITS)).alias("cohort"))


@dataclass(frozen=True)
class Cohorts:
    """Users grouped by credits: per cohort its count, mean and median, and the headline."""

    table: pl.DataFrame  # cohort, users, credits, share, mean, median (in COHORTS order, none)
    headline: str


def cohorts(users: pl.DataFrame) -> Cohorts:
    """Return the credit cohorts of `users` (login, credits) and one headline sentence."""
    ranked = cohort_of(users)
    total = float(ranked["credits"].sum())
    order = [name for name, _ in COHORTS] + [NO_CREDITS]
    table = (
        pl.DataFrame({"cohort": order})
        .join(
            ranked.group_by("cohort").agg(
                pl.len().alias("users"),
                pl.col("credits").sum().alias("credits"),
                pl.col("credits").mean().alias("mean"),
                pl.col("credits").median().alias("median"),
            ),
            on="cohort",
            how="left",
        )
        .with_columns(
            pl.col("users").fill_null(0),
            pl.col("credits").fill_null(0.0),
            (pl.col("credits").fill_null(0.0) / total if total else pl.lit(None, pl.Float64)).alias(
                "share"
            ),
        )
    )
    return Cohorts(table, _headline(table, total))


def _headline(table: pl.DataFrame, total: float) -> str:
    rows = {r["cohort"]: r for r in table.iter_rows(named=True)}
    if not total:
        return "no user used AI credits"
    top, nxt = rows["top 5 %"], rows["next 15 %"]
    top20 = (top["credits"] + nxt["credits"]) / total
    return (
        f"the top 5 % of users ({top['users']:,}) used {top['credits'] / total:.0%} of the "
        f"credits, the top 20 % ({top['users'] + nxt['users']:,}) {top20:.0%}"
    )


UNASSIGNED = "(no cost centre)"


@dataclass(frozen=True)
class Fairness:
    """Each cost centre's pool share against its use, and who draws on whose allowance."""

    table: pl.DataFrame  # cost_center, licences, contributed, consumed, balance (by name)
    flows: pl.DataFrame  # from_cost_center, to_cost_center, credits (largest first)
    uncovered: float  # credits drawn beyond every surplus: paid overage


def pool_fairness(people: pl.DataFrame, allowances: dict[str, float]) -> Fairness:
    """Return each cost centre's credits contributed (licences x allowance) and consumed.

    `people` has login, cost_center, plan, licensed (holds a licence the pool counts) and
    credits. A centre that uses more than it contributes draws on the surplus of the others,
    pro rata to their surplus; what no surplus covers is overage.
    """
    allowance = pl.col("plan").replace_strict(allowances, default=None, return_dtype=pl.Float64)
    table = (
        people.with_columns(
            pl.col("cost_center").fill_null(UNASSIGNED),
            pl.when(pl.col("licensed")).then(allowance).otherwise(0.0).fill_null(0.0).alias("_c"),
        )
        .group_by("cost_center")
        .agg(
            pl.col("licensed").sum().cast(pl.Int64).alias("licences"),
            pl.col("_c").sum().alias("contributed"),
            pl.col("credits").fill_null(0.0).sum().alias("consumed"),
        )
        .with_columns((pl.col("contributed") - pl.col("consumed")).alias("balance"))
        .sort("cost_center")
    )
    lenders = table.filter(pl.col("balance") > 0).select(
        pl.col("cost_center").alias("from_cost_center"), pl.col("balance").alias("_lend")
    )
    takers = table.filter(pl.col("balance") < 0).select(
        pl.col("cost_center").alias("to_cost_center"), (-pl.col("balance")).alias("_draw")
    )
    lent, drawn = float(lenders["_lend"].sum()), float(takers["_draw"].sum())
    covered = min(lent, drawn) / drawn if drawn else 0.0
    flows = (
        lenders.join(takers, how="cross")
        .with_columns((pl.col("_draw") * covered * pl.col("_lend") / lent).alias("credits"))
        .select("from_cost_center", "to_cost_center", "credits")
        .sort(["credits", "from_cost_center", "to_cost_center"], descending=[True, False, False])
        if lent and drawn
        else pl.DataFrame(
            schema={
                "from_cost_center": pl.String,
                "to_cost_center": pl.String,
                "credits": pl.Float64,
            }
        )
    )
    return Fairness(table, flows, max(0.0, drawn - lent))
