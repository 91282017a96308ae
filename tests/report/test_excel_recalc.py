"""Recompute the finance workbook with LibreOffice and compare it with the library's figures."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from analyzer.model import ReportData
from analyzer.report.excel_summary import price_name
from tests.report.test_excel import column, consistent_report_data, named_cell, table, write

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice or libreoffice) not on PATH"),
]


def recalculate(path: Path, workdir: Path) -> Workbook:
    """Convert `path` with headless LibreOffice (fresh profile) and open its cached values.

    LibreOffice computes every formula cell that has no cached result when it loads an
    .xlsx, and openpyxl writes none, so the converted copy holds freshly computed values.
    """
    assert SOFFICE is not None
    profile = workdir / "lo-profile"
    out = workdir / "recalculated"
    subprocess.run(
        [SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
         "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return load_workbook(out / path.name, data_only=True)


def assert_every_formula_has_a_value(original: Path, computed: Workbook) -> int:
    """Assert each formula of `original` has a number in `computed`; return how many."""
    formulas = 0
    for ws in load_workbook(original).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    value = computed[ws.title][cell.coordinate].value
                    assert isinstance(value, int | float), (ws.title, cell.coordinate, value)
                    formulas += 1
    return formulas


def values(wb: Workbook, name: str, header: str) -> list[Any]:
    """Return the values of one column of a table."""
    return [cell.value for cell in column(wb, name, header)]


def totals(wb: Workbook, name: str) -> dict[str, Any]:
    """Return the totals row under a table, by header."""
    headers, rows = table(wb, name)
    ws = rows[0][0].parent
    below = rows[-1][0].row + 1
    return {h: ws.cell(below, idx).value for idx, h in enumerate(headers, start=1)}


def assert_costs(wb: Workbook, data: ReportData, prices: dict[str, float]) -> None:
    """Assert the recomputed costs equal `data`'s with each seat priced from `prices`."""
    seats = data.seats
    expected = [prices[plan] for plan in seats["plan"]]
    assert values(wb, "SeatsTable", "Monthly cost") == pytest.approx(expected)
    monthly = sum(expected)
    idle = sum(p for p, s in zip(expected, seats["state"], strict=True) if s != "active"
               and s != "new")  # fmt: skip
    reclaim = sum(p for p, r in zip(expected, seats["reclaim"], strict=True) if r)
    assert named_cell(wb, "MonthlyCost").value == pytest.approx(monthly)
    assert named_cell(wb, "YearlyCost").value == pytest.approx(12 * monthly)
    assert named_cell(wb, "IdleMonthlyCost").value == pytest.approx(idle)
    assert named_cell(wb, "ReclaimMonthlySavings").value == pytest.approx(reclaim)
    assert named_cell(wb, "ReclaimYearlySavings").value == pytest.approx(12 * reclaim)
    assert totals(wb, "SeatsTable")["Monthly cost"] == pytest.approx(monthly)
    assert totals(wb, "ReclaimTable")["Monthly cost"] == pytest.approx(reclaim)
    assert values(wb, "ReclaimTable", "Monthly cost") == pytest.approx(
        [prices[plan] for plan in data.reclaim["plan"]]
    )
    plans = {p: seats["plan"].to_list().count(p) * prices[p] for p in data.current.seats_by_plan}
    assert dict(zip(values(wb, "PlansTable", "Plan"),
                    values(wb, "PlansTable", "Monthly cost"), strict=True)) == plans  # fmt: skip
    assert totals(wb, "PlansTable")["Monthly cost"] == pytest.approx(monthly)


def test_formulas_recompute_to_the_library_figures(tmp_path: Path) -> None:
    """Pin every formula's LibreOffice result to the figure the library computed."""
    data = consistent_report_data()
    path = write(tmp_path, data)
    wb = recalculate(path, tmp_path)
    assert assert_every_formula_has_a_value(path, wb) > 50
    current = data.current
    assert named_cell(wb, "MonthlyCost").value == current.monthly_cost
    assert named_cell(wb, "IdleMonthlyCost").value == current.idle_monthly_cost
    assert named_cell(wb, "ReclaimMonthlySavings").value == current.reclaimable_monthly_cost
    assert named_cell(wb, "ReclaimYearlySavings").value == 12 * current.reclaimable_monthly_cost
    this_month = values(wb, "CostFiguresTable", "This month")
    assert this_month == values(wb, "CostFiguresTable", "As exported")
    assert values(wb, "SeatsTable", "Monthly cost") == data.seats["monthly_cost"].to_list()
    assert values(wb, "ReclaimTable", "Monthly cost") == data.reclaim["monthly_cost"].to_list()
    for name, key in (("ByCostCenterTable", "cost_center"), ("ByDepartmentTable", "department"),
                      ("ByOrgTable", "org"), ("ByTeamTable", "team")):  # fmt: skip
        frame = data.breakdowns[key]
        assert values(wb, name, "Monthly cost") == frame["monthly_cost"].to_list(), name
        assert values(wb, name, "Idle monthly cost") == frame["idle_monthly_cost"].to_list()
        total = totals(wb, name)
        assert total["Monthly cost"] == current.monthly_cost, name
        assert total["Idle monthly cost"] == current.idle_monthly_cost, name
        assert total["Seats"] == current.seats, name
        assert total["Reclaim candidates"] == current.reclaim_candidates, name
    assert_costs(wb, data, data.settings.prices)


def test_changing_a_price_updates_every_cost(tmp_path: Path) -> None:
    """Pin that editing Price_business and recomputing reprices the whole workbook."""
    data = consistent_report_data()
    path = write(tmp_path, data)
    edited = load_workbook(path)
    named_cell(edited, price_name("business")).value = 25.0
    edited.save(path)
    wb = recalculate(path, tmp_path)
    business = data.current.seats_by_plan["business"]
    enterprise = data.current.seats_by_plan["enterprise"]
    assert named_cell(wb, "MonthlyCost").value == business * 25.0 + enterprise * 39.0
    assert_costs(wb, data, {"business": 25.0, "enterprise": 39.0})
    # The exported figures stay as they were, so the change shows beside them.
    assert values(wb, "CostFiguresTable", "As exported")[0] == data.current.monthly_cost
