"""Tests of the workbook's Bill sheet and the Seats sheet's bill columns, read back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from analyzer.report.workbook.book import write_workbook
from tests.bill_report_fixture import OVERAGE, POOL, USED, make_bill, with_bill
from tests.report.test_excel import column, named_cell, table, write
from tests.report_fixture import make_report_data


def _rows(wb: Workbook) -> dict[str, tuple[object, object]]:
    """Return the Bill sheet's figures by label: (value, missing note).

    Money is in column B, counts in C, the reason a figure is unknown in D.
    """
    ws = wb["Bill"]
    return {
        str(row[0]): (
            row[1] if len(row) < 3 or row[1] is not None else row[2],
            row[3] if len(row) > 3 else None,
        )
        for row in ws.iter_rows(values_only=True)
        if row and row[0] is not None
    }


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the workbook of the fixture with an October bill over the pool."""
    return write(tmp_path_factory.mktemp("bill"), with_bill())


def test_bill_sheet_only_with_a_bill(tmp_path: Path, path: Path) -> None:
    """The Bill sheet and the Seats bill columns appear only when the report has a bill."""
    without = load_workbook(write(tmp_path, make_report_data()))
    assert "Bill" not in without.sheetnames
    assert "Seat charges billed" not in table(without, "SeatsTable")[0]
    book = load_workbook(path)
    assert book.sheetnames.index("Bill") == book.sheetnames.index("Sources") - 1
    headers = table(book, "SeatsTable")[0]
    assert headers[-6:] == [
        "Days billed", "Seat charges billed", "AI credits used", "Overage share",
        "Idle seat using AI", "Heavy AI user",
    ]  # fmt: skip


def test_pool_overage_and_its_cost_are_formulas_with_values(path: Path) -> None:
    """Pool, overage and overage cost are formulas on the named cells, carrying their values."""
    formulas, values = load_workbook(path), load_workbook(path, data_only=True)
    assert named_cell(values, "CreditPrice").value == 0.01
    assert named_cell(values, "Credits_business").value == 1900
    assert named_cell(values, "PromoCredits_enterprise").value == 7000
    assert named_cell(formulas, "CreditOverage").value == "=MAX(0,CreditsUsed-CreditPool)"
    assert named_cell(formulas, "OverageCost").value == "=CreditOverage*CreditPrice"
    assert named_cell(values, "CreditsUsed").value == USED
    assert named_cell(values, "CreditPool").value == POOL
    assert named_cell(values, "CreditOverage").value == OVERAGE
    assert named_cell(values, "OverageCost").value == pytest.approx(OVERAGE * 0.01)
    shares = [c.value for c in column(values, "BillByCostCenterTable", "Overage share")]
    assert sum(shares) == pytest.approx(OVERAGE * 0.01)


def test_reconciliation_and_exceptions_are_listed(path: Path) -> None:
    """The reconciliation line and every exception are on the Bill sheet."""
    book = load_workbook(path, data_only=True)
    rows = _rows(book)
    assert rows["Seat charges billed"][0] == 115.0
    assert "seat charges billed 115.00 USD, the seat history expects 115.00; 1 exception" in rows
    assert [c.value for c in column(book, "BillExceptionsTable", "Exception")] == [
        "billed-not-seated"
    ]
    models = [c.value for c in column(book, "BillByModelTable", "AI credits used")]
    assert models == [15_000.0, 5_000.0]


def test_unknown_figures_are_blank_with_their_reason(tmp_path: Path) -> None:
    """Without the AI usage report credits and overage are blank cells with a note, never 0."""
    book = load_workbook(write(tmp_path, with_bill(credits_known=False)), data_only=True)
    rows = _rows(book)
    reason = "no AI usage report for 2026-10: credits unknown"
    for label in ("AI credits used", "Credit overage (credits beyond the pool)", "Overage cost"):
        assert rows[label] == (None, reason)
    assert "CreditsUsed" not in book.defined_names and "OverageCost" not in book.defined_names
    credits = [c.value for c in column(book, "SeatsTable", "Seat charges billed")]
    assert credits == [19.0, 19.0, 19.0, 39.0, 19.0]
    assert "AI credits used" not in table(book, "SeatsTable")[0]  # no data: no column


def test_seat_bill_columns_follow_the_seats(path: Path) -> None:
    """Each seat's credits: used ones, 0 for a seat without usage (the report is known)."""
    book = load_workbook(path, data_only=True)
    logins = [c.value for c in column(book, "SeatsTable", "Login")]
    credits = [c.value for c in column(book, "SeatsTable", "AI credits used")]
    assert dict(zip(logins, credits, strict=True)) == {
        "Ann": 12_000.0, "bob": 6_000.0, "Cy": 0.0, "dee": 0.0, "Eve": 2_000.0
    }  # fmt: skip


def test_bill_workbook_bytes_are_reproducible(tmp_path: Path) -> None:
    """The same report with its bill gives the same workbook bytes."""
    data = with_bill()
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_workbook(data, first)
    write_workbook(dataclasses.replace(data), second)
    assert first.read_bytes() == second.read_bytes()


def test_one_number_format_a_column(path: Path) -> None:
    """The bill's figures keep money in one column and credit counts in another, each one format."""
    ws = load_workbook(path)["Bill"]
    start = next(r for r in ws.iter_rows() if r[0].value == "Figure")[0].row
    end = next(r for r in ws.iter_rows(min_row=start) if r[0].value is None)[0].row
    for letter in ("B", "C"):
        formats = {
            ws[f"{letter}{r}"].number_format
            for r in range(start + 1, end)
            if ws[f"{letter}{r}"].value is not None
        }
        assert len(formats) == 1, (letter, formats)
    assert ws[f"C{start}"].value == "Credits or requests"


def test_a_heading_never_ends_a_printed_page(tmp_path: Path) -> None:
    """A manual page break lands before a heading whose table would start on the next page."""
    bill = make_bill()
    many = pl.concat([bill.breakdowns["team"]] * 20).with_columns(
        pl.format("team-{}", pl.int_range(pl.len())).alias("key")
    )
    data = with_bill()
    data = dataclasses.replace(
        data, bill=dataclasses.replace(bill, breakdowns={**bill.breakdowns, "team": many})
    )
    ws = load_workbook(write(tmp_path, data))["Bill"]
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks
    headings = {c.row for c in ws["A"] if c.font.b and c.value}
    for row in breaks:  # a new page starts with a blank row and a heading
        assert ws[f"A{row + 1}"].value is None and row + 2 in headings, row
