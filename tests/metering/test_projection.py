"""A partly covered month projected to its end, by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from analyzer.metering.projection import project_month


def _daily(values: dict[int, float], month: str = "2026-11") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "date": [date.fromisoformat(f"{month}-{d:02d}") for d in values],
            "credits": list(values.values()),
        }
    )


def test_a_flat_month_with_a_partial_last_day() -> None:
    """100 a day for 10 days, 30 on the partial 11th: 3,000 by the 30th, the pool gone the 26th."""
    daily = _daily({**{d: 100.0 for d in range(1, 11)}, 11: 30.0})
    p = project_month("2026-11", daily, date(2026, 11, 11), True, 2500.0, 0.01)
    assert p is not None
    assert (p.credits_so_far, p.days_fitted) == (1030.0, 10)
    assert p.projected == pytest.approx(3000.0)
    assert (p.low, p.high) == (pytest.approx(3000.0), pytest.approx(3000.0))
    assert p.pool_runs_out == date(2026, 11, 26)
    assert p.overage_cost == pytest.approx(5.0)


def test_a_rising_line_and_a_pool_never_reached() -> None:
    """10, 20, 30, 40 on whole days 1-4 follow 10 x day: 4,650 by the 30th; pool 5,000 holds."""
    daily = _daily({1: 10.0, 2: 20.0, 3: 30.0, 4: 40.0})
    p = project_month("2026-11", daily, date(2026, 11, 4), False, 5000.0, 0.01)
    assert p is not None
    assert p.projected == pytest.approx(4650.0)
    assert p.pool_runs_out is None
    assert p.overage_cost == 0.0


def test_noise_widens_the_band_and_a_missing_day_is_zero() -> None:
    """Uneven days give a band around the projection; a covered day without rows counts 0."""
    daily = _daily({1: 100.0, 3: 200.0, 4: 100.0})
    p = project_month("2026-11", daily, date(2026, 11, 4), False, None, 0.01)
    assert p is not None
    assert p.credits_so_far == 400.0
    assert p.low < p.projected < p.high
    assert p.pool_runs_out is None and p.overage_cost is None


def test_nothing_to_fit_gives_none() -> None:
    """A report of the first, partial day leaves no whole day to fit: no projection."""
    assert project_month("2026-11", _daily({1: 5.0}), date(2026, 11, 1), True, 1.0, 0.01) is None


def test_by_day_joins_the_covered_days_to_the_projection() -> None:
    """Day by day: cumulative credits, projected after the covered days, band ending as p's."""
    daily = _daily({1: 100.0, 3: 200.0, 4: 100.0})
    p = project_month("2026-11", daily, date(2026, 11, 4), False, None, 0.01)
    assert p is not None
    days = p.by_day()
    assert days.height == 30 and days["projected"].sum() == 26
    assert days["cumulative"][3] == 400.0 and days["cumulative"][-1] == pytest.approx(p.projected)
    assert (days["low"][-1], days["high"][-1]) == (pytest.approx(p.low), pytest.approx(p.high))
    assert days.filter(pl.col("projected"))["low"].min() >= 400.0
