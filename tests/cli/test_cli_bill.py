"""The `bill` and `billing-files` commands: exit codes, exact lines, JSON equal to the library's."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from analyzer.answers.bill import bill_json, build_bill
from analyzer.cli import main
from analyzer.model import Settings
from analyzer.store.folder import Store
from tests.paths import BILLING_FILES, SAMPLES

OCTO = [
    "octo-demo-seat-activity-1788444483.csv",
    "octo-demo-seat-activity-1791014710.csv",
    "octo-demo-seat-activity-1793716484.csv",
]


def _demo_store(tmp: Path) -> Path:
    store = tmp / "store"
    paths = [str(SAMPLES / n) for n in OCTO] + [str(p) for p in BILLING_FILES]
    result = CliRunner().invoke(main, ["ingest", *paths, "--store", str(store), "-q"])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == "7 files: 7 stored, 0 already stored, 0 refused"
    return store


def test_bill_json_equals_the_library_result(tmp_path: Path) -> None:
    """`bill --json` prints exactly bill_json(build_bill(...))."""
    store = _demo_store(tmp_path)
    args = ["bill", "--store", str(store), "--month", "2026-10", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    library = bill_json(build_bill(Store(store), None, "2026-10", Settings()))
    assert json.loads(result.stdout) == library
    kinds = {(e["login"], e["kind"]) for e in library["exceptions"]}
    assert ("ghost-contractor", "billed-not-seated") in kinds
    assert library["credits_used"] is not None


def test_bill_text_says_unknown_plainly(tmp_path: Path) -> None:
    """A month without an AI usage report says the credits are unknown, not zero."""
    store = _demo_store(tmp_path)
    (store / "billing.json").write_text(
        json.dumps(
            {
                "format_version": 1,
                "files": [
                    f
                    for f in json.loads((store / "billing.json").read_text())["files"]
                    if f["kind"] != "ai-usage-report"
                ],
            }
        )
    )
    result = CliRunner().invoke(main, ["bill", "--store", str(store), "--month", "2026-10"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "AI credits used     unknown: no AI usage report for 2026-10" in lines
    assert "note: no AI usage report for 2026-10: credits unknown" in lines
    assert result.stderr.strip() == "octo-demo 2026-10: total billed 6,957.68 USD, 5 exceptions"


def test_bill_on_an_empty_store_is_an_error(tmp_path: Path) -> None:
    """No snapshots: one Error line, exit 1."""
    result = CliRunner().invoke(main, ["bill", "--store", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the store")


def test_billing_files_lists_kinds_and_periods(tmp_path: Path) -> None:
    """`billing-files --json` lists every stored billing file with its kind and period."""
    store = _demo_store(tmp_path)
    result = CliRunner().invoke(main, ["billing-files", "--store", str(store), "--json"])
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert body["store"] == str(store)
    assert sorted(f["kind"] for f in body["files"]) == [
        "ai-usage-report",
        "enterprise-license-report",
        "metered-usage-detailed",
        "premium-request-report",
    ]
    assert result.stderr.strip() == f"4 billing files in {store}"


def test_a_scope_without_rows_in_the_billing_files_is_unknown_not_zero(tmp_path: Path) -> None:
    """Billing files of octo-demo say nothing of globex-ent: its figures are null, never 0,
    and octo-demo's licence report raises no exception for globex-ent's seats."""
    store = tmp_path / "store"
    result = CliRunner().invoke(main, ["ingest", str(SAMPLES), "--store", str(store)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        main,
        ["bill", "--scope", "globex-ent", "--month", "2026-10", "--json", "--store", str(store)],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    body = body[0] if isinstance(body, list) else body
    assert body["seat_cost_billed"] is None and body["total_billed"] is None
    assert body["credits_used"] is None and body["credit_overage_cost"] is None
    assert not [e for e in body["exceptions"] if e["kind"] == "not-in-enterprise"]


def test_bill_csv_has_one_row_per_person_and_is_safe_for_a_spreadsheet(tmp_path: Path) -> None:
    """`bill --csv` lists the bill's people, every text cell neutralised like every --csv."""
    import csv
    import io

    store = _demo_store(tmp_path)
    args = ["bill", "--store", str(store), "--month", "2026-10", "--csv"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    data = build_bill(Store(store), None, "2026-10", Settings())
    assert [r["login"] for r in rows] == data.people["login"].to_list()
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values() if v)


def test_bill_text_and_csv_of_a_premium_month_to_its_last_day(tmp_path: Path) -> None:
    """A partial premium report: figures labelled to the 25th; the CSV leaves unknown empty."""
    from datetime import UTC, datetime

    from analyzer.billing_schema import github_csv
    from tests.billing_fixtures import FULL_PREMIUM_HEADER, MARCH_PREMIUM
    from tests.helpers import Seat, write_activity

    inbox = tmp_path / "in"
    for month in (2, 3, 4):
        at = datetime(2026, month, 3, 6, tzinfo=UTC)
        write_activity(inbox, "acme", at, [Seat("alice"), Seat("bob")])
    (inbox / "premiumRequestUsageReport_1_a.csv").write_bytes(
        github_csv(FULL_PREMIUM_HEADER, MARCH_PREMIUM)
    )
    store = str(tmp_path / "store")
    assert CliRunner().invoke(main, ["ingest", str(inbox), "--store", store, "-q"]).exit_code == 0
    args = ["bill", "--store", store, "--scope", "acme", "--month", "2026-03"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "Premium requests    355.50 (to 2026-03-25, 25 of 31 days)" in lines
    assert "Premium ai-units    6,374.75" in lines
    assert "Premium cost        56.37 USD" in lines
    assert "Total billed        unknown: no usage report for 2026-03" in lines
    table = CliRunner().invoke(main, [*args, "--csv"]).stdout.splitlines()
    header = table[0].split(",")
    alice = dict(
        zip(header, next(r for r in table if r.startswith("alice,")).split(","), strict=True)
    )
    assert alice["credits_used"] == "" and alice["seat_cost_billed"] == ""
    assert float(alice["premium_request_cost"]) == 12.845
