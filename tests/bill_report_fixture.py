"""A small hand-built BillData for the Spend section and the Bill sheet (report writer tests)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import polars as pl

from analyzer.answers.bill_people import PEOPLE_SCHEMA, breakdown_tables
from analyzer.model import BillData, BillException, ReportData
from tests.report_fixture import XSS, make_report_data

# Business 1,900 a licence, Enterprise 3,900: 4 x 1,900 + 3,900 = 11,500 credits.
POOL = 11_500.0
USED = 20_000.0  # ann 12,000, bob 6,000, eve 2,000
OVERAGE = USED - POOL
PRICE = 0.01


def _people(overage_cost: float | None, credits_known: bool) -> pl.DataFrame:
    """Return the five seats of the report fixture as the bill's people."""
    credits: list[float | None] = [12_000.0, 6_000.0, None, None, 2_000.0]
    if not credits_known:
        credits = [None] * 5
    share = [
        (c or 0.0) * overage_cost / USED if overage_cost is not None else None for c in credits
    ]
    billed = [19.0, 19.0, 19.0, 39.0, 19.0]
    return pl.DataFrame(
        {
            "login": ["ann", "bob", "cy", "dee", "eve"],
            "plan": ["business", "business", "business", "enterprise", "business"],
            "orgs": ["acme"] * 5,
            "primary_org": ["acme"] * 5,
            "team": ["platform", "platform", None, "sales", None],
            "cost_center": ["CC-1", "CC-1", None, "CC-2", "CC-2"],
            "state": ["active", "stale", "never_active", "stale", "new"],
            "days_billed": [31, 31, 31, 31, 31],
            "days_low": [31] * 5,
            "days_high": [31] * 5,
            "seat_cost_billed": billed,
            "seat_cost_expected": billed,
            "credits_used": credits,
            "premium_requests": [None] * 5,
            "premium_ai_units": [None] * 5,
            "premium_request_cost": [None] * 5,
            "plan_source": ["configured default (business)"] * 5,
            "billed_cost_center": ["CC-1", "CC-1", None, "CC-2", "CC-2"],
            "overage_share": share,
            "total_cost": [b + (s or 0.0) for b, s in zip(billed, share, strict=True)],
            "idle_with_credits": [False, credits_known, False, False, False],
            "heavy": [credits_known, False, False, False, False],
        },
        schema=PEOPLE_SCHEMA,
    )


def make_bill(*, credits_known: bool = True, credit_cost: float | None = None) -> BillData:
    """Return October 2026's bill of the fixture's five seats: over the pool unless told."""
    overage_cost = OVERAGE * PRICE if credits_known else None
    people = _people(overage_cost, credits_known)
    billed_credits = overage_cost if credit_cost is None else credit_cost
    daily = pl.DataFrame(
        {
            "date": [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5)],
            "credits_used": [5_000.0, 7_000.0, 8_000.0],
        }
    ).with_columns(cumulative=pl.col("credits_used").cum_sum())
    models = pl.DataFrame(
        {
            "model": ["Claude Sonnet 4.6", XSS],
            "credits_used": [15_000.0, 5_000.0],
            "premium_requests": [None, None],
            "premium_ai_units": [None, None],
            "premium_request_cost": [None, None],
            "users": [3, 1],
        }
    )
    notes = () if credits_known else ("no AI usage report for 2026-10: credits unknown",)
    era = "2026-10 was billed in AI credits (premium requests ended 2026-06-01)"
    unknown = dict.fromkeys(("premium_requests", "premium_ai_units", "premium_request_cost"), era)
    if not credits_known:
        missing = notes[0]  # (the renderers show this reason)
        unknown |= dict.fromkeys(("credits_used", "credit_overage", "credit_overage_cost"), missing)
    return BillData(
        scope="acme",
        month="2026-10",
        currency="USD",
        seat_cost_billed=115.0,
        seat_cost_expected=115.0,
        seat_cost_expected_low=115.0,
        credits_used=USED if credits_known else None,
        credit_pool=POOL,
        credit_overage=OVERAGE if credits_known else None,
        credit_overage_cost=overage_cost,
        credit_cost_billed=billed_credits if credits_known else 0.0,
        premium_requests=None,
        premium_request_cost=None,
        total_billed=115.0 + (billed_credits or 0.0),
        other_rows=0,
        other_net=0.0,
        licences={"business": 4, "enterprise": 1},
        credit_price=PRICE,
        allowances={"business": 1900.0, "enterprise": 3900.0},
        exceptions=(BillException("ghost", "billed-not-seated", f"billed for 31 days {XSS}"),),
        notes=notes,
        sources=("usage report (detailed): usageReport_1_x.csv (2026-10-01..2026-10-31)",),
        people=people,
        breakdowns=breakdown_tables(people),
        models=models if credits_known else models.clear(),
        daily=daily if credits_known else daily.clear(),
        unknown=unknown,
    )


def with_bill(data: ReportData | None = None, **bill: Any) -> ReportData:
    """Return the report fixture (October 2026) carrying the bill `make_bill(**bill)`."""
    base = data or make_report_data()
    return dataclasses.replace(base, month="2026-10", bill=make_bill(**bill))
