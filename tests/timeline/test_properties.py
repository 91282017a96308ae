"""Property tests: invariants of summaries, diffs, history and breakdowns on random histories."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.answers.ingest import ingest_files
from analyzer.model import STATES
from analyzer.store.folder import Store
from analyzer.timeline.build import Timeline
from analyzer.timeline.diff import diff_snapshots
from analyzer.timeline.figures import history_table, summarize
from analyzer.timeline.seats import breakdowns, seat_table
from tests.helpers import Seat, make_store, memory_timeline, ts

LOGINS = ("ann", "bob", "cid", "dee", "eve", "fay", "gus", "hal", "ivy", "jo", "kim", "lee")
ORGS = ("north", "south", "east")
T0 = ts("2026-01-01T00:00:00")
PROPERTY = settings(deadline=None)  # examples: the profile's (tests/conftest.py)


@dataclass(frozen=True)
class History:
    """A random scope history: per snapshot its time and seat rows."""

    snapshots: tuple[tuple[datetime, tuple[Seat, ...]], ...]
    enterprise: bool

    def logins(self, k: int) -> set[str]:
        """Return the distinct logins present in snapshot k."""
        return {s.login for s in self.snapshots[k][1]}


@st.composite
def histories(draw: st.DrawFn) -> History:
    """Draw 2-4 snapshots of 1-12 logins, with random presence, activity and orgs."""
    enterprise = draw(st.booleans())
    count = draw(st.integers(2, 4))
    gaps = draw(st.lists(st.integers(1, 50), min_size=count, max_size=count))
    snapshots = []
    t = T0
    for gap in gaps:
        t += timedelta(days=gap, seconds=draw(st.integers(0, 86_399)))
        present = draw(st.sets(st.sampled_from(LOGINS), min_size=1, max_size=len(LOGINS)))
        rows: list[Seat] = []
        for login in sorted(present):
            orgs = draw(st.sets(st.sampled_from(ORGS), min_size=1)) if enterprise else {None}
            for org in sorted(orgs, key=str):
                idle = draw(st.none() | st.integers(0, 120 * 86_400))
                activity = None if idle is None else t - timedelta(seconds=idle)
                rows.append(Seat(login, activity=activity, org=org))
        snapshots.append((t, tuple(rows)))
    return History(tuple(snapshots), enterprise)


def timeline_of(history: History) -> Timeline:
    """Return the timeline of the history, its reports read in memory."""
    return memory_timeline("acme", history.snapshots, enterprise=history.enterprise)


@contextmanager
def stored(history: History) -> Iterator[Store]:
    """Yield a fresh store holding the history, in a temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        yield make_store(Path(tmp), "acme", history.snapshots, enterprise=history.enterprise)


@PROPERTY
@given(histories())
def test_states_sum_to_the_distinct_logins_of_each_snapshot(history: History) -> None:
    """Every distinct login is one seat with exactly one state."""
    timeline = timeline_of(history)
    for k in range(len(history.snapshots)):
        summary = summarize(timeline, k)
        assert summary.seats == len(history.logins(k))
        assert sum(summary.states.values()) == summary.seats
        assert summary.monthly_cost == pytest.approx(19.0 * summary.seats)


def expected_state(history: History, k: int, login: str, stale: int = 30, grace: int = 30) -> str:
    """Return the state the definitions give, computed naively from the raw rows."""
    start = k
    while start > 0 and login in history.logins(start - 1):
        start -= 1
    seen = [
        s.activity
        for t, rows in history.snapshots[start : k + 1]
        for s in rows
        if s.login == login and s.activity is not None
    ]
    t = history.snapshots[k][0]
    if seen:
        return "active" if t - max(seen) <= timedelta(days=stale) else "stale"
    run_began = history.snapshots[start][0]
    return "new" if start > 0 and t - run_began < timedelta(days=grace) else "never_active"


@PROPERTY
@given(histories())
def test_states_match_a_naive_reading_of_the_definitions(history: History) -> None:
    """Each seat's state equals the one computed from runs and known activity by hand."""
    timeline = timeline_of(history)
    for k in range(len(history.snapshots)):
        got = dict(timeline.at(k).select("login", "state").iter_rows())
        assert got == {login: expected_state(history, k, login) for login in history.logins(k)}


@PROPERTY
@given(histories())
def test_diff_of_a_snapshot_with_itself_is_empty(history: History) -> None:
    """diff(a, a) has no added, removed, transitions or moves."""
    timeline = timeline_of(history)
    for k in range(len(history.snapshots)):
        diff = diff_snapshots(timeline, k, k)
        assert diff.added.is_empty()
        assert diff.removed.is_empty()
        assert diff.transitions.is_empty()
        assert diff.moves.is_empty()


@PROPERTY
@given(histories(), st.data())
def test_swapping_diff_sides_swaps_added_and_removed(history: History, data: st.DataObject) -> None:
    """diff(b, a) adds what diff(a, b) removes, and its transitions run backwards."""
    last = len(history.snapshots) - 1
    a = data.draw(st.integers(0, last))
    b = data.draw(st.integers(0, last))
    timeline = timeline_of(history)
    forward, backward = diff_snapshots(timeline, a, b), diff_snapshots(timeline, b, a)
    assert forward.added["login"].to_list() == backward.removed["login"].to_list()
    assert forward.removed["login"].to_list() == backward.added["login"].to_list()
    assert set(forward.added["login"]) == history.logins(b) - history.logins(a)
    assert set(forward.removed["login"]) == history.logins(a) - history.logins(b)
    flipped = {
        f"{v.split('->')[1]}->{v.split('->')[0]}": n
        for v, n in backward.transition_counts().items()
    }
    assert forward.transition_counts() == flipped


@PROPERTY
@given(histories())
def test_breakdown_totals_equal_the_snapshot_summary(history: History) -> None:
    """Each breakdown's seats, states, pending, reclaim and costs add up to the summary's."""
    timeline = timeline_of(history)
    k = timeline.last
    summary = summarize(timeline, k)
    tables = breakdowns(seat_table(timeline, k, None), with_people=False)
    assert set(tables) == {"org", "team"}
    for name, table in tables.items():
        assert table["seats"].sum() == summary.seats, name
        assert {s: table[s].sum() for s in STATES} == summary.states, name
        assert table["pending_cancellation"].sum() == summary.pending_cancellation, name
        assert table["reclaim_candidates"].sum() == summary.reclaim_candidates, name
        assert table["monthly_cost"].sum() == pytest.approx(summary.monthly_cost), name
        assert table["idle_monthly_cost"].sum() == pytest.approx(summary.idle_monthly_cost), name


@PROPERTY
@given(histories())
def test_history_rows_match_each_snapshots_summary_and_churn(history: History) -> None:
    """history_table row k has summarize(k)'s seats and states, and the login churn."""
    timeline = timeline_of(history)
    table = history_table(timeline)
    summaries = [summarize(timeline, k) for k in range(len(history.snapshots))]
    assert table.height == len(history.snapshots)
    for k, (row, summary) in enumerate(zip(table.iter_rows(named=True), summaries, strict=True)):
        assert row["as_of"] == summary.as_of
        assert row["seats"] == summary.seats
        assert {s: row[s] for s in STATES} == summary.states
        assert row["monthly_cost"] == pytest.approx(summary.monthly_cost)
        prices = timeline.settings.prices
        for figure, what in (("monthly_cost", "seats"), ("idle_monthly_cost", "idle")):
            rebuilt = sum(row[f"{what}_{plan}"] * price for plan, price in prices.items())
            assert rebuilt == pytest.approx(row[figure]), figure
        reclaimable = sum(row[f"reclaim_{plan}"] * price for plan, price in prices.items())
        assert reclaimable == pytest.approx(summary.reclaimable_monthly_cost)
        before = history.logins(k - 1) if k else set()
        assert row["added"] == len(history.logins(k) - before)
        assert row["removed"] == len(before - history.logins(k))


@PROPERTY
@given(histories())
def test_ingesting_the_same_files_twice_changes_nothing(history: History) -> None:
    """A second ingest of the same files stores nothing new and leaves the manifest equal."""
    with stored(history) as store:
        before = store.snapshots()
        files = sorted((store.root.parent / "inbox").iterdir())
        outcomes = ingest_files(store, files)
        assert {o.status for o in outcomes} == {"already-stored"}
        assert store.snapshots() == before
