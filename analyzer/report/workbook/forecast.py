"""The workbook's Forecast and Budget sheets, from ReportData.forecast (estimates).

Facts from the store (next month's seats, the expected credits) are values; the seat cost,
the pool, the overage, the total and the reclaim's gross and net savings are formulas on the
seat prices (Summary), the allowances and the credit price (editable cells here). The Budget
sheet's user and account budgets are editable cells; what they stop is formulas.
"""

from __future__ import annotations

import re

import polars as pl
from openpyxl.utils import quote_sheetname

from analyzer.model import ForecastData, ReportData
from analyzer.report.workbook.bill import base_figure, figure_header, heading, write_fairness
from analyzer.report.workbook.summary import price_name
from analyzer.report.workbook.tables import Book, Column, Sheet, Styled, widths_of, write_table

SHEET, BUDGET_SHEET = "Forecast", "Budget"
_WIDTHS = (48.0, 16.0, 16.0, 16.0, 16.0, 14.0)
NOTE = (
    "Seats and expected credits are values from the store; every cost is a formula on the "
    "prices (Summary), the allowances and the credit price."
)


def _allow_name(plan: str) -> str:
    return "FcAllowance_" + re.sub(r"[^A-Za-z0-9_]", "_", plan)


def _plans(data: ReportData, f: ForecastData) -> pl.DataFrame:
    plans = sorted(set(f.seats_by_plan) | set(f.reclaim_by_plan))
    prices = data.settings.prices
    return pl.DataFrame(
        {
            "plan": plans,
            "seats": [f.seats_by_plan.get(p, 0) for p in plans],
            "reclaim": [f.reclaim_by_plan.get(p, 0) for p in plans],
            "price": [prices.get(p, prices[data.settings.default_plan]) for p in plans],
            "price_formula": [
                f"={price_name(p)}" if p in prices else f"={price_name(data.settings.default_plan)}"
                for p in plans
            ],
            "allowance": [f.allowances.get(p, 0.0) for p in plans],
        },
        schema_overrides={"seats": pl.Int64, "reclaim": pl.Int64, "allowance": pl.Float64},
    )


def _write_inputs(book: Book, sheet: Sheet, data: ReportData, f: ForecastData) -> None:
    """Write the credit price, the expected credits and the plan table; name their cells."""
    where = quote_sheetname(sheet.title)
    heading(sheet, "Inputs (edit the credit price and the allowances)")
    row = sheet.append(
        ["AI credit price (each credit beyond the pool)", Styled(f.credit_price, "money")]
    )
    book.define("FcCreditPrice", f"{where}!$B${row}")
    base_figure(book, sheet, f"AI credits expected in {f.month} (estimate)", f.credits_expected,
                "; ".join(f.notes) or "unknown", "number", name="FcExpected")  # fmt: skip
    base_figure(book, sheet, "Of which the reclaim candidates' own (estimate)", f.reclaim_credits,
                "", "number", name="FcReclaimCredits")  # fmt: skip
    plans = _plans(data, f)
    columns = [
        Column("Plan", "text", source="plan"),
        Column("Seats next month", "count", source="seats", total="sum"),
        Column("Reclaim candidates", "count", source="reclaim", total="sum"),
        Column("Price", "money", source="price_formula", trusted=True, cached="price"),
        Column("Credits per licence", "number", source="allowance"),
    ]
    span = write_table(sheet, "ForecastPlansTable", plans, columns)
    for offset, plan in enumerate(plans["plan"].to_list()):
        book.define(_allow_name(plan), span.cell("Credits per licence", span.first_row + offset))
    for name, header in (
        ("FcSeats", "Seats next month"),
        ("FcReclaim", "Reclaim candidates"),
        ("FcPrices", "Price"),
        ("FcAllowances", "Credits per licence"),
    ):
        book.define(name, span.column(header))  # fmt: skip


def _write_figures(book: Book, sheet: Sheet, f: ForecastData, currency: str) -> None:
    """Write next month's cost and the reclaim's gross and net savings as formulas."""
    heading(sheet, f"{f.month}: next month (an estimate)")
    figure_header(sheet, currency)
    base_figure(book, sheet, "Seat cost", f.seat_cost, "",
                formula="=SUMPRODUCT(FcSeats,FcPrices)", name="FcSeatCost")  # fmt: skip
    no_pool = f"{f.month} is before the AI-credit pool (2026-06)"
    base_figure(book, sheet, "Credit pool", f.credit_pool, no_pool, "number",
                formula="=SUMPRODUCT(FcSeats,FcAllowances)", name="FcPool")  # fmt: skip
    unknown = "; ".join(f.notes) or "unknown"
    base_figure(book, sheet, "Credit overage (estimate)", f.credit_overage, unknown, "number",
                formula="=MAX(0,FcExpected-FcPool)", name="FcOverage")  # fmt: skip
    base_figure(book, sheet, "Overage cost (estimate)", f.credit_overage_cost, unknown,
                formula="=FcOverage*FcCreditPrice", name="FcOverageCost")  # fmt: skip
    base_figure(book, sheet, "Total (estimate)", f.total, unknown,
                formula="=FcSeatCost+FcOverageCost", name="FcTotal")  # fmt: skip
    heading(sheet, "Removing the reclaim candidates")
    base_figure(book, sheet, "Gross monthly saving (their seat prices)", f.reclaim_gross, "",
                formula="=SUMPRODUCT(FcReclaim,FcPrices)", name="FcGross")  # fmt: skip
    if not f.pooled:
        base_figure(book, sheet, "Net monthly saving (no pool: the gross)", f.reclaim_gross, "",
                    formula="=FcGross", name="FcNet")  # fmt: skip
        return
    rest = "MAX(0,FcExpected-FcReclaimCredits)"
    formula = (
        f"=FcGross-FcCreditPrice*(MAX(0,{rest}-(FcPool-SUMPRODUCT(FcReclaim,FcAllowances)))"
        f"-MAX(0,{rest}-FcPool))"
    )
    base_figure(book, sheet, "Net monthly saving (less the new credit overage)", f.reclaim_net,
                unknown, formula=formula, name="FcNet")  # fmt: skip


def _write_spenders(sheet: Sheet, f: ForecastData) -> None:
    """Write who spends (cohorts) and each cost centre's share of the pool, as values."""
    if f.pool_line:
        sheet.append([])
        sheet.append([f.pool_line])
    if f.cohorts is not None:
        heading(sheet, f"Who spends: {f.cohort_headline}")
        write_table(sheet, "ForecastCohortsTable", f.cohorts, [
            Column("Cohort", "text", source="cohort"),
            Column("Users", "count", source="users"),
            Column("Credits", "number", source="credits"),
            Column("Share of credits", "percent", source="share"),
            Column("Mean", "number", source="mean"),
            Column("Median", "number", source="median"),
        ])  # fmt: skip
    write_fairness(sheet, f, "ForecastFairnessTable")


def _write_budget(book: Book, f: ForecastData) -> None:
    """Write the Budget sheet: editable levels, each user's stopped credits as formulas."""
    main = max(sorted(f.seats_by_plan), key=lambda p: f.seats_by_plan[p], default=None)
    level = f.allowances.get(main, 0.0) if main else 0.0  # a user's own share, by default
    allowed = pl.col("credits").clip(upper_bound=level)
    users = f.users.with_columns(
        allowed.alias("allowed"), (pl.col("credits") - allowed).alias("stopped")
    )
    columns = [
        Column("Login", "text", 24, "login"),
        Column("Credits used", "number", 14, "credits", total="sum"),
        Column("Allowed by the user budget", "number", 16, formula="=MIN(B{r},BgUserBudget)",
               total="sum", cached="allowed"),
        Column("Stopped by it", "number", 14, formula="=B{r}-C{r}", total="sum",
               cached="stopped"),
    ]  # fmt: skip
    sheet = book.add_sheet(BUDGET_SHEET, widths_of(columns), freeze=None)
    where = quote_sheetname(sheet.title)
    base = f.months_used[0] if f.months_used else "the base month"
    sheet.append([Styled(f"Budgets replayed on the credits of {base} (an estimate)", bold=True)])
    sheet.append(["Edit the levels: the cells below follow. Dates need the day-by-day "
                  "replay of `copilot-seats whatif`; the totals do not."])  # fmt: skip
    row = sheet.append(["User budget (credits a user a month)", Styled(level, "number")])
    book.define("BgUserBudget", f"{where}!$B${row}")
    row = sheet.append(["Account budget on paid overage (money; blank: none)", None])
    book.define("BgAccountBudget", f"{where}!$B${row}")
    used = float(users["credits"].sum())
    kept = float(users["allowed"].sum())
    pool = f.credit_pool
    assert pool is not None  # write_forecast writes this sheet only with a known pool
    span_rows = sheet.row + 8  # the users table starts after the figures below
    first, last = span_rows + 1, span_rows + max(users.height, 1)

    def col(letter: str) -> str:
        return f"{where}!${letter}${first}:${letter}${last}"

    figures = [
        ("Users capped", float((users["credits"] > level).sum()), f'=COUNTIF({col("D")},">0")',
         "count"),
        ("Credits stopped by the user budgets", used - kept, f"=SUM({col('D')})", "number"),
        ("Overage after the user budgets (credits)", max(0.0, kept - pool),
         f"=MAX(0,SUM({col('C')})-FcPool)", "number"),
        ("Overage cost after the budgets (money)", max(0.0, kept - pool) * f.credit_price,
         "=IF(ISBLANK(BgAccountBudget),B{o}*FcCreditPrice,MIN(B{o}*FcCreditPrice,"
         "BgAccountBudget))", "money"),
    ]  # fmt: skip
    over_row = 0
    for label, value, formula, kind in figures:
        formula = formula.replace("{o}", str(over_row))
        over_row = sheet.append([label, Styled(formula, kind, formula=True, cached=value)])  # type: ignore[arg-type]
    sheet.append([])
    sheet.row = span_rows - 1
    write_table(sheet, "BudgetUsersTable", users, columns, totals=True)


def write_forecast(book: Book, data: ReportData) -> None:
    """Write the Forecast sheet (and the Budget sheet when the month's credits are known)."""
    f = data.forecast
    if f is None:
        return
    sheet = book.add_sheet(SHEET, _WIDTHS, freeze=None)
    sheet.append([Styled(f"Next month, {f.month}: an estimate", bold=True)])
    used = ", ".join(f.months_used) or "none"
    sheet.append([f"Method: {f.method}. Months used: {used}."])
    sheet.append([NOTE])
    _write_inputs(book, sheet, data, f)
    _write_figures(book, sheet, f, data.settings.currency)
    _write_spenders(sheet, f)
    for note in f.notes:
        sheet.append([f"Note: {note}"])
    if f.pooled and f.credits_expected is not None and f.credit_pool is not None:
        _write_budget(book, f)
