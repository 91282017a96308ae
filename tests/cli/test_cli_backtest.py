"""CLI and answer tests of backtest: the hand-computed history, JSON, CSV, text, reclaim's rule."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from analyzer.answers.backtest import backtest_json, get_backtest
from analyzer.answers.queries import get_reclaim
from analyzer.model import Settings
from analyzer.store.folder import Store
from tests.backtest_fixture import DAY, EXPECTED, SAVED, T0, history
from tests.cli.test_cli_analysis import _isolated, run, stdout_json  # noqa: F401
from tests.helpers import Seat, make_store


@pytest.fixture
def acme_store(tmp_path: Path) -> Store:
    """The three-snapshot history of tests/backtest_fixture.py, stored."""
    return make_store(tmp_path, "acme", history())


def test_the_library_counts_the_hand_computed_history(acme_store: Store) -> None:
    """get_backtest on the store gives the counts worked out by hand, default thresholds."""
    result = get_backtest(acme_store, None, Settings(), None)
    assert (result.scope, result.snapshots, result.needed) == ("acme", 3, 0)
    found = {
        row.stale_days: [(s.candidates, s.came_back, s.removed, s.stayed_idle) for s in row.steps]
        for row in result.rows
    }
    assert found == EXPECTED


def test_candidates_are_reclaims_own_at_each_snapshot(acme_store: Store) -> None:
    """At every judged snapshot and threshold, the candidates are the ones `reclaim` lists."""
    result = get_backtest(acme_store, "acme", Settings(), [30, 45, 60, 90])
    for row in result.rows:
        for step in row.steps:
            settings = Settings(stale_days=row.stale_days)
            reclaim = get_reclaim(acme_store, "acme", settings, step.as_of)
            assert step.candidates == reclaim.candidates.height, (row.stale_days, step.as_of)


def test_json_equals_the_library_result(acme_store: Store) -> None:
    """`backtest --json` prints backtest_json(get_backtest(...))."""
    printed = stdout_json(run(acme_store, "backtest", "--json", "--stale-days", "90,30"))
    expected = backtest_json(get_backtest(acme_store, "acme", Settings(), [30, 90]))
    assert printed == expected
    assert printed["scope"] == "acme"
    assert [row["stale_days"] for row in printed["rows"]] == [30, 90]
    thirty = printed["rows"][0]
    assert {k: thirty[k] for k in ("snapshots", "candidates", "came_back", "removed")} == {
        "snapshots": 2,
        "candidates": 10,
        "came_back": 2,
        "removed": 3,
    }
    assert thirty["stayed_idle"] == 5
    assert thirty["came_back_share"] == 0.2
    assert thirty["asked_back"] == 2
    assert thirty["saved_cost"] == round(SAVED[30], 2)
    assert [s["as_of"] for s in thirty["by_snapshot"]] == [
        "2026-01-01T00:00:00Z",
        "2026-02-01T00:00:00Z",
    ]
    assert thirty["by_snapshot"][0]["candidates"] == 6


def test_text_prints_one_line_per_threshold_and_the_trade_off(acme_store: Store) -> None:
    """The text output: a line per threshold, then the trade-off sentence; a summary on stderr."""
    result = run(acme_store, "backtest", "--stale-days", "30,90")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "  30 days: 10 candidates in 2 snapshots: 2 came back (20%), 3 removed, 5 stayed idle; "
        f"removing the idle ones saved {SAVED[30]:,.2f} USD; 2 people would have asked"
    )
    assert lines[1].startswith("  90 days: 5 candidates in 2 snapshots: 1 came back (20%)")
    assert lines[2] == (
        "At 30 days 20% of candidates came back by the next snapshot; at 90 days 20%, "
        "with 50% fewer seats reclaimed."
    )
    assert result.stderr == "2 thresholds replayed on 2 snapshots of acme\n"


def test_csv_has_one_row_per_threshold_and_snapshot(acme_store: Store) -> None:
    """`--csv`: a header and a row per threshold and judged snapshot."""
    result = run(acme_store, "backtest", "--csv", "--stale-days", "60")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["stale_days"], r["candidates"], r["came_back"]) for r in rows] == [
        ("60", "3", "0"),
        ("60", "3", "1"),
    ]


def test_one_snapshot_says_how_many_more_are_needed(tmp_path: Path) -> None:
    """With a single snapshot nothing is judged; the line says one more is needed."""
    store = make_store(tmp_path, "acme", history()[:1])
    result = run(store, "backtest")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "acme holds 1 snapshot: 1 more snapshot needed to see what became of a snapshot's "
        "reclaim candidates\n"
    )
    assert stdout_json(run(store, "backtest", "--json")) == {
        "scope": "acme",
        "snapshots": 1,
        "snapshots_needed": 1,
        "rows": [],
    }


@pytest.mark.parametrize("value", ["30,x", "", "-5", "99999"])
def test_a_bad_threshold_list_is_a_usage_error(acme_store: Store, value: str) -> None:
    """--stale-days takes whole days separated by commas; anything else exits 2."""
    result = run(acme_store, "backtest", "--stale-days", value)
    assert result.exit_code == 2
    assert "is not a list of days" in result.stderr


def test_two_formats_are_a_usage_error(acme_store: Store) -> None:
    """--json and --csv together are refused."""
    result = run(acme_store, "backtest", "--json", "--csv")
    assert result.exit_code == 2
    assert "choose one output format" in result.stderr


def test_a_frozen_snapshot_is_named_in_text_and_json(tmp_path: Path) -> None:
    """A judged snapshot whose activity stopped weeks before it: a caution line, frozen_since."""
    t0, t1, t2 = T0, T0 + 30 * DAY, T0 + 60 * DAY
    seats = [Seat(f"u{i}", t0 - i * DAY) for i in range(12)]
    store = make_store(tmp_path, "acme", [(t0, seats), (t1, seats), (t2, seats)])
    result = run(store, "backtest", "--stale-days", "30")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "caution: no seat of the snapshot of 2026-01-31 shows activity after 2026-01-01: its "
        "candidates may be overstated (frozen-activity)"
    )
    (row,) = stdout_json(run(store, "backtest", "--json", "--stale-days", "30"))["rows"]
    assert [s["frozen_since"] for s in row["by_snapshot"]] == [None, "2026-01-01"]
