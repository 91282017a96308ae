"""A month's credits replayed against budgets, as GitHub applies them: a pure function.

Each user-day's credits, in time order (day, then login), first meet the user's monthly
budget (what goes beyond it is stopped), then the pool, then, on paid overage only, the
optional account budget (what goes beyond it is stopped, for everyone, from that day).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from analyzer.metering.spenders import UNASSIGNED


@dataclass(frozen=True)
class BudgetLevels:
    """The budgets replayed, in credits (a budget in money is divided by the credit price)."""

    user_budget: float  # credits a user may use in the month
    account_budget: float | None  # credits of paid overage the account allows (None: no cap)
    pool: float
    credit_price: float


@dataclass(frozen=True)
class Replay:
    """What the budgets would have stopped in the month (an estimate from its daily usage)."""

    users_capped: int
    credits_used: float  # as it happened
    credits_stopped: float  # beyond the user budgets and the account budget
    cost_stopped: float  # credits stopped x credit price
    overage_actual: float  # credits beyond the pool, as it happened
    overage_simulated: float  # with the budgets
    overage_avoided: float  # money: (actual - simulated overage) x credit price
    account_blocked_on: date | None
    users: pl.DataFrame  # login, cost_center, credits_used, credits_allowed, budget_hit_on
    cost_centers: pl.DataFrame  # cost_center, users, users_capped, credits_used,
    # credits_stopped, cost_stopped
    # date, actual_cost, simulated_cost: the overage cost so far each day, as it happened and
    # with the budgets (money, cumulative); empty when not asked for
    daily: pl.DataFrame = field(default_factory=pl.DataFrame)


def replay_budgets(usage: pl.DataFrame, levels: BudgetLevels) -> Replay:
    """Replay `usage` (login, date, credits, cost_center) against the budget levels."""
    # Logins become integers in login order: the sorts and windows below run on numbers.
    logins = (
        usage.group_by("login")
        .agg(pl.col("cost_center").drop_nulls().first())
        .sort("login")
        .with_row_index("_id")
    )
    days = (
        usage.join(logins.select("login", "_id"), on="login", nulls_equal=True)
        .group_by("_id", "date")
        .agg(pl.col("credits").fill_null(0.0).sum())
        .sort("_id", "date")
    )
    cum = pl.col("credits").cum_sum().over("_id")
    mine = cum.clip(upper_bound=levels.user_budget)
    days = days.with_columns(
        (mine - (cum - pl.col("credits")).clip(upper_bound=levels.user_budget)).alias("_allowed"),
        (cum > levels.user_budget + 1e-9).alias("_over"),
    ).sort("date", "_id")
    total = pl.col("_allowed").cum_sum()
    paid = (total - levels.pool).clip(lower_bound=0.0)
    cap = levels.account_budget
    if cap is not None:
        kept_paid = paid.clip(upper_bound=cap)
        before = (total - pl.col("_allowed") - levels.pool).clip(lower_bound=0.0)
        blocked = (paid - before) - (kept_paid - before.clip(upper_bound=cap))
        days = days.with_columns(blocked.alias("_blocked"), (paid > cap + 1e-9).alias("_acct"))
    else:
        days = days.with_columns(pl.lit(0.0).alias("_blocked"), pl.lit(False).alias("_acct"))
    days = days.with_columns((pl.col("_allowed") - pl.col("_blocked")).alias("_kept"))
    users = (
        days.group_by("_id")
        .agg(
            pl.col("credits").sum().alias("credits_used"),
            pl.col("_kept").sum().alias("credits_allowed"),
            pl.col("date").filter(pl.col("_over")).min().alias("budget_hit_on"),
        )
        .join(logins, on="_id")
        .select(
            "login",
            pl.col("cost_center").fill_null(UNASSIGNED),
            "credits_used",
            "credits_allowed",
            "budget_hit_on",
        )
        .sort(["credits_used", "login"], descending=[True, False])
    )
    used, kept = float(days["credits"].sum()), float(days["_kept"].sum())
    actual_over = max(0.0, used - levels.pool)
    simulated_over = max(0.0, kept - levels.pool)
    stopped = used - kept
    price = levels.credit_price
    centres = (
        users.group_by("cost_center")
        .agg(
            pl.len().alias("users"),
            pl.col("budget_hit_on").is_not_null().sum().cast(pl.Int64).alias("users_capped"),
            pl.col("credits_used").sum(),
            (pl.col("credits_used") - pl.col("credits_allowed")).sum().alias("credits_stopped"),
        )
        .with_columns((pl.col("credits_stopped") * price).alias("cost_stopped"))
        .sort("cost_center")
    )
    blocked_days = days.filter(pl.col("_acct"))["date"]
    daily = (
        days.group_by("date")
        .agg(pl.col("credits").sum(), pl.col("_kept").sum())
        .sort("date")
        .select(
            "date",
            ((pl.col("credits").cum_sum() - levels.pool).clip(lower_bound=0.0) * price).alias(
                "actual_cost"
            ),
            ((pl.col("_kept").cum_sum() - levels.pool).clip(lower_bound=0.0) * price).alias(
                "simulated_cost"
            ),
        )
    )
    return Replay(
        users_capped=int(users["budget_hit_on"].is_not_null().sum()),
        credits_used=used,
        credits_stopped=stopped,
        cost_stopped=stopped * price,
        overage_actual=actual_over,
        overage_simulated=simulated_over,
        overage_avoided=(actual_over - simulated_over) * price,
        account_blocked_on=blocked_days.min() if blocked_days.len() else None,  # type: ignore[arg-type]
        users=users,
        cost_centers=centres,
        daily=daily,
    )
