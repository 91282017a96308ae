"""The page's "Next month" block in Spend: the forecast, gross against net, who spends, the pool.

Laid out from ReportData.forecast (computed by answers/forecast_report.py); every figure is
labelled an estimate with its method and the months used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from markupsafe import Markup

from analyzer.model import ForecastData, ReportData
from analyzer.report.page.figures import Chart, base_figure
from analyzer.report.page.tables import Cell, Table, cells, table, text
from analyzer.report.page.text import fmt_money
from analyzer.report.palette import SPEND_COLORS

CHART_ID = "chart-forecast-month"


@dataclass(frozen=True)
class Outlook:
    """Everything the "Next month" block shows."""

    month: str
    method: str
    figures: tuple[tuple[str, str], ...]  # (label, value or the reason it is unknown)
    savings: str  # gross against net, in one sentence
    pool_line: str
    cohort_headline: str
    cohorts: Table | None
    fairness: Table | None
    chart: Chart | None
    chart_json: Markup | None
    notes: tuple[str, ...]
    budget_chart: Chart | None = None
    budget_json: Markup | None = None


def _money(value: float | None, currency: str, unknown: str) -> str:
    return unknown if value is None else fmt_money(value, currency)


def _credits(value: float | None, unknown: str) -> str:
    return unknown if value is None else f"{value:,.0f} credits"


def _figures(f: ForecastData, currency: str) -> tuple[tuple[str, str], ...]:
    unknown = "unknown: " + ("; ".join(f.notes) or "no fully covered month of credits")
    no_pool = f"none: {f.month} is before the AI-credit pool"
    plans = ", ".join(f"{n:,} {plan}" for plan, n in f.seats_by_plan.items()) or "none"
    return (
        ("Seats", plans),
        ("Seat cost", fmt_money(f.seat_cost, currency)),
        ("AI credits expected", _credits(f.credits_expected, unknown)),
        ("Credit pool", _credits(f.credit_pool, no_pool)),
        ("Credit overage", _credits(f.credit_overage, unknown)),
        ("Overage cost", _money(f.credit_overage_cost, currency, unknown)),
        ("Total", _money(f.total, currency, unknown)),
    )


def _savings(f: ForecastData, currency: str) -> str:
    gross = fmt_money(f.reclaim_gross, currency)
    if not f.pooled:
        return f"Removing the reclaim candidates saves {gross} a month (no pool: net = gross)."
    if f.reclaim_net is None:
        return (
            f"Removing the reclaim candidates saves {gross} a month in seat prices; what it "
            "costs in new credit overage is unknown without a fully covered month of credits."
        )
    return (
        f"Removing the reclaim candidates saves {gross} a month gross and "
        f"{fmt_money(f.reclaim_net, currency)} net: their allowances leave the pool too, and "
        "the credits beyond it are paid."
    )


def _cohorts(f: ForecastData) -> Table | None:
    if f.cohorts is None:
        return None

    def row(r: dict[str, Any]) -> list[Cell]:
        share = "" if r["share"] is None else f"{r['share']:.0%}"
        return cells(
            Cell(text(r["cohort"])),
            Cell(f"{r['users']:,}", "num", sort=str(r["users"])),
            Cell(f"{r['credits']:,.0f}", "num", sort=f"{r['credits']:.4f}"),
            Cell(share, "num"),
            Cell(f"{r['mean'] or 0:,.0f}", "num", sort=f"{r['mean'] or 0:.4f}"),
            Cell(f"{r['median'] or 0:,.0f}", "num", sort=f"{r['median'] or 0:.4f}"),
        )

    names = "Cohort|Users#|Credits#|Share#|Mean#|Median#"
    return table("forecast-cohorts", f.cohorts, names, row, "No user.")


def _fairness(f: ForecastData) -> Table | None:
    if f.fairness is None:
        return None

    def row(r: dict[str, Any]) -> list[Cell]:
        return cells(
            Cell(text(r["cost_center"]), "wrap"),
            Cell(f"{r['licences']:,}", "num", sort=str(r["licences"])),
            Cell(f"{r['contributed']:,.0f}", "num", sort=f"{r['contributed']:.4f}"),
            Cell(f"{r['consumed']:,.0f}", "num", sort=f"{r['consumed']:.4f}"),
            Cell(f"{r['balance']:+,.0f}", "num", sort=f"{r['balance']:.4f}"),
        )

    return table(
        "forecast-fairness",
        f.fairness,
        "Cost centre|Licences#|Credits contributed#|Credits consumed#|Balance#",
        row,
        "No licence.",
    )


def projection_chart(f: ForecastData) -> Chart | None:
    """Draw the partly covered month: credits so far, the projected line, its band, the pool."""
    frame = f.projection
    if frame is None or f.projection_note is None:
        return None
    x = [d.isoformat() for d in frame["date"].to_list()]
    seen = frame.filter(~frame["projected"])
    ahead = frame.filter(frame["projected"] | (frame["date"] == seen["date"].max()))
    traces = [
        go.Scatter(x=[d.isoformat() for d in ahead["date"]], y=ahead["high"].to_list(),
                   mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"),
        go.Scatter(x=[d.isoformat() for d in ahead["date"]], y=ahead["low"].to_list(),
                   mode="lines", line={"width": 0}, fill="tonexty", name="Band",
                   fillcolor="rgba(120,120,120,0.18)", hoverinfo="skip"),
        go.Scatter(x=[d.isoformat() for d in seen["date"]], y=seen["cumulative"].to_list(),
                   mode="lines+markers", name="Credits so far",
                   line={"color": SPEND_COLORS["credits"], "width": 2},
                   hovertemplate="%{x}: %{y:,.0f} credits<extra></extra>"),
        go.Scatter(x=[d.isoformat() for d in ahead["date"]], y=ahead["cumulative"].to_list(),
                   mode="lines", name="Projected (estimate)",
                   line={"color": SPEND_COLORS["credits"], "dash": "dot", "width": 2},
                   hovertemplate="%{x}: %{y:,.0f} credits (projected)<extra></extra>"),
    ]  # fmt: skip
    pool = f.projection_pool
    if pool:
        traces.append(
            go.Scatter(
                x=[x[0], x[-1]],
                y=[pool, pool],
                mode="lines",
                name="Pool",
                line={"color": SPEND_COLORS["pool"], "dash": "dash", "width": 1.5},
                hovertemplate="pool: %{y:,.0f} credits<extra></extra>",
            )
        )
    figure = base_figure(
        traces,
        xaxis={"type": "date", "range": [x[0], x[-1]], "tickformat": "%-d %b", "nticks": 6},
        yaxis={"title": {"text": "credits"}, "rangemode": "tozero"},
        hovermode="x unified",
    )
    title = f"AI credits of {x[0][:7]} against the pool, projected to the month's end"
    return Chart(CHART_ID, title, f.projection_note, figure)


BUDGET_CHART_ID = "chart-forecast-budget"


def budget_chart(f: ForecastData, currency: str) -> Chart | None:
    """Draw the base month's overage cost so far: as it happened, and with user budgets."""
    daily = f.budget_daily
    if daily is None or daily.height < 2 or f.budget_level is None:
        return None
    x = [d.isoformat() for d in daily["date"].to_list()]
    level = f"{f.budget_level:,.0f}"
    traces = [
        go.Scatter(x=x, y=daily["actual_cost"].to_list(), mode="lines", name="As it happened",
                   line={"color": SPEND_COLORS["credits"], "width": 2},
                   hovertemplate="%{x}: %{y:,.2f} " + currency + "<extra></extra>"),
        go.Scatter(x=x, y=daily["simulated_cost"].to_list(), mode="lines",
                   name=f"With a user budget of {level} credits (simulated)",
                   line={"color": SPEND_COLORS["pool"], "dash": "dot", "width": 2},
                   hovertemplate="%{x}: %{y:,.2f} " + currency + " (simulated)<extra></extra>"),
    ]  # fmt: skip
    figure = base_figure(
        traces,
        xaxis={"type": "date", "tickformat": "%-d %b", "nticks": 6},
        yaxis={"title": {"text": f"overage cost so far ({currency})"}, "rangemode": "tozero"},
        hovermode="x unified",
    )
    title = f"Overage cost of {f.budget_month}: actual against simulated user budgets"
    note = (
        f"An estimate: the month's credits replayed day by day with every user stopped at "
        f"{level} credits (their plan's allowance), then the pool, as GitHub applies budgets. "
        "Other levels: `copilot-seats whatif` or the workbook's Budget sheet."
    )
    return Chart(BUDGET_CHART_ID, title, note, figure)


POOL_CHART_ID = "chart-spend-pool"  # the Spend section's pool chart (spend_charts.pool_chart)


def on_the_pool_chart(data: ReportData) -> bool:
    """Return whether the projection is drawn on the Spend section's pool chart.

    It is when the partly covered month it projects is the bill's month: one chart then shows
    the credits so far, the projected line with its band, and the pool.
    """
    f, bill = data.forecast, data.bill
    if f is None or bill is None or f.projection is None or f.projection.is_empty():
        return False
    return bool(f.projection["date"][0].strftime("%Y-%m") == bill.month)


def projected_pool_chart(data: ReportData) -> Chart | None:
    """Return the Spend section's pool chart with the projection drawn on it, when it is."""
    if not on_the_pool_chart(data) or data.forecast is None:
        return None
    chart = projection_chart(data.forecast)
    if chart is None:
        return None
    title = "AI credits against the pool, projected to the month's end (an estimate)"
    return Chart(POOL_CHART_ID, title, chart.note, chart.figure)


def build_outlook(data: ReportData, chart_json: Callable[[Chart], Markup]) -> Outlook | None:
    """Lay out the "Next month" block (None without AI usage reports in the store)."""
    f = data.forecast
    if f is None:
        return None
    currency = data.settings.currency
    # Drawn on the Spend section's pool chart when it projects the bill's month.
    chart = None if on_the_pool_chart(data) else projection_chart(f)
    used = ", ".join(f.months_used) or "none"
    budgets = budget_chart(f, currency)
    return Outlook(
        month=f.month,
        method=f"{f.method} (months used: {used})",
        figures=_figures(f, currency),
        savings=_savings(f, currency),
        pool_line=f.pool_line or "",
        cohort_headline=f.cohort_headline or "",
        cohorts=_cohorts(f),
        fairness=_fairness(f),
        chart=chart,
        chart_json=chart_json(chart) if chart else None,
        notes=f.notes,
        budget_chart=budgets,
        budget_json=chart_json(budgets) if budgets else None,
    )
