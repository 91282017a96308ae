"""Recompute the Bill sheet with LibreOffice: cached values hold, a price edit flows through."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.bill_report_fixture import OVERAGE, with_bill
from tests.report.test_excel import named_cell, write
from tests.report.test_excel_recalc import cents, formula_cells, recalculate, values

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice or libreoffice) not on PATH"),
]


def test_bill_sheet_cached_values_equal_libreoffice(tmp_path: Path) -> None:
    """Every formula of the Bill and Seats sheets carries the value LibreOffice computes."""
    path = write(tmp_path, with_bill())
    cached = load_workbook(path, data_only=True)
    computed = recalculate(path, tmp_path)
    cells = [(s, ref) for s, ref in formula_cells(path) if s in ("Bill", "Seats")]
    assert len(cells) > 15
    for sheet, ref in cells:
        mine, theirs = cached[sheet][ref].value, computed[sheet][ref].value
        assert isinstance(mine, int | float), (sheet, ref, mine)
        assert cents(mine) == cents(theirs), (sheet, ref, mine, theirs)


def test_editing_the_credit_price_reprices_the_overage(tmp_path: Path) -> None:
    """Doubling the credit price doubles the overage cost and every cost centre's share."""
    path = write(tmp_path, with_bill())
    book = load_workbook(path)
    named_cell(book, "CreditPrice").value = 0.02
    edited = tmp_path / "edited" / path.name
    edited.parent.mkdir()
    book.save(edited)
    computed = recalculate(edited, tmp_path)
    assert cents(named_cell(computed, "OverageCost").value) == cents(OVERAGE * 0.02)
    shares = values(computed, "BillByCostCenterTable", "Overage share")
    assert cents(sum(shares)) == cents(OVERAGE * 0.02)
    totals = values(computed, "BillByCostCenterTable", "Total")
    assert cents(sum(totals)) == cents(115.0 + OVERAGE * 0.02)
