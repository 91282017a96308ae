"""Lay out the workbook's Summary sheet: facts, assumptions (prices) and headline figures."""

from __future__ import annotations

import re
from typing import Any

import polars as pl
from openpyxl.utils import quote_sheetname

from analyzer.model import IDLE_STATES, STATE_LABELS, STATES, ReportData, SnapshotSummary
from analyzer.report.excel_cells import Kind
from analyzer.report.excel_tables import (
    Book,
    Column,
    Sheet,
    Styled,
    TableSpan,
    excel_datetime,
    write_table,
)

PRICE_HEADER = "Price per seat per month"
# Defined names of the Summary's live cost figures, in table order, with their labels.
COST_FIGURES: tuple[tuple[str, str], ...] = (
    ("MonthlyCost", "Monthly cost"),
    ("YearlyCost", "Yearly cost (12 x monthly)"),
    ("IdleMonthlyCost", "Idle monthly cost (stale + never active)"),
    (
        "ReclaimMonthlySavings",
        "Reclaim savings per month (candidates removed before the next cycle)",
    ),
    ("ReclaimYearlySavings", "Reclaim savings per year"),
)
_NOTES = (
    "Every cost is a formula on the prices under Assumptions: change a price and the whole "
    "workbook follows. 'As exported' keeps the figures copilot-seats computed.",
    "Trend keeps each month's costs as exported: the plan mix of past months is not stored.",
)


def write_summary(book: Book, sheet: Sheet, data: ReportData, seats: TableSpan) -> None:
    """Write the Summary sheet; its costs are formulas over the Seats sheet's cost column."""
    _write_facts(sheet, data)
    _write_assumptions(book, sheet, data)
    _heading(sheet, "Billed seats by plan")
    prices = data.settings.prices
    by_plan = data.current.seats_by_plan
    plans = [p for p in prices if p in by_plan] + sorted(p for p in by_plan if p not in prices)
    write_table(
        sheet,
        "PlansTable",
        pl.DataFrame(
            {"plan": plans, "seats": [by_plan[p] for p in plans]},
            schema={"plan": pl.String, "seats": pl.Int64},
        ),
        [
            Column("Plan", "text", source="plan", total="label"),
            Column("Billed seats", "count", source="seats", total="sum"),
            Column("Price per seat", "money", formula="=VLOOKUP(A{r},Prices,2,FALSE)"),
            Column("Monthly cost", "money", formula="=B{r}*C{r}", total="sum"),
        ],
        totals=True,
    )
    _write_counts(sheet, data.current, data.previous)
    _write_costs(book, sheet, data.current, data.previous, seats)


def _heading(sheet: Sheet, title: str) -> None:
    """Write a blank row, then a bold section title."""
    sheet.append([])
    sheet.append([Styled(title, bold=True)])


def price_name(plan: str) -> str:
    """Return the defined name of a plan's price cell, e.g. `Price_business`."""
    return "Price_" + re.sub(r"[^A-Za-z0-9_]", "_", plan)


def _write_facts(sheet: Sheet, data: ReportData) -> None:
    """Write the title, the notes and what the workbook describes."""
    sheet.append([Styled("GitHub Copilot seats: finance workbook", bold=True)])
    for note in _NOTES:
        sheet.append([note])
    sheet.append([])
    previous = data.previous_snapshot
    facts: tuple[tuple[str, Any, Kind], ...] = (
        ("Scope", data.scope, "text"),
        ("Month", data.month, "text"),
        ("Snapshot time (UTC)", excel_datetime(data.current_snapshot.as_of), "datetime"),
        (
            "Previous snapshot time (UTC)",
            excel_datetime(previous.as_of) if previous else None,
            "datetime",
        ),
        ("Snapshot file", data.current_snapshot.source_name, "text"),
        ("Made by", f"copilot-seats {data.tool_version}", "text"),
    )
    for label, value, kind in facts:
        if value is None:
            value, kind = "none (first month)", "text"
        sheet.append([label, Styled(value, kind)])


def _write_assumptions(book: Book, sheet: Sheet, data: ReportData) -> None:
    """Write the price table and thresholds, and name each cell that formulas refer to."""
    settings = data.settings
    _heading(sheet, "Assumptions")
    prices = write_table(
        sheet,
        "PricesTable",
        pl.DataFrame(
            {"plan": list(settings.prices), "price": list(settings.prices.values())},
            schema={"plan": pl.String, "price": pl.Float64},
        ),
        [Column("Plan", "text", source="plan"), Column(PRICE_HEADER, "money", source="price")],
    )
    where = quote_sheetname(sheet.title)
    book.define("Prices", f"{where}!$A${prices.first_row}:$B${prices.last_row}")
    for offset, plan in enumerate(settings.prices):
        book.define(price_name(plan), prices.cell(PRICE_HEADER, prices.first_row + offset))
    sheet.append([])
    sheet.append(
        ["Seat states were computed with these settings; changing them here recomputes nothing."]
    )
    thresholds: tuple[tuple[str, str, Any, Kind], ...] = (
        ("StaleDays", "Stale after (days without activity)", settings.stale_days, "number"),
        ("GraceDays", "Grace period of a new seat (days)", settings.grace_days, "number"),
        ("DefaultPlan", "Plan of a seat whose plan is unknown", settings.default_plan, "text"),
        ("Currency", "Currency", settings.currency, "text"),
    )
    for name, label, value, kind in thresholds:
        row = sheet.append([label, Styled(value, kind)])
        book.define(name, f"{where}!$B${row}")


def _count_figures(summary: SnapshotSummary) -> list[int]:
    """Return the seat counts the Summary shows, in `_COUNT_LABELS` order."""
    states = [summary.states.get(state, 0) for state in STATES]
    idle = sum(summary.states.get(state, 0) for state in IDLE_STATES)
    return [summary.seats, *states, idle, summary.pending_cancellation, summary.reclaim_candidates]


_COUNT_LABELS = (
    "Billed seats",
    *(f"{STATE_LABELS[state]} seats" for state in STATES),
    "Idle seats (stale + never active)",
    "Pending cancellation",
    "Reclaim candidates",
)


def _change_column(previous: SnapshotSummary | None, kind: Kind) -> Column:
    """Return the Change column: this month minus the previous one, blank without one."""
    if previous is None:
        return Column("Change", kind, source="none")
    return Column("Change", kind, formula="=B{r}-C{r}")


def _write_counts(sheet: Sheet, current: SnapshotSummary, previous: SnapshotSummary | None) -> None:
    """Write this month's and the previous month's seat counts."""
    _heading(sheet, "Seat counts")
    before = _count_figures(previous) if previous else [None] * len(_COUNT_LABELS)
    frame = pl.DataFrame(
        {
            "figure": _COUNT_LABELS,
            "this": _count_figures(current),
            "previous": before,
            "none": [None] * len(_COUNT_LABELS),
        },
        schema={"figure": pl.String, "this": pl.Int64, "previous": pl.Int64, "none": pl.Int64},
    )
    write_table(
        sheet,
        "SeatFiguresTable",
        frame,
        [
            Column("Figure", "text", source="figure"),
            Column("This month", "count", source="this"),
            Column("Previous month", "count", source="previous"),
            _change_column(previous, "count"),
        ],
    )


def _cost_figures(summary: SnapshotSummary) -> list[float]:
    """Return the library's cost figures, in `COST_FIGURES` order."""
    return [
        summary.monthly_cost,
        12 * summary.monthly_cost,
        summary.idle_monthly_cost,
        summary.reclaimable_monthly_cost,
        12 * summary.reclaimable_monthly_cost,
    ]


def _write_costs(
    book: Book,
    sheet: Sheet,
    current: SnapshotSummary,
    previous: SnapshotSummary | None,
    seats: TableSpan,
) -> None:
    """Write the cost figures as formulas over Seats, beside the figures as exported."""
    _heading(sheet, "Costs")
    cost = seats.column("Monthly cost")
    state = seats.column("State")
    idle = "+".join(f'SUMIFS({cost},{state},"{STATE_LABELS[s]}")' for s in IDLE_STATES)
    formulas = [
        f"=SUM({cost})",
        "=12*MonthlyCost",
        f"={idle}",
        f"=SUMIFS({cost},{seats.column('Reclaim candidate')},TRUE)",
        "=12*ReclaimMonthlySavings",
    ]
    n = len(COST_FIGURES)
    frame = pl.DataFrame(
        {
            "figure": [label for _, label in COST_FIGURES],
            "formula": formulas,
            "previous": _cost_figures(previous) if previous else [None] * n,
            "exported": _cost_figures(current),
            "none": [None] * n,
        },
        schema={
            "figure": pl.String,
            "formula": pl.String,
            "previous": pl.Float64,
            "exported": pl.Float64,
            "none": pl.Float64,
        },
    )
    span = write_table(
        sheet,
        "CostFiguresTable",
        frame,
        [
            Column("Figure", "text", source="figure"),
            Column("This month", "money", source="formula", trusted=True),
            Column("Previous month (as exported)", "money", source="previous"),
            _change_column(previous, "money"),
            Column("As exported", "money", source="exported"),
        ],
    )
    for offset, (name, _) in enumerate(COST_FIGURES):
        book.define(name, span.cell("This month", span.first_row + offset))
