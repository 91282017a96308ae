"""`export --focus`: the demo's FOCUS CSV reconciles with `bill` and GitHub's own file."""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import polars as pl
import pytest
from click.testing import CliRunner

from analyzer.cli import main
from tests.paths import BILLING_FILES, SAMPLES

USAGE_REPORT = BILLING_FILES[0]
SEAT_SKUS = {"copilot_for_business", "copilot_enterprise", "copilot_standalone"}


def export(store: Path, out: Path, *more: str) -> list[dict[str, str]]:
    """Run `export --focus` for octo-demo and return the CSV's rows."""
    args = ["export", "--focus", str(out), "--store", str(store), "--scope", "octo-demo", *more]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def github_rows() -> list[dict[str, str]]:
    """Return the Copilot rows of GitHub's usage report, read with the csv module alone."""
    with USAGE_REPORT.open(newline="", encoding="utf-8-sig") as f:
        return [r for r in csv.DictReader(f) if r["product"] == "copilot"]


def test_billed_cost_sums_to_the_bill_to_the_cent(demo_store: Path, tmp_path: Path) -> None:
    """Sum(BilledCost) equals `bill --json`'s total_billed and GitHub's own net, to the cent."""
    rows = export(demo_store, tmp_path / "f.csv", "--month", "2026-10")
    billed = sum(Decimal(r["BilledCost"]) for r in rows)
    args = ["bill", "--store", str(demo_store), "--scope", "octo-demo", "--month", "2026-10"]
    bill = json.loads(CliRunner().invoke(main, [*args, "--json"]).stdout)
    assert round(billed, 2) == Decimal(str(bill["total_billed"])) == Decimal("6957.68")
    github = sum(Decimal(r["net_amount"]) for r in github_rows())
    assert round(billed, 2) == round(github, 2)
    assert {r["BillingPeriodStart"] for r in rows} == {"2026-10-01T00:00:00Z"}
    assert {(r["Provider"], r["Publisher"], r["InvoiceIssuer"]) for r in rows} == {
        ("GitHub", "GitHub", "GitHub")
    }


def test_one_row_per_seat_per_charge_period(demo_store: Path, tmp_path: Path) -> None:
    """Every seat GitHub billed has rows whose days are exactly its billed days, none twice."""
    rows = export(demo_store, tmp_path / "f.csv", "--month", "2026-10")
    seats = [r for r in rows if r["ChargeCategory"] == "Purchase"]
    keys = Counter(
        (r["x_Login"], r["SubAccountId"], r["SkuId"], r["ChargePeriodStart"]) for r in seats
    )
    assert max(keys.values()) == 1
    days: dict[str, int] = defaultdict(int)
    for r in seats:
        days[r["x_Login"]] += int(r["x_DaysBilled"])
    billed_days: dict[str, set[str]] = defaultdict(set)
    for r in github_rows():
        if r["sku"] in SEAT_SKUS:
            billed_days[r["username"]].add(r["date"])
    assert days == {login: len(d) for login, d in billed_days.items()}
    assert len(seats) == len(billed_days) == 373  # each demo seat: one unbroken period
    assert {r["ChargeFrequency"] for r in seats} == {"Recurring"}


def test_usage_rows_are_per_user_day_and_model(demo_store: Path, tmp_path: Path) -> None:
    """AI credits come from the AI usage report: one row per user, day, SKU and model."""
    rows = export(demo_store, tmp_path / "f.csv", "--month", "2026-10")
    usage = [r for r in rows if r["ChargeCategory"] == "Usage"]
    assert len(usage) == 442  # the AI usage report's rows, none merged, none lost
    key = Counter((r["x_Login"], r["ChargePeriodStart"], r["SkuId"], r["x_Model"]) for r in usage)
    assert max(key.values()) == 1
    assert {r["x_Source"] for r in usage} == {"AI usage report"}
    assert all(r["ConsumedQuantity"] and r["ConsumedUnit"] == "ai-credits" for r in usage)


def test_org_billed_rows_without_a_per_user_report(demo_store: Path, tmp_path: Path) -> None:
    """Without the AI usage report, the usage report's org-level credit rows are exported."""
    store = tmp_path / "store"
    copy = CliRunner().invoke(
        main,
        [
            "ingest",
            *[str(p) for p in SAMPLES.glob("octo-demo-seat-activity-17*.csv")],
            str(USAGE_REPORT),
            "--store",
            str(store),
            "-q",
        ],
    )
    assert copy.exit_code == 0, copy.output
    rows = export(store, tmp_path / "f.csv", "--month", "2026-10")
    org = [r for r in rows if r["x_BilledTo"] == "organization"]
    assert len(org) == 31  # one credit row a day, no username
    assert {(r["x_Login"], r["SubAccountId"], r["SkuId"]) for r in org} == {
        ("", "octo-demo", "copilot_ai_credit")
    }
    assert round(sum(Decimal(r["BilledCost"]) for r in rows), 2) == Decimal("6957.68")


def test_pseudonymized_export_names_no_login(demo_store: Path, tmp_path: Path) -> None:
    """With --pseudonymize no cell (nor a ResourceId part) is a login the store holds."""
    rows = export(demo_store, tmp_path / "f.csv", "--pseudonymize")
    snapshots = pl.read_parquet(demo_store / "snapshots" / "*" / "*.parquet")
    logins = set(snapshots["login"]) | {r["username"] for r in github_rows() if r["username"]}
    cells = {c for r in rows for v in r.values() for c in (v, *v.split("/"))}
    assert len(logins) > 300
    assert not logins & cells
    assert all(r["x_Login"].startswith("user-") for r in rows if r["x_BilledTo"] == "user")


def test_a_month_without_a_usage_report_is_refused(demo_store: Path, tmp_path: Path) -> None:
    """May 2026 has a premium request report but no usage report: refused, nothing written."""
    out = tmp_path / "f.csv"
    args = ["export", "--focus", str(out), "--store", str(demo_store), "--scope", "octo-demo"]
    result = CliRunner().invoke(main, [*args, "--month", "2026-05"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: cannot export octo-demo 2026-05: no usage report for 2026-05: seat charges "
        "and the total billed unknown. The FOCUS export carries what GitHub billed, never an "
        "estimate"
    )
    assert not out.exists()
    result = CliRunner().invoke(main, [*args, "--from", "2026-09", "--to", "2026-10"])
    assert result.exit_code == 1
    assert "cannot export octo-demo 2026-09" in result.stderr


@pytest.mark.parametrize(
    ("more", "message"),
    [
        (["--month", "2026-10", "--from", "2026-09", "--to", "2026-10"], "choose --month or"),
        (["--from", "2026-09"], "give both --from and --to"),
        (["--month", "2026-13"], "is not a month"),
    ],
)
def test_bad_month_options_are_usage_errors(
    demo_store: Path, tmp_path: Path, more: list[str], message: str
) -> None:
    """Option mistakes exit 2 with the reason, before anything is read."""
    args = ["export", "--focus", str(tmp_path / "f.csv"), "--store", str(demo_store), *more]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_the_summary_lines(demo_store: Path, tmp_path: Path) -> None:
    """stderr gives the month's rows and both totals, then one summary line."""
    out = tmp_path / "f.csv"
    args = ["export", "--focus", str(out), "--store", str(demo_store), "--scope", "octo-demo"]
    result = CliRunner().invoke(main, args)
    assert result.stderr.splitlines() == [
        "octo-demo 2026-10: 815 rows, billed 6,957.68 USD (bill: 6,957.68); usage from AI "
        "usage report",
        f"octo-demo: 815 FOCUS rows over 1 month, billed 6,957.68 USD -> {out}",
    ]


# The validator's two checks that contradict FOCUS 1.0 (see focus_validator_overrides.yaml).
VALIDATOR_DEFECTS = {"ResourceID_Required", "SkuPriceId_Nullable"}


def run_validator(data: Path, report: Path, *more: str) -> ElementTree.Element:
    """Run `focus-validator --data-file FILE --validate-version 1.0`; return its JUnit report."""
    spec = importlib.util.find_spec("focus_validator")
    tool = shutil.which("focus-validator", path=str(Path(sys.executable).parent))
    if spec is None or spec.origin is None or tool is None:
        pytest.skip("focus-validator is not installed: pip install -e '.[test]'")
    # 1.0.0 reads its currency list from a path relative to the working directory.
    where = Path(spec.origin).parent.parent
    args = [tool, "--data-file", str(data), "--validate-version", "1.0", *more]
    args += ["--output-type", "unittest", "--output-destination", str(report)]
    subprocess.run(args, cwd=where, check=False, capture_output=True, timeout=300)
    return ElementTree.parse(report).getroot()


def failed_checks(report: ElementTree.Element) -> set[str]:
    """Return the names of the checks the validator failed or could not run."""
    return {
        str(case.get("name")).split(" :: ")[0]
        for case in report.iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    }


@pytest.mark.slow  # two runs of an external tool: about 10 s each on a shared machine
def test_the_focus_validator_finds_no_failure(demo_store: Path, tmp_path: Path) -> None:
    """The FinOps Foundation's validator fails no check of the demo export but its own two."""
    data = tmp_path / "focus.csv"
    rows = export(demo_store, data)
    plain = run_validator(data, tmp_path / "plain.xml")
    assert int(plain.get("tests", 0)) > 100
    assert failed_checks(plain) == VALIDATOR_DEFECTS
    overrides = Path(__file__).with_name("focus_validator_overrides.yaml")
    checked = run_validator(data, tmp_path / "checked.xml", "--override-file", str(overrides))
    assert (checked.get("failures"), checked.get("errors"), checked.get("skipped")) == (
        "0",
        "0",
        "2",
    )
    # What the two skipped checks mean, by hand: the 1.0 column name, a price id on every row.
    assert "ResourceId" in rows[0]
    assert all(r["SkuPriceId"] for r in rows)
