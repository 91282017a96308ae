"""The Summary opens with a bridge from the seat history's expected cost to the invoice."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.bill_report_fixture import OVERAGE, PRICE, make_bill, with_bill
from tests.report.test_excel import named_cell, write
from tests.report.test_excel_recalc import cents, recalculate
from tests.report_fixture import make_report_data

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _bridge(path: Path) -> dict[str, object]:
    """Return the bridge's named cells: formulas as written, facts as values."""
    book = load_workbook(path)
    names = [n for n in book.defined_names if n.startswith("Bridge")]
    return {n: named_cell(book, n).value for n in names}


def test_the_bridge_ties_expected_seats_to_the_total_billed(tmp_path: Path) -> None:
    """Expected seats is a formula on the prices; billed lines are facts; the lines add up."""
    path = write(tmp_path, with_bill())
    bridge = _bridge(path)
    # Five seats of 31 days in October (31 days): four business, one enterprise.
    assert bridge["BridgeExpectedSeats"] == "=(Price_business*124+Price_enterprise*31)/31"
    assert bridge["BridgeBilledSeats"] == 115.0
    assert bridge["BridgeBilledUsage"] == pytest.approx(OVERAGE * PRICE)
    assert bridge["BridgeTotal"] == pytest.approx(115.0 + OVERAGE * PRICE)
    cached = load_workbook(path, data_only=True)
    assert named_cell(cached, "BridgeOther").value == pytest.approx(0.0)
    assert named_cell(cached, "BridgeSeatDifference").value == pytest.approx(0.0)
    summary = load_workbook(path)["Summary"]
    labels = [row[0].value for row in summary.iter_rows(max_row=30)]
    assert labels.index("From the seat history to the invoice (2026-10)") < labels.index(
        "Assumptions"
    )


def test_an_unknown_billed_figure_is_a_reason_never_a_zero(tmp_path: Path) -> None:
    """Without the AI usage report the credits line says unknown and the other line is left out."""
    bill = dataclasses.replace(make_bill(credits_known=False), credit_cost_billed=None)
    path = write(tmp_path, dataclasses.replace(with_bill(), bill=bill))
    bridge = _bridge(path)
    assert str(bridge["BridgeBilledUsage"]).startswith("unknown: ")
    assert "BridgeOther" not in bridge


def test_without_billing_files_one_line_says_what_to_download(tmp_path: Path) -> None:
    """No bill: no bridge figures, one line naming the usage report."""
    path = write(tmp_path, make_report_data())
    assert _bridge(path) == {}
    texts = [row[0].value or "" for row in load_workbook(path)["Summary"].iter_rows()]
    assert any("download the usage report" in t for t in texts)


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice or libreoffice) not on PATH")
def test_a_price_edit_moves_the_expectation_and_no_fact(tmp_path: Path) -> None:
    """Raising the business price moves expected seats and the difference; billed stays."""
    path = write(tmp_path, with_bill())
    book = load_workbook(path)
    named_cell(book, "Price_business").value = 25.0
    edited = tmp_path / "edited" / path.name
    edited.parent.mkdir()
    book.save(edited)
    computed = recalculate(edited, tmp_path)
    expected = (25.0 * 124 + 39.0 * 31) / 31
    assert cents(named_cell(computed, "BridgeExpectedSeats").value) == cents(expected)
    assert cents(named_cell(computed, "BridgeSeatDifference").value) == cents(115.0 - expected)
    assert named_cell(computed, "BridgeBilledSeats").value == 115.0
    assert cents(named_cell(computed, "BridgeTotal").value) == cents(115.0 + OVERAGE * PRICE)
