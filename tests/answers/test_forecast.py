"""Next month's forecast and the budget replay on a hand-built store, figures by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from analyzer.answers.forecast import build_forecast
from analyzer.answers.forecast_json import forecast_json, whatif_json
from analyzer.answers.whatif import build_whatif
from analyzer.errors import SelectionError
from analyzer.model import BillingSettings, Settings
from tests.answers.forecast_fixture import IDLE, TIMES, forecast_store, month_rows
from tests.billing_fixtures import ai_row
from tests.helpers import Seat, make_store


def test_forecast_next_month(tmp_path: Path) -> None:
    """October's 6,200 credits give November 6,000 against a 7,600 pool: no overage."""
    body = forecast_json(build_forecast(forecast_store(tmp_path), None, None, False, Settings()))
    assert (body["month"], body["seats"], body["seat_cost"]) == ("2026-11", 4, 76.0)
    assert (body["credits_expected"], body["credit_pool"]) == (6000.0, 7600.0)
    assert (body["credit_overage"], body["credit_overage_cost"], body["total"]) == (0.0, 0.0, 76.0)
    assert body["estimate"] is True and "credits of 2026-10 x 30/31 days" in body["method"]
    assert body["months_used"] == ["2026-10", "2026-09"]
    # September: 3,000 credits in 30 days -> 3,000 in November.
    assert (body["low"]["base_month"], body["low"]["credits_expected"]) == ("2026-09", 3000.0)
    assert body["high"]["base_month"] == "2026-10"
    assert body["month_to_date"] is None


def test_the_pool_binds_after_the_reclaim(tmp_path: Path) -> None:
    """Removing c and d saves 38 gross but adds 2,200 credits of overage: 16 USD net."""
    f = build_forecast(forecast_store(tmp_path), None, None, False, Settings())
    assert (f.reclaim_gross_saving, f.reclaim_net_saving) == (38.0, pytest.approx(16.0))
    assert f.candidates["marginal_net_saving"].to_list() == pytest.approx([16.0, 0.0])
    after = forecast_json(
        build_forecast(forecast_store(tmp_path / "2"), None, None, True, Settings())
    )
    assert (after["seats"], after["seat_cost"], after["credit_pool"]) == (2, 38.0, 3800.0)
    assert (after["credit_overage"], after["credit_overage_cost"]) == (2200.0, 22.0)
    assert after["total"] == pytest.approx(76.0 - 16.0)  # the net saving, counted another way


def test_a_partial_month_is_projected(tmp_path: Path) -> None:
    """November to the partial 10th (200 a day, 50 on the 10th) projects 6,000 by the 30th."""
    extra = [*month_rows("2026-11", through=9), ai_row("2026-11-10", "a", 50.0)]
    body = forecast_json(
        build_forecast(forecast_store(tmp_path, extra), None, None, False, Settings())
    )
    mtd = body["month_to_date"]
    assert body["month"] == "2026-12"
    assert (mtd["month"], mtd["covered_through"], mtd["days_fitted"]) == (
        "2026-11",
        "2026-11-10",
        9,
    )
    assert mtd["credits_so_far"] == 1850.0
    assert mtd["credits_projected"] == pytest.approx(6000.0)
    assert (mtd["credit_pool"], mtd["pool_runs_out"]) == (7600.0, None)
    assert body["credits_expected"] == pytest.approx(6200.0)  # October x 31/31


def test_the_premium_request_era_is_gross_and_unpooled(tmp_path: Path) -> None:
    """Forecasting May 2026: no pool, no credits forecast, the net saving is the gross."""
    f = build_forecast(forecast_store(tmp_path), None, "2026-05", False, Settings())
    assert f.credit_pool is None and f.expected is None
    assert f.reclaim_net_saving == f.reclaim_gross_saving == 38.0
    assert any("before the AI-credit pool" in n for n in f.notes)


def test_cohorts_and_pool_line(tmp_path: Path) -> None:
    """Two users share October's credits; the pool line counts 4 licences, 2 using them."""
    f = build_forecast(forecast_store(tmp_path), None, None, False, Settings())
    assert (
        f.pool_line
        == "pool from 4 licences, 2 of whose users appear in the AI usage report of 2026-10"
    )
    assert f.cohorts is not None
    # Of 2 users the top 5 % is 1 (rounded up), up to 20 % still 1, up to 75 % 2.
    assert f.cohorts.table["users"].to_list() == [1, 0, 1, 0, 2]


def test_whatif_user_budget(tmp_path: Path) -> None:
    """A 2,000-credit budget stops a and b from 21 October: 2 x 1,100 credits, 22 USD."""
    w = whatif_json(
        build_whatif(forecast_store(tmp_path), None, None, 2000, None, "credits", Settings())
    )
    assert (w["month"], w["users_capped"], w["credits_stopped"], w["cost_stopped"]) == (
        "2026-10",
        2,
        2200.0,
        22.0,
    )
    assert w["overage_avoided"] == 0.0 and w["account_blocked_on"] is None
    assert {u["login"]: u["budget_hit_on"] for u in w["users"]} == {
        "a": "2026-10-21",
        "b": "2026-10-21",
    }
    usd = whatif_json(
        build_whatif(forecast_store(tmp_path / "2"), None, None, 20, None, "usd", Settings())
    )
    assert usd["credits_stopped"] == 2200.0


def test_whatif_account_budget_blocks_on_the_day(tmp_path: Path) -> None:
    """A 4,000 pool and 10 USD (1,000 credits) of overage: use stops on 26 October."""
    store = forecast_store(tmp_path)
    settings = Settings(billing=BillingSettings(allowances={"business": 1000.0}))
    w = build_whatif(store, None, None, 10**6, 10.0, "credits", settings).replay
    # 200 credits a day: the pool is gone after the 20th, the 1,000 paid after the 25th.
    assert w.account_blocked_on == date(2026, 10, 26)
    assert (w.users_capped, w.credits_stopped) == (0, pytest.approx(1200.0))
    assert w.overage_avoided == pytest.approx(12.0)


def test_whatif_refuses_the_premium_request_era(tmp_path: Path) -> None:
    """Budgets on credits mean nothing before June 2026: a clear error."""
    with pytest.raises(SelectionError, match="premium requests"):
        build_whatif(forecast_store(tmp_path), None, "2026-05", 100, None, "credits", Settings())


def test_another_billing_entitys_reports_leave_credits_unknown(tmp_path: Path) -> None:
    """With two scopes, acme's AI usage reports tell nothing of other's: null, never 0."""
    store = forecast_store(tmp_path)
    make_store(tmp_path, "other", [(t, [Seat("x", activity=IDLE, auth=IDLE)]) for t in TIMES])
    body = forecast_json(build_forecast(store, "other", None, False, Settings()))
    assert body["credits_expected"] is None and body["total"] is None
    assert body["reclaim_gross_monthly_saving"] == 19.0
    assert body["reclaim_net_monthly_saving"] is None
    assert "the AI usage reports hold no rows of other: credits not forecast" in body["notes"]
    assert forecast_json(build_forecast(store, "acme", None, False, Settings()))[
        "credits_expected"
    ] == pytest.approx(6000.0)


def test_the_report_computes_the_reclaim_list_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's forecast and what-if replay use the report's reclaim list, equal to the
    one `forecast` and `whatif` compute on their own."""
    from analyzer.answers import forecast, whatif
    from analyzer.answers.report_data import build_report_data

    store = forecast_store(tmp_path)
    alone = build_forecast(store, None, None, False, Settings())

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the reclaim list was computed again")

    monkeypatch.setattr(forecast, "get_reclaim", refused)
    monkeypatch.setattr(whatif, "get_reclaim", refused)
    data = build_report_data(store, None, None, Settings(), datetime(2026, 11, 20, tzinfo=UTC))
    assert data.forecast is not None and data.forecast.budget_daily is not None
    assert data.forecast.reclaim_by_plan == {"business": alone.candidates.height}
    assert data.forecast.reclaim_net == alone.reclaim_net_saving
