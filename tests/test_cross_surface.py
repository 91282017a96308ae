"""Every surface gives the same headline figures: status, reclaim, history, page, workbook, monthly.

One monthly run over the demo inbox with every file family (seat reports, the API JSON,
billing files, usage-metrics files) is shared by the whole module.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from analyzer.cli import analysis as cli_analysis
from analyzer.cli import main
from analyzer.cli import reclaim as cli_reclaim
from analyzer.cli import report as cli_report
from analyzer.model import state_label
from tests.helpers import ts
from tests.paths import SAMPLES

NOW = ts("2026-12-07T12:00:00")
SCOPES = ("globex-ent", "initech", "octo-demo")
FIGURES = re.compile(
    r'<script type="application/json" id="copilot-seats-figures">(.*?)</script>', re.S
)
LINE = re.compile(
    r"^(?P<scope>\S+) (?P<month>\d{4}-\d{2}): (?P<seats>[\d,]+) seats?, (?P<active>[\d,]+) "
    r"active, (?P<stale>[\d,]+) stale, (?P<never>[\d,]+) never active, cost (?P<cost>[\d,.]+) "
    r"\w+, idle (?P<idle>[\d,.]+) \w+, (?P<reclaim>[\d,]+) reclaim candidates? \(potential "
    r"savings (?P<saving>[\d,.]+) \w+ a month\), (?P<check>[\d,]+) check first "
    r"\((?P<check_cost>[\d,.]+) \w+ a month\), (?P<billed>[^>]+) -> "
)


@dataclass(frozen=True)
class Surfaces:
    """What every surface printed or wrote for each scope after one demo monthly run."""

    store: Path
    out: Path
    lines: dict[str, re.Match[str]]  # scope -> its parsed monthly line
    status: dict[str, dict[str, Any]]
    reclaim: dict[str, dict[str, Any]]
    history: dict[str, list[dict[str, Any]]]


def _json(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def surfaces(tmp_path_factory: pytest.TempPathFactory) -> Surfaces:
    """Run `monthly` over the demo inbox once, then ask every command about every scope."""
    root = tmp_path_factory.mktemp("surfaces")
    store, out = root / "store", root / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.delenv("COPILOT_SEATS_STORE", raising=False)
        for module in (cli_analysis, cli_reclaim, cli_report):
            if hasattr(module, "now_utc"):
                patch.setattr(module, "now_utc", lambda: NOW)
        args = ["monthly", str(SAMPLES), "-r", "-q", "--store", str(store), "--out", str(out)]
        monthly = CliRunner().invoke(main, args)
        assert monthly.exit_code == 1, monthly.output  # the demo's deliberately bad files
        lines = {m["scope"]: m for m in map(LINE.match, monthly.stdout.splitlines()) if m}
        where = ["--store", str(store)]
        return Surfaces(
            store,
            out,
            lines,
            {s: _json("status", "--scope", s, "--json", *where) for s in SCOPES},
            {s: _json("reclaim", "--scope", s, "--json", *where) for s in SCOPES},
            {s: _json("history", "--scope", s, "--json", *where)["rows"] for s in SCOPES},
        )


def _headline(status: dict[str, Any]) -> dict[str, Any]:
    """Return the headline figures of a `status --json` object."""
    return {
        "seats": status["seats"],
        "active": status["states"]["active"],
        "stale": status["states"]["stale"],
        "never_active": status["states"]["never_active"],
        "reclaim_candidates": status["reclaim_candidates"],
        "reclaim_saving": status["reclaimable_monthly_cost"],
        "check_first": status["check_first"],
        "check_first_cost": status["check_first_monthly_cost"],
        "monthly_cost": status["monthly_cost"],
    }


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _month(surfaces: Surfaces, scope: str) -> str:
    return surfaces.lines[scope]["month"]


def test_the_demo_has_usage_evidence_that_moves_candidates(surfaces: Surfaces) -> None:
    """The demo's usage files move octo-demo candidates to check first (else the test is idle)."""
    engagement = surfaces.status["octo-demo"]["engagement"]
    assert engagement is not None and engagement["moved_to_check_first"] == 12
    assert surfaces.status["octo-demo"]["reclaim_candidates"] == 84
    assert surfaces.status["octo-demo"]["reclaimable_monthly_cost"] == 1596.0
    assert surfaces.status["octo-demo"]["check_first"] == 34
    assert set(surfaces.lines) == set(SCOPES)


@pytest.mark.parametrize("scope", SCOPES)
def test_the_page_embeds_the_status_json_object(surfaces: Surfaces, scope: str) -> None:
    """The page's copilot-seats-figures script holds exactly `status --json` of its snapshot."""
    page = (surfaces.out / f"{scope}-{_month(surfaces, scope)}.html").read_text("utf-8")
    found = FIGURES.findall(page)
    assert len(found) == 1
    assert json.loads(found[0]) == surfaces.status[scope]


@pytest.mark.parametrize("scope", SCOPES)
def test_reclaim_agrees_with_status(surfaces: Surfaces, scope: str) -> None:
    """`reclaim --json` lists as many candidates and check-first seats as status counts."""
    status, reclaim = surfaces.status[scope], surfaces.reclaim[scope]
    assert reclaim["as_of"] == status["as_of"]
    assert len(reclaim["candidates"]) == status["reclaim_candidates"]
    assert len(reclaim["check_first"]) == status["check_first"]
    assert reclaim["potential_monthly_savings"] == status["reclaimable_monthly_cost"]
    assert (
        round(sum(c["monthly_cost"] for c in reclaim["candidates"]), 2)
        == (status["reclaimable_monthly_cost"])
    )
    assert reclaim["check_first_monthly_cost"] == status["check_first_monthly_cost"]
    assert reclaim["engagement"] == status["engagement"]


@pytest.mark.parametrize("scope", SCOPES)
def test_history_last_row_agrees_with_status(surfaces: Surfaces, scope: str) -> None:
    """The last `history` row of a scope gives status's seats, states, reclaim and costs."""
    status, last = surfaces.status[scope], surfaces.history[scope][-1]
    assert last["as_of"] == status["as_of"]
    assert {k: last[k] for k in ("seats", "active", "stale", "never_active")} == {
        k: _headline(status)[k] for k in ("seats", "active", "stale", "never_active")
    }
    assert last["reclaim_candidates"] == status["reclaim_candidates"]
    assert (
        sum(last[f"reclaim_{p}"] for p in ("business", "enterprise"))
        == (status["reclaim_candidates"])
    )
    assert (last["monthly_cost"], last["idle_monthly_cost"]) == (
        status["monthly_cost"],
        status["idle_monthly_cost"],
    )


@pytest.mark.parametrize("scope", SCOPES)
def test_the_monthly_line_agrees_with_status(surfaces: Surfaces, scope: str) -> None:
    """The `monthly` summary line of a scope prints status's headline figures."""
    line, status = surfaces.lines[scope], surfaces.status[scope]
    assert {
        "seats": int(_number(line["seats"])),
        "active": int(_number(line["active"])),
        "stale": int(_number(line["stale"])),
        "never_active": int(_number(line["never"])),
        "reclaim_candidates": int(_number(line["reclaim"])),
        "reclaim_saving": _number(line["saving"]),
        "check_first": int(_number(line["check"])),
        "check_first_cost": _number(line["check_cost"]),
        "monthly_cost": _number(line["cost"]),
    } == _headline(status)
    assert _number(line["idle"]) == status["idle_monthly_cost"]


def _summary(path: Path) -> dict[str, Any]:
    """Return the workbook's Summary as {label: (this month's value, cached result)}."""
    formulas = openpyxl.load_workbook(path)["Summary"]
    cached = openpyxl.load_workbook(path, data_only=True)["Summary"]
    found: dict[str, Any] = {}
    for row in formulas.iter_rows(min_col=1, max_col=2):
        label, value = row[0].value, row[1].value
        if isinstance(label, str) and value is not None and label not in found:
            found[label] = (value, cached[row[1].coordinate].value)
    return found


def _seat_costs(path: Path, first: bool) -> dict[str, float]:
    """Recompute the Summary's cost formulas from their inputs: Seats rows and price cells."""
    book = openpyxl.load_workbook(path)
    prices = {}
    for plan in ("business", "enterprise"):  # the price cells the cost formulas read
        sheet, cell = next(book.defined_names[f"Price_{plan}"].destinations)
        prices[plan] = float(book[sheet][cell.replace("$", "")].value)
    rows = book["Seats"].iter_rows(values_only=True)
    header = list(next(rows))
    plan, reclaim, check = (header.index(h) for h in ("Plan", "Reclaim candidate", "Check first"))
    state = header.index("State")
    costs = {"monthly": 0.0, "idle": 0.0, "reclaim": 0.0, "check_first": 0.0}
    for row in rows:
        if row[0] is None or row[plan] not in prices:
            continue  # the totals row
        price = prices[str(row[plan])]
        costs["monthly"] += price
        idle = row[state] in {state_label(s, first) for s in ("stale", "never_active")}
        costs["idle"] += price if idle else 0.0
        costs["reclaim"] += price if row[reclaim] is True else 0.0
        costs["check_first"] += price if row[check] is True else 0.0
    return {k: round(v, 2) for k, v in costs.items()}


@pytest.mark.parametrize("scope", SCOPES)
def test_the_workbook_summary_agrees_with_status(surfaces: Surfaces, scope: str) -> None:
    """The Summary's counts, its formulas' cached results and their inputs give status's figures."""
    path = surfaces.out / f"{scope}-{_month(surfaces, scope)}.xlsx"
    summary, status = _summary(path), surfaces.status[scope]
    counts = {
        "Billed seats": status["seats"],
        "Active seats": status["states"]["active"],
        "Stale seats": status["states"]["stale"],
        f"{state_label('never_active', status['first_snapshot'])} seats": (
            status["states"]["never_active"]
        ),
        "Reclaim candidates": status["reclaim_candidates"],
        "Check first (idle, signed in recently)": status["check_first"],
    }
    assert {label: summary[label][0] for label in counts} == counts
    costs = {
        "Monthly cost": status["monthly_cost"],
        "Idle monthly cost (stale + never active)": status["idle_monthly_cost"],
        "Reclaim candidates' monthly cost": status["reclaimable_monthly_cost"],
        "Check-first seats' monthly cost": status["check_first_monthly_cost"],
    }
    assert {label: summary[label][1] for label in costs} == costs  # the cached results
    recomputed = _seat_costs(path, status["first_snapshot"])
    assert [recomputed[k] for k in ("monthly", "idle", "reclaim", "check_first")] == list(
        costs.values()
    )
    savings = next(v for label, v in summary.items() if label.startswith("Potential monthly"))
    assert savings == ("=ReclaimMonthlySavings", status["reclaimable_monthly_cost"])


@pytest.mark.parametrize("scope", SCOPES)
def test_engagement_tiers_agree_with_history(surfaces: Surfaces, scope: str) -> None:
    """Status's engagement tiers are the last history row's tier columns (absent: no usage)."""
    engagement, last = surfaces.status[scope]["engagement"], surfaces.history[scope][-1]
    if engagement is None:
        assert "tier_daily" not in last
        return
    tiers = {t: last[f"tier_{t}"] for t in ("daily", "weekly", "occasional", "none")}
    assert engagement["tiers"] == (None if tiers["daily"] is None else tiers)


def test_the_page_engagement_section_shows_status_tiers_and_light_use(surfaces: Surfaces) -> None:
    """The report's engagement figures (page and workbook sections) are status's."""
    from analyzer.answers.report_data import build_report_data
    from analyzer.model import Settings
    from analyzer.store.folder import Store

    status = surfaces.status["octo-demo"]
    data = build_report_data(Store(surfaces.store), "octo-demo", None, Settings(), NOW)
    assert data.engagement is not None and status["engagement"] is not None
    assert data.engagement.current_tiers == status["engagement"]["tiers"]
    assert data.engagement.light_use.height == status["engagement"]["light_use"]
    assert (
        round(data.engagement.light_use_monthly_cost, 2)
        == (status["engagement"]["light_use_monthly_cost"])
    )
    assert data.figures == status


@pytest.mark.parametrize("scope", SCOPES)
def test_the_remove_seats_bodies_name_exactly_the_candidates(
    surfaces: Surfaces, scope: str
) -> None:
    """`reclaim --format api` removes the reclaim candidates, and no check-first seat."""
    args = ["reclaim", "--scope", scope, "--format", "api", "--store", str(surfaces.store)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    bodies = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    named = {login for body in bodies for login in body["selected_usernames"]}
    reclaim = surfaces.reclaim[scope]
    assert named == {c["login"] for c in reclaim["candidates"]}
    assert len(named) == surfaces.status[scope]["reclaim_candidates"]
    assert not named & {c["login"] for c in reclaim["check_first"]}
