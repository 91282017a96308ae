"""A month's credits replayed against user and account budgets, by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from analyzer.metering.budgets import BudgetLevels, replay_budgets

D1, D2 = date(2026, 10, 1), date(2026, 10, 2)


def _usage() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "login": ["a", "a", "b", "c"],
            "date": [D1, D2, D1, D2],
            "credits": [40.0, 30.0, 60.0, 20.0],
            "cost_center": ["X", "X", "Y", None],
        }
    )


def test_user_budgets_only() -> None:
    """Budget 50: a is capped on day 2, b on day 1; 30 credits stopped, overage 50 -> 20."""
    r = replay_budgets(_usage(), BudgetLevels(50.0, None, 100.0, 0.01))
    assert (r.users_capped, r.credits_stopped) == (2, pytest.approx(30.0))
    assert r.cost_stopped == pytest.approx(0.30)
    assert (r.overage_actual, r.overage_simulated) == (pytest.approx(50.0), pytest.approx(20.0))
    assert r.overage_avoided == pytest.approx(0.30)
    assert r.account_blocked_on is None
    users = {u["login"]: u for u in r.users.iter_rows(named=True)}
    assert users["a"]["budget_hit_on"] == D2 and users["b"]["budget_hit_on"] == D1
    assert users["c"]["budget_hit_on"] is None
    assert users["a"]["credits_allowed"] == pytest.approx(50.0)


def test_the_account_budget_stops_paid_overage() -> None:
    """An account budget of 10 paid credits blocks c's last 10 on day 2."""
    r = replay_budgets(_usage(), BudgetLevels(50.0, 10.0, 100.0, 0.01))
    assert r.account_blocked_on == D2
    assert r.credits_stopped == pytest.approx(40.0)
    assert r.overage_simulated == pytest.approx(10.0)
    c = r.users.filter(pl.col("login") == "c")
    assert c["credits_allowed"].item() == pytest.approx(10.0)
    centres = {x["cost_center"]: x for x in r.cost_centers.iter_rows(named=True)}
    assert centres["X"]["credits_stopped"] == pytest.approx(20.0)
    assert centres["(no cost centre)"]["credits_stopped"] == pytest.approx(10.0)


def test_budgets_above_all_use_stop_nothing() -> None:
    """A budget no user reaches and no account cap change nothing."""
    r = replay_budgets(_usage(), BudgetLevels(1000.0, None, 100.0, 0.01))
    assert (r.users_capped, r.credits_stopped, r.overage_avoided) == (0, 0.0, 0.0)


def test_the_daily_overage_cost_as_it_happened_and_with_the_budgets() -> None:
    """Pool 100, budget 50, 0.01 a credit: day 1 uses 100 (no overage), day 2 uses 50 more.

    As it happened: 150 credits, 50 beyond the pool, 0.50 by day 2. With the budgets:
    a keeps 40 + 10 and b 50 of 60, c 20: 120 credits, 20 beyond the pool, 0.20.
    """
    r = replay_budgets(_usage(), BudgetLevels(50.0, None, 100.0, 0.01))
    assert r.daily["date"].to_list() == [D1, D2]
    assert r.daily["actual_cost"].to_list() == pytest.approx([0.0, 0.50])
    assert r.daily["simulated_cost"].to_list() == pytest.approx([0.0, 0.20])
    assert r.daily["simulated_cost"][-1] == pytest.approx(r.overage_simulated * 0.01)
