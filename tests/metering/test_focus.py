"""FOCUS rows from billing frames: seat charge periods, usage per user and day, org-billed rows."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl

from analyzer.metering.focus import (
    COLUMN_NAMES,
    FocusContext,
    charges_of,
    focus_rows,
    seat_periods,
    usage_days,
)

OCTOBER = FocusContext("acme", date(2026, 10, 1), date(2026, 11, 1), "USD")
PEOPLE = pl.DataFrame(
    {
        "login": ["mona"],
        "team": ["platform"],
        "cost_center": ["cc-people"],
        "plan": ["business"],
        "state": ["stale"],
    }
)


def _seat_day(login: str | None, day: int, org: str = "acme-eng") -> dict[str, object]:
    return {
        "date": date(2026, 10, day),
        "sku": "copilot_for_business",
        "quantity": 1 / 31,
        "unit_type": "user-months",
        "price": 19.0,
        "gross_amount": 19 / 31,
        "net_amount": 19 / 31,
        "login": login,
        "organization": org,
        "cost_center": None,
    }


def _usage(login: str | None, day: int, model: str, quantity: float) -> dict[str, object]:
    return {
        "date": date(2026, 10, day),
        "sku": "copilot_ai_credit",
        "model": model,
        "quantity": quantity,
        "unit_type": "ai-credits",
        "price": 0.01,
        "gross_amount": quantity * 0.01,
        "net_amount": quantity * 0.004,
        "login": login,
        "organization": "acme-eng",
        "cost_center": "platform",
    }


SCHEMA = {
    "date": pl.Date,
    "sku": pl.String,
    "model": pl.String,
    "quantity": pl.Float64,
    "unit_type": pl.String,
    "price": pl.Float64,
    "gross_amount": pl.Float64,
    "net_amount": pl.Float64,
    "login": pl.String,
    "organization": pl.String,
    "cost_center": pl.String,
}


def _frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return charges_of(pl.DataFrame(rows, schema={k: SCHEMA[k] for k in (rows or [SCHEMA])[0]}))


def _rows(seats: list[dict[str, object]], usage: list[dict[str, object]]) -> pl.DataFrame:
    seat_frame, usage_frame = _frame(seats), _frame(usage)
    return focus_rows(
        seat_periods(seat_frame), usage_days(usage_frame), PEOPLE, OCTOBER, {"seat": "s"}
    )


def test_a_seat_billed_every_day_is_one_row_for_the_month() -> None:
    """31 daily seat rows make one Purchase row from Oct 1 to Nov 1 (exclusive), 19 USD."""
    rows = _rows([_seat_day("mona", d) for d in range(1, 32)], [])
    assert rows.columns == list(COLUMN_NAMES)
    assert rows.height == 1
    row = rows.row(0, named=True)
    assert (row["ChargeCategory"], row["ChargeFrequency"]) == ("Purchase", "Recurring")
    assert (row["ChargePeriodStart"], row["ChargePeriodEnd"]) == (
        "2026-10-01T00:00:00Z",
        "2026-11-01T00:00:00Z",
    )
    assert round(row["BilledCost"], 6) == 19.0
    assert row["ConsumedQuantity"] is None  # FOCUS: null unless ChargeCategory is Usage
    assert (row["x_Login"], row["x_Team"], row["x_SeatState"], row["x_Plan"]) == (
        "mona",
        "platform",
        "stale",
        "business",
    )
    assert row["x_CostCenter"] == "cc-people"  # the row names none: the person's
    assert row["ResourceId"] == "acme-eng/mona"


def test_a_seat_removed_and_added_again_has_one_row_per_period() -> None:
    """Days 1-5 and 20-31 are two charge periods, each with its own days and cost."""
    days = [*range(1, 6), *range(20, 32)]
    rows = _rows([_seat_day("mona", d) for d in days], [])
    periods = rows.select("ChargePeriodStart", "ChargePeriodEnd", "x_DaysBilled").rows()
    assert periods == [
        ("2026-10-01T00:00:00Z", "2026-10-06T00:00:00Z", 5),
        ("2026-10-20T00:00:00Z", "2026-11-01T00:00:00Z", 12),
    ]
    assert abs(rows["BilledCost"].sum() - 19 * 17 / 31) < 1e-9


def test_seats_in_two_orgs_are_two_seats() -> None:
    """One login seated by two orgs on the same days gives one row per org."""
    seats = [_seat_day("mona", d, org) for d in (1, 2) for org in ("acme-eng", "acme-web")]
    rows = _rows(seats, [])
    assert rows["SubAccountId"].to_list() == ["acme-eng", "acme-web"]


def test_usage_is_one_row_per_user_day_sku_and_model() -> None:
    """Two models on one day are two Usage rows; the same model twice that day is one."""
    usage = [
        _usage("mona", 3, "GPT-5", 100),
        _usage("mona", 3, "GPT-5", 50),
        _usage("mona", 3, "Claude", 10),
    ]
    rows = _rows([], usage)
    got = rows.select("x_Model", "ConsumedQuantity", "ChargePeriodStart", "ChargePeriodEnd")
    assert sorted(got.rows()) == [
        ("Claude", 10.0, "2026-10-03T00:00:00Z", "2026-10-04T00:00:00Z"),
        ("GPT-5", 150.0, "2026-10-03T00:00:00Z", "2026-10-04T00:00:00Z"),
    ]
    assert set(rows["ChargeFrequency"]) == {"Usage-Based"}
    gpt = rows.filter(pl.col("x_Model") == "GPT-5").row(0, named=True)
    assert round(gpt["ListCost"], 6) == 1.5  # gross: quantity x list price
    assert round(gpt["BilledCost"], 6) == 0.6  # net: what GitHub billed
    assert gpt["EffectiveCost"] == gpt["BilledCost"]
    assert gpt["x_CostCenter"] == "platform"  # GitHub's cost centre on the row wins


def test_a_row_without_a_user_is_billed_to_the_organization() -> None:
    """Usage without a login stays, billed to the organization, with no login or resource."""
    rows = _rows([], [_usage(None, 9, "Code Review model", 20)])
    row = rows.row(0, named=True)
    assert (row["x_BilledTo"], row["x_Login"], row["ResourceId"]) == ("organization", None, None)
    assert row["SubAccountId"] == "acme-eng"
    assert round(row["BilledCost"], 6) == 0.08


def test_the_sum_of_billed_cost_is_the_sum_of_net_amounts() -> None:
    """Aggregating never changes the total: BilledCost sums to GitHub's net, row for row."""
    seats = [_seat_day(f"user{i}", d) for i in range(7) for d in range(1 + i, 32, 1 + i % 3)]
    usage = [_usage(f"user{i}", 1 + i % 28, "GPT-5", 13.7 * i) for i in range(40)]
    rows = _rows(seats, usage)
    expected = sum(float(r["net_amount"]) for r in [*seats, *usage])  # type: ignore[arg-type]
    assert abs(rows["BilledCost"].sum() - expected) < 1e-9
    end = (date(2026, 10, 31) + timedelta(days=1)).isoformat()
    assert rows["ChargePeriodEnd"].max() == f"{end}T00:00:00Z"


def test_the_docs_name_every_column() -> None:
    """docs/focus.md's column table lists every column the export writes, in order."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "focus.md").read_text()
    listed = [line.split("`")[1] for line in text.splitlines() if line.startswith("| `")]
    assert listed == list(COLUMN_NAMES)
