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
USERS_1_DAY = SAMPLES / "usage/octo-demo-users-1-day-2026-10-01.ndjson"


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
    aggregate = SAMPLES / "usage/octo-demo-organization-28-day-2026-10-31.json"
    assert run("ingest", SEATS, aggregate, "--store", store, "-q").exit_code == 0
    result = run("usage", "--store", store)
    assert result.exit_code == 1
    assert result.output.startswith("Error: the usage data of octo-demo is aggregate only")
    assert "users-28-day" in result.output
