"""The JSON forms of `forecast` and `whatif`: every figure labelled an estimate with its method."""

from __future__ import annotations

from typing import Any

import polars as pl

from analyzer.answers.forecast import Forecast, Scenario
from analyzer.answers.whatif import REPLAY_METHOD, WhatIf
from analyzer.metering.projection import Projection


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _amount(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _scenario(s: Scenario | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {
        "base_month": s.expectation.base_month,
        "credits_expected": _amount(s.expectation.credits),
        "credit_overage": _amount(s.credit_overage),
        "credit_overage_cost": _money(s.credit_overage_cost),
        "total": _money(s.total),
    }


def _projection(p: Projection | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "month": p.month,
        "estimate": True,
        "method": p.method,
        "covered_through": p.covered_through.isoformat(),
        "days_covered": p.days_covered,
        "days_fitted": p.days_fitted,
        "days_in_month": p.days_in_month,
        "credits_so_far": _amount(p.credits_so_far),
        "credits_projected": _amount(p.projected),
        "low": _amount(p.low),
        "high": _amount(p.high),
        "credit_pool": _amount(p.pool),
        "pool_runs_out": p.pool_runs_out.isoformat() if p.pool_runs_out else None,
        "credit_overage_cost": _money(p.overage_cost),
    }


def _rows(frame: pl.DataFrame, money: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    rows = frame.to_dicts()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float):
                row[key] = round(value, 2 if key in money else 4)
            elif hasattr(value, "isoformat"):
                row[key] = value.isoformat()
    return rows


def forecast_json(f: Forecast) -> dict[str, Any]:
    """Return the `forecast --json` object (null for every figure the store cannot tell)."""
    e = f.expected
    return {
        "scope": f.scope,
        "month": f.month,
        "estimate": True,
        "method": f.method,
        "months_used": list(f.months_used),
        "after_reclaim": f.after_reclaim,
        "currency": f.currency,
        "seats": f.seats,
        "seats_by_plan": f.seats_by_plan,
        "seats_as_of": f.seats_as_of.isoformat(),
        "seat_cost": _money(f.seat_cost),
        "credits_expected": _amount(e.expectation.credits) if e else None,
        "credit_pool": _amount(f.credit_pool),
        "credit_overage": _amount(e.credit_overage) if e else None,
        "credit_overage_cost": _money(e.credit_overage_cost) if e else None,
        "total": _money(e.total) if e else None,
        "credit_price": f.credit_price,
        "low": _scenario(f.low),
        "high": _scenario(f.high),
        "month_to_date": _projection(f.month_to_date),
        "pool_line": f.pool_line,
        "reclaim_gross_monthly_saving": _money(f.reclaim_gross_saving),
        "reclaim_net_monthly_saving": _money(f.reclaim_net_saving),
        "cohorts": (
            {"headline": f.cohorts.headline, "table": _rows(f.cohorts.table)} if f.cohorts else None
        ),
        "pool_fairness": (
            {
                "cost_centers": _rows(f.fairness.table),
                "draws": _rows(f.fairness.flows),
                "beyond_every_surplus": _amount(f.fairness.uncovered),
            }
            if f.fairness
            else None
        ),
        "notes": list(f.notes),
    }


def whatif_json(w: WhatIf) -> dict[str, Any]:
    """Return the `whatif --json` object."""
    r = w.replay
    return {
        "scope": w.scope,
        "month": w.month,
        "estimate": True,
        "method": REPLAY_METHOD,
        "months_used": [w.month],
        "covered_through": w.covered_through,
        "full_month": w.full_month,
        "currency": w.currency,
        "unit": w.unit,
        "user_budget": w.user_budget,
        "account_budget": w.account_budget,
        "user_budget_credits": _amount(w.levels.user_budget),
        "account_budget_credits": _amount(w.levels.account_budget),
        "credit_pool": _amount(w.levels.pool),
        "users_capped": r.users_capped,
        "credits_used": _amount(r.credits_used),
        "credits_stopped": _amount(r.credits_stopped),
        "cost_stopped": _money(r.cost_stopped),
        "overage_avoided": _money(r.overage_avoided),
        "account_blocked_on": r.account_blocked_on.isoformat() if r.account_blocked_on else None,
        "users": _rows(r.users),
        "cost_centers": _rows(r.cost_centers, money=("cost_stopped",)),
    }
