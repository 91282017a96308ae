"""What per-user and account budgets would have stopped in a month of AI credits (an estimate)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from analyzer.answers.credit_months import (
    ai_files,
    latest_credit_month,
    month_credits,
)
from analyzer.answers.queries import Reclaim, get_reclaim
from analyzer.answers.reclaim_net import pool_of
from analyzer.errors import SelectionError
from analyzer.metering.budgets import BudgetLevels, Replay, replay_budgets
from analyzer.metering.credits import is_pooled
from analyzer.model import Settings
from analyzer.store.folder import Store

REPLAY_METHOD = (
    "the month's per-user, per-day credits replayed in day order (then login) against the "
    "user budget, then the pool, then the account budget on paid overage"
)


@dataclass(frozen=True)
class WhatIf:
    """The answer to `whatif`: the budgets, and what they would have stopped."""

    scope: str
    month: str
    currency: str
    unit: str  # the unit the budgets were given in: credits or usd
    user_budget: float  # as given
    account_budget: float | None  # as given
    levels: BudgetLevels  # in credits
    replay: Replay
    full_month: bool  # False: the reports cover the month only in part
    covered_through: str


def build_whatif(
    store: Store,
    scope: str | None,
    month: str | None,
    user_budget: float,
    account_budget: float | None,
    unit: str,
    settings: Settings,
    reclaim: Reclaim | None = None,
) -> WhatIf:
    """Replay a month (default: the latest AI usage report's) against the budgets.

    `reclaim` is the latest snapshot's `get_reclaim` when the caller has it already.
    """
    files = ai_files(store)
    if not files:
        raise SelectionError("the store holds no AI usage report: nothing to replay")
    month = month or latest_credit_month(files)
    if not is_pooled(month):
        raise SelectionError(
            f"{month} was billed in premium requests (per-user quotas, no pool): budgets on AI "
            "credits apply from 2026-06; choose a later --month"
        )
    if user_budget < 0 or (account_budget is not None and account_budget < 0):
        raise SelectionError("a budget cannot be negative")
    price = settings.billing.credit_price
    per_credit = price if unit == "usd" else 1.0
    credits = month_credits(store, scope, [month])[month]
    if credits.covered_through is None:
        raise SelectionError(f"no AI usage report covers {month}: nothing to replay")
    if reclaim is None:
        reclaim = get_reclaim(store, scope, settings, None, net_savings=False, follow=False)
    pool = pool_of(reclaim.seats, month, settings) or 0.0
    levels = BudgetLevels(
        user_budget=user_budget / per_credit,
        account_budget=None if account_budget is None else account_budget / price,
        pool=pool,
        credit_price=price,
    )
    seats_cc = reclaim.seats.select("login", pl.col("cost_center").alias("_seat_cc"))
    usage = credits.usage.join(seats_cc, on="login", how="left").with_columns(
        pl.coalesce("_seat_cc", "cost_center").alias("cost_center")
    )
    return WhatIf(
        scope=reclaim.summary.scope,
        month=month,
        currency=settings.currency,
        unit=unit,
        user_budget=user_budget,
        account_budget=account_budget,
        levels=levels,
        replay=replay_budgets(usage.drop("_seat_cc"), levels),
        full_month=credits.full,
        covered_through=credits.covered_through.isoformat(),
    )
