"""The Summary's opening bridge: from the seat history's expected cost to the invoice.

Each line is a formula on the price cells (what the seat history predicts) or a labelled fact
(what GitHub billed); a figure no stored file gives is written as "unknown" with the reason,
never as 0. The lines add up on their face: expected seat charges, the difference to the
billed seat charges, the AI credits or premium requests billed, other Copilot charges, and
the total billed.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from openpyxl.utils import quote_sheetname

from analyzer.model import BillData, ReportData
from analyzer.report.bill_facts import ai_missing, credits_era, usage_missing
from analyzer.report.workbook.tables import Book, Sheet, Styled, wrapped_height

BRIDGE_TITLE = "From the seat history to the invoice"


def _days_in(month: str) -> int:
    """Return the days of a YYYY-MM month."""
    import calendar

    year, number = (int(x) for x in month.split("-"))
    return calendar.monthrange(year, number)[1]


def seat_days_formula(
    people: pl.DataFrame, month: str, prices: dict[str, float], names: dict[str, str],
    column: str = "days_high",
) -> str:  # fmt: skip
    """Return the seat charges of `people` as a formula: each plan's price x its seat-days / days.

    `column` holds each login's seat-days (the most or the least the seat history allows),
    summed per plan; a plan without a price cell keeps its typed price.
    """
    seat_days = (
        people.filter(pl.col(column).fill_null(0) > 0)
        .group_by("plan")
        .agg(pl.col(column).sum())
        .sort("plan")
    )
    terms = []
    for plan, total in seat_days.iter_rows():
        price = names.get(plan) or f"{prices.get(plan, 0.0)}"
        terms.append(f"{price}*{int(total)}")
    return f"=({'+'.join(terms) or 0})/{_days_in(month)}"


def expected_formula(bill: BillData, prices: dict[str, float], names: dict[str, str]) -> str:
    """Return the expected seat charges (the most the seat history allows) as a formula."""
    return seat_days_formula(bill.people, bill.month, prices, names)


def write_bridge(book: Book, sheet: Sheet, data: ReportData, names: dict[str, str]) -> None:
    """Write the bridge when the store holds the month's billing files, else one line why."""
    sheet.append([])
    sheet.append([Styled(BRIDGE_TITLE + f" ({data.month})", bold=True)])
    bill = data.bill
    if bill is None:
        sheet.append(
            ["No billing files for this month: download the usage report (Billing & licensing "
             "> Usage) to tie the seat history to the invoice."]
        )  # fmt: skip
        return
    where = quote_sheetname(sheet.title)
    c = bill.currency
    rows: list[tuple[str, str, Any]] = []
    expected: Any
    if bill.seat_cost_expected is None:
        expected = Styled("unknown: no seat snapshot covers the month", "text")
    else:
        formula = expected_formula(bill, data.settings.prices, names)
        expected = Styled(formula, "money", formula=True, cached=bill.seat_cost_expected)
    rows.append(("BridgeExpectedSeats", "Expected seat charges (seat history x prices)", expected))
    billed_seats: Any = (
        Styled(f"unknown: {usage_missing(bill)}", "text")
        if bill.seat_cost_billed is None
        else Styled(bill.seat_cost_billed, "money")
    )
    if bill.seat_cost_billed is not None and bill.seat_cost_expected is not None:
        rows.append(
            ("BridgeSeatDifference",
             "Difference: billed minus expected seat charges (Bill sheet: exceptions)",
             Styled("=BridgeBilledSeats-BridgeExpectedSeats", "money", formula=True,
                    cached=round(bill.seat_cost_billed - bill.seat_cost_expected, 2)))
        )  # fmt: skip
    rows.append(("BridgeBilledSeats", f"Seat charges billed, {c} (fact)", billed_seats))
    usage_label = "AI credits billed" if credits_era(bill) else "Premium requests billed"
    usage_value = bill.credit_cost_billed if credits_era(bill) else bill.premium_request_cost
    usage: Any = (
        Styled(f"unknown: {ai_missing(bill)}", "text")
        if usage_value is None
        else Styled(usage_value, "money")
    )
    rows.append(("BridgeBilledUsage", f"{usage_label}, {c} (fact)", usage))
    total: Any = (
        Styled(f"unknown: {usage_missing(bill)}", "text")
        if bill.total_billed is None
        else Styled(bill.total_billed, "money")
    )
    known = [bill.total_billed, bill.seat_cost_billed, usage_value]
    if all(v is not None for v in known):
        other = round(float(bill.total_billed or 0) - float(bill.seat_cost_billed or 0)
                      - float(usage_value or 0), 2)  # fmt: skip
        rows.append(
            ("BridgeOther", "Other Copilot charges (total billed less the lines above)",
             Styled("=BridgeTotal-BridgeBilledSeats-BridgeBilledUsage", "money", formula=True,
                    cached=other))
        )  # fmt: skip
    rows.append(
        ("BridgeTotal", f"Total billed for Copilot, {c} (the invoice's figure; fact)", total)
    )
    for name, label, value in rows:
        row = sheet.append([Styled(label, wrap=True), value], height=wrapped_height(label))
        book.define(name, f"{where}!$B${row}")
