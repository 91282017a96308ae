"""A partly covered month projected to its end from its daily credits: a pure function.

The daily credits of the covered days are fitted with a least-squares line (day number ->
credits; the last covered day left out when it is partial, as a report downloaded mid-day
holds only part of it); the days still to come take the line's values (never below zero),
the partial day the larger of what it holds and the line. The band is the projection plus or
minus 1.96 x the residual standard deviation x the square root of the days still to come.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

PROJECTION_METHOD = "least-squares line over the covered days' credits"
_Z = 1.96  # a 95 % band if the days' residuals were independent and normal


@dataclass(frozen=True)
class Projection:
    """A month's credits so far and where they are heading by its last day (an estimate)."""

    month: str
    covered_through: date
    days_covered: int
    days_in_month: int
    days_fitted: int
    credits_so_far: float
    projected: float
    low: float
    high: float
    pool: float | None
    pool_runs_out: date | None  # the day cumulative credits pass the pool (None: never)
    overage_cost: float | None  # of the projected credits beyond the pool
    values: tuple[float, ...] = ()  # each day's credits: as covered, then as projected
    residual_sd: float = 0.0
    method: str = PROJECTION_METHOD

    def by_day(self) -> pl.DataFrame:
        """Return date, cumulative credits, projected (bool), low and high, day by day."""
        first = date.fromisoformat(f"{self.month}-01")
        rows = []
        total = 0.0
        for d, value in enumerate(self.values, start=1):
            total += value
            ahead = max(0, d - self.days_fitted)
            spread = _Z * self.residual_sd * math.sqrt(ahead)
            floor = self.credits_so_far if d >= self.days_covered else 0.0  # never below
            # the last covered day as it stands; the days after it continue the projection
            shown = self.credits_so_far if d == self.days_covered else total
            rows.append((first + timedelta(days=d - 1), shown, d > self.days_covered,
                         max(floor, total - spread), total + spread))  # fmt: skip
        return pl.DataFrame(
            rows,
            schema={"date": pl.Date, "cumulative": pl.Float64, "projected": pl.Boolean,
                    "low": pl.Float64, "high": pl.Float64},
            orient="row",
        )  # fmt: skip


def _line(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Return intercept, slope and residual standard deviation of a least-squares line."""
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = (
        sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    )
    intercept = mean_y - slope * mean_x
    residuals = [y - (intercept + slope * x) for x, y in zip(xs, ys, strict=True)]
    dof = n - 2 if n > 2 else 1
    sd = math.sqrt(sum(r * r for r in residuals) / dof) if n > 1 else 0.0
    return intercept, slope, sd


def project_month(
    month: str,
    daily: pl.DataFrame,
    covered_through: date,
    last_partial: bool,
    pool: float | None,
    credit_price: float,
) -> Projection | None:
    """Project a month's credits from `daily` (date, credits) covered to `covered_through`.

    Return None when no whole day is left to fit (a report of its first, partial day).
    """
    first = date.fromisoformat(f"{month}-01")
    nxt = (first + timedelta(days=32)).replace(day=1)
    n_days = (nxt - first).days
    covered = covered_through.day
    per_day = dict.fromkeys(range(1, covered + 1), 0.0)  # a covered day without rows used none
    for day, credits in daily.select("date", "credits").iter_rows():
        if first <= day <= covered_through:
            per_day[day.day] += float(credits or 0.0)
    fitted = covered - 1 if last_partial else covered
    if fitted < 1:
        return None
    xs = [float(d) for d in range(1, fitted + 1)]
    a, b, sd = _line(xs, [per_day[d] for d in range(1, fitted + 1)])
    values = [per_day[d] for d in range(1, fitted + 1)]
    for d in range(fitted + 1, n_days + 1):
        guess = max(0.0, a + b * d)
        values.append(max(guess, per_day[d]) if d == covered else guess)
    so_far = sum(per_day.values())
    projected = sum(values)
    spread = _Z * sd * math.sqrt(n_days - fitted)
    runs_out = None
    if pool is not None:
        total = 0.0
        for d, value in enumerate(values, start=1):
            total += value
            if total > pool:
                runs_out = first + timedelta(days=d - 1)
                break
    return Projection(
        month=month,
        covered_through=covered_through,
        days_covered=covered,
        days_in_month=n_days,
        days_fitted=fitted,
        credits_so_far=so_far,
        projected=projected,
        low=max(so_far, projected - spread),
        high=projected + spread,
        pool=pool,
        pool_runs_out=runs_out,
        overage_cost=None if pool is None else max(0.0, projected - pool) * credit_price,
        values=tuple(values),
        residual_sd=sd,
    )
