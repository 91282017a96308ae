"""Lay out the workbook's Summary sheet: facts, assumptions (prices), figures and savings."""

from __future__ import annotations

import re
from typing import Any

import polars as pl
from openpyxl.utils import quote_sheetname

from analyzer.model import (
    IDLE_STATES,
    STATES,
    ReportData,
    SnapshotSummary,
    comparison_label,
    state_label,
)
from analyzer.report.palette import STATE_COLORS
from analyzer.report.workbook.bridge import write_bridge
from analyzer.report.workbook.cells import Kind
from analyzer.report.workbook.tables import (
    Book,
    Column,
    Sheet,
    Styled,
    TableSpan,
    excel_datetime,
    wrapped_height,
    write_table,
)
from analyzer.times import iso

PRICE_HEADER = "Price per seat per month"
# Trend's cost columns, which the Summary's previous-month costs refer to.
TREND_COST = "Monthly cost"
TREND_IDLE = "Idle monthly cost"
TREND_RECLAIM = "Reclaim candidates' monthly cost"
TREND_CHANGE = "Change in monthly cost"
# Defined names of the Summary's live cost figures, in table order, with their labels.
COST_FIGURES: tuple[tuple[str, str], ...] = (
    ("MonthlyCost", "Monthly cost"),
    ("IdleMonthlyCost", "Idle monthly cost (stale + never active)"),
    ("ReclaimMonthlySavings", "Reclaim candidates' monthly cost"),
    ("CheckFirstMonthlyCost", "Check-first seats' monthly cost"),
)
NOTE = (
    "Every cost is a formula on the prices under Assumptions: change a price and every "
    "cost, change and trend follows. Seat states were computed with the thresholds below; "
    "changing those recomputes nothing."
)
PEOPLE_HINT = (
    "Names, e-mails, departments and cost centers: add a [people] section to "
    "copilot-seats.toml naming a CSV with a login column (see the README's Configuration); "
    "Seats and Reclaim then show them and the By cost center and By department sheets appear."
)


def price_name(plan: str) -> str:
    """Return the defined name of a plan's price cell, e.g. `Price_business`."""
    return "Price_" + re.sub(r"[^A-Za-z0-9_]", "_", plan)


def write_summary(
    book: Book,
    sheet: Sheet,
    data: ReportData,
    seats: TableSpan,
    trend: TableSpan,
    labels: dict[str, str],
) -> None:
    """Write the Summary sheet; its costs are formulas over Seats, Trend and the prices."""
    _write_facts(sheet, data)
    write_bridge(book, sheet, data, {plan: price_name(plan) for plan in data.settings.prices})
    _write_assumptions(book, sheet, data)
    _write_plans(sheet, data)
    counts = _write_counts(sheet, data.current, data.previous, labels)
    _write_costs(book, sheet, data, seats, trend)
    _write_savings(book, sheet, data, counts)


def _heading(sheet: Sheet, title: str) -> None:
    """Write a blank row, then a bold section title."""
    sheet.append([])
    sheet.append([Styled(title, bold=True)])


def _write_facts(sheet: Sheet, data: ReportData) -> None:
    """Write the title, the note and what the workbook describes."""
    sheet.append([Styled("GitHub Copilot seats: finance workbook", bold=True)])
    sheet.append([Styled(NOTE, wrap=True)], height=wrapped_height(NOTE))
    previous = data.previous_snapshot
    before = previous.as_of if previous else None
    facts: tuple[tuple[str, Any, Kind], ...] = (
        ("Scope", data.scope, "text"),
        ("Month", data.month, "text"),
        ("Snapshot time (UTC)", excel_datetime(data.current_snapshot.as_of), "datetime"),
        ("Compared with", comparison_label(data.current.as_of, before), "text"),
        ("Snapshot file", data.current_snapshot.source_name, "text"),
        ("Made by", f"copilot-seats {data.tool_version}", "text"),
    )  # fmt: skip
    for label, value, kind in facts:
        sheet.append([label, Styled(value, kind)])
    named = "name" in data.seats.columns and data.seats["name"].drop_nulls().len() > 0
    if "cost_center" not in data.breakdowns and data.settings.people is None and not named:
        sheet.append([Styled(PEOPLE_HINT, wrap=True)], height=wrapped_height(PEOPLE_HINT))


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
    thresholds: tuple[tuple[str, str, Any, Kind], ...] = (
        ("StaleDays", "Stale after (days without activity)", settings.stale_days, "number"),
        ("GraceDays", "Grace period of a new seat (days)", settings.grace_days, "number"),
        ("DefaultPlan", "Plan of a seat whose plan is unknown", settings.default_plan, "text"),
        ("Currency", "Currency", settings.currency, "text"),
    )
    for name, label, value, kind in thresholds:
        row = sheet.append([label, Styled(value, kind)])
        book.define(name, f"{where}!$B${row}")


def _write_plans(sheet: Sheet, data: ReportData) -> None:
    """Write the billed seats by plan, each priced from the price cells."""
    _heading(sheet, "Billed seats by plan")
    prices = data.settings.prices
    by_plan = data.current.seats_by_plan
    plans = [p for p in prices if p in by_plan] + sorted(p for p in by_plan if p not in prices)
    seats = [by_plan[p] for p in plans]
    price = [prices.get(p) for p in plans]
    write_table(
        sheet,
        "PlansTable",
        pl.DataFrame(
            {
                "plan": plans,
                "seats": seats,
                "price": price,
                "cost": [
                    n * p if p is not None else None for n, p in zip(seats, price, strict=True)
                ],
            },
            schema={"plan": pl.String, "seats": pl.Int64, "price": pl.Float64, "cost": pl.Float64},
        ),
        [
            Column("Plan", "text", source="plan", total="label"),
            Column("Billed seats", "count", source="seats", total="sum"),
            Column(
                "Price per seat", "money", formula="=VLOOKUP(A{r},Prices,2,FALSE)", cached="price"
            ),
            Column("Monthly cost", "money", formula="=B{r}*C{r}", total="sum", cached="cost"),
        ],
        totals=True,
    )


def _count_figures(summary: SnapshotSummary) -> list[int]:
    """Return the seat counts the Summary shows, in `_count_labels` order."""
    states = [summary.states.get(state, 0) for state in STATES]
    idle = sum(summary.states.get(state, 0) for state in IDLE_STATES)
    return [summary.seats, *states, idle, summary.pending_cancellation,
            summary.reclaim_candidates, summary.check_first]  # fmt: skip


def _count_labels(labels: dict[str, str]) -> list[str]:
    """Return the Summary's seat-count labels."""
    return [
        "Billed seats",
        *(f"{labels[state]} seats" for state in STATES),
        "Idle seats (stale + never active)",
        "Pending cancellation",
        "Reclaim candidates",
        "Check first (idle, signed in recently)",
    ]


def _write_counts(
    sheet: Sheet,
    current: SnapshotSummary,
    previous: SnapshotSummary | None,
    labels: dict[str, str],
) -> dict[str, str]:
    """Write this month's and the previous month's seat counts; return the cells by figure."""
    _heading(sheet, "Seat counts")
    names = _count_labels(labels)
    this = _count_figures(current)
    before: list[int | None] = list(_count_figures(previous)) if previous else [None] * len(names)
    columns = [
        Column("Figure", "text", source="figure", colors=_state_label_colors(labels)),
        Column("This month", "count", source="this"),
        Column("Previous month", "count", source="previous"),
    ]
    if previous is not None:
        columns.append(Column("Change", "count", formula="=B{r}-C{r}", cached="change"))
    frame = pl.DataFrame(
        {"figure": names, "this": this, "previous": before,
         "change": [t - b if b is not None else None for t, b in zip(this, before, strict=True)]},
        schema={"figure": pl.String, "this": pl.Int64, "previous": pl.Int64, "change": pl.Int64},
    )  # fmt: skip
    span = write_table(sheet, "SeatFiguresTable", frame, columns)
    keys = ["seats", *STATES, "idle", "pending", "reclaim", "check_first"]
    return {key: span.cell("This month", span.first_row + i) for i, key in enumerate(keys)}


def _state_label_colors(labels: dict[str, str]) -> dict[str, str]:
    """Return the Summary's state-count labels mapped to the page's state colours."""
    return {f"{labels[state]} seats": STATE_COLORS[state] for state in STATES}


def _write_costs(
    book: Book, sheet: Sheet, data: ReportData, seats: TableSpan, trend: TableSpan
) -> None:
    """Write this and the previous month's costs, all formulas on the price cells."""
    _heading(sheet, "Costs")
    current, previous = data.current, data.previous
    cost = seats.column("Monthly cost")
    state = seats.column("State")
    labels = {s: v for s, v in zip(STATES, _state_names(data), strict=True)}
    idle = "+".join(f'SUMIFS({cost},{state},"{labels[s]}")' for s in IDLE_STATES)
    formulas = [
        f"=SUM({cost})",
        f"={idle}",
        f"=SUMIFS({cost},{seats.column('Reclaim candidate')},TRUE)",
        f"=SUMIFS({cost},{seats.column('Check first')},TRUE)",
    ]
    values = [current.monthly_cost, current.idle_monthly_cost,
              current.reclaimable_monthly_cost, current.check_first_monthly_cost]  # fmt: skip
    n = len(COST_FIGURES)
    before: list[str | None] = [None] * n
    before_values: list[float | None] = [None] * n
    prev_row = _trend_row(data, trend)
    if previous is not None and prev_row is not None:
        before[:3] = [trend.cell(h, prev_row) for h in (TREND_COST, TREND_IDLE, TREND_RECLAIM)]
        before = ["=" + ref if ref else None for ref in before]
        history = data.history.row(prev_row - trend.first_row, named=True)
        reclaim = sum(history[f"reclaim_{p}"] * v for p, v in data.settings.prices.items())
        before_values[:3] = [history["monthly_cost"], history["idle_monthly_cost"], reclaim]
    start = sheet.row + 2  # the header row comes next
    change = [
        f"=B{start + i}-C{start + i}" if b is not None else None for i, b in enumerate(before)
    ]
    change_values = [
        v - b if b is not None else None for v, b in zip(values, before_values, strict=True)
    ]
    frame = pl.DataFrame(
        {"figure": [label for _, label in COST_FIGURES], "formula": formulas, "value": values,
         "previous": before, "previous_value": before_values, "change": change,
         "change_value": change_values},
        schema={"figure": pl.String, "formula": pl.String, "value": pl.Float64,
                "previous": pl.String, "previous_value": pl.Float64, "change": pl.String,
                "change_value": pl.Float64},
    )  # fmt: skip
    span = write_table(
        sheet,
        "CostFiguresTable",
        frame,
        [
            Column("Figure", "text", source="figure"),
            Column("This month", "money", source="formula", trusted=True, cached="value"),
            Column(
                "Previous month", "money", source="previous", trusted=True, cached="previous_value"
            ),
            Column("Change", "money", source="change", trusted=True, cached="change_value"),
        ],
    )
    for offset, (name, _) in enumerate(COST_FIGURES):
        book.define(name, span.cell("This month", span.first_row + offset))


def _state_names(data: ReportData) -> list[str]:
    """Return the state labels of this report, in STATES order."""
    return [state_label(s, len(data.sources) == 1) for s in STATES]


def _trend_row(data: ReportData, trend: TableSpan) -> int | None:
    """Return the Trend row of the previous snapshot, or None without one."""
    if data.previous is None:
        return None
    times = data.history["as_of"].to_list()
    for offset, as_of in enumerate(times):
        if as_of == data.previous.as_of:
            return trend.first_row + offset
    return None


def _write_savings(book: Book, sheet: Sheet, data: ReportData, counts: dict[str, str]) -> None:
    """Write the savings and their follow-through as facts: no yearly extrapolation."""
    current = data.current
    where = quote_sheetname(sheet.title)
    _heading(sheet, "Savings")
    active, seats = current.states.get("active", 0), current.seats
    rows: list[tuple[str, str, str, Kind, float]] = [
        ("SavingsFromNextCycle",
         f"Potential monthly savings from the next billing cycle: remove the "
         f"{current.reclaim_candidates:,} reclaim candidates (Reclaim sheet)",
         "=ReclaimMonthlySavings", "money", current.reclaimable_monthly_cost),
        ("CheckFirstCost",
         f"Kept apart: {current.check_first:,} check-first seats (Check first sheet); "
         "ask before removing, monthly cost",
         "=CheckFirstMonthlyCost", "money", current.check_first_monthly_cost),
        ("Utilisation", "Utilisation (active / billed seats)",
         f"=IF({counts['seats']}=0,0,{counts['active']}/{counts['seats']})", "percent",
         active / seats if seats else 0.0),
        ("CostPerActiveSeat", "Cost per active seat",
         f"=IF({counts['active']}=0,0,MonthlyCost/{counts['active']})", "money",
         current.monthly_cost / active if active else 0.0),
    ]  # fmt: skip
    for name, label, formula, kind, value in rows:
        row = sheet.append(
            [Styled(label, wrap=True), Styled(formula, kind, formula=True, cached=value)],
            height=wrapped_height(label),
        )
        book.define(name, f"{where}!$B${row}")
    follow = data.follow_through
    _heading(sheet, "Last month's reclaim candidates")
    if follow is None:
        sheet.append(["No earlier snapshot: nothing to follow through yet."])
        return
    sheet.append([f"Candidates of {iso(follow.previous_as_of)[:10]}", follow.candidates])
    prices = data.settings.prices
    stopped = "+".join(
        f"{n}*{price_name(p)}" for p, n in sorted(follow.removed_by_plan.items()) if p in prices
    )
    stopped_value = sum(n * prices[p] for p, n in follow.removed_by_plan.items() if p in prices)
    facts: tuple[tuple[str, Any], ...] = (
        ("Removed", follow.removed),
        ("Still idle", follow.still_idle),
        ("Came back (active again)", follow.came_back),
        ("Now check first", follow.now_check_first),
        ("Otherwise settled (pending cancellation, excluded)", follow.other),
    )
    for label, value in facts:
        sheet.append([label, value])
    row = sheet.append(
        ["Monthly cost stopped by the removals",
         Styled(f"={stopped or 0}", "money", formula=True, cached=stopped_value)]
    )  # fmt: skip
    book.define("StoppedMonthlyCost", f"{where}!$B${row}")
