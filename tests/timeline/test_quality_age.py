"""A snapshot is called old against the report's month and the snapshots stored, not the clock."""

from __future__ import annotations

from analyzer.timeline.quality import find_issues
from tests.helpers import Seat, memory_timeline, ts

OCT3, NOV3 = ts("2026-10-03T12:00:00"), ts("2026-11-03T12:00:00")
DEC7 = ts("2026-12-07T09:00:00")


def _old(findings: tuple[object, ...]) -> list[str]:
    return [f.message for f in findings if f.code == "old-snapshot"]  # type: ignore[attr-defined]


def test_a_past_month_with_a_later_snapshot_stored_is_not_called_old() -> None:
    """October's page, read in December, does not warn while November's snapshot is stored."""
    tl = memory_timeline("acme", [(OCT3, [Seat("ann", OCT3)])])
    assert _old(find_issues(tl, 0, DEC7, later_stored=True, month="2026-10")) == []


def test_the_latest_snapshot_is_judged_at_the_end_of_its_month() -> None:
    """The latest snapshot is old only when it is old at the month's end, or now if earlier."""
    tl = memory_timeline("acme", [(OCT3, [Seat("ann", OCT3)])])
    assert _old(find_issues(tl, 0, DEC7, month="2026-10")) == []  # 29 days before Nov 1
    (message,) = _old(find_issues(tl, 0, DEC7, month="2026-11"))  # 58.5 days before Dec 1
    assert message.startswith("The latest snapshot is 58 days old at the end of 2026-11")
    (now,) = _old(find_issues(tl, 0, DEC7))  # no month: judged now, 65 days
    assert now.startswith("The latest snapshot is 65 days old (from 2026-10-03)")


def test_a_recent_latest_snapshot_is_not_old() -> None:
    """The November snapshot read on December 7 is 34 days old: under the 35-day limit."""
    tl = memory_timeline("acme", [(OCT3, [Seat("ann", OCT3)]), (NOV3, [Seat("ann", NOV3)])])
    assert _old(find_issues(tl, 1, DEC7, month="2026-11")) == []
