"""The backtest's pure pass and the frozen-activity finding, against hand-computed histories."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from analyzer.model import Settings
from analyzer.timeline.backtest import backtest_rows
from analyzer.timeline.quality import FROZEN_DAYS, find_issues
from tests.backtest_fixture import DAY, EXPECTED, SAVED, T0, T1, T2, history
from tests.helpers import Seat, memory_timeline


def _counts(settings: Settings, thresholds: list[int]) -> dict[int, list[tuple[int, ...]]]:
    timeline = memory_timeline("acme", history(), settings)
    rows = backtest_rows(timeline.carried, timeline.snapshots, settings, thresholds)
    return {
        row.stale_days: [(s.candidates, s.came_back, s.removed, s.stayed_idle) for s in row.steps]
        for row in rows
    }


def test_counts_per_snapshot_match_the_hand_computed_history() -> None:
    """Each threshold's candidates, came back, removed and stayed idle, per judged snapshot."""
    assert _counts(Settings(), [90, 30, 60, 30]) == EXPECTED


def test_totals_share_and_saved_cost() -> None:
    """A threshold's totals sum its snapshots; the saved cost prices the idle seat-months."""
    settings = Settings()
    timeline = memory_timeline("acme", history(), settings)
    rows = backtest_rows(timeline.carried, timeline.snapshots, settings, [30, 60, 90])
    by_days = {row.stale_days: row for row in rows}
    assert [s.as_of for s in by_days[30].steps] == [T0, T1]
    assert [s.next_as_of for s in by_days[30].steps] == [T1, T2]
    assert by_days[30].total("candidates") == 10
    assert by_days[30].came_back_share == pytest.approx(2 / 10)
    assert by_days[60].came_back_share == pytest.approx(1 / 6)
    for days, saved in SAVED.items():
        assert by_days[days].saved_cost == pytest.approx(saved)
    months = 3 * 31 / 30.4375 + 2 * 28 / 30.4375  # idle seats x days between / a month's days
    assert by_days[30].idle_months() == {"business": pytest.approx(months)}


def test_a_plan_without_a_price_leaves_the_saved_cost_unknown() -> None:
    """A billed plan with no price makes the saved cost None, never a silent zero."""
    settings = Settings(prices={"enterprise": 39.0}, default_plan="business")
    timeline = memory_timeline("acme", history(), settings)
    rows = backtest_rows(timeline.carried, timeline.snapshots, settings, [30])
    assert rows[0].saved_cost is None
    assert rows[0].total("candidates") == 10  # the counts do not depend on prices


def test_grace_days_and_exclusions_follow_the_settings() -> None:
    """Excluded logins are never candidates, as in `reclaim`."""
    settings = Settings(exclude_logins=("gus",))
    assert _counts(settings, [90]) == {90: [(1, 0, 0, 1), (2, 1, 1, 0)]}


def test_a_single_snapshot_judges_nothing() -> None:
    """With one snapshot there is no next one: each threshold has no step."""
    settings = Settings()
    timeline = memory_timeline("acme", history()[:1], settings)
    rows = backtest_rows(timeline.carried, timeline.snapshots, settings, [30])
    assert rows[0].steps == ()
    assert rows[0].came_back_share is None


def _busy(as_of_days_after: int) -> list[tuple[datetime, list[Seat]]]:
    """Twelve seats whose latest activity is 2026-01-01; reports `as_of_days_after` days on."""
    last = T0
    seats = [Seat(f"u{i}", last - i * DAY) for i in range(12)]
    return [(T0, seats), (T0 + as_of_days_after * DAY, seats)]


def test_frozen_activity_names_the_last_day_seen() -> None:
    """A report dated well after every seat's last activity gets a caution naming that day."""
    timeline = memory_timeline("acme", _busy(FROZEN_DAYS + 6))
    found = [f for f in find_issues(timeline, 1, T2) if f.code == "frozen-activity"]
    assert len(found) == 1
    assert found[0].severity == "caution"
    assert "after 2026-01-01" in found[0].message
    assert found[0].count == int(timeline.frame(1)["reclaim"].sum())


def test_activity_within_the_window_is_not_frozen() -> None:
    """A report within FROZEN_DAYS of the latest activity raises nothing."""
    timeline = memory_timeline("acme", _busy(FROZEN_DAYS))
    assert not [f for f in find_issues(timeline, 1, T2) if f.code == "frozen-activity"]


def test_a_handful_of_seats_is_not_judged_frozen() -> None:
    """Fewer than ten seats with activity may all rest a fortnight: no finding."""
    snapshots = [(t, seats[:5]) for t, seats in _busy(FROZEN_DAYS + 30)]
    timeline = memory_timeline("acme", snapshots)
    assert not [f for f in find_issues(timeline, 1, T2) if f.code == "frozen-activity"]


def test_the_backtest_marks_frozen_snapshots() -> None:
    """A judged snapshot whose activity looks frozen carries the day in its step."""
    snapshots = _busy(FROZEN_DAYS + 6)
    snapshots.append((snapshots[-1][0] + 30 * DAY, snapshots[-1][1]))
    settings = Settings()
    timeline = memory_timeline("acme", snapshots, settings)
    (row,) = backtest_rows(timeline.carried, timeline.snapshots, settings, [30])
    assert [s.frozen_since for s in row.steps] == [None, date(2026, 1, 1)]
