"""Write the monthly finance workbook, every cost a formula on the prices in Assumptions."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from analyzer.errors import OutputError
from analyzer.model import IDLE_STATES, STATES, UNMAPPED, ReportData, state_label
from analyzer.report.palette import STATE_COLORS
from analyzer.report.workbook.backtest import write_backtest
from analyzer.report.workbook.bill import bill_seat_columns, with_bill_columns, write_bill
from analyzer.report.workbook.cells import ILLEGAL_XML
from analyzer.report.workbook.engagement import seat_columns, with_engagement, write_engagement
from analyzer.report.workbook.forecast import write_forecast
from analyzer.report.workbook.printing import fit_one_page, print_columns
from analyzer.report.workbook.sheets import write_changes, write_sources, write_trend
from analyzer.report.workbook.summary import write_summary
from analyzer.report.workbook.tables import (
    Book,
    Column,
    Sheet,
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
PEOPLE_BREAKDOWNS = ("cost_center", "department")
# Seat columns a breakdown groups on; a missing value is written as the breakdown's key.
_GROUP_COLUMNS = ("department", "cost_center", "orgs", "primary_org", "team")
_SUMMARY_WIDTHS = (50.0, 17.0, 17.0, 15.0)
# The most data rows a table can have: Excel's 1,048,576 rows less a header and a total.
MAX_TABLE_ROWS = 1_048_574
SUPPORTED_SEATS = 1_000_000


def write_workbook(data: ReportData, path: Path) -> None:
    """Write the finance workbook for `data` to `path`, atomically.

    Two writes of the same data give the same bytes: the document's timestamps come from
    the snapshot, never from the clock, and every zip entry has a fixed time.
    """
    if data.seats.height > MAX_TABLE_ROWS:
        raise OutputError(
            f"cannot write {path}: {data.seats.height:,} seats do not fit one worksheet "
            f"(at most {MAX_TABLE_ROWS:,} rows); the workbook supports up to "
            f"{SUPPORTED_SEATS:,} seats. Use the page, or `reclaim --format csv`."
        )
    labels = state_labels(data)
    people = has_people(data)
    footer = f"GitHub Copilot seats: {data.scope}, {data.month}"
    with Book(data.settings.currency, footer) as book:
        # Sheets appear in creation order. Summary is created first but filled last, once the
        # Seats ranges its formulas sum are known; every sheet streams to its own file.
        summary = book.add_sheet("Summary", _SUMMARY_WIDTHS, freeze=None)
        fit_one_page(summary.ws)
        seat_frame = with_bill_columns(with_engagement(_seat_frame(data, labels), data), data.bill)
        columns = [*_seat_columns(labels, people), *seat_columns(data)]
        seat_cols = _print_first(_present(columns, seat_frame))
        seat_cols += tuple(bill_seat_columns(data.bill, seat_frame, len(seat_cols)))  # the bill
        seats_sheet = book.add_sheet(
            "Seats", widths_of(seat_cols), freeze="B2", print_titles=("1:1", "A:A")
        )
        seats = write_table(seats_sheet, "SeatsTable", seat_frame, seat_cols, totals=True)
        print_columns(seats_sheet.ws, letter_of(seat_cols, "Monthly cost"), seats.last_row + 1)
        reclaim = _write_list(book, "Reclaim", "ReclaimTable", _reclaim_frame(data, labels),
                              people, _RECLAIM_COLUMNS)  # fmt: skip
        write_backtest(reclaim, data)
        _write_list(book, "Check first", "CheckFirstTable", _check_first_frame(data, labels),
                    people, _CHECK_FIRST_COLUMNS)  # fmt: skip
        if data.engagement is not None:
            light = _with_people(data.engagement.light_use, data).with_columns(
                pl.col("orgs", "team").fill_null(UNMAPPED)
            )
            light_columns = [Column("Login", "text", 16, "display_login", total="label"),
                             *_people_columns(people), Column("Days active", "number", 9, "days"),
                             *_RECLAIM_COLUMNS[-3:]]  # fmt: skip
            write_engagement(book, data, light, _with_plan_price(_present(light_columns, light)))
        if data.changes is not None:
            write_changes(book, data, _seat_frame(data, labels), labels)
        trend = write_trend(book, data)
        for key, title, key_header, table, seat_header in BREAKDOWNS:
            if key not in data.breakdowns or (key in PEOPLE_BREAKDOWNS and not people):
                continue  # without a people file: no sheet (Summary says how to add one)
            if (data.breakdowns[key]["key"] == UNMAPPED).all():
                continue  # nobody has a value: a sheet all "(unmapped)" says nothing
            columns = _breakdown_columns(key_header, seats, seat_header, labels)
            sheet = book.add_sheet(title, widths_of(columns))
            write_table(sheet, table, data.breakdowns[key], columns, totals=True)
        if data.bill is not None:
            write_bill(book, data)
        write_forecast(book, data)  # next month under the credit pool, when credits are stored
        write_sources(book, data)
        write_summary(book, summary, data, seats, trend, labels)
        _set_properties(book, data)
        book.save(path)


def has_people(data: ReportData) -> bool:
    """Return whether a people file was given (its breakdowns are then computed)."""
    return data.settings.people is not None or any(k in data.breakdowns for k in PEOPLE_BREAKDOWNS)


def state_labels(data: ReportData) -> dict[str, str]:
    """Return the label of every state as people read it in this report."""
    first = len(data.sources) == 1
    return {state: state_label(state, first) for state in STATES}


def _with_plan_price(columns: Sequence[Column]) -> tuple[Column, ...]:
    """Return `columns` and a last one, the cost: the row's plan looked up in Prices."""
    plan = letter_of(columns, "Plan")
    cost = Column(
        "Monthly cost", "money", 14, formula=f"=VLOOKUP({plan}{{r}},Prices,2,FALSE)",
        total="sum", cached="monthly_cost",
    )  # fmt: skip
    return (*columns, cost)


# The Seats sheet's columns a reader of the printout needs, first and in this order: the
# sheet prints only these, one page wide (the other columns stay on screen).
SEATS_PRINT = ("Login", "Name", "State", "Idle days", "Signed in (days ago)", "Monthly cost")


def _print_first(columns: Sequence[Column]) -> tuple[Column, ...]:
    """Return the Seats columns and the cost, the printed ones (SEATS_PRINT) first."""
    priced = _with_plan_price(columns)
    ordered = [c for h in SEATS_PRINT for c in priced if c.header == h]
    ordered += [c for c in priced if c.header not in SEATS_PRINT]
    formula = f"=VLOOKUP({letter_of(ordered, 'Plan')}{{r}},Prices,2,FALSE)"
    return tuple(
        dataclasses.replace(c, formula=formula) if c.header == "Monthly cost" else c
        for c in ordered
    )


def _present(columns: Sequence[Column], frame: pl.DataFrame) -> list[Column]:
    """Return the columns that hold data in `frame` (all of them for an empty frame)."""
    filled = {name for name in frame.columns if frame[name].null_count() < frame.height}
    if frame.is_empty():
        filled = set(frame.columns)
    return [c for c in columns if c.source is None or c.source in filled]


def _people_columns(people: bool) -> list[Column]:
    """Return the people file's columns, or none without a people file."""
    if not people:
        return []
    return [
        Column("Name", "text", 22, "name"),
        Column("Email", "text", 26, "email"),
        Column("Department", "text", 16, "department"),
        Column("Cost center", "text", 14, "cost_center"),
        Column("Manager", "text", 18, "manager"),
    ]


def _seat_columns(labels: dict[str, str], people: bool) -> list[Column]:
    """Return the Seats sheet's columns but the cost."""
    colors = {labels[state]: STATE_COLORS[state] for state in STATES}
    return [
        Column("Login", "text", 16, "display_login", total="label"),
        *_people_columns(people),
        Column("Orgs", "text", 18, "orgs"),
        Column("Primary org", "text", 16, "primary_org"),
        Column("Team", "text", 18, "team"),
        Column("Plan", "text", 12, "plan"),
        Column("State", "text", 13, "state", colors=colors),
        Column("Pending cancellation", "bool", 13, "pending_cancellation"),
        Column("Pending cancellation date", "date", 13, "pending_cancellation_date"),
        Column("First seen (UTC)", "datetime", 16, "first_seen"),
        Column("Last activity (UTC)", "datetime", 16, "last_activity"),
        Column("Last authenticated (UTC)", "datetime", 16, "last_authenticated"),
        Column("Idle days", "number", 9, "idle_days"),
        Column("Signed in (days ago)", "number", 10, "signed_in_days"),
        Column("Last surface", "text", 28, "last_surface"),
        Column("Surface family", "text", 13, "surface_family"),
        Column("Reclaim candidate", "bool", 11, "reclaim"),
        Column("Check first", "bool", 10, "check_first"),
        Column("Excluded from reclaim", "bool", 11, "excluded"),
    ]


_RECLAIM_COLUMNS: tuple[Column, ...] = (
    Column("Reason", "text", 13, "reason"),
    Column("Idle days", "number", 9, "idle_days"),
    Column("Idle since (UTC)", "datetime", 16, "idle_since"),
    Column("First seen (UTC)", "datetime", 16, "first_seen"),
    Column("Last activity (UTC)", "datetime", 16, "last_activity"),
    Column("Last surface", "text", 28, "last_surface"),
    Column("Orgs", "text", 18, "orgs"),
    Column("Team", "text", 18, "team"),
    Column("Plan", "text", 12, "plan"),
)
_CHECK_FIRST_COLUMNS: tuple[Column, ...] = (
    Column("Signed in (days ago)", "number", 10, "signed_in_days"),
    Column("Last authenticated (UTC)", "datetime", 16, "last_authenticated"),
    Column("Reason", "text", 13, "reason"),
    Column("Idle days", "number", 9, "idle_days"),
    Column("Last activity (UTC)", "datetime", 16, "last_activity"),
    Column("First seen (UTC)", "datetime", 16, "first_seen"),
    Column("Orgs", "text", 18, "orgs"),
    Column("Team", "text", 18, "team"),
    Column("Plan", "text", 12, "plan"),
)


def _write_list(
    book: Book, title: str, table: str, frame: pl.DataFrame, people: bool,
    rest: Sequence[Column],
) -> Sheet:  # fmt: skip
    """Write a seat list (Reclaim, Check first): login, people, its columns, the cost."""
    columns = [Column("Login", "text", 16, "display_login", total="label"),
               *_people_columns(people), *rest]  # fmt: skip
    columns = list(_with_plan_price(_present(columns, frame)))
    sheet = book.add_sheet(title, widths_of(columns), freeze="B2", print_titles=("1:1", "A:A"))
    write_table(sheet, table, frame, columns, totals=True)
    return sheet


def _breakdown_columns(
    key_header: str, seats: TableSpan, seat_header: str, labels: dict[str, str]
) -> list[Column]:
    """Return a breakdown sheet's columns; costs sum the Seats sheet's rows of each key.

    SUMPRODUCT with `=` rather than SUMIFS: SUMIFS reads its criterion as a pattern, so a
    key starting with "<" or ">" becomes a comparison, "*" and "?" become wildcards, and
    "0042" also matches "42". `=` compares the texts ignoring case, as Excel and LibreOffice
    do, and the breakdown's keys are unique ignoring case, so each seat counts once.
    """
    counts = (
        ("Seats", "seats"),
        *((labels[state], state) for state in STATES),
        ("Pending cancellation", "pending_cancellation"),
        ("Reclaim candidates", "reclaim_candidates"),
    )
    columns = [
        Column(key_header, "text", 30, "key", total="label"),
        *(Column(header, "count", 12, source, total="sum") for header, source in counts),
    ]
    match = f"({seats.column(seat_header)}=$A{{r}})"
    cost = seats.column("Monthly cost")
    state = seats.column("State")
    idle = "+".join(f'({state}="{labels[s]}")' for s in IDLE_STATES)
    return [
        *columns,
        Column("Monthly cost", "money", 15, formula=f"=SUMPRODUCT({match}*{cost})",
               total="sum", cached="monthly_cost"),
        Column("Idle monthly cost", "money", 15,
               formula=f"=SUMPRODUCT({match}*({idle})*{cost})", total="sum",
               cached="idle_monthly_cost"),
    ]  # fmt: skip


def label_states(column: str, labels: dict[str, str]) -> pl.Expr:
    """Return `column` with state codes replaced by their display labels."""
    return pl.col(column).replace(labels)


def _seat_frame(data: ReportData, labels: dict[str, str]) -> pl.DataFrame:
    """Return the seats with state labels and "(unmapped)" where a breakdown key is missing."""
    seats = data.seats
    if "primary_org" not in seats.columns:
        # The org breakdown counts a seat under its primary org (the one of its latest
        # activity); a frame without that column is taken as one org per seat.
        seats = seats.with_columns(pl.col("orgs").alias("primary_org"))
    return seats.with_columns(
        label_states("state", labels),
        *(pl.col(name).fill_null(UNMAPPED) for name in _GROUP_COLUMNS),
    )


def _with_people(frame: pl.DataFrame, data: ReportData) -> pl.DataFrame:
    """Return `frame` with the seats' people columns joined on login."""
    people = [c for c in ("name", "email", "department", "cost_center", "manager")
              if c in data.seats.columns]  # fmt: skip
    found = data.seats.select("login", *people)
    return frame.join(found, on="login", how="left", maintain_order="left")


def _reclaim_frame(data: ReportData, labels: dict[str, str]) -> pl.DataFrame:
    """Return the reclaim candidates with reason labels and "(unmapped)" orgs and teams."""
    return _unmapped(_with_people(data.reclaim, data), labels)


def _check_first_frame(data: ReportData, labels: dict[str, str]) -> pl.DataFrame:
    """Return the check-first seats with reason labels and "(unmapped)" orgs and teams."""
    return _unmapped(_with_people(data.check_first, data), labels)


def _unmapped(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    """Return a seat list with reason labels and "(unmapped)" for missing group values."""
    groups = [c for c in _GROUP_COLUMNS if c in frame.columns]
    return frame.with_columns(label_states("reason", labels), pl.col(groups).fill_null(UNMAPPED))


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
