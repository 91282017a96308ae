"""Tests of the finance workbook, read back with openpyxl."""

from __future__ import annotations

import dataclasses
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from lxml import etree
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from analyzer.model import STATE_LABELS, STATES, UNMAPPED, ReportData
from analyzer.report.palette import STATE_COLORS
from analyzer.report.workbook.book import write_workbook
from analyzer.report.workbook.summary import COST_FIGURES
from tests.report_fixture import make_report_data

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
MONEY = '#,##0.00 "USD"'
# The sheets in the order the finance issue names them (plus By department, Check first).
SHEETS = (
    "Summary",
    "Seats",
    "Reclaim",
    "Check first",
    "Changes",
    "Trend",
    "By cost center",
    "By department",
    "By org",
    "By team",
    "Sources",
)
TABLES = {
    "Summary": ["PricesTable", "PlansTable", "SeatFiguresTable", "CostFiguresTable"],
    "Seats": ["SeatsTable"], "Reclaim": ["ReclaimTable"], "Check first": ["CheckFirstTable"],
    "Changes": ["ChangesTable"],
    "Trend": ["TrendTable"], "By cost center": ["ByCostCenterTable"],
    "By department": ["ByDepartmentTable"], "By org": ["ByOrgTable"], "By team": ["ByTeamTable"],
    "Sources": ["SourcesTable", "FindingsTable", "DefinitionsTable"],
}  # fmt: skip


# The printed columns first (SEATS_PRINT), then the rest in reading order.
SEAT_HEADERS = [
    "Login", "Name", "State", "Idle days", "Signed in (days ago)", "Monthly cost",
    "Email", "Department", "Cost center", "Orgs", "Primary org", "Team",
    "Plan", "Pending cancellation", "Pending cancellation date", "First seen (UTC)",
    "Last activity (UTC)", "Last authenticated (UTC)",
    "Last surface", "Surface family", "Reclaim candidate", "Check first",
    "Excluded from reclaim",
]  # fmt: skip


def consistent_report_data(**changes: Any) -> ReportData:
    """Return the shared fixture (its figures agree with its seats), with `changes`."""
    return dataclasses.replace(make_report_data(), **changes)


def write(tmp_path: Path, data: ReportData | None = None, name: str = "seats.xlsx") -> Path:
    """Write the workbook of `data` (the consistent fixture by default) and return its path."""
    path = tmp_path / name
    write_workbook(data or consistent_report_data(), path)
    return path


def table(wb: Workbook, name: str) -> tuple[list[str], list[list[Any]]]:
    """Return a table's headers and its data rows of cells."""
    for ws in wb.worksheets:
        if name in ws.tables:
            rows = [list(row) for row in ws[ws.tables[name].ref]]
            return [str(cell.value) for cell in rows[0]], rows[1:]
    raise KeyError(name)


def column(wb: Workbook, name: str, header: str) -> list[Any]:
    """Return the cells of one column of a table."""
    headers, rows = table(wb, name)
    return [row[headers.index(header)] for row in rows]


def named_cell(wb: Workbook, name: str) -> Any:
    """Return the cell a defined name points at."""
    ((sheet, ref),) = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")]


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the path of the consistent fixture's workbook, written once for the module."""
    return write(tmp_path_factory.mktemp("excel"))


@pytest.fixture(scope="module")
def book(path: Path) -> Workbook:
    """Return the consistent fixture's workbook, opened with openpyxl."""
    return load_workbook(path)


def test_sheets_are_in_order(book: Workbook) -> None:
    """Pin the sheet names and their order."""
    assert book.sheetnames == list(SHEETS)
    assert list(SHEETS) == list(TABLES)


def test_every_table_is_a_styled_filterable_table(book: Workbook) -> None:
    """Pin each sheet's tables, their style, banding, autofilter and header cells."""
    for sheet, names in TABLES.items():
        ws = book[sheet]
        assert sorted(ws.tables) == sorted(names)
        for name in names:
            tab = ws.tables[name]
            assert tab.tableStyleInfo.name == "TableStyleMedium2"
            assert tab.tableStyleInfo.showRowStripes
            assert tab.autoFilter.ref == tab.ref
            headers, _ = table(book, name)
            assert headers == [col.name for col in tab.tableColumns]


def test_seats_headers(book: Workbook) -> None:
    """Pin the Seats columns, UTC marked on every time column."""
    headers, _ = table(book, "SeatsTable")
    assert headers == SEAT_HEADERS


def test_tables_cover_every_row(book: Workbook) -> None:
    """Pin each table's row count to its frame's, so refs cover the data and nothing else."""
    data = consistent_report_data()
    diff = data.changes
    assert diff is not None
    changes = diff.added.height + diff.removed.height + diff.transitions.height
    expected = {
        "SeatsTable": data.seats.height,
        "ReclaimTable": data.reclaim.height,
        "ChangesTable": changes + diff.moves.height,
        "TrendTable": data.history.height,
        "ByCostCenterTable": data.breakdowns["cost_center"].height,
        "ByDepartmentTable": data.breakdowns["department"].height,
        "ByOrgTable": data.breakdowns["org"].height,
        "ByTeamTable": data.breakdowns["team"].height,
        "SourcesTable": len(data.sources),
        "FindingsTable": len(data.findings),
        "PricesTable": len(data.settings.prices),
        "PlansTable": len(data.current.seats_by_plan),
    }
    for name, rows in expected.items():
        assert len(table(book, name)[1]) == rows, name
    assert book["Seats"].tables["SeatsTable"].ref == f"A1:W{data.seats.height + 1}"


def test_header_rows_are_frozen(book: Workbook) -> None:
    """Pin the frozen panes: header row everywhere, plus the login column on wide sheets."""
    panes = {ws.title: ws.freeze_panes for ws in book.worksheets}
    assert panes == {
        "Summary": None, "Seats": "B2", "Reclaim": "B2", "Check first": "B2", "Changes": "A2",
        "Trend": "A2",
        "By cost center": "A2", "By department": "A2", "By org": "A2", "By team": "A2",
        "Sources": "A2",
    }  # fmt: skip


def test_column_widths_are_set(book: Workbook) -> None:
    """Pin a few column widths, set before the first row in write-only mode."""
    seats = book["Seats"].column_dimensions
    assert (seats["A"].width, seats["S"].width, seats["F"].width) == (16, 28, 14)
    assert book["Summary"].column_dimensions["A"].width == 50


def test_prices_and_thresholds_are_named_cells(book: Workbook) -> None:
    """Pin the defined names of the Assumptions block and the values they hold."""
    settings = consistent_report_data().settings
    for plan, price in settings.prices.items():
        cell = named_cell(book, f"Price_{plan}")
        assert (cell.value, cell.number_format) == (price, MONEY)
    ((sheet, ref),) = book.defined_names["Prices"].destinations
    rows = [[c.value for c in row] for row in book[sheet][ref.replace("$", "")]]
    assert rows == [[plan, price] for plan, price in settings.prices.items()]
    assert named_cell(book, "StaleDays").value == settings.stale_days
    assert named_cell(book, "GraceDays").value == settings.grace_days
    assert named_cell(book, "DefaultPlan").value == settings.default_plan
    assert named_cell(book, "Currency").value == "USD"


def test_seat_times_are_naive_utc_datetimes(book: Workbook) -> None:
    """Pin the Seats time columns as real date-times (UTC, zone dropped) with formats."""
    seats = consistent_report_data().seats
    for header, source in (
        ("First seen (UTC)", "first_seen"),
        ("Last activity (UTC)", "last_activity"),
        ("Last authenticated (UTC)", "last_authenticated"),
    ):
        cells = column(book, "SeatsTable", header)
        expected = [v.replace(tzinfo=None) if v else None for v in seats[source].to_list()]
        assert [c.value for c in cells] == expected, header
        assert all(c.number_format == "yyyy-mm-dd hh:mm" for c in cells if c.value)
        assert all(isinstance(c.value, datetime) for c in cells if c.value)
    dates = column(book, "SeatsTable", "Pending cancellation date")
    assert [c.value.date() if c.value else None for c in dates] == seats[
        "pending_cancellation_date"
    ].to_list()
    assert {c.number_format for c in dates if c.value} == {"yyyy-mm-dd"}


def test_seat_values_equal_the_frame(book: Workbook) -> None:
    """Pin the Seats values that are not formulas to the library's frame, in order."""
    seats = consistent_report_data().seats
    as_written = {
        "Login": seats["display_login"].to_list(),
        "Team": seats["team"].fill_null(UNMAPPED).to_list(),
        "State": [STATE_LABELS[s] for s in seats["state"]],
        "Idle days": seats["idle_days"].to_list(),
        "Reclaim candidate": seats["reclaim"].to_list(),
        "Pending cancellation": seats["pending_cancellation"].to_list(),
    }
    for header, values in as_written.items():
        assert [c.value for c in column(book, "SeatsTable", header)] == values, header


def test_costs_are_formulas_on_the_prices(book: Workbook) -> None:
    """Pin every per-row cost as a currency-formatted formula on Prices or the Seats sheet."""
    for name, start in (
        ("SeatsTable", "=VLOOKUP(M"),
        ("ReclaimTable", "=VLOOKUP(N"),
        ("ByTeamTable", "=SUMPRODUCT(('Seats'!$L$2:$L$6=$A"),
        ("ByCostCenterTable", "=SUMPRODUCT(('Seats'!$I$2:$I$6=$A"),
        ("ByOrgTable", "=SUMPRODUCT(('Seats'!$K$2:$K$6=$A"),
    ):
        for cell in column(book, name, "Monthly cost"):
            assert cell.data_type == "f" and cell.value.startswith(start), name
            assert cell.number_format == MONEY
    figures = column(book, "CostFiguresTable", "This month")
    assert figures[0].value == "=SUM('Seats'!$F$2:$F$6)"
    assert all(c.data_type == "f" and c.number_format == MONEY for c in figures)
    for name, _ in COST_FIGURES:
        assert named_cell(book, name).data_type == "f"


def test_summary_figures_equal_the_library(book: Workbook) -> None:
    """Pin the Summary's counts, and the cached costs, to the library's figures."""
    data = consistent_report_data()
    current, previous = data.current, data.previous
    assert previous is not None
    _, counts = table(book, "SeatFiguresTable")
    by_label = {row[0].value: (row[1].value, row[2].value, row[3].value) for row in counts}
    (seats_row,) = [row[0].row for row in counts if row[0].value == "Billed seats"]
    assert by_label["Billed seats"] == (
        current.seats,
        previous.seats,
        f"=B{seats_row}-C{seats_row}",
    )
    assert by_label["Stale seats"][:2] == (current.states["stale"], previous.states["stale"])
    assert by_label["Idle seats (stale + never active)"][:2] == (3, 2)
    assert by_label["Reclaim candidates"][:2] == (
        current.reclaim_candidates,
        previous.reclaim_candidates,
    )
    plans = {r[0].value: r[1].value for r in table(book, "PlansTable")[1]}
    assert plans == current.seats_by_plan
    assert not [n for n in book.defined_names if "Yearly" in n]  # no yearly extrapolation


def test_formula_cells_carry_their_values(path: Path) -> None:
    """Pin that a reader that does not calculate sees a number in every formula cell."""
    formulas = load_workbook(path)
    values = load_workbook(path, data_only=True)
    count = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    value = values[ws.title][cell.coordinate].value
                    assert isinstance(value, int | float), (ws.title, cell.coordinate, value)
                    count += 1
    assert count > 60
    data = consistent_report_data()
    assert named_cell(values, "MonthlyCost").value == data.current.monthly_cost
    assert named_cell(values, "ReclaimMonthlySavings").value == 38.0
    assert named_cell(values, "Utilisation").value == pytest.approx(1 / 5)
    assert named_cell(values, "CostPerActiveSeat").value == 115.0
    trend = [c.value for c in column(values, "TrendTable", "Monthly cost")]
    assert trend == data.history["monthly_cost"].to_list()


def test_totals_rows_sum_the_data_rows(book: Workbook) -> None:
    """Pin the totals row under each summed table: a label and SUBTOTALs over its rows."""
    for sheet, name, last_col in (
        ("Seats", "SeatsTable", "F"),
        ("Reclaim", "ReclaimTable", "O"),
        ("By team", "ByTeamTable", "J"),
        ("By cost center", "ByCostCenterTable", "J"),
    ):
        ws = book[sheet]
        last = ws.tables[name].ref.split(":")[1]
        row = int(last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) + 1
        assert ws[f"A{row}"].value == "Total" and ws[f"A{row}"].font.b
        assert ws[f"{last_col}{row}"].value == f"=SUBTOTAL(109,{last_col}2:{last_col}{row - 1})"
    assert book["By cost center"]["B5"].value == "=SUBTOTAL(109,B2:B4)"


def test_without_people_file_people_columns_and_sheets_are_absent(tmp_path: Path) -> None:
    """Pin the workbook without a people file: no people columns or sheets, one hint line."""
    base = consistent_report_data()
    kept = {name: base.breakdowns[name] for name in ("org", "team")}
    seats = base.seats.with_columns(
        pl.lit(None, pl.String).alias(c) for c in ("name", "email", "department", "cost_center")
    )
    data = dataclasses.replace(base, breakdowns=kept, seats=seats)
    wb = load_workbook(write(tmp_path, data))
    assert wb.sheetnames == [s for s in SHEETS if s not in ("By cost center", "By department")]
    people = {"Name", "Email", "Department", "Cost center", "Manager"}
    for name in ("SeatsTable", "ReclaimTable", "CheckFirstTable"):
        assert not people & set(table(wb, name)[0]), name
    assert UNMAPPED not in [c.value for row in wb["Seats"].iter_rows() for c in row][:40]
    summary = [c.value for row in wb["Summary"].iter_rows() for c in row if c.value]
    assert [v for v in summary if isinstance(v, str) and "[people]" in v]


def test_people_columns_follow_the_people_file(book: Workbook) -> None:
    """Pin name, e-mail, department and cost center on Seats and Reclaim with a people file."""
    headers = table(book, "ReclaimTable")[0]
    assert headers[1:5] == ["Name", "Email", "Department", "Cost center"]
    headers = table(book, "SeatsTable")[0]
    assert headers[1] == "Name" and headers[6:9] == ["Email", "Department", "Cost center"]
    emails = [c.value for c in column(book, "ReclaimTable", "Email")]
    assert emails == [None, "bob@x.test"]  # Cy is not in the people file


def test_org_breakdown_matches_the_primary_org(book: Workbook) -> None:
    """Pin that By org keys on the Seats sheet's Primary org column, as the library groups."""
    keys = [c.value for c in column(book, "ByOrgTable", "Org")]
    assert keys == ["acme"] and column(book, "SeatsTable", "Primary org")[0].value == "acme"
    assert "'Seats'!$K$2:$K$6=$A2" in column(book, "ByOrgTable", "Monthly cost")[0].value


def test_two_writes_give_identical_bytes(path: Path, tmp_path: Path) -> None:
    """Pin reproducible bytes: two writes of the same data are the same file."""
    again = write(tmp_path)
    assert again.read_bytes() == path.read_bytes()
    with zipfile.ZipFile(again) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_document_properties_come_from_the_snapshot(book: Workbook) -> None:
    """Pin the creator, title and snapshot-time timestamps of the document."""
    props = book.properties
    as_of = consistent_report_data().current_snapshot.as_of.replace(tzinfo=None)
    assert props.creator == "copilot-seats"
    assert props.title == "GitHub Copilot seats acme 2026-03"
    assert (props.created, props.modified) == (as_of, as_of)


def test_trend_has_a_stacked_bar_and_a_line_chart(path: Path) -> None:
    """Pin the Trend sheet's native charts: seats by state stacked, and cost over time."""
    with zipfile.ZipFile(path) as archive:
        charts = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        trees = [etree.fromstring(archive.read(name)) for name in charts]
    assert len(trees) == 2
    bars, lines = (tree.find(f"{CHART}chart/{CHART}plotArea") for tree in trees)
    bar = bars.find(f"{CHART}barChart")
    assert bar.find(f"{CHART}grouping").get("val") == "stacked"
    titles = [s.findtext(f"{CHART}tx/{CHART}strRef/{CHART}f") for s in bar.iter(f"{CHART}ser")]
    assert titles == ["'Trend'!C1", "'Trend'!D1", "'Trend'!E1", "'Trend'!F1"]
    fills = [s.find(f"{CHART}spPr/{DRAWING}solidFill/{DRAWING}srgbClr").get("val")
             for s in bar.iter(f"{CHART}ser")]  # fmt: skip
    assert fills == [STATE_COLORS[s].lstrip("#").upper() for s in STATES]
    assert len(lines.findall(f"{CHART}lineChart/{CHART}ser")) == 2


def test_no_macros_and_a_full_recalculation_on_load(path: Path) -> None:
    """Pin an .xlsx without VBA that asks Excel to compute its formulas when opened."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        workbook = archive.read("xl/workbook.xml").decode()
    assert not [n for n in names if "vba" in n.lower()]
    assert 'fullCalcOnLoad="1"' in workbook


def test_currency_sets_every_money_format(tmp_path: Path) -> None:
    """Pin that the configured currency names every amount's number format."""
    base = consistent_report_data()
    data = dataclasses.replace(base, settings=dataclasses.replace(base.settings, currency="EUR"))
    wb = load_workbook(write(tmp_path, data))
    assert column(wb, "SeatsTable", "Monthly cost")[0].number_format == '#,##0.00 "EUR"'
    assert named_cell(wb, "Price_business").number_format == '#,##0.00 "EUR"'


def test_print_setup(book: Workbook) -> None:
    """Pin printing: Summary on one page; wide sheets landscape, headers repeated, footer."""
    summary = book["Summary"].page_setup
    assert (summary.orientation, summary.fitToWidth, summary.fitToHeight) == ("portrait", 1, 1)
    for ws in book.worksheets[2:]:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        assert "Page &P of &N" in ws.oddFooter.right.text
        assert "acme, 2026-03" in ws.oddFooter.left.text
        fitted = ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage
        assert fitted or int(ws.page_setup.scale) == 75, ws.title
    seats = book["Seats"]  # only the columns a reader needs, one page wide
    assert seats.print_area == "'Seats'!$A$1:$F$7"
    assert (seats.page_setup.fitToWidth, seats.page_setup.fitToHeight) == (1, 0)
    assert seats.sheet_properties.pageSetUpPr.fitToPage and seats.print_title_rows == "$1:$1"
    assert book["By org"].sheet_properties.pageSetUpPr.fitToPage


def test_every_style_names_one_font(path: Path) -> None:
    """Pin Calibri, named explicitly, on every font of the stylesheet; headers wrap."""
    with zipfile.ZipFile(path) as archive:
        styles = etree.fromstring(archive.read("xl/styles.xml"))
    names = {f.get("val") for f in styles.iter(f"{MAIN}name")}
    assert names == {"Calibri"}
    wb = load_workbook(path)
    header = wb["Seats"]["L1"]
    assert header.alignment.wrap_text and wb["Seats"].row_dimensions[1].height >= 30


def test_lean_cells(path: Path) -> None:
    """Pin lean sheet XML: no cell references, no t="n", low-cardinality text shared."""
    with zipfile.ZipFile(path) as archive:
        seats = archive.read("xl/worksheets/sheet2.xml").decode()
        shared = archive.read("xl/sharedStrings.xml").decode()
    assert "<c r=" not in seats and 't="n"' not in seats
    assert 't="s"' in seats and "<t>business</t>" in shared


def test_sources_sheet_lists_every_definition(book: Workbook) -> None:
    """The Sources sheet ends with the report's definitions, term and text, in order."""
    _, rows = table(book, "DefinitionsTable")
    got = [(row[0].value, row[1].value) for row in rows]
    assert got == list(make_report_data().definitions)
