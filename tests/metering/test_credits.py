"""Expected credits and the net saving of removing seats under the pool, by hand."""

from __future__ import annotations

import polars as pl
import pytest

from analyzer.metering.credits import (
    expected_credits,
    is_pooled,
    marginal_net_savings,
    net_reclaim_saving,
    next_month,
    previous_month,
)


def test_expected_credits_scale_by_days() -> None:
    """31,000 credits in October (31 days) expect 30,000 in November (30 days), method named."""
    e = expected_credits("2026-10", 31_000.0, "2026-11")
    assert e.credits == pytest.approx(30_000.0)
    assert "credits of 2026-10 x 30/31 days" in e.method


def test_months_step_over_the_year() -> None:
    """December's next month is January and January's previous is December."""
    assert next_month("2026-12") == "2027-01"
    assert previous_month("2027-01") == "2026-12"
    assert (is_pooled("2026-05"), is_pooled("2026-06")) == (False, True)


def test_a_pool_that_binds_after_the_reclaim() -> None:
    """10 Business seats pool 19,000; at E 18,000 removing 2 idle ones saves 38 - 28 = 10 USD."""
    assert net_reclaim_saving(38.0, 3800.0, 0.0, 18_000.0, 19_000.0, 0.01) == pytest.approx(10.0)


def test_a_pool_that_does_not_bind() -> None:
    """At E 10,000 the smaller pool (15,200) still covers it: net equals gross."""
    assert net_reclaim_saving(38.0, 3800.0, 0.0, 10_000.0, 19_000.0, 0.01) == pytest.approx(38.0)


def test_a_pool_already_exceeded_saves_nothing() -> None:
    """When E is beyond the pool each removed allowance becomes overage: 38 - 38 = 0."""
    assert net_reclaim_saving(38.0, 3800.0, 0.0, 25_000.0, 19_000.0, 0.01) == pytest.approx(0.0)


def test_the_premium_request_era_is_gross() -> None:
    """Before June 2026 there is no pool: the net saving is the gross."""
    assert net_reclaim_saving(38.0, 3800.0, 0.0, 25_000.0, 0.0, 0.01, pooled=False) == 38.0


def test_enterprise_and_business_mixed_marginals_in_list_order() -> None:
    """Pool 2x3,900 + 3x1,900 = 13,500, E 12,000: the Enterprise seat nets 20, the next 0."""
    candidates = pl.DataFrame(
        {
            "login": ["ent", "bus"],
            "monthly_cost": [39.0, 19.0],
            "allowance": [3900.0, 1900.0],
            "credits": [500.0, 0.0],
        }
    )
    out = marginal_net_savings(candidates, 12_000.0, 13_500.0, 0.01)
    # ent: E' 11,500 against 9,600: 1,900 over (19 USD); both: 11,500 against 7,700: 38 USD.
    assert out["net_saving"].to_list() == pytest.approx([20.0, 20.0])
    assert out["marginal_net_saving"].to_list() == pytest.approx([20.0, 0.0])
    assert net_reclaim_saving(39.0, 3900.0, 500.0, 12_000.0, 13_500.0, 0.01) == pytest.approx(20.0)


def test_marginals_before_the_pool_are_the_prices() -> None:
    """In the premium-request era each candidate's marginal saving is its price."""
    candidates = pl.DataFrame(
        {"monthly_cost": [39.0, 19.0], "allowance": [0.0, 0.0], "credits": [None, None]},
        schema_overrides={"credits": pl.Float64},
    )
    out = marginal_net_savings(candidates, 0.0, 0.0, 0.01, pooled=False)
    assert out["marginal_net_saving"].to_list() == [39.0, 19.0]
