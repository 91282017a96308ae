"""Recompute the Bill sheet with LibreOffice: cached values hold, a price edit flows through."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from analyzer.report.workbook.summary import price_name
from tests.bill_report_fixture import OVERAGE, PRICE, USED, with_bill
from tests.report.test_excel import named_cell, write
from tests.report.test_excel_recalc import cents, formula_cells, recalculate_many, values

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice or libreoffice) not on PATH"),
]


# (edited cell, new value, expected seat charges, overage cost) after the edit; the fixture
# bills 4 Business seats at 19 and 1 Enterprise at 39, 20,000 credits over a pool of 11,500.
EDITS = (
    (price_name("business"), 21.0, 4 * 21.0 + 39.0, OVERAGE * PRICE),
    ("Credits_business", 1000.0, 115.0, (USED - 4 * 1000.0 - 3900.0) * PRICE),
    ("CreditPrice", 0.02, 115.0, OVERAGE * 0.02),
)


def _edited(path: Path, name: str, value: float) -> Path:
    """Return a copy of the workbook at `path` with cell `name` set to `value`."""
    book = load_workbook(path)
    named_cell(book, name).value = value
    edited = path.parent / f"edited-{name}" / path.name
    edited.parent.mkdir()
    book.save(edited)
    return edited


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Workbook]]:
    """Write the bill's workbook and each edit of it; recalculate all in one LibreOffice run.

    Return, by edited cell ("" for none), the file written and LibreOffice's copy of it.
    """
    work = tmp_path_factory.mktemp("bill-recalc")
    path = write(work, with_bill())
    inputs = {"": path} | {name: _edited(path, name, value) for name, value, _, _ in EDITS}
    computed = recalculate_many(list(inputs.values()), work)
    return {name: (file, wb) for (name, file), wb in zip(inputs.items(), computed, strict=True)}


def test_bill_sheet_cached_values_equal_libreoffice(
    recalculated: dict[str, tuple[Path, Workbook]],
) -> None:
    """Every formula of the Bill and Seats sheets carries the value LibreOffice computes."""
    path, computed = recalculated[""]
    cached = load_workbook(path, data_only=True)
    cells = [(s, ref) for s, ref in formula_cells(path) if s in ("Bill", "Seats")]
    assert len(cells) > 15
    for sheet, ref in cells:
        mine, theirs = cached[sheet][ref].value, computed[sheet][ref].value
        assert isinstance(mine, int | float), (sheet, ref, mine)
        assert cents(mine) == cents(theirs), (sheet, ref, mine, theirs)


@pytest.mark.parametrize(("name", "value", "expected", "overage"), EDITS)
def test_an_edit_moves_expected_figures_never_billed_ones(
    recalculated: dict[str, tuple[Path, Workbook]],
    name: str,
    value: float,
    expected: float,
    overage: float,
) -> None:
    """After editing a price, allowance or credit price, expected figures follow; facts stay."""
    edited, computed = recalculated[name]
    assert named_cell(load_workbook(edited), name).value == value  # the edit went in
    billed = 115.0 + OVERAGE * PRICE  # the fixture's invoice: seats and credits as billed
    assert cents(named_cell(computed, "TotalBilled").value) == cents(billed)
    assert cents(sum(values(computed, "BillByCostCenterTable", "Total billed"))) == cents(billed)
    assert cents(sum(values(computed, "BillByCostCenterTable", "Seat charges billed"))) == 115.0
    assert cents(named_cell(computed, "OverageCost").value) == cents(overage)
    shares = values(computed, "BillByCostCenterTable", "Overage share")
    assert cents(sum(shares)) == cents(overage)
    seat_shares = [v for v in values(computed, "SeatsTable", "Overage share") if v is not None]
    assert cents(sum(seat_shares)) == cents(overage)
    expected_cc = values(computed, "BillByCostCenterTable", "Seat charges expected")
    assert cents(sum(v for v in expected_cc if v is not None)) == cents(expected)
    bill = computed["Bill"]
    most = next(
        r[1].value
        for r in bill.iter_rows()
        if r[0].value
        and str(r[0].value).startswith("Seat charges the seat history predicts (most)")
    )
    assert cents(most) == cents(expected)
