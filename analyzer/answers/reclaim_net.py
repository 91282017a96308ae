"""What removing the reclaim candidates really saves next month, net of new credit overage."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from analyzer.answers.credit_months import (
    MonthCredits,
    ai_files,
    allowances_for,
    full_months,
    latest_credit_month,
    month_credits,
    months_back,
)
from analyzer.metering.credits import (
    Expectation,
    expected_credits,
    is_pooled,
    marginal_net_savings,
    next_month,
    previous_month,
)
from analyzer.model import Settings
from analyzer.store.folder import Store

SPREAD_MONTHS = 3  # low and high come from the last three fully covered months


@dataclass(frozen=True)
class Outlook:
    """The month forecast and the months of credits it rests on (read from the manifest)."""

    month: str
    latest: str | None  # the latest month an AI usage report has rows in
    full: tuple[str, ...]  # fully covered pool months before `month`, newest first
    notes: tuple[str, ...]

    @property
    def base(self) -> str | None:
        """Return the month E is scaled from: the latest fully covered one."""
        return self.full[0] if self.full else None


def credit_outlook(store: Store, month: str | None, fallback: str) -> Outlook:
    """Return the month to forecast (default: after the latest AI report's, else `fallback`)."""
    files = ai_files(store)
    latest = latest_credit_month(files) if files else None
    target = month or next_month(latest or fallback)
    window = months_back(previous_month(target), SPREAD_MONTHS + 1)
    full = full_months(files, window)
    notes = []
    if not files:
        notes.append("no AI usage report in the store: credits not forecast")
    elif not full and is_pooled(target):
        notes.append(
            f"no fully covered month of AI credits in the {len(window)} months before "
            f"{target}: credits not forecast"
        )
    return Outlook(target, latest, tuple(full), tuple(notes))


def plan_allowance(settings: Settings, month: str) -> pl.Expr:
    """Return each seat's credits to the pool in `month`, from its `plan` column."""
    allowances = allowances_for(settings.billing, month)
    return pl.col("plan").replace_strict(allowances, default=0.0, return_dtype=pl.Float64)


def pool_of(seats: pl.DataFrame, month: str, settings: Settings) -> float | None:
    """Return the pool the seats make in `month`; None before the pool (June 2026)."""
    if not is_pooled(month):
        return None
    return float(seats.select(plan_allowance(settings, month).sum()).item() or 0.0)


def candidate_savings(
    candidates: pl.DataFrame,
    base: MonthCredits | None,
    expect: Expectation | None,
    pool: float | None,
    settings: Settings,
    month: str,
) -> pl.DataFrame:
    """Return the candidates with allowance, expected credits, net and marginal net saving."""
    table = candidates.with_columns(plan_allowance(settings, month).alias("allowance"))
    if not is_pooled(month):  # before the pool the net is the gross, credits or not
        table = table.with_columns(pl.lit(None, pl.Float64).alias("credits"))
        return marginal_net_savings(table, 0.0, 0.0, 0.0, pooled=False)
    if base is None or expect is None or pool is None:
        unknown = pl.lit(None, pl.Float64)
        return table.with_columns(
            unknown.alias("credits"),
            unknown.alias("net_saving"),
            unknown.alias("marginal_net_saving"),
        )
    scale = expect.credits / expect.base_credits if expect.base_credits else 1.0
    used = base.per_login().select("login", (pl.col("credits") * scale).alias("credits"))
    table = table.join(used, on="login", how="left", maintain_order="left").with_columns(
        pl.col("credits").fill_null(0.0)
    )
    return marginal_net_savings(table, expect.credits, pool, settings.billing.credit_price)


def total_net(candidates: pl.DataFrame) -> float | None:
    """Return the net saving of the whole list: 0 without candidates, None when unknown."""
    net = candidates["net_saving"]
    if not net.len():
        return 0.0
    value = net[-1]
    return None if value is None else float(value)


def reclaim_savings(
    store: Store,
    scope: str,
    seats: pl.DataFrame,
    candidates: pl.DataFrame,
    settings: Settings,
    fallback: str,
) -> tuple[pl.DataFrame, float | None]:
    """Return the candidates with their marginal net savings, and the list's net saving.

    `seats` is the seat table (plan, pending_cancellation); the month is the one `forecast`
    forecasts by default. Only the base month's AI usage rows are read.
    """
    outlook = credit_outlook(store, None, fallback)
    base = month_credits(store, scope, [outlook.base])[outlook.base] if outlook.base else None
    if base is not None and not base.full:  # no rows of this scope: its credits unknown
        base = None
    expect = expected_credits(base.month, base.credits, outlook.month) if base else None
    ahead = seats.filter(~pl.col("pending_cancellation").fill_null(False))
    pool = pool_of(ahead, outlook.month, settings)
    table = candidate_savings(candidates, base, expect, pool, settings, outlook.month)
    return table, total_net(table)
