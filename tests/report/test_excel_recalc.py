"""Recompute the finance workbook with LibreOffice and compare it with the library's figures."""

from __future__ import annotations

import dataclasses
import itertools
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from analyzer.model import ReportData
from analyzer.report.workbook.summary import (
    COST_FIGURES,
    TREND_CHANGE,
    TREND_COST,
    TREND_IDLE,
    TREND_RECLAIM,
    price_name,
)
from analyzer.timeline.seats import breakdowns
from tests.report.test_excel import column, consistent_report_data, named_cell, table, write

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice or libreoffice) not on PATH"),
]


_ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def recalculate(path: Path, workdir: Path) -> Workbook:
    """Convert `path` with headless LibreOffice (fresh profile) and open its cached values."""
    return recalculate_many([path], workdir)[0]


def recalculate_many(paths: list[Path], workdir: Path) -> list[Workbook]:
    """Convert every workbook of `paths` in one headless LibreOffice run (fresh profile) and
    open each copy's cached values, in the order given.

    The fresh profile tells LibreOffice to recalculate every .xlsx on load (as Excel does
    for this workbook, which asks for fullCalcOnLoad), so the converted copy holds freshly
    computed values, not the cached ones (a test proves it). One run for many files: starting
    LibreOffice costs more than converting a small workbook.
    """
    assert SOFFICE is not None
    profile = workdir / "lo-profile"
    # LibreOffice keeps an .xlsx's cached values unless told to recalculate on load.
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_ALWAYS_RECALCULATE)
    inbox, out = workdir / "to-recalculate", workdir / "recalculated"
    inbox.mkdir(exist_ok=True)
    names = [f"{k}-{path.name}" for k, path in enumerate(paths)]  # the same name twice is fine
    for name, path in zip(names, paths, strict=True):
        shutil.copy(path, inbox / name)
    subprocess.run(
        [SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
         "--convert-to", "xlsx", "--outdir", str(out), *(str(inbox / n) for n in names)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return [load_workbook(out / name, data_only=True) for name in names]


def formula_cells(path: Path) -> list[tuple[str, str]]:
    """Return (sheet, coordinate) of every formula cell of the workbook at `path`."""
    return [
        (ws.title, cell.coordinate)
        for ws in load_workbook(path).worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def values(wb: Workbook, name: str, header: str) -> list[Any]:
    """Return the values of one column of a table."""
    return [cell.value for cell in column(wb, name, header)]


def totals(wb: Workbook, name: str) -> dict[str, Any]:
    """Return the totals row under a table, by header."""
    headers, rows = table(wb, name)
    ws = rows[0][0].parent
    below = rows[-1][0].row + 1
    return {h: ws.cell(below, idx).value for idx, h in enumerate(headers, start=1)}


def cents(value: Any) -> Any:
    """Return a number rounded to the cent (other values as they are)."""
    return round(value, 2) if isinstance(value, int | float) else value


def _spoiled(path: Path) -> Path:
    """Return a copy of the workbook at `path` whose every cached formula value is -7."""
    spoiled = path.parent / "spoiled" / path.name
    spoiled.parent.mkdir()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(spoiled, "w") as dst:
        for info in src.infolist():
            raw = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                raw = re.sub(rb"(</f><v>)[^<]*(</v>)", rb"\g<1>-7\g<2>", raw)
            dst.writestr(info, raw)
    return spoiled


def _repriced(path: Path) -> Path:
    """Return a copy of the workbook at `path` with the Business price set to 21."""
    edited = load_workbook(path)
    named_cell(edited, price_name("business")).value = 21.0
    out = path.parent / "repriced" / path.name
    out.parent.mkdir()
    edited.save(out)
    return out


def _case_variants() -> tuple[ReportData, dict[str, pl.DataFrame]]:
    """Return the fixture with case variants of team, department and cost centre names, and
    the breakdowns of its seats."""
    base = consistent_report_data()
    seats = base.seats.with_columns(
        pl.Series("team", ["QA", "qa", "Platform", "PLATFORM", "qa"]),
        pl.Series("department", ["R&D", "r&d", "Sales", "SALES", None]),
        pl.Series("cost_center", ["cc-1", "CC-1", "CC-2", "cc-2", "Cc-2"]),
    )
    found = breakdowns(seats, with_people=True)
    return dataclasses.replace(base, seats=seats, breakdowns=found), found


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Workbook]]:
    """Write every workbook this module checks; recalculate them in one LibreOffice run.

    Return, by name, the file written and LibreOffice's recalculated copy of it.
    """
    work = tmp_path_factory.mktemp("recalc")
    consistent = write(work / "consistent", consistent_report_data())
    inputs = {
        "consistent": consistent,
        "spoiled": _spoiled(consistent),
        "repriced": _repriced(consistent),
        "case variants": write(work / "case-variants", _case_variants()[0]),
    }
    computed = recalculate_many(list(inputs.values()), work)
    return {name: (path, wb) for (name, path), wb in zip(inputs.items(), computed, strict=True)}


def test_cached_values_equal_what_libreoffice_computes(
    recalculated: dict[str, tuple[Path, Workbook]],
) -> None:
    """Pin every formula's cached value to LibreOffice's recomputed one, to the cent."""
    path = recalculated["consistent"][0]
    # The copy recalculated is the one whose cached values were all wrong (-7): a value
    # equal to ours proves LibreOffice recomputed it on load.
    cached, computed = load_workbook(path, data_only=True), recalculated["spoiled"][1]
    cells = formula_cells(path)
    assert len(cells) > 60
    for sheet, ref in cells:
        mine, theirs = cached[sheet][ref].value, computed[sheet][ref].value
        assert isinstance(mine, int | float), (sheet, ref, mine)
        assert cents(mine) == cents(theirs), (sheet, ref, mine, theirs)


def expected_costs(data: ReportData, prices: dict[str, float]) -> dict[str, Any]:
    """Return every cost, change and trend figure recomputed in Python at `prices`."""
    seats = data.seats
    price = [prices[plan] for plan in seats["plan"]]
    idle = ("stale", "never_active")
    month = sum(price)
    out: dict[str, Any] = {
        "seat costs": price,
        "reclaim costs": [prices[plan] for plan in data.reclaim["plan"]],
        "MonthlyCost": month,
        "IdleMonthlyCost": sum(p for p, s in zip(price, seats["state"], strict=True) if s in idle),
        "ReclaimMonthlySavings": sum(p for p, r in zip(price, seats["reclaim"], strict=True) if r),
        "CheckFirstMonthlyCost": sum(
            p for p, c in zip(price, seats["check_first"], strict=True) if c
        ),
    }
    history = data.history.to_dicts()
    for what, figure in (("seats", "trend"), ("idle", "trend idle"), ("reclaim", "trend reclaim")):
        out[figure] = [sum(row[f"{what}_{p}"] * v for p, v in prices.items()) for row in history]
    trend = out["trend"]
    out["trend change"] = [None] + [b - a for a, b in itertools.pairwise(trend)]
    previous = [out["trend"][-2], out["trend idle"][-2], out["trend reclaim"][-2], None]
    this = [out[name] for name, _ in COST_FIGURES]
    out["previous"] = previous
    out["change"] = [t - p if p is not None else None for t, p in zip(this, previous, strict=True)]
    active = data.current.states["active"]
    out["CostPerActiveSeat"] = month / active
    return out


def assert_costs(wb: Workbook, data: ReportData, prices: dict[str, float]) -> None:
    """Assert the recomputed costs equal the figures recomputed in Python at `prices`."""
    want = expected_costs(data, prices)
    assert values(wb, "SeatsTable", "Monthly cost") == pytest.approx(want["seat costs"])
    assert values(wb, "ReclaimTable", "Monthly cost") == pytest.approx(want["reclaim costs"])
    for name in ("MonthlyCost", "IdleMonthlyCost", "ReclaimMonthlySavings",
                 "CheckFirstMonthlyCost", "CostPerActiveSeat"):  # fmt: skip
        assert named_cell(wb, name).value == pytest.approx(want[name]), name
    assert named_cell(wb, "SavingsFromNextCycle").value == pytest.approx(
        want["ReclaimMonthlySavings"]
    )
    assert totals(wb, "SeatsTable")["Monthly cost"] == pytest.approx(want["MonthlyCost"])
    assert totals(wb, "ReclaimTable")["Monthly cost"] == pytest.approx(
        want["ReclaimMonthlySavings"]
    )
    plans = {
        p: data.seats["plan"].to_list().count(p) * prices[p] for p in data.current.seats_by_plan
    }
    assert dict(zip(values(wb, "PlansTable", "Plan"),
                    values(wb, "PlansTable", "Monthly cost"), strict=True)) == plans  # fmt: skip
    assert totals(wb, "PlansTable")["Monthly cost"] == pytest.approx(want["MonthlyCost"])
    assert values(wb, "TrendTable", TREND_COST) == pytest.approx(want["trend"])
    assert values(wb, "TrendTable", TREND_IDLE) == pytest.approx(want["trend idle"])
    assert values(wb, "TrendTable", TREND_RECLAIM) == pytest.approx(want["trend reclaim"])
    assert values(wb, "TrendTable", TREND_CHANGE) == pytest.approx(want["trend change"])
    assert values(wb, "CostFiguresTable", "Previous month") == pytest.approx(want["previous"])
    assert values(wb, "CostFiguresTable", "Change") == pytest.approx(want["change"])
    for name in ("ByCostCenterTable", "ByDepartmentTable", "ByOrgTable", "ByTeamTable"):
        assert totals(wb, name)["Monthly cost"] == pytest.approx(want["MonthlyCost"]), name
        assert totals(wb, name)["Idle monthly cost"] == pytest.approx(want["IdleMonthlyCost"])


def test_formulas_recompute_to_the_library_figures(
    recalculated: dict[str, tuple[Path, Workbook]],
) -> None:
    """Pin the recomputed costs to the library's figures at the exported prices."""
    data = consistent_report_data()
    wb = recalculated["consistent"][1]
    current = data.current
    assert named_cell(wb, "MonthlyCost").value == current.monthly_cost
    assert named_cell(wb, "IdleMonthlyCost").value == current.idle_monthly_cost
    assert named_cell(wb, "ReclaimMonthlySavings").value == current.reclaimable_monthly_cost
    assert values(wb, "TrendTable", TREND_COST) == data.history["monthly_cost"].to_list()
    for name, key in (("ByCostCenterTable", "cost_center"), ("ByDepartmentTable", "department"),
                      ("ByOrgTable", "org"), ("ByTeamTable", "team")):  # fmt: skip
        frame = data.breakdowns[key]
        assert values(wb, name, "Monthly cost") == frame["monthly_cost"].to_list(), name
        assert values(wb, name, "Idle monthly cost") == frame["idle_monthly_cost"].to_list()
        total = totals(wb, name)
        assert total["Seats"] == current.seats, name
        assert total["Reclaim candidates"] == current.reclaim_candidates, name
    assert_costs(wb, data, data.settings.prices)


def test_changing_a_price_updates_every_cost(
    recalculated: dict[str, tuple[Path, Workbook]],
) -> None:
    """Pin that Business 19 -> 21 reprices every cost, change and trend figure."""
    data = consistent_report_data()
    wb = recalculated["repriced"][1]
    business = data.current.seats_by_plan["business"]
    enterprise = data.current.seats_by_plan["enterprise"]
    assert named_cell(wb, "MonthlyCost").value == business * 21.0 + enterprise * 39.0
    assert_costs(wb, data, {"business": 21.0, "enterprise": 39.0})


def test_case_variants_count_once(recalculated: dict[str, tuple[Path, Workbook]]) -> None:
    """Pin By team/department/cost center totals to Summary's with case-variant names."""
    data, found = _case_variants()
    assert found["team"]["key"].to_list() == ["PLATFORM", "qa"]
    wb = recalculated["case variants"][1]
    monthly = named_cell(wb, "MonthlyCost").value
    for name, key in (("ByTeamTable", "team"), ("ByDepartmentTable", "department"),
                      ("ByCostCenterTable", "cost_center")):  # fmt: skip
        total = totals(wb, name)
        assert total["Monthly cost"] == monthly, name
        assert total["Idle monthly cost"] == named_cell(wb, "IdleMonthlyCost").value, name
        assert total["Seats"] == data.current.seats, name
        assert values(wb, name, "Monthly cost") == found[key]["monthly_cost"].to_list(), name
