"""The Forecast and Budget sheets: formulas on the price cells, checked by LibreOffice."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from analyzer.answers.report_data import build_report_data
from analyzer.model import Settings
from tests.answers.forecast_fixture import TIMES, forecast_store, seats
from tests.helpers import make_store
from tests.report.test_excel import named_cell, write
from tests.report.test_excel_recalc import cents, formula_cells, recalculate_many

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
NOW = datetime(2026, 11, 5, tzinfo=UTC)


def _workbook(tmp_path: Path) -> Path:
    data = build_report_data(forecast_store(tmp_path), None, None, Settings(), NOW)
    return write(tmp_path, data)


def test_forecast_sheet_figures(tmp_path: Path) -> None:
    """November: 76 USD of seats, pool 7,600, E 6,000; removing c and d nets 16 of 38."""
    book = load_workbook(_workbook(tmp_path), data_only=True)
    assert {"Forecast", "Budget"} <= set(book.sheetnames)
    got = {n: named_cell(book, n).value for n in ("FcSeatCost", "FcPool", "FcExpected", "FcGross")}
    assert got == {"FcSeatCost": 76.0, "FcPool": 7600.0, "FcExpected": 6000.0, "FcGross": 38.0}
    assert named_cell(book, "FcNet").value == pytest.approx(16.0)
    assert named_cell(book, "FcTotal").value == pytest.approx(76.0)
    formulas = load_workbook(_workbook(tmp_path / "f"))
    assert named_cell(formulas, "FcNet").value.startswith("=FcGross-FcCreditPrice*")


def test_no_ai_usage_report_no_forecast_sheet(tmp_path: Path) -> None:
    """A store without AI usage reports gets no Forecast sheet (nothing to estimate)."""
    store = make_store(tmp_path, "acme", [(t, seats(t)) for t in TIMES])
    book = load_workbook(write(tmp_path, build_report_data(store, None, None, Settings(), NOW)))
    assert "Forecast" not in book.sheetnames and "Budget" not in book.sheetnames


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice or libreoffice) not on PATH")
def test_forecast_and_budget_recalculate(tmp_path: Path) -> None:
    """Cached values equal LibreOffice's; a dearer credit and a lower budget flow through."""
    path = _workbook(tmp_path)
    book = load_workbook(path)
    named_cell(book, "FcCreditPrice").value = 0.02
    named_cell(book, "BgUserBudget").value = 2000
    edited = tmp_path / "edited" / path.name
    edited.parent.mkdir()
    book.save(edited)
    computed, again = recalculate_many([path, edited], tmp_path)  # one LibreOffice run
    cached = load_workbook(path, data_only=True)
    cells = [(s, ref) for s, ref in formula_cells(path) if s in ("Forecast", "Budget")]
    assert len(cells) > 10
    for sheet, ref in cells:
        assert cents(cached[sheet][ref].value) == cents(computed[sheet][ref].value), (sheet, ref)
    # 38 gross - 0.02 x 2,200 new overage credits; a and b each stopped 1,100 of 3,100.
    assert cents(named_cell(again, "FcNet").value) == cents(38 - 0.02 * 2200)
    assert cents(again["Budget"]["B6"].value) == 2200.0


def test_the_pool_per_cost_centre_is_on_the_bill_sheet_of_its_month(tmp_path: Path) -> None:
    """October's bill: the Bill sheet carries the fairness table of the forecast's base month."""
    data = build_report_data(forecast_store(tmp_path), None, None, Settings(), NOW)
    assert data.bill is not None and data.forecast is not None
    assert data.forecast.fairness is not None
    book = load_workbook(write(tmp_path, data))
    assert data.forecast.months_used[0] == data.bill.month == "2026-10"
    assert "BillFairnessTable" in book["Bill"].tables
    assert "ForecastFairnessTable" in book["Forecast"].tables
    ref = book["Bill"].tables["BillFairnessTable"].ref  # header and one row per cost centre
    first, last = (int("".join(c for c in cell if c.isdigit())) for cell in ref.split(":"))
    assert last - first == data.forecast.fairness.height
