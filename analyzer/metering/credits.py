"""Next month's credits and what removing seats really saves under the pool: pure functions.

Definitions (docs/forecast.md):
- **expected credits** E of a month = the credits of a fully covered base month x days of the
  month / days of the base month;
- **net reclaim saving** of removing a set R = seat prices of R - credit price x
  (max(0, E' - (pool - allowances of R)) - max(0, E' - pool)), E' = E less R's own expected
  credits (their base-month credits scaled like E); before the pool (June 2026) net = gross.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

import polars as pl

from analyzer.billing_schema import CREDITS_FROM

METHOD = "last fully covered month scaled by days"


def days_in(month: str) -> int:
    """Return the days of a month `YYYY-MM`."""
    year, number = (int(x) for x in month.split("-"))
    return calendar.monthrange(year, number)[1]


def next_month(month: str) -> str:
    """Return the month after `YYYY-MM`."""
    year, number = (int(x) for x in month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def previous_month(month: str) -> str:
    """Return the month before `YYYY-MM`."""
    year, number = (int(x) for x in month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def is_pooled(month: str) -> bool:
    """Return whether a month's AI use draws on one credit pool (from June 2026)."""
    return f"{month}-01" >= CREDITS_FROM


@dataclass(frozen=True)
class Expectation:
    """Expected credits of a month, scaled from one fully covered base month."""

    month: str
    base_month: str
    base_credits: float
    credits: float

    @property
    def method(self) -> str:
        """Return the method in words, naming the base month and the day counts."""
        return (
            f"{METHOD}: credits of {self.base_month} x {days_in(self.month)}/"
            f"{days_in(self.base_month)} days"
        )


def expected_credits(base_month: str, base_credits: float, month: str) -> Expectation:
    """Return E: a base month's credits scaled to the days of `month`."""
    scale = days_in(month) / days_in(base_month)
    return Expectation(month, base_month, base_credits, base_credits * scale)


def overage(credits: float, pool: float) -> float:
    """Return the credits beyond the pool."""
    return max(0.0, credits - pool)


def net_reclaim_saving(
    gross: float,
    allowances_removed: float,
    credits_removed: float,
    expected: float,
    pool: float,
    credit_price: float,
    pooled: bool = True,
) -> float:
    """Return the net monthly saving of removing seats whose prices sum to `gross`.

    `allowances_removed` is what their licences add to the pool, `credits_removed` what their
    users are expected to use themselves; `pooled` False (before June 2026) gives the gross.
    """
    if not pooled:
        return gross
    rest = max(0.0, expected - credits_removed)
    new_overage = overage(rest, pool - allowances_removed) - overage(rest, pool)
    return gross - credit_price * new_overage


def marginal_net_savings(
    candidates: pl.DataFrame,
    expected: float,
    pool: float,
    credit_price: float,
    pooled: bool = True,
) -> pl.DataFrame:
    """Return the candidates (in their order) with `net_saving` and `marginal_net_saving`.

    `candidates` has `monthly_cost`, `allowance` and `credits` (expected next month) per
    seat. `net_saving` is the net saving of removing this candidate and every one before it;
    `marginal_net_saving` what this one adds to it.
    """
    price, allow, used = (
        pl.col(c).fill_null(0.0).cum_sum() for c in ("monthly_cost", "allowance", "credits")
    )
    if pooled:
        rest = (pl.lit(expected) - used).clip(lower_bound=0.0)
        new = (rest - (pl.lit(pool) - allow)).clip(lower_bound=0.0) - (rest - pool).clip(
            lower_bound=0.0
        )
        net = price - credit_price * new
    else:
        net = price
    return candidates.with_columns(net.alias("net_saving")).with_columns(
        pl.col("net_saving").diff().fill_null(pl.col("net_saving")).alias("marginal_net_saving")
    )
