"""CLI tests of status: one row per scope without --scope, --csv, and the honest first snapshot."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from analyzer.answers.figures import STATUS_CSV_COLUMNS, status_json, status_row
from analyzer.answers.ingest import ingest_files
from analyzer.answers.queries import get_status, get_statuses
from analyzer.model import Settings
from analyzer.store.folder import Store
from tests.cli.test_cli_analysis import NOW, T1, T2, _isolated, acme, run, stdout_json  # noqa: F401
from tests.helpers import Seat, write_activity

DAY = timedelta(days=1)


def two_scopes(tmp: Path) -> Store:
    """Store acme (three snapshots) and globex (one snapshot, from T1): two scopes."""
    store = acme(tmp)
    path = write_activity(
        tmp / "globex-inbox", "globex", T1, [Seat("Zed", T1 - DAY), Seat("yan"), Seat("xi")]
    )
    assert [o.status for o in ingest_files(store, [path])] == ["stored"]
    return store


def test_status_of_several_scopes_prints_one_row_per_scope(tmp_path: Path) -> None:
    """Without --scope, status prints one row per scope, marks a first snapshot, exits 0."""
    result = run(two_scopes(tmp_path), "status")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "SCOPE                AS OF (UTC)            SEATS  ACTIVE  STALE  NEVER  NEW  PEND"
        "  RECLAIM  CHECK        COST     SAVINGS",
        "acme                 2026-03-01T00:00:00Z       4       1      1      0    2     0"
        "        1      0       76.00       19.00",
        "globex               2026-02-01T12:00:00Z       3       1      0     2*    0     0"
        "        2      0       57.00       38.00",
        "costs in USD a month; SAVINGS: potential, from the next billing cycle; CHECK: check "
        "first (idle but signed in recently)",
        "* first snapshot of the scope: no activity in GitHub's 90-day window, not necessarily "
        "never used",
        "--scope S shows one scope's details and data-quality findings",
    ]
    assert result.stderr == "2 scopes: 7 seats, 3 reclaim candidates\n"


def test_status_json_of_several_scopes_lists_the_library_objects(tmp_path: Path) -> None:
    """`status --json` without --scope is an object whose `scopes` are get_statuses' objects."""
    store = two_scopes(tmp_path)
    whole = stdout_json(run(store, "status", "--json"))
    body = whole["scopes"]
    assert (whole["at"], whole["left_out"]) == (None, [])
    assert body == [status_json(s) for s in get_statuses(store, Settings(), None, NOW)]
    assert [(b["scope"], b["first_snapshot"]) for b in body] == [("acme", False), ("globex", True)]
    assert body[1]["states"]["never_active"] == 2  # JSON keeps the state itself


def test_status_csv_prints_one_row_per_scope(tmp_path: Path) -> None:
    """`status --csv` has the documented header and one row per scope (one with --scope)."""
    store = two_scopes(tmp_path)
    lines = run(store, "status", "--csv").stdout.splitlines()
    assert lines[0] == ",".join(STATUS_CSV_COLUMNS)
    assert [line.split(",")[0] for line in lines[1:]] == ["acme", "globex"]
    one = run(store, "status", "--csv", "--scope", "globex").stdout.splitlines()
    assert one[1].startswith("globex,2026-02-01T12:00:00Z,True,3,1,0,2,0,0,2,0,57.0,")
    row = status_row(get_status(store, "globex", Settings(), None, NOW))
    assert one[1] == ",".join(str(row[c]) for c in STATUS_CSV_COLUMNS)


def test_status_of_several_scopes_leaves_out_scopes_not_yet_there(tmp_path: Path) -> None:
    """With --at before a scope's first snapshot, that scope is left out of the rows."""
    body = stdout_json(run(two_scopes(tmp_path), "status", "--json", "--at", "2026-01-15"))
    assert body["at"] == "2026-01-15T23:59:59Z"
    assert body["left_out"] == ["the store holds globex from 2026-02-01 to 2026-02-01"]
    text = run(two_scopes(tmp_path / "text"), "status", "--at", "2026-01-15")
    assert "left out: the store holds globex from 2026-02-01 to 2026-02-01, outside --at " in (
        text.stderr
    )
    assert [(b["scope"], b["as_of"]) for b in body["scopes"]] == [("acme", "2026-01-01T00:00:00Z")]


def test_single_scope_status_is_one_object_and_the_usual_table(tmp_path: Path) -> None:
    """With one scope (or --scope), --json is one object and the table has its labels."""
    store = two_scopes(tmp_path)
    assert stdout_json(run(store, "status", "--json", "--scope", "acme"))["scope"] == "acme"
    out = run(store, "status", "--scope", "acme").stdout.splitlines()
    assert out[:3] == [
        "Scope                 acme",
        "Snapshot              2026-03-01T00:00:00Z  "
        f"(acme-seat-activity-{int(T2.timestamp())}.csv)",
        "Seats                 4",
    ]
    assert "  never active        0" in out
    assert (
        "Reclaim candidates    1  (potential savings 19.00 USD a month, from the next billing "
        "cycle)" in out
    )
    assert not any(line.startswith("History starts here") for line in out)


def test_first_snapshot_status_says_what_is_known_and_how_to_backfill(tmp_path: Path) -> None:
    """The first snapshot's table says 'no activity in GitHub's 90-day window' and backfill."""
    result = run(acme(tmp_path), "status", "--at", "2026-01-01")
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    assert "  no activity in GitHub's 90-day window  1" in out
    assert not any("never active  " in line for line in out)
    assert (
        "History starts here: 2026-01-01 is the first snapshot of acme, so a seat without "
        "activity cannot be told from one idle for more than 90 days." in out
    )
    assert (
        "To backfill, ingest older seat-report downloads, or a saved API seat list with "
        "--as-of TIME." in out
    )
    body = stdout_json(run(acme(tmp_path / "again"), "status", "--json", "--at", "2026-01-01"))
    assert (body["first_snapshot"], body["states"]["never_active"]) == (True, 1)
    (caveat,) = [f for f in body["findings"] if f["code"] == "first-snapshot-caveat"]
    assert caveat["count"] == body["states"]["never_active"]
