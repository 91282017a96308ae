"""Next month's estimate as the monthly report shows it (ReportData.forecast)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from analyzer.answers.credit_months import ai_files, allowances_for, latest_credit_month
from analyzer.errors import SelectionError
from analyzer.metering.credits import is_pooled
from analyzer.model import ForecastData, Settings
from analyzer.store.folder import Store

if TYPE_CHECKING:  # imported where used: a store without AI usage reports needs neither
    from analyzer.answers.queries import Reclaim
    from analyzer.answers.whatif import WhatIf
    from analyzer.metering.projection import Projection


def _by_plan(frame: pl.DataFrame) -> dict[str, int]:
    counts = frame["plan"].value_counts().sort("plan")
    return {str(r["plan"]): int(r["count"]) for r in counts.iter_rows(named=True)}


def _projection_note(p: Projection, currency: str) -> str:
    runs_out = (
        f"the pool runs out on {p.pool_runs_out}"
        if p.pool_runs_out
        else ("the pool lasts the month" if p.pool is not None else "no pool")
    )
    cost = f", {p.overage_cost:,.2f} {currency} of overage" if p.overage_cost else ""
    return (
        f"{p.month} to {p.covered_through} ({p.days_covered} of {p.days_in_month} days): "
        f"{p.credits_so_far:,.0f} credits, projected {p.projected:,.0f} ({p.low:,.0f} to "
        f"{p.high:,.0f}) by its end; {runs_out}{cost}. An estimate: {p.method}, the last "
        "covered day left out."
    )


def report_forecast(
    store: Store, scope: str, settings: Settings, reclaim: Reclaim
) -> ForecastData | None:
    """Return the forecast of the month after the latest AI usage report's, or None without one.

    The report shows it only where the store holds AI usage reports: without credits there
    is nothing to estimate beyond the seat cost the report already shows. `reclaim` is the
    latest snapshot's, as the report computed it: the forecast and the what-if replay use it
    instead of computing it again.
    """
    if not ai_files(store):
        return None
    from analyzer.answers.forecast import build_forecast

    f = build_forecast(store, scope, None, False, settings, reclaim)
    candidates, e, mtd = f.candidates, f.expected, f.month_to_date
    users = (
        f.spenders.filter(pl.col("credits") > 0)
        .select("login", "credits")
        .sort(["credits", "login"], descending=[True, False])
        if f.spenders is not None
        else pl.DataFrame(schema={"login": pl.String, "credits": pl.Float64})
    )
    budget = _budget_replay(store, scope, settings, f.seats_by_plan, reclaim)
    return ForecastData(
        month=f.month,
        method=f.method,
        months_used=f.months_used,
        seats_by_plan=f.seats_by_plan,
        reclaim_by_plan=_by_plan(candidates),
        allowances=allowances_for(settings.billing, f.month),
        credit_price=f.credit_price,
        credits_expected=f.expected.expectation.credits if f.expected else None,
        reclaim_credits=float(candidates["credits"].fill_null(0.0).sum()),
        pooled=is_pooled(f.month),
        seat_cost=f.seat_cost,
        credit_pool=f.credit_pool,
        credit_overage=e.credit_overage if e else None,
        credit_overage_cost=e.credit_overage_cost if e else None,
        total=e.total if e else None,
        reclaim_gross=f.reclaim_gross_saving,
        reclaim_net=f.reclaim_net_saving,
        projection=mtd.by_day() if mtd else None,
        projection_pool=mtd.pool if mtd else None,
        projection_note=_projection_note(mtd, settings.currency) if mtd else None,
        users=users,
        cohorts=f.cohorts.table if f.cohorts else None,
        cohort_headline=f.cohorts.headline if f.cohorts else None,
        fairness=f.fairness.table if f.fairness else None,
        pool_line=f.pool_line,
        notes=f.notes,
        budget_daily=budget.replay.daily if budget else None,
        budget_level=budget.levels.user_budget if budget else None,
        budget_month=budget.month if budget else None,
    )


def _budget_replay(
    store: Store, scope: str, settings: Settings, seats_by_plan: dict[str, int], reclaim: Reclaim
) -> WhatIf | None:
    """Replay the latest credit month with a user budget of the main plan's allowance.

    The same level the workbook's Budget sheet starts from; None where no pooled month of
    credits can be replayed (the premium-request era, or no AI usage report covers it).
    """
    main = max(sorted(seats_by_plan), key=lambda p: seats_by_plan[p], default=None)
    if main is None:
        return None
    month = latest_credit_month(ai_files(store))
    level = allowances_for(settings.billing, month).get(main)
    if level is None:
        return None
    from analyzer.answers.whatif import build_whatif

    try:
        return build_whatif(store, scope, month, level, None, "credits", settings, reclaim)
    except SelectionError:
        return None
