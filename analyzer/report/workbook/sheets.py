"""The workbook's Changes, Trend and Sources sheets."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.utils import get_column_letter

from analyzer.model import STATES, UNMAPPED, ReportData, SeatDiff, state_label
from analyzer.report.palette import STATE_COLORS
from analyzer.report.workbook.summary import (
    TREND_CHANGE,
    TREND_COST,
    TREND_IDLE,
    TREND_RECLAIM,
    price_name,
)
from analyzer.report.workbook.tables import Book, Column, Styled, TableSpan, widths_of, write_table

_CHANGE_COLUMNS: tuple[Column, ...] = (
    Column("Change", "text", 20, "change"),
    Column("Login", "text", 16, "display_login"),
    Column("Orgs", "text", 18, "orgs"),
    Column("Team", "text", 18, "team"),
    Column("From", "text", 18, "from"),
    Column("To", "text", 18, "to"),
)


def _change_rows(
    frame: pl.DataFrame, change: pl.Expr, before: pl.Expr, after: pl.Expr
) -> pl.DataFrame:
    """Return `frame` as rows of the Changes table."""
    return frame.select(
        change.alias("change"), "login", "display_login", "orgs", "team",
        before.alias("from"), after.alias("to"),
    )  # fmt: skip


def _changes_frame(diff: SeatDiff, seats: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    """Return one row per change: added, removed, state transitions, then team/org moves."""
    where = seats.select("login", "orgs", "team")
    none = pl.lit(None, pl.String)
    label = pl.when(pl.col("change") != "").then(pl.col("change"))

    def state(column: str) -> pl.Expr:
        """Return a state column as people read it."""
        return pl.col(column).replace(labels)

    parts = [
        _change_rows(diff.added, pl.lit("added"), none, state("state")),
        _change_rows(diff.removed, pl.lit("removed"), state("state"), none),
        _change_rows(
            diff.transitions.join(where, on="login", how="left"),
            label.otherwise(pl.format("{} -> {}", "from_state", "to_state")),
            state("from_state"),
            state("to_state"),
        ),
        _change_rows(
            diff.moves.join(where, on="login", how="left"),
            pl.format("moved ({})", "field"),
            pl.col("before"),
            pl.col("after"),
        ),
    ]
    frames = [
        part.cast(pl.String).with_columns(pl.lit(order).alias("order"))
        for order, part in enumerate(parts)
    ]
    return (
        pl.concat(frames)
        .with_columns(pl.col("orgs", "team").fill_null(UNMAPPED))
        .sort("order", "login")
    )


def write_changes(
    book: Book, data: ReportData, seats: pl.DataFrame, labels: dict[str, str]
) -> None:
    """Write the changes since the previous month (only written when there is one)."""
    assert data.changes is not None
    sheet = book.add_sheet("Changes", widths_of(_CHANGE_COLUMNS))
    frame = _changes_frame(data.changes, seats, labels)
    write_table(sheet, "ChangesTable", frame, _CHANGE_COLUMNS)


def plan_header(what: str, plan: str) -> str:
    """Return the Trend header of a per-plan count, e.g. `Idle seats: business`."""
    return f"{what}: {plan}"


_PLAN_COUNTS = (
    ("seats", "Billed seats"),
    ("idle", "Idle seats"),
    ("reclaim", "Reclaim candidates"),
)


def trend_columns(data: ReportData) -> list[Column]:
    """Return the Trend columns: counts, per-plan counts, then costs priced from Prices."""
    plans = list(data.settings.prices)
    labels = {s: _label(data, s) for s in STATES}
    columns = [
        Column("Snapshot time (UTC)", "datetime", 17, "as_of"),
        Column("Seats", "count", 9, "seats"),
        *(Column(labels[state], "count", 11, state) for state in STATES),
        Column("Pending cancellation", "count", 12, "pending_cancellation"),
        Column("Reclaim candidates", "count", 11, "reclaim_candidates"),
        Column("Added", "count", 8, "added"),
        Column("Removed", "count", 9, "removed"),
        *(
            Column(plan_header(label, plan), "count", 11, f"{what}_{plan}")
            for what, label in _PLAN_COUNTS
            for plan in plans
        ),
    ]
    letters = {c.source: _letter(i) for i, c in enumerate(columns)}

    def priced(what: str) -> str:
        """Return the formula pricing one kind of per-plan count with the price cells."""
        return "=" + "+".join(f"{letters[f'{what}_{p}']}{{r}}*{price_name(p)}" for p in plans)

    return [
        *columns,
        Column(TREND_COST, "money", 14, formula=priced("seats"), cached="monthly_cost"),
        Column(TREND_IDLE, "money", 14, formula=priced("idle"), cached="idle_monthly_cost"),
        Column(TREND_RECLAIM, "money", 14, formula=priced("reclaim"), cached="reclaim_cost"),
        Column(TREND_CHANGE, "money", 14, "change_formula", trusted=True, cached="change"),
    ]


def _label(data: ReportData, state: str) -> str:
    """Return a state's label in this report."""
    return state_label(state, len(data.sources) == 1)


def _letter(index: int) -> str:
    """Return the letter of the 0-based column `index`."""
    return str(get_column_letter(index + 1))


def trend_frame(data: ReportData, cost_letter: str, first_row: int) -> pl.DataFrame:
    """Return the history with the reclaim cost and the month-on-month cost change."""
    prices = data.settings.prices
    reclaim = pl.sum_horizontal(
        *(pl.col(f"reclaim_{p}") * price for p, price in prices.items())
    ).cast(pl.Float64)
    row = pl.int_range(first_row, first_row + pl.len())
    return data.history.with_columns(
        reclaim.alias("reclaim_cost"),
        (pl.col("monthly_cost") - pl.col("monthly_cost").shift(1)).alias("change"),
        pl.when(row > first_row)
        .then(pl.format("={}{}-{}{}", pl.lit(cost_letter), row, pl.lit(cost_letter), row - 1))
        .alias("change_formula"),
    )


def write_trend(book: Book, data: ReportData) -> TableSpan:
    """Write one row per snapshot (costs priced from Prices) and the charts beside it."""
    columns = trend_columns(data)
    sheet = book.add_sheet("Trend", widths_of(columns))
    cost_letter = _letter([c.header for c in columns].index(TREND_COST))
    frame = trend_frame(data, cost_letter, sheet.row + 2)
    span = write_table(sheet, "TrendTable", frame, columns)
    _add_charts(sheet.ws, span, data, len(columns))
    return span


def _add_charts(ws: object, span: TableSpan, data: ReportData, width: int) -> None:
    """Add the seats-by-state (in the page's state colours) and cost charts right of Trend."""
    col = {header: ord(letter) - ord("A") + 1 for header, letter in span.letters.items()
           if len(letter) == 1}  # fmt: skip
    categories = Reference(ws, min_col=1, min_row=span.first_row, max_row=span.last_row)
    bars = BarChart()
    bars.type, bars.grouping, bars.overlap = "col", "stacked", 100
    bars.title, bars.y_axis.title = "Seats by state", "Seats"
    first, last = _label(data, STATES[0]), _label(data, STATES[-1])
    bars.add_data(
        Reference(ws, min_col=col[first], max_col=col[last], min_row=span.header_row,
                  max_row=span.last_row),
        titles_from_data=True,
    )  # fmt: skip
    for series, state in zip(bars.series, STATES, strict=True):
        series.graphicalProperties.solidFill = STATE_COLORS[state].lstrip("#").upper()
        series.graphicalProperties.line.noFill = True
    lines = LineChart()
    lines.title, lines.y_axis.title = "Monthly cost", data.settings.currency
    lines.add_data(
        Reference(ws, min_col=col[TREND_COST], max_col=col[TREND_IDLE],
                  min_row=span.header_row, max_row=span.last_row),
        titles_from_data=True,
    )  # fmt: skip
    for series in lines.series:
        series.smooth = False  # monthly figures: a curve between them would invent values
    anchor_col = _letter(width + 1)
    for chart, anchor in ((bars, f"{anchor_col}2"), (lines, f"{anchor_col}22")):
        chart.set_categories(categories)
        chart.x_axis.number_format = "yyyy-mm-dd"
        # openpyxl 3.1 marks axes as deleted unless told otherwise.
        chart.x_axis.delete = chart.y_axis.delete = False
        chart.width, chart.height = 20.0, 9.5
        ws.add_chart(chart, anchor)  # type: ignore[attr-defined]


_SOURCE_COLUMNS: tuple[Column, ...] = (
    Column("Snapshot time (UTC)", "datetime", 17, source="as_of"),
    Column("Format", "text", 18, source="format"),
    Column("File name", "text", 40, source="source_name"),
    Column("SHA-256", "text", 20, source="sha256"),
    Column("Seats", "count", 9, source="seats"),
    Column("Rows", "count", 9, source="rows"),
    Column("Time from", "text", 12, source="time_source"),
    Column("Time precision", "text", 10, source="time_precision"),
    Column("Scope from", "text", 12, source="scope_source"),
    Column("Snapshot id", "text", 30, source="id"),
)
_FINDING_COLUMNS: tuple[Column, ...] = (
    Column("Severity", "text", source="severity"),
    Column("Code", "text", source="code"),
    Column("Finding", "text", source="message"),
    Column("Count", "count", source="count"),
)
_DEFINITION_COLUMNS: tuple[Column, ...] = (
    Column("Term", "text", source="term"),
    Column("Definition", "text", source="definition"),
)


def _frame_of(items: Sequence[object], columns: Sequence[Column]) -> pl.DataFrame:
    """Return a frame of the attributes of `items` the columns' sources name."""
    names = [column.source for column in columns if column.source]
    return pl.DataFrame({name: [getattr(item, name) for item in items] for name in names})


def write_sources(book: Book, data: ReportData) -> None:
    """Write every snapshot used and, under them, the data-quality findings, definitions."""
    sheet = book.add_sheet("Sources", widths_of(_SOURCE_COLUMNS))
    write_table(sheet, "SourcesTable", _frame_of(data.sources, _SOURCE_COLUMNS), _SOURCE_COLUMNS)
    sheet.append([])
    sheet.append([Styled("Data-quality findings", bold=True)])
    findings = _frame_of(data.findings, _FINDING_COLUMNS)
    write_table(sheet, "FindingsTable", findings, _FINDING_COLUMNS)
    sheet.append([])
    sheet.append([Styled("Definitions every figure follows", bold=True)])
    definitions = pl.DataFrame(
        data.definitions, schema={"term": pl.String, "definition": pl.String}, orient="row"
    )
    write_table(sheet, "DefinitionsTable", definitions, _DEFINITION_COLUMNS)
