"""The Spend section's "Next month" block: figures, gross against net, the projection chart."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analyzer.answers.report_data import build_report_data
from analyzer.model import Settings
from analyzer.report.page.forecast import projection_chart
from analyzer.report.page.html import render_html
from tests.answers.forecast_fixture import TIMES, forecast_store, month_rows, seats
from tests.billing_fixtures import ai_row
from tests.helpers import make_store

NOW = datetime(2026, 11, 12, tzinfo=UTC)


def _data(tmp_path: Path):  # type: ignore[no-untyped-def]
    extra = [*month_rows("2026-11", through=9), ai_row("2026-11-10", "a", 50.0)]
    return build_report_data(forecast_store(tmp_path, extra), None, None, Settings(), NOW)


def test_the_block_says_gross_and_net(tmp_path: Path) -> None:
    """December (E 6,200): 38 USD gross, 24 of new overage after the reclaim: 14 net."""
    html = render_html(_data(tmp_path))
    block = html[html.index('<details class="block fold" id="forecast">') :]
    assert "Next month, 2026-12: an estimate" in block
    assert "credits of 2026-10 x 31/31 days (months used: 2026-10, 2026-09)" in block
    assert "38.00 USD a month gross and 14.00 USD net" in block
    assert 'id="forecast-cohorts"' in block and 'id="forecast-fairness"' in block
    assert "The pool from 4 licences, 2 of whose users appear" in block


def test_the_projection_chart(tmp_path: Path) -> None:
    """November so far (to the 10th) and its projection to the 30th, with the pool line."""
    forecast = _data(tmp_path).forecast
    assert forecast is not None
    chart = projection_chart(forecast)
    assert chart is not None and chart.figure is not None
    names = [t.name for t in chart.figure.data]
    assert names == [None, "Band", "Credits so far", "Projected (estimate)", "Pool"]
    so_far = chart.figure.data[2]
    assert (len(so_far.x), so_far.y[-1]) == (10, 1850.0)
    assert chart.figure.data[3].y[-1] == 6000.0
    assert "pool lasts the month" in chart.note


def test_no_ai_usage_report_no_block(tmp_path: Path) -> None:
    """A store without AI usage reports shows no "Next month" block."""
    store = make_store(tmp_path, "acme", [(t, seats(t)) for t in TIMES])
    html = render_html(build_report_data(store, None, None, Settings(), NOW))
    assert 'id="forecast"' not in html


def test_the_projection_is_drawn_on_the_pool_chart_of_its_month(tmp_path: Path) -> None:
    """November's page: the Spend pool chart carries the projection; no second chart for it."""
    extra = [*month_rows("2026-11", through=9), ai_row("2026-11-10", "a", 50.0)]
    data = build_report_data(forecast_store(tmp_path, extra), None, "2026-11", Settings(), NOW)
    assert data.bill is not None and data.bill.month == "2026-11"
    html = render_html(data)
    start = html.index('<script type="application/json" id="chart-spend-pool-data">')
    figure = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    names = [trace.get("name") for trace in figure["data"]]
    assert "Projected (estimate)" in names and "Pool" in names
    assert 'id="chart-forecast-month"' not in html


def test_the_block_draws_actual_against_simulated_overage_cost(tmp_path: Path) -> None:
    """The budget chart: the month's overage cost as it happened and with user budgets."""
    data = _data(tmp_path)
    forecast = data.forecast
    assert forecast is not None and forecast.budget_daily is not None
    daily = forecast.budget_daily
    pairs = zip(daily["simulated_cost"], daily["actual_cost"], strict=True)
    assert all(simulated <= actual + 1e-9 for simulated, actual in pairs)
    html = render_html(data)
    start = html.index('<script type="application/json" id="chart-forecast-budget-data">')
    figure = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    names = [trace["name"] for trace in figure["data"]]
    assert names[0] == "As it happened" and names[1].endswith("credits (simulated)")
    assert figure["data"][0]["y"][-1] == pytest.approx(daily["actual_cost"][-1])
