"""The finance workbook at its edges: hostile text, characters XML cannot carry, a first
month, empty tables, a failed save, more seats than a sheet holds, an all-unmapped breakdown."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import polars as pl
import pytest
from lxml import etree
from openpyxl import load_workbook
from openpyxl.writer.excel import ExcelWriter

from analyzer.errors import OutputError
from analyzer.model import UNMAPPED
from tests.report.test_excel import MAIN, SHEETS, column, consistent_report_data, table, write
from tests.report_fixture import FORMULA

HOSTILE = (
    FORMULA, "=1+1", "+1+1", "-1+1", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "#N/A",
    "=cmd|' /C calc'!A0",
)  # fmt: skip


@pytest.mark.parametrize("text", HOSTILE)
def test_report_text_never_becomes_a_formula(tmp_path: Path, text: str) -> None:
    """Pin that text from reports or the people file is written as a plain string cell."""
    base = consistent_report_data()
    seats = base.seats.with_columns(
        pl.when(pl.col("login") == "ann").then(pl.lit(text)).otherwise(pl.col(name)).alias(name)
        for name in ("display_login", "name", "team", "last_surface")
    )
    team = base.breakdowns["team"].with_columns(pl.lit(text).alias("key"))
    data = dataclasses.replace(base, seats=seats, breakdowns={**base.breakdowns, "team": team})
    path = write(tmp_path, data)
    wb = load_workbook(path)
    headers, rows = table(wb, "SeatsTable")
    for header in ("Login", "Name", "Team", "Last surface"):
        cell = rows[0][headers.index(header)]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True), header
    key = table(wb, "ByTeamTable")[1][0][0]
    assert (key.value, key.data_type) == (text, "s")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        texts = [t.text for t in etree.fromstring(archive.read("xl/sharedStrings.xml")).iter()]
        for part in (
            "xl/worksheets/sheet2.xml",
            f"xl/worksheets/sheet{SHEETS.index('By team') + 1}.xml",
        ):
            assert part in names
            tree = etree.fromstring(archive.read(part))
            formulas = [f.text or "" for f in tree.iter(f"{MAIN}f")]
            assert formulas and not [f for f in formulas if text.strip("=\t\r") in f]
            texts += [t.text for t in tree.iter(f"{MAIN}t")]
        assert text in texts


def test_control_characters_are_replaced(tmp_path: Path) -> None:
    """Pin that characters XML cannot carry become U+FFFD instead of failing the write."""
    base = consistent_report_data()
    seats = base.seats.with_columns(pl.col("name").str.replace("Bob", "B\x00o\x1bb"))
    wb = load_workbook(write(tmp_path, dataclasses.replace(base, seats=seats)))
    assert column(wb, "SeatsTable", "Name")[1].value == "B\ufffdo\ufffdb Ray"


def test_first_month_has_no_changes_and_no_previous(tmp_path: Path) -> None:
    """Pin the first month: no Changes sheet, blank previous figures, no Change formulas."""
    data = consistent_report_data(
        previous=None, previous_snapshot=None, changes=None, follow_through=None
    )
    wb = load_workbook(write(tmp_path, data))
    assert "Changes" not in wb.sheetnames
    assert "Change" not in table(wb, "SeatFiguresTable")[0]
    assert {c.value for c in column(wb, "CostFiguresTable", "Previous month")} == {None}
    assert {c.value for c in column(wb, "CostFiguresTable", "Change")} == {None}
    summary = [c.value for row in wb["Summary"].iter_rows() for c in row]
    assert "No earlier snapshot: nothing to follow through yet." in summary


def test_empty_frames_keep_one_blank_table_row(tmp_path: Path) -> None:
    """Pin that empty frames still give valid tables (Excel needs one data row)."""
    base = consistent_report_data()
    data = dataclasses.replace(
        base, seats=base.seats.clear(), reclaim=base.reclaim.clear(), findings=()
    )
    wb = load_workbook(write(tmp_path, data))
    assert wb["Seats"].tables["SeatsTable"].ref == "A1:W2"
    assert [c.value for c in wb["Seats"][2]] == [None] * 23
    assert wb["Seats"]["F3"].value == "=SUBTOTAL(109,F2:F2)"
    assert wb["Reclaim"].tables["ReclaimTable"].ref == "A1:O2"
    assert [[c.value for c in row] for row in table(wb, "FindingsTable")[1]] == [[None] * 4]


def test_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin atomicity: a save that fails leaves the previous workbook and no temporary file."""
    path = write(tmp_path)
    before = path.read_bytes()

    def fail(self: ExcelWriter) -> None:
        """Write part of the archive, then fail as a full disk would."""
        self._archive.writestr("xl/partial.xml", "<partial/>")
        raise OSError("disk full")

    monkeypatch.setattr(ExcelWriter, "save", fail)
    with pytest.raises(OutputError, match=f"cannot write {path}: disk full"):
        write(tmp_path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_more_seats_than_a_sheet_holds_is_refused(tmp_path: Path) -> None:
    """Pin a clear error, and no file, for more seats than one worksheet can hold."""
    seats = pl.DataFrame({"login": pl.int_range(1_048_575, eager=True).cast(pl.String)})
    with pytest.raises(OutputError, match="supports up to 1,000,000 seats"):
        write(tmp_path, consistent_report_data(seats=seats))
    assert list(tmp_path.iterdir()) == []


def test_a_breakdown_all_unmapped_has_no_sheet(tmp_path: Path) -> None:
    """A breakdown whose every key is "(unmapped)" gets no sheet: it would say nothing."""
    base = consistent_report_data()
    unmapped = base.breakdowns["department"].with_columns(pl.lit(UNMAPPED).alias("key"))
    data = dataclasses.replace(base, breakdowns={**base.breakdowns, "department": unmapped})
    wb = load_workbook(write(tmp_path, data))
    assert "By department" not in wb.sheetnames and "By team" in wb.sheetnames
