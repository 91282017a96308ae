"""The reading reproductions end to end: hostile files refused, runs go on, dates bounded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from analyzer.cli import main
from tests.paths import SAMPLES

DEEP = "{" + '"a":{' * 999 + '"b":1' + "}" * 1000
SEATS = SAMPLES / "octo-demo-seat-activity-1793716484.csv"
USERS_1_DAY = SAMPLES / "octo-demo-users-1-day-2026-10-01.ndjson"


def run(*args: str | Path) -> Result:
    """Run the CLI with string arguments."""
    return CliRunner().invoke(main, [str(a) for a in args])


def test_deep_json_files_are_refused_and_the_run_goes_on(tmp_path: Path) -> None:
    """A deep .json seat file and a deep usage record are counted refusals; exit 1."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "acme-seats.json").write_text(DEEP)
    good = json.dumps({"user_id": 1, "user_login": "mona", "day": "2026-10-01"})
    (inbox / "octo-demo-users-1-day-2026-10-02.ndjson").write_text(good + "\n" + DEEP + "\n")
    shutil.copy(SEATS, inbox)
    result = run("ingest", inbox, "--store", tmp_path / "store")
    assert result.exit_code == 1, result.output
    assert "[json-too-deep]" in result.output
    summary = result.output.rstrip().splitlines()[-1]
    assert summary == "3 files: 1 stored, 0 already stored, 2 refused"


def test_monthly_writes_its_reports_beside_a_deep_json_file(tmp_path: Path) -> None:
    """`monthly` stores and reports the good files, refusing the deep one (exit 1)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "acme-seats.json").write_text(DEEP)
    shutil.copy(SEATS, inbox)
    result = run("monthly", inbox, "--store", tmp_path / "store", "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".html", ".xlsx"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("bill", "--month", "0000-01"), "--month"),
        (("bill", "--month", "2101-01"), "--month"),
        (("reclaim", "--at", "0001-01-01"), "--at"),
        (("reclaim", "--at", "9999-12-31"), "--at"),
        (("diff", "--from", "1999-12-31"), "--from"),
        (("forget", "--at", "9999-12-31"), "--at"),
        (("ingest", "x.csv", "--as-of", "2101-01-01"), "--as-of"),
    ],
)
def test_date_options_outside_2000_to_2100_are_usage_errors(
    tmp_path: Path, args: tuple[str, ...], option: str
) -> None:
    """Every date option outside 2000..2100 is refused by name, never a traceback."""
    result = run(*args, "--store", tmp_path / "store")
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output
    assert "outside the supported dates 2000-01-01..2100-12-31" in result.output


def test_reclaim_with_only_a_one_day_usage_file(tmp_path: Path) -> None:
    """A seat report and a users-1-day file far from it: reclaim answers, usage days unknown."""
    store = tmp_path / "store"
    assert run("ingest", SEATS, USERS_1_DAY, "--store", store, "-q").exit_code == 0
    result = run("reclaim", "--store", store, "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["candidates"] and body["engagement"]["window_start"] is None


def test_usage_over_aggregate_only_data_says_so(tmp_path: Path) -> None:
    """`usage` with only an aggregate report says it names no user, and what to fetch."""
    store = tmp_path / "store"
    aggregate = SAMPLES / "octo-demo-organization-28-day-2026-10-31.json"
    assert run("ingest", SEATS, aggregate, "--store", store, "-q").exit_code == 0
    result = run("usage", "--store", store)
    assert result.exit_code == 1
    assert result.output.startswith("Error: the usage data of octo-demo is aggregate only")
    assert "users-28-day" in result.output


def test_the_adoption_phase_is_stored_with_the_users_days(tmp_path: Path) -> None:
    """A 28-day file with records in day_totals is stored per user, adoption phase kept."""
    from datetime import date

    from analyzer.store.usage import UsageStore

    phase = {"phase_number": 3, "phase": "Phase 3", "version": "v1"}
    records = [
        {"user_id": 7, "user_login": "mona", "day": "2026-06-03", "ai_adoption_phase": phase},
        {"user_id": 8, "user_login": "lisa", "day": "2026-06-04", "ai_credits_used": 2.5},
    ]
    body = {"report_start_day": "2026-06-01", "report_end_day": "2026-06-28"}
    path = tmp_path / "acme-users-28-day-2026-06-28.json"
    path.write_text(json.dumps({**body, "day_totals": records}))
    assert run("ingest", path, "--store", tmp_path / "store", "-q").exit_code == 0
    days = UsageStore(tmp_path / "store").days("acme", date(2026, 6, 1), date(2026, 6, 28))
    rows = days.select("login", "adoption_phase", "adoption_phase_number", "credits").rows()
    assert rows == [("mona", "Phase 3", 3, None), ("lisa", None, None, 2.5)]


def test_usage_parts_written_before_the_adoption_columns_read_them_as_unknown(
    tmp_path: Path,
) -> None:
    """A days table without the adoption columns (an older store) reads them as null."""
    from datetime import date

    import polars as pl

    from analyzer.fsutil import file_sha256
    from analyzer.store.manifests import write_body
    from analyzer.store.usage import UsageStore

    store = tmp_path / "store"
    assert run("ingest", USERS_1_DAY, "--store", store, "-q").exit_code == 0
    (part,) = (store / "usage").rglob("*-days.parquet")
    older = pl.read_parquet(part).drop("adoption_phase", "adoption_phase_number")
    before = file_sha256(part)
    older.write_parquet(part)
    # As an older copilot-seats wrote it: the manifest records the older table's sha256.
    body = json.loads((store / "usage" / "manifest.json").read_text(encoding="utf-8"))
    write_body(
        store,
        "usage/manifest.json",
        json.loads(json.dumps(body).replace(before, file_sha256(part))),
    )
    days = UsageStore(store).days("octo-demo", date(2026, 10, 1), date(2026, 10, 1))
    assert days.height == older.height
    assert days["adoption_phase"].null_count() == days.height
