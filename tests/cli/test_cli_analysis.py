"""CLI tests of status, diff, reclaim and history: exit codes, stderr lines, JSON = library."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from analyzer.answers.figures import status_json
from analyzer.answers.queries import (
    api_bodies,
    diff_json,
    get_diff,
    get_history,
    get_reclaim,
    get_status,
    reclaim_json,
)
from analyzer.cli import analysis as cli_analysis
from analyzer.cli import main
from analyzer.model import Settings
from analyzer.store.folder import Store
from tests.helpers import Seat, make_store, ts

T0, T1, T2 = ts("2026-01-01T00:00:00"), ts("2026-02-01T12:00:00"), ts("2026-03-01T00:00:00")
NOW = ts("2026-05-01T00:00:00")
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty folder (no stray copilot-seats.toml) with a fixed "now"."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COPILOT_SEATS_STORE", raising=False)
    # cli_analysis imported the name, so patch it where it is looked up.
    monkeypatch.setattr(cli_analysis, "now_utc", lambda: NOW)


def acme(tmp: Path) -> Store:
    """Store three snapshots: bob lapses and eve arrives in the last; cid left after the first."""
    return make_store(
        tmp,
        "acme",
        [
            (T0, [Seat("ann", T0 - DAY), Seat("bob", T0 - 40 * DAY), Seat("cid")]),
            (T1, [Seat("ann", T1 - DAY), Seat("bob", T1 - 3 * DAY), Seat("dee")]),
            (T2, [Seat("ann", T1 - DAY), Seat("bob"), Seat("dee"), Seat("eve")]),
        ],
    )


def run(store: Store | Path, *args: str) -> Result:
    """Invoke `copilot-seats ARGS --store STORE`."""
    root = store.root if isinstance(store, Store) else store
    return CliRunner().invoke(main, [*args, "--store", str(root)])


def stdout_json(result: Result) -> Any:
    """Return the JSON a successful command printed on stdout."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# JSON equals the library ----------------------------------------------------------------
def test_status_json_equals_the_library_result(tmp_path: Path) -> None:
    """`status --json` prints status_json(get_status(...)) for the same "now"."""
    store = acme(tmp_path)
    expected = status_json(get_status(store, None, Settings(), None, NOW))
    assert stdout_json(run(store, "status", "--json")) == expected
    assert expected["seats"] == 4
    assert expected["states"] == {"active": 1, "stale": 1, "never_active": 0, "new": 2}
    assert "old-snapshot" in {f["code"] for f in expected["findings"]}


def test_diff_json_equals_the_library_result(tmp_path: Path) -> None:
    """`diff --json` compares the last two snapshots like diff_json(get_diff(...))."""
    store = acme(tmp_path)
    body = stdout_json(run(store, "diff", "--json"))
    assert body == diff_json(get_diff(store, None, Settings(), None, None))
    assert (body["added"], body["removed"]) == (["eve"], [])
    assert body["transitions"] == {"active->stale": 1}


def test_history_json_equals_the_library_result(tmp_path: Path) -> None:
    """`history --json` prints the scope and one row per get_history row, times as ISO UTC."""
    store = acme(tmp_path)
    table = get_history(store, None, Settings())
    expected = [
        {**row, "as_of": row["as_of"].strftime("%Y-%m-%dT%H:%M:%SZ")}
        for row in table.iter_rows(named=True)
    ]
    body = stdout_json(run(store, "history", "--json"))
    assert body == {"scope": "acme", "currency": "USD", "rows": expected}
    rows = body["rows"]
    assert [(r["seats"], r["added"], r["removed"]) for r in rows] == [
        (3, 3, 0),
        (3, 1, 1),
        (4, 1, 0),
    ]


def test_reclaim_json_matches_the_library_result(tmp_path: Path) -> None:
    """`reclaim --json` (and `--format json`) prints reclaim_json(get_reclaim(...))."""
    store = acme(tmp_path)
    result = get_reclaim(store, None, Settings(), None)
    body = stdout_json(run(store, "reclaim", "--json"))
    assert body == reclaim_json(result)
    assert stdout_json(run(store, "reclaim", "--format", "json")) == body
    assert body["scope"] == "acme"
    assert body["as_of"] == "2026-03-01T00:00:00Z"
    assert [c["login"] for c in body["candidates"]] == result.candidates["display_login"].to_list()
    assert body["monthly_cost"] == round(result.summary.reclaimable_monthly_cost, 2) == 19.0
    assert result.follow_through is not None
    assert body["follow_through"] == result.follow_through.as_json()
    (bob,) = body["candidates"]
    assert (bob["login"], bob["reason"], bob["idle_days"]) == ("bob", "stale", 30)
    assert bob["last_activity"] == "2026-01-29T12:00:00Z"


# Human output and stderr summary lines --------------------------------------------------
@pytest.mark.parametrize(
    ("args", "summary"),
    [
        (["status"], "acme: 4 seats, 1 active, 1 reclaim candidate"),
        (["diff"], "1 seat added, 0 removed, 1 state change"),
        (
            ["reclaim"],
            "1 reclaim candidate, potential savings 19.00 USD a month from the next billing cycle",
        ),
        (["history"], "3 snapshots"),
    ],
)
def test_human_output_ends_with_one_summary_line_on_stderr(
    tmp_path: Path, args: list[str], summary: str
) -> None:
    """Each command exits 0, prints its table on stdout and one summary line on stderr."""
    result = run(acme(tmp_path), *args)
    assert result.exit_code == 0, result.output
    assert result.stderr == summary + "\n"
    assert result.stdout.strip()
    assert summary not in result.stdout


def test_status_table_shows_the_figures(tmp_path: Path) -> None:
    """The human status lists seats, states and costs, one label per line."""
    out = run(acme(tmp_path), "status").stdout.splitlines()
    assert "Seats                 4" in out
    assert "  stale               1" in out
    assert "Monthly cost          76.00 USD" in out
    assert "Idle monthly cost     19.00 USD" in out


# Selection errors -----------------------------------------------------------------------
@pytest.mark.parametrize("command", ["diff", "reclaim", "history"])
def test_several_scopes_without_scope_is_an_error_listing_them(
    tmp_path: Path, command: str
) -> None:
    """With two scopes and no --scope, diff, reclaim and history exit 1 naming both scopes."""
    acme(tmp_path)
    store = make_store(tmp_path, "globex", [(T0, [Seat("zed")]), (T1, [Seat("zed")])])
    result = run(store, command)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "--scope" in result.stderr and "acme, globex" in result.stderr
    assert run(store, command, "--scope", "globex").exit_code == 0


@pytest.mark.parametrize("command", ["status", "diff", "reclaim", "history"])
def test_empty_store_is_a_clear_error(tmp_path: Path, command: str) -> None:
    """A store with no snapshots exits 1 and says to ingest first, without a traceback."""
    result = run(tmp_path / "nothing-here", command)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the store ")
    assert "holds no snapshots yet" in result.stderr
    assert "copilot-seats ingest" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_scope_is_an_error(tmp_path: Path) -> None:
    """--scope naming no stored scope exits 1 and lists what the store has."""
    result = run(acme(tmp_path), "status", "--scope", "nope")
    assert result.exit_code == 1
    assert result.stderr == "Error: no snapshots for scope 'nope'; the store has: acme\n"


# --at, --csv, --format api --------------------------------------------------------------
@pytest.mark.parametrize(
    ("at", "as_of"),
    [
        ("2026-02-01", "2026-02-01T12:00:00Z"),  # a bare date includes the whole day
        ("2026-02-01T11:59:59Z", "2026-01-01T00:00:00Z"),
        ("2026-02-01T12:00:00Z", "2026-02-01T12:00:00Z"),
        ("2026-03-01", "2026-03-01T00:00:00Z"),  # the last snapshot's day is still in range
    ],
)
def test_at_picks_the_snapshot_at_or_before(tmp_path: Path, at: str, as_of: str) -> None:
    """`--at` selects the newest snapshot whose time is at or before the given time."""
    assert stdout_json(run(acme(tmp_path), "status", "--json", "--at", at))["as_of"] == as_of


def test_at_before_the_first_snapshot_is_an_error(tmp_path: Path) -> None:
    """`--at` earlier than every snapshot exits 1 giving the range the store holds."""
    result = run(acme(tmp_path), "status", "--at", "2025-12-31")
    assert result.exit_code == 1
    assert "no snapshot of acme at or before 2025-12-31T23:59:59Z" in result.stderr
    assert "the store holds acme from 2026-01-01 to 2026-03-01" in result.stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["status", "--at", "2030-01-01"], "--at"),
        (["reclaim", "--at", "2026-03-02"], "--at"),
        (["diff", "--to", "2027-01-01"], "--to"),
        (["diff", "--from", "2027-01-01"], "--from"),
    ],
)
def test_a_date_after_the_last_snapshot_is_refused(
    tmp_path: Path, args: list[str], option: str
) -> None:
    """A day after the scope's last snapshot exits 1 with the range, not the latest snapshot."""
    result = run(acme(tmp_path), *args)
    assert result.exit_code == 1, result.output
    assert f"Error: {option} " in result.stderr
    assert "is after the last snapshot of acme" in result.stderr
    assert "the store holds acme from 2026-01-01 to 2026-03-01" in result.stderr
    assert result.stdout == ""


def test_diff_of_one_snapshot_with_itself_is_refused(tmp_path: Path) -> None:
    """`--from` and `--to` that pick the same snapshot exit 1 saying so."""
    result = run(acme(tmp_path), "diff", "--from", "2026-03-01", "--to", "2026-03-01")
    assert result.exit_code == 1
    assert "--from and --to both pick the snapshot of 2026-03-01T00:00:00Z" in result.stderr
    assert "since last month" not in result.output


def test_diff_csv_has_a_header_and_one_row_per_change(tmp_path: Path) -> None:
    """`diff --csv` prints change,login,display_login,from_state,to_state, one row a change."""
    result = run(acme(tmp_path), "diff", "--csv", "--from", "2026-01-01", "--to", "2026-03-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "change,login,display_login,from_state,to_state",
        "added,dee,dee,,new",
        "added,eve,eve,,new",
        "removed,cid,cid,never_active,",
    ]
    latest = run(acme(tmp_path / "again"), "diff", "--csv").stdout.splitlines()
    assert latest == [
        "change,login,display_login,from_state,to_state",
        "added,eve,eve,,new",
        "lapsed,bob,bob,active,stale",
    ]


def test_diff_with_one_snapshot_is_an_error(tmp_path: Path) -> None:
    """A diff needs two snapshots: one alone exits 1 with an Error line."""
    store = make_store(tmp_path, "acme", [(T0, [Seat("ann")])])
    result = run(store, "diff")
    assert result.exit_code == 1
    assert "nothing to compare it with" in result.stderr


def test_reclaim_api_prints_one_remove_body_per_org(tmp_path: Path) -> None:
    """`reclaim --format api` prints, per org, the remove-seats call and its JSON body."""
    seats = [
        Seat("Ann", org="north"),
        Seat("Ann", org="south"),
        Seat("bob", T0 - 40 * DAY, org="north"),
        Seat("cid", T0 - DAY, org="south"),
    ]
    store = make_store(tmp_path, "ent", [(T0, seats)], enterprise=True)
    result = run(store, "reclaim", "--format", "api")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("2 reclaim candidates,")
    assert result.stdout.splitlines() == [
        "# DELETE /orgs/north/copilot/billing/selected_users",
        '{"selected_usernames": ["Ann", "bob"]}',
        "# DELETE /orgs/south/copilot/billing/selected_users",
        '{"selected_usernames": ["Ann"]}',
    ]
    assert api_bodies(get_reclaim(store, None, Settings(), None)) == {
        "north": {"selected_usernames": ["Ann", "bob"]},
        "south": {"selected_usernames": ["Ann"]},
    }


@pytest.mark.parametrize("command", ["status", "diff", "reclaim", "history"])
def test_json_and_csv_together_is_a_usage_error(tmp_path: Path, command: str) -> None:
    """Asking for both --json and --csv is a usage error (exit 2) on every query command."""
    result = run(acme(tmp_path), command, "--json", "--csv")
    assert result.exit_code == 2
    assert "Error: choose one output format; asked for csv and json" in result.stderr


SHARED = {
    "analyzer.model",
    "analyzer.schema",
    "analyzer.config",
    "analyzer.errors",
    "analyzer.codes",
    "analyzer.times",
    "analyzer.fsutil",
    "analyzer.surfaces",
    "analyzer.billing_schema",
    "analyzer.cli.options",
    "analyzer.cli.feedback",
}


@pytest.mark.parametrize("name", ["analysis", "reclaim", "report", "usage"])
def test_the_analysis_commands_import_only_answers_and_the_shared_vocabulary(name: str) -> None:
    """cli/analysis, reclaim, report and usage reach the store, timeline and report via answers/."""
    from tests.test_layout import GRAPH

    for target in GRAPH[f"analyzer.cli.{name}"]:
        assert target.startswith("analyzer.answers.") or target in SHARED, target
