"""The workbook's Bill sheet and the Seats sheet's bill columns, from ReportData.bill.

The credit price and the allowances are editable, named cells (like the seat prices on
Summary); the pool, the overage, its cost and every overage share are formulas on them that
carry their computed values. An unknown figure is a blank cell beside the reason, never 0.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import polars as pl
from openpyxl.utils import get_column_letter, quote_sheetname

from analyzer.model import CALENDAR_MONTH, SEAT_CYCLE, UNMAPPED, BillData, ForecastData, ReportData
from analyzer.report.bill_facts import (
    ai_missing,
    clocks_note,
    credits_era,
    per_login_known,
    pool_missing,
    report_seat_note,
    usage_missing,
    why_unknown,
    with_known_zeros,
)
from analyzer.report.workbook.bridge import seat_days_formula
from analyzer.report.workbook.cells import Kind
from analyzer.report.workbook.summary import price_name
from analyzer.report.workbook.tables import (
    Book,
    Column,
    Sheet,
    Styled,
    wrapped_height,
    write_table,
)

SHEET = "Bill"
KEEP_ROWS = 6  # a heading prints with its blank row, its header and its first 3 rows
_WIDTHS = (44.0, 16.0, 18.0, 18.0, 16.0, 16.0, 16.0)
NOTE = (
    "The month's whole Copilot bill from GitHub's billing files. A blank figure is unknown: "
    "the note beside it names the missing file."
)
CREDITS_NOTE = (
    " The credit pool, the overage, its cost and each overage share are formulas on the "
    "credit price and the allowances below, the expected seat charges on the Summary's seat "
    "prices: edit them and every one follows. Billed figures are facts and never move."
)
# (breakdown key, title, key header, table name)
GROUPS: tuple[tuple[str, str, str, str], ...] = (
    ("cost_center", "Bill by cost center", "Cost center", "BillByCostCenterTable"),
    ("org", "Bill by org", "Org", "BillByOrgTable"),
    ("team", "Bill by team", "Team", "BillByTeamTable"),
)


def _name(prefix: str, plan: str) -> str:
    """Return a defined name for a plan's cell, e.g. `Credits_business`."""
    return prefix + "_" + re.sub(r"[^A-Za-z0-9_]", "_", plan)


def _usage(bill: BillData) -> tuple[str, str]:
    """Return the usage column of the month and its header."""
    return (
        ("credits_used", "AI credits used")
        if credits_era(bill)
        else (
            "premium_requests",
            "Premium requests",
        )
    )


def _usage_kind(bill: BillData) -> Kind:
    """Return how usage shows: AI credits as whole numbers, premium requests with decimals."""
    return "count" if credits_era(bill) else "number"


# -- Seats sheet ---------------------------------------------------------------------------


def with_bill_columns(seats: pl.DataFrame, bill: BillData | None) -> pl.DataFrame:
    """Return the Seats frame with each seat's bill figures joined on login (none without)."""
    if bill is None:
        return seats
    column, _ = _usage(bill)
    people = with_known_zeros(bill, bill.people).select(
        "login",
        pl.col("days_billed").alias("bill_days_billed"),
        pl.col("seat_cost_billed").alias("bill_seat_cost_billed"),
        pl.col(column).alias("bill_usage"),
        pl.col("overage_share").alias("bill_overage_share"),
        pl.col("idle_with_credits").alias("bill_idle_with_credits"),
        pl.col("heavy").alias("bill_heavy"),
    )
    out = seats.join(people, on="login", how="left", maintain_order="left")
    if _overage_live(bill):  # a formula on the overage cost: 0 for a seat that used nothing
        out = out.with_columns(pl.col("bill_overage_share").fill_null(0.0))
    return out


def bill_seat_columns(bill: BillData | None, seats: pl.DataFrame, offset: int) -> list[Column]:
    """Return the Seats sheet's bill columns that hold data (none without a bill).

    `offset` counts the Seats sheet's columns before these. Each seat's overage share is a
    formula on the Bill sheet's overage cost (so on the credit price and the allowances).
    """
    if bill is None:
        return []
    _, usage = _usage(bill)
    columns = [
        Column("Days billed", "count", 9, "bill_days_billed"),
        Column("Seat charges billed", "money", 14, "bill_seat_cost_billed", total="sum"),
        Column(usage, _usage_kind(bill), 12, "bill_usage", total="sum"),
        Column("Overage share", "money", 12, "bill_overage_share", total="sum"),
        Column("Idle seat using AI", "bool", 11, "bill_idle_with_credits"),
        Column("Heavy AI user", "bool", 10, "bill_heavy"),
    ]
    if not seats.is_empty():
        columns = [c for c in columns if c.source and seats[c.source].null_count() < seats.height]
    headers = [c.header for c in columns]
    if _overage_live(bill) and usage in headers and "Overage share" in headers:
        used = get_column_letter(offset + headers.index(usage) + 1)
        at = headers.index("Overage share")
        columns[at] = Column(
            "Overage share", "money", 12, total="sum", cached="bill_overage_share",
            formula=f"=IF(CreditsUsed=0,0,N({used}{{r}})/CreditsUsed*OverageCost)",
        )  # fmt: skip
    return columns


def _overage_live(bill: BillData) -> bool:
    """Return whether the Bill sheet carries the overage cost as a formula (credits, known)."""
    return (
        credits_era(bill)
        and bill.credit_overage_cost is not None
        and bill.credits_used is not None
        and bill.credit_pool is not None
    )


# -- Bill sheet ----------------------------------------------------------------------------


def _note(sheet: Sheet, text: str) -> None:
    """Write a line of text wrapped in column A, its row tall enough to show all of it."""
    sheet.append([Styled(text, wrap=True)], height=wrapped_height(text, _WIDTHS[0]))


def heading(sheet: Sheet, title: str) -> None:
    """Write a blank row and a bold heading, on a new printed page unless its table follows."""
    sheet.keep_with_next(KEEP_ROWS)
    sheet.append([])
    sheet.append([Styled(title, bold=True)])


def base_figure(
    book: Book, sheet: Sheet, label: str, value: float | None, reason: str,
    kind: Kind = "money", *, formula: str | None = None, name: str | None = None,
) -> None:  # fmt: skip
    """Write one figure: its value (or formula with its value), or a blank and the reason.

    One format a column: amounts of money in B, counts (credits, requests) in C shown as
    whole numbers, and the reason a figure is unknown in D.
    """
    at = 1 if kind == "money" else 2
    if value is None:
        sheet.append([label, None, None, reason])
        return
    shown: Kind = kind if kind == "money" else "count"
    cell = Styled(formula, shown, formula=True, cached=value) if formula else Styled(value, shown)
    row = sheet.append([label, *([None] * (at - 1)), cell])
    if name:
        column = "B" if at == 1 else "C"
        book.define(name, f"{quote_sheetname(sheet.title)}!${column}${row}")


FIGURE_HEADERS = ("Figure", "Amount", "Credits or requests", "Missing")


def figure_header(sheet: Sheet, currency: str) -> None:
    """Write the header of a figures block: one column for money, one for counts."""
    names = (FIGURE_HEADERS[0], f"{FIGURE_HEADERS[1]} ({currency})", *FIGURE_HEADERS[2:])
    sheet.append([Styled(n, bold=True) for n in names])


def _write_assumptions(book: Book, sheet: Sheet, data: ReportData, bill: BillData) -> str | None:
    """Write the credit price, the allowances and the licences; return the pool formula."""
    billing = data.settings.billing
    where = quote_sheetname(sheet.title)
    heading(sheet, "Credit price and allowances (edit these)")
    facts: tuple[tuple[str, str, Any, Kind], ...] = (
        ("CreditPrice", "AI credit price (each credit beyond the pool)", billing.credit_price,
         "money"),
        ("PromotionUntil", "Promotion allowances for months starting before",
         date.fromisoformat(billing.promotion_until), "date"),
        ("BillMonth", "This bill's month", date.fromisoformat(f"{bill.month}-01"), "date"),
    )  # fmt: skip
    for name, label, value, kind in facts:
        row = sheet.append([label, Styled(value, kind)])
        book.define(name, f"{where}!$B${row}")
    plans = list(dict.fromkeys([*billing.allowances, *billing.promotion_allowances]))
    allowances = pl.DataFrame(
        {
            "plan": plans,
            "credits": [billing.allowances.get(p) for p in plans],
            "promotion": [billing.promotion_allowances.get(p) for p in plans],
            "now": [bill.allowances.get(p) for p in plans],
        },
        schema={"plan": pl.String, "credits": pl.Float64, "promotion": pl.Float64,
                "now": pl.Float64},
    )  # fmt: skip
    span = write_table(
        sheet,
        "AllowancesTable",
        allowances,
        [
            Column("Plan", "text", source="plan"),
            Column("Credits per licence a month", "count", source="credits"),
            Column("Promotion credits per licence", "count", source="promotion"),
            Column("Credits per licence this month", "count",
                   formula="=IF(BillMonth<PromotionUntil,C{r},B{r})", cached="now"),
        ],
    )  # fmt: skip
    book.define("Allowances", f"{where}!$A${span.first_row}:$D${span.last_row}")
    for offset, plan in enumerate(plans):
        row = span.first_row + offset
        book.define(_name("Credits", plan), span.cell("Credits per licence a month", row))
        book.define(_name("PromoCredits", plan), span.cell("Promotion credits per licence", row))
    if bill.credit_pool is None:
        sheet.append([])
        sheet.append(["Licences filling the pool", None, pool_missing(bill)])
        return None
    sheet.append([])
    licences = pl.DataFrame(
        {
            "plan": list(bill.licences),
            "licences": list(bill.licences.values()),
            "allowance": [bill.allowances.get(p, 0.0) for p in bill.licences],
        },
        schema={"plan": pl.String, "licences": pl.Int64, "allowance": pl.Float64},
    ).with_columns(pool=pl.col("licences") * pl.col("allowance"))
    span = write_table(
        sheet,
        "LicencesTable",
        licences,
        [
            Column("Plan", "text", source="plan", total="label"),
            Column("Licences", "count", source="licences", total="sum"),
            Column("Credits per licence", "count",
                   formula="=IFERROR(VLOOKUP(A{r},Allowances,4,FALSE),0)", cached="allowance"),
            Column("Pool credits", "count", formula="=B{r}*C{r}", total="sum", cached="pool"),
        ],
        totals=True,
    )  # fmt: skip
    return f"=SUM({span.column('Pool credits')})"


def _write_figures(book: Book, sheet: Sheet, data: ReportData, pool: str | None) -> None:
    """Write the bill's figures; the expected seat charges, pool, overage and cost as formulas."""
    bill = data.bill
    assert bill is not None
    prices, names = data.settings.prices, price_names(data)
    heading(sheet, "The bill")
    figure_header(sheet, bill.currency)
    usage, ai = usage_missing(bill), ai_missing(bill)

    def seat(label: str) -> str:
        return bill.clocked(label, SEAT_CYCLE)

    def month(label: str) -> str:
        return bill.clocked(label, CALENDAR_MONTH)

    base_figure(book, sheet, seat("Seat charges billed"), bill.seat_cost_billed, usage)
    for label, figure, days in (("most", "seat_cost_expected", "days_high"),
                                ("least", "seat_cost_expected_low", "days_low")):  # fmt: skip
        formula = seat_days_formula(bill.people, bill.month, prices, names, days)
        base_figure(book, sheet, seat(f"Seat charges the seat history predicts ({label})"),
                    getattr(bill, figure), why_unknown(bill, figure), formula=formula)  # fmt: skip
    if credits_era(bill):
        base_figure(book, sheet, month("AI credits used"), bill.credits_used, ai, "number",
                name="CreditsUsed")  # fmt: skip
        base_figure(book, sheet, month("Credit pool"), bill.credit_pool, pool_missing(bill),
                "number", formula=pool, name="CreditPool")  # fmt: skip
        over_reason = why_unknown(bill, "credit_overage")
        base_figure(book, sheet, month("Credit overage (credits beyond the pool)"),
                bill.credit_overage, over_reason, "number",
                formula="=MAX(0,CreditsUsed-CreditPool)", name="CreditOverage")  # fmt: skip
        base_figure(book, sheet, month("Overage cost"), bill.credit_overage_cost, over_reason,
                formula="=CreditOverage*CreditPrice", name="OverageCost")  # fmt: skip
        base_figure(
            book, sheet, month("AI credits billed (usage report)"), bill.credit_cost_billed, usage
        )
    else:
        base_figure(book, sheet, month("Premium requests"), bill.premium_requests, ai, "number")
        base_figure(book, sheet, month("Premium ai-units (from 2026-03-11)"), bill.premium_ai_units,
                why_unknown(bill, "premium_ai_units"), "number")  # fmt: skip
        base_figure(book, sheet, month("Premium request cost (every premium row, net)"),
                bill.premium_request_cost, why_unknown(bill, "premium_request_cost"))  # fmt: skip
    base_figure(book, sheet, month("Total billed (every Copilot charge, net)"), bill.total_billed,
                usage, name="TotalBilled")  # fmt: skip
    if bill.other_rows:
        sheet.append([f"Left out: {bill.other_rows:,} usage rows of other products (net)",
                      Styled(bill.other_net, "money")])  # fmt: skip
    for table, what in (("usage", "usage report"), ("ai", "premium / AI usage report")):
        if bill.coverage(table):
            _note(sheet, f"Figures of the {what}: {bill.coverage(table)}")
    for note in bill.notes:
        _note(sheet, "Note: " + note)


def _write_reconciliation(sheet: Sheet, data: ReportData, bill: BillData) -> None:
    """Write the one-line reconciliation, why the seat counts differ, and every exception."""
    heading(sheet, "Reconciliation: seat charges billed against the seat history")
    _note(sheet, bill.reconciliation())
    note = report_seat_note(data)
    if note:
        _note(sheet, note)
    if not bill.exceptions:
        return
    frame = pl.DataFrame(
        {
            "login": [e.login for e in bill.exceptions],
            "kind": [e.kind for e in bill.exceptions],
            "detail": [e.detail for e in bill.exceptions],
        },
        schema={"login": pl.String, "kind": pl.String, "detail": pl.String},
    )
    columns = [
        Column("Login", "text", source="login"),
        Column("Exception", "text", source="kind"),
        Column("Detail", "text", source="detail"),
    ]
    write_table(sheet, "BillExceptionsTable", frame, columns)


def price_names(data: ReportData) -> dict[str, str]:
    """Return each plan's price cell name (the Summary's editable prices)."""
    return {plan: price_name(plan) for plan in data.settings.prices}


def _group_frame(data: ReportData, bill: BillData, key: str) -> pl.DataFrame:
    """Return a breakdown with its expected seat charges as formulas and its billed total.

    Expected seat charges follow the price cells; the total billed (seat charges billed plus
    the usage charges billed, split by use) is a fact and never moves with a price edit.
    """
    frame = with_known_zeros(bill, bill.breakdowns[key])
    column = {"org": "primary_org", "team": "team", "cost_center": "cost_center"}[key]
    people = bill.people.with_columns(pl.col(column).fill_null(UNMAPPED).alias("_key"))
    prices, names = data.settings.prices, price_names(data)
    formulas = [
        None if expected is None
        else seat_days_formula(people.filter(pl.col("_key") == k), bill.month, prices, names)
        for k, expected in zip(frame["key"], frame["seat_cost_expected"], strict=True)
    ]  # fmt: skip
    usage, _ = _usage(bill)
    billed_use = bill.credit_cost_billed if credits_era(bill) else bill.premium_request_cost
    used = frame[usage].sum() if frame[usage].null_count() < frame.height else None
    total: pl.Expr = pl.lit(None, pl.Float64)
    if per_login_known(bill) and billed_use is not None and used is not None:
        split = pl.col(usage).fill_null(0.0) / used * billed_use if used else pl.lit(0.0)
        total = pl.col("seat_cost_billed").fill_null(0.0) + split
    return frame.with_columns(
        pl.Series("expected_formula", formulas, dtype=pl.String), total.alias("total_billed")
    )


def _group_columns(
    bill: BillData, key_header: str, frame: pl.DataFrame, first: int, last: int
) -> list[Column]:
    """Return a bill breakdown's columns: billed figures as facts, expected ones as formulas."""
    usage, usage_header = _usage(bill)
    columns = [
        Column(key_header, "text", source="key", total="label"),
        Column("Seats", "count", source="seats", total="sum"),
        Column("Seat charges billed", "money", source="seat_cost_billed", total="sum"),
        Column("Seat charges expected", "money", source="expected_formula", trusted=True,
               cached="seat_cost_expected", total="sum"),
        Column(usage_header, _usage_kind(bill), source=usage, total="sum"),
    ]  # fmt: skip
    columns = [
        c for c in columns
        if frame[c.cached or c.source or ""].null_count() < frame.height
    ]  # fmt: skip
    letters = {c.header: get_column_letter(i + 1) for i, c in enumerate(columns)}
    if _overage_live(bill) and usage_header in letters:
        used = letters[usage_header]
        total = f"SUM(${used}${first}:${used}${last})"
        columns.append(
            Column("Overage share", "money",
                   formula=f"=IF({total}=0,0,{used}{{r}}/{total}*OverageCost)",
                   total="sum", cached="overage_share")
        )  # fmt: skip
    if frame["total_billed"].null_count() < frame.height:
        columns.append(Column("Total billed", "money", source="total_billed", total="sum"))
    return columns


def _write_groups(sheet: Sheet, data: ReportData) -> None:
    """Write the bill per cost center, org and team."""
    bill = data.bill
    assert bill is not None
    for key, title, key_header, name in GROUPS:
        if key not in bill.breakdowns:
            continue
        frame = _group_frame(data, bill, key)
        heading(sheet, title)
        first = sheet.row + 2  # the header row comes next
        columns = _group_columns(bill, key_header, frame, first, first + max(frame.height, 1) - 1)
        write_table(sheet, name, frame, columns, totals=True)


def _write_models(sheet: Sheet, bill: BillData) -> None:
    """Write the usage per model, most first."""
    usage, header = _usage(bill)
    heading(sheet, "Bill by model")
    frame = bill.models.filter(pl.col(usage) > 0)
    if frame.is_empty():
        known = bill.credits_used if credits_era(bill) else bill.premium_requests
        sheet.append(["No model used" if known is not None else ai_missing(bill)])
        return
    columns = [
        Column("Model", "text", source="model", total="label"),
        Column(header, _usage_kind(bill), source=usage, total="sum"),
        Column("Users", "count", source="users"),
    ]
    write_table(sheet, "BillByModelTable", frame, columns, totals=True)


def write_bill(book: Book, data: ReportData) -> None:
    """Write the Bill sheet (only called when the report has the month's bill)."""
    bill = data.bill
    assert bill is not None
    sheet = book.add_sheet(SHEET, _WIDTHS, freeze=None, print_titles=(None, None))
    sheet.append([Styled(f"GitHub Copilot bill: {data.scope}, {bill.month}", bold=True)])
    note = NOTE + (CREDITS_NOTE if credits_era(bill) else "")
    _note(sheet, note)
    clocks = clocks_note(bill)
    if clocks:
        _note(sheet, clocks)
    pool = _write_assumptions(book, sheet, data, bill) if credits_era(bill) else None
    _write_figures(book, sheet, data, pool)
    _write_reconciliation(sheet, data, bill)
    _write_groups(sheet, data)
    forecast = data.forecast  # the pool per cost centre, when it is this month's
    if forecast is not None and forecast.months_used[:1] == (bill.month,):
        write_fairness(sheet, forecast, "BillFairnessTable")
    _write_models(sheet, bill)
    heading(sheet, "Billing files used")
    for source in bill.sources:
        sheet.append([source])


def write_fairness(sheet: Sheet, f: ForecastData, name: str) -> None:
    """Write each cost centre's share of the pool (the Forecast and the Bill sheets)."""
    if f.fairness is None:
        return
    month = f.months_used[0] if f.months_used else "the base month"
    heading(
        sheet,
        f"The pool per cost centre in {month}: credits contributed (licences x allowance) "
        "against consumed; a negative balance draws on the others",
    )
    write_table(sheet, name, f.fairness, [
        Column("Cost centre", "text", source="cost_center"),
        Column("Licences", "count", source="licences"),
        Column("Credits contributed", "number", source="contributed"),
        Column("Credits consumed", "number", source="consumed"),
        Column("Balance", "number", source="balance"),
    ])  # fmt: skip
