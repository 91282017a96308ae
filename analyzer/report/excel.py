"""Write the monthly finance workbook, every cost a formula on the prices in Assumptions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import polars as pl
from openpyxl.chart import BarChart, LineChart, Reference

from analyzer.model import IDLE_STATES, STATE_LABELS, STATES, UNMAPPED, ReportData, SeatDiff
from analyzer.report.excel_cells import ILLEGAL_XML
from analyzer.report.excel_summary import write_summary
from analyzer.report.excel_tables import (
    Book,
    Column,
    Sheet,
    Styled,
    TableSpan,
    excel_datetime,
    letter_of,
    widths_of,
    write_table,
)

# (breakdown key, sheet, key header, table name, the Seats column the key is matched on)
BREAKDOWNS: tuple[tuple[str, str, str, str, str], ...] = (
    ("cost_center", "By cost center", "Cost center", "ByCostCenterTable", "Cost center"),
    ("department", "By department", "Department", "ByDepartmentTable", "Department"),
    ("org", "By org", "Org", "ByOrgTable", "Primary org"),
    ("team", "By team", "Team", "ByTeamTable", "Team"),
)
# Seat columns a breakdown groups on; a missing value is written as the breakdown's key.
_GROUP_COLUMNS = ("department", "cost_center", "orgs", "primary_org", "team")
_SUMMARY_WIDTHS = (46.0, 22.0, 26.0, 16.0, 16.0)
_SOURCES_WIDTHS = (20.0, 24.0, 70.0, 66.0, 10.0, 10.0, 14.0, 14.0, 14.0, 48.0)


def write_workbook(data: ReportData, path: Path) -> None:
    """Write the finance workbook for `data` to `path`, atomically.

    Two writes of the same data give the same sheets: the document's timestamps come from
    the snapshot, never from the clock.
    """
    with Book(data.settings.currency) as book:
        # Sheets appear in creation order. Summary is created first but filled last, once the
        # Seats ranges its formulas sum are known; every sheet streams to its own file.
        summary = book.add_sheet("Summary", _SUMMARY_WIDTHS, freeze=None)
        seats_sheet = book.add_sheet("Seats", widths_of(_SEAT_COLUMNS), freeze="B2")
        seats = write_table(
            seats_sheet, "SeatsTable", _seat_frame(data.seats), _SEAT_COLUMNS, totals=True
        )
        reclaim = book.add_sheet("Reclaim", widths_of(_RECLAIM_COLUMNS), freeze="B2")
        write_table(reclaim, "ReclaimTable", _reclaim_frame(data), _RECLAIM_COLUMNS, totals=True)
        _write_changes(book.add_sheet("Changes", widths_of(_CHANGE_COLUMNS)), data)
        _write_trend(book.add_sheet("Trend", widths_of(_TREND_COLUMNS)), data)
        for key, title, key_header, table, seat_header in BREAKDOWNS:
            columns = _breakdown_columns(key_header, seats, seat_header)
            sheet = book.add_sheet(title, widths_of(columns))
            if key in data.breakdowns:
                write_table(sheet, table, data.breakdowns[key], columns, totals=True)
            else:  # cost center and department come from the people file
                sheet.append([f"No {key_header.lower()} breakdown: no people file was given."])
        _write_sources(book.add_sheet("Sources", _SOURCES_WIDTHS), data)
        write_summary(book, summary, data, seats)
        _set_properties(book, data)
        book.save(path)


def _with_plan_price(columns: Sequence[Column]) -> tuple[Column, ...]:
    """Return `columns` and a last one, the cost: the row's plan looked up in Prices."""
    plan = letter_of(columns, "Plan")
    cost = Column(
        "Monthly cost", "money", 14, formula=f"=VLOOKUP({plan}{{r}},Prices,2,FALSE)", total="sum"
    )
    return (*columns, cost)


_SEAT_COLUMNS = _with_plan_price(
    [
        Column("Login", "text", 16, "display_login", total="label"),
        Column("Name", "text", 22, "name"),
        Column("Email", "text", 26, "email"),
        Column("Department", "text", 16, "department"),
        Column("Cost center", "text", 14, "cost_center"),
        Column("Orgs", "text", 18, "orgs"),
        Column("Primary org", "text", 16, "primary_org"),
        Column("Team", "text", 18, "team"),
        Column("Plan", "text", 12, "plan"),
        Column("State", "text", 13, "state"),
        Column("Pending cancellation", "bool", 12, "pending_cancellation"),
        Column("Pending cancellation date", "date", 14, "pending_cancellation_date"),
        Column("First seen (UTC)", "datetime", 17, "first_seen"),
        Column("Last activity (UTC)", "datetime", 17, "last_activity"),
        Column("Last authenticated (UTC)", "datetime", 17, "last_authenticated"),
        Column("Idle days", "number", 10, "idle_days"),
        Column("Last surface", "text", 30, "last_surface"),
        Column("Surface family", "text", 14, "surface_family"),
        Column("Reclaim candidate", "bool", 12, "reclaim"),
        Column("Excluded from reclaim", "bool", 12, "excluded"),
    ]
)

_RECLAIM_COLUMNS = _with_plan_price(
    [
        Column("Login", "text", 16, "display_login", total="label"),
        Column("Reason", "text", 13, "reason"),
        Column("Idle days", "number", 10, "idle_days"),
        Column("Idle since (UTC)", "datetime", 17, "idle_since"),
        Column("First seen (UTC)", "datetime", 17, "first_seen"),
        Column("Last activity (UTC)", "datetime", 17, "last_activity"),
        Column("Last surface", "text", 30, "last_surface"),
        Column("Orgs", "text", 18, "orgs"),
        Column("Team", "text", 18, "team"),
        Column("Plan", "text", 12, "plan"),
    ]
)
_CHANGE_COLUMNS: tuple[Column, ...] = (
    Column("Change", "text", 20, "change"),
    Column("Login", "text", 16, "display_login"),
    Column("Orgs", "text", 18, "orgs"),
    Column("Team", "text", 18, "team"),
    Column("From", "text", 18, "from"),
    Column("To", "text", 18, "to"),
)
# Trend costs are values, not formulas: `history` keeps each month's seat counts by state
# but not by plan, so seats x price cannot be rebuilt for a past month without assuming
# today's plan mix. They are the library's figures, computed with the prices in force
# when the workbook was exported, and the headers say so.
_TREND_COLUMNS: tuple[Column, ...] = (
    Column("Snapshot time (UTC)", "datetime", 18, "as_of"),
    Column("Seats", "count", 9, "seats"),
    *(Column(STATE_LABELS[state], "count", 12, state) for state in STATES),
    Column("Pending cancellation", "count", 12, "pending_cancellation"),
    Column("Reclaim candidates", "count", 12, "reclaim_candidates"),
    Column("Added", "count", 9, "added"),
    Column("Removed", "count", 9, "removed"),
    Column("Monthly cost (as exported)", "money", 16, "monthly_cost"),
    Column("Idle monthly cost (as exported)", "money", 16, "idle_monthly_cost"),
)
_COUNT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Seats", "seats"),
    *((STATE_LABELS[state], state) for state in STATES),
    ("Pending cancellation", "pending_cancellation"),
    ("Reclaim candidates", "reclaim_candidates"),
)


def _breakdown_columns(key_header: str, seats: TableSpan, seat_header: str) -> list[Column]:
    """Return a breakdown sheet's columns; costs sum the Seats sheet's rows of each key.

    SUMPRODUCT with `=` rather than SUMIFS: SUMIFS reads its criterion as a pattern, so a
    key starting with "<" or ">" becomes a comparison, "*" and "?" become wildcards, and
    "0042" also matches "42". `=` compares the texts (ignoring case, as Excel always does).
    """
    columns = [
        Column(key_header, "text", 30, "key", total="label"),
        *(Column(header, "count", 12, source, total="sum") for header, source in _COUNT_COLUMNS),
    ]
    match = f"({seats.column(seat_header)}=$A{{r}})"
    cost = seats.column("Monthly cost")
    state = seats.column("State")
    idle = "+".join(f'({state}="{STATE_LABELS[s]}")' for s in IDLE_STATES)
    return [
        *columns,
        Column("Monthly cost", "money", 15, formula=f"=SUMPRODUCT({match}*{cost})", total="sum"),
        Column(
            "Idle monthly cost",
            "money",
            15,
            formula=f"=SUMPRODUCT({match}*({idle})*{cost})",
            total="sum",
        ),
    ]


def _label_states(column: str) -> pl.Expr:
    """Return `column` with state codes replaced by their display labels."""
    return pl.col(column).replace(STATE_LABELS)


def _seat_frame(seats: pl.DataFrame) -> pl.DataFrame:
    """Return the seats with state labels and "(unmapped)" where a breakdown key is missing."""
    if "primary_org" not in seats.columns:
        # The org breakdown counts a seat under its primary org (the one of its latest
        # activity); a frame without that column is taken as one org per seat.
        seats = seats.with_columns(pl.col("orgs").alias("primary_org"))
    return seats.with_columns(
        _label_states("state"),
        *(pl.col(name).fill_null(UNMAPPED) for name in _GROUP_COLUMNS),
    )


def _reclaim_frame(data: ReportData) -> pl.DataFrame:
    """Return the reclaim candidates with reason labels and "(unmapped)" orgs and teams."""
    return data.reclaim.with_columns(
        _label_states("reason"), pl.col("orgs", "team").fill_null(UNMAPPED)
    )


def _change_rows(
    frame: pl.DataFrame, change: pl.Expr, before: pl.Expr, after: pl.Expr
) -> pl.DataFrame:
    """Return `frame` as rows of the Changes table."""
    return frame.select(
        change.alias("change"), "login", "display_login", "orgs", "team",
        before.alias("from"), after.alias("to"),
    )  # fmt: skip


def _changes_frame(diff: SeatDiff, seats: pl.DataFrame) -> pl.DataFrame:
    """Return one row per change: added, removed, state transitions, then team/org moves."""
    where = _seat_frame(seats).select("login", "orgs", "team")
    none = pl.lit(None, pl.String)
    label = pl.when(pl.col("change") != "").then(pl.col("change"))
    parts = [
        _change_rows(diff.added, pl.lit("added"), none, _label_states("state")),
        _change_rows(diff.removed, pl.lit("removed"), _label_states("state"), none),
        _change_rows(
            diff.transitions.join(where, on="login", how="left"),
            label.otherwise(pl.format("{} -> {}", "from_state", "to_state")),
            _label_states("from_state"),
            _label_states("to_state"),
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


def _write_changes(sheet: Sheet, data: ReportData) -> None:
    """Write the changes since the previous month, or say there is no previous month."""
    if data.changes is None:
        sheet.append(
            [
                "No previous month: this is the first snapshot of this scope, so "
                "there is nothing to compare with."
            ]
        )
        return
    write_table(sheet, "ChangesTable", _changes_frame(data.changes, data.seats), _CHANGE_COLUMNS)


def _write_trend(sheet: Sheet, data: ReportData) -> None:
    """Write one row per snapshot and the seats-by-state and cost charts beside it."""
    span = write_table(sheet, "TrendTable", data.history, _TREND_COLUMNS)
    ws = sheet.ws
    letters = span.letters
    col = {header: ord(letter) - ord("A") + 1 for header, letter in letters.items()}
    categories = Reference(ws, min_col=1, min_row=span.first_row, max_row=span.last_row)

    bars = BarChart()
    bars.type, bars.grouping, bars.overlap = "col", "stacked", 100
    bars.title, bars.y_axis.title = "Seats by state", "Seats"
    first_state, last_state = STATE_LABELS[STATES[0]], STATE_LABELS[STATES[-1]]
    bars.add_data(
        Reference(
            ws,
            min_col=col[first_state],
            max_col=col[last_state],
            min_row=span.header_row,
            max_row=span.last_row,
        ),
        titles_from_data=True,
    )
    lines = LineChart()
    lines.title, lines.y_axis.title = "Monthly cost (as exported)", data.settings.currency
    lines.add_data(
        Reference(
            ws,
            min_col=col["Monthly cost (as exported)"],
            max_col=col["Idle monthly cost (as exported)"],
            min_row=span.header_row,
            max_row=span.last_row,
        ),
        titles_from_data=True,
    )
    for series in lines.series:
        series.smooth = False  # monthly figures: a curve between them would invent values
    for chart, anchor in ((bars, "O2"), (lines, "O22")):
        chart.set_categories(categories)
        chart.x_axis.number_format = "yyyy-mm-dd"
        # openpyxl 3.1 marks axes as deleted unless told otherwise.
        chart.x_axis.delete = chart.y_axis.delete = False
        chart.width, chart.height = 20.0, 9.5
        ws.add_chart(chart, anchor)


_SOURCE_COLUMNS: tuple[Column, ...] = (
    Column("Snapshot time (UTC)", "datetime", source="as_of"),
    Column("Format", "text", source="format"),
    Column("File name", "text", source="source_name"),
    Column("SHA-256", "text", source="sha256"),
    Column("Seats", "count", source="seats"),
    Column("Rows", "count", source="rows"),
    Column("Time from", "text", source="time_source"),
    Column("Time precision", "text", source="time_precision"),
    Column("Scope from", "text", source="scope_source"),
    Column("Snapshot id", "text", source="id"),
)
_FINDING_COLUMNS: tuple[Column, ...] = (
    Column("Severity", "text", source="severity"),
    Column("Code", "text", source="code"),
    Column("Finding", "text", source="message"),
    Column("Count", "count", source="count"),
)


def _frame_of(items: Sequence[object], columns: Sequence[Column]) -> pl.DataFrame:
    """Return a frame of the attributes of `items` the columns' sources name."""
    names = [column.source for column in columns if column.source]
    return pl.DataFrame({name: [getattr(item, name) for item in items] for name in names})


def _write_sources(sheet: Sheet, data: ReportData) -> None:
    """Write every snapshot used and, under them, the data-quality findings."""
    write_table(sheet, "SourcesTable", _frame_of(data.sources, _SOURCE_COLUMNS), _SOURCE_COLUMNS)
    sheet.append([])
    sheet.append([Styled("Data-quality findings", bold=True)])
    findings = _frame_of(data.findings, _FINDING_COLUMNS)
    write_table(sheet, "FindingsTable", findings, _FINDING_COLUMNS)
    sheet.append([])
    sheet.append([Styled("Definitions every figure follows", bold=True)])
    write_table(sheet, "DefinitionsTable", _definitions_frame(data), _DEFINITION_COLUMNS)


_DEFINITION_COLUMNS: tuple[Column, ...] = (
    Column("Term", "text", source="term"),
    Column("Definition", "text", source="definition"),
)


def _definitions_frame(data: ReportData) -> pl.DataFrame:
    """Return the definitions every figure of the workbook follows, one row per term."""
    return pl.DataFrame(
        data.definitions, schema={"term": pl.String, "definition": pl.String}, orient="row"
    )


def _set_properties(book: Book, data: ReportData) -> None:
    """Set the document properties, timestamped with the snapshot time for determinism."""
    stamp = excel_datetime(data.current_snapshot.as_of)
    props = book.wb.properties
    props.creator = "copilot-seats"
    props.title = _property_text(f"GitHub Copilot seats {data.scope} {data.month}")
    props.subject = "GitHub Copilot seats and costs"
    props.description = _property_text(
        f"Made by copilot-seats {data.tool_version} from snapshot {data.current_snapshot.id}"
    )
    props.created = props.modified = stamp


def _property_text(text: str) -> str:
    """Return `text` without the control characters XML cannot carry."""
    return re.sub(ILLEGAL_XML, "\ufffd", text)
