"""Known sign-in, signed in recently, and the reclaim-candidate / check-first split."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from analyzer.model import Settings
from analyzer.timeline.figures import summarize
from analyzer.timeline.quality import find_issues
from analyzer.timeline.seats import check_first_list, follow_through, reclaim_list, seat_table
from tests.helpers import Seat, fmt, memory_timeline, ts
from tests.timeline.test_timeline import api_seat, api_timeline, seat

T0 = ts("2026-01-01T00:00:00")
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
LONG_AGO = T0 - 200 * DAY


def test_enterprise_sign_in_is_the_latest_over_all_org_rows() -> None:
    """A login seated in three orgs has the latest Last Authenticated At of its rows."""
    t = T0 + 60 * DAY
    rows = [
        Seat("ann", auth=t - 40 * DAY, org="north"),
        Seat("ann", auth=t - 2 * DAY, org="south"),
        Seat("ann", auth=None, org="east"),
        Seat("bob", auth=t - 45 * DAY, org="north"),
    ]
    tl = memory_timeline("ent", [(t, rows)], enterprise=True)
    ann, bob = seat(tl, 0, "ann"), seat(tl, 0, "bob")
    assert ann["known_sign_in"] == t - 2 * DAY
    assert (ann["signed_in_recently"], ann["check_first"], ann["reclaim"]) == (True, True, False)
    assert (bob["signed_in_recently"], bob["check_first"], bob["reclaim"]) == (False, False, True)


def test_sign_in_is_carried_when_a_later_report_says_none() -> None:
    """A sign-in seen once stays known in the run, and stops being recent after 30 days."""
    signed = T0 - DAY
    snaps = [
        (T0, [Seat("ann", auth=signed)]),
        (T0 + 10 * DAY, [Seat("ann")]),
        (T0 + 40 * DAY, [Seat("ann")]),
    ]
    tl = memory_timeline("acme", snaps)
    assert [seat(tl, k, "ann")["known_sign_in"] for k in range(3)] == [signed] * 3
    assert [seat(tl, k, "ann")["signed_in_recently"] for k in range(3)] == [True, True, False]
    assert [seat(tl, k, "ann")["check_first"] for k in range(3)] == [True, True, False]
    assert [seat(tl, k, "ann")["reclaim"] for k in range(3)] == [False, False, True]


def test_sign_in_is_the_latest_of_the_run() -> None:
    """An older sign-in in a later report does not replace a newer one already seen."""
    newer, older = T0 - DAY, T0 - 50 * DAY
    snaps = [(T0, [Seat("ann", auth=newer)]), (T0 + DAY, [Seat("ann", auth=older)])]
    tl = memory_timeline("acme", snaps)
    assert seat(tl, 1, "ann")["known_sign_in"] == newer


def test_a_new_run_forgets_the_sign_in() -> None:
    """Present, absent, present: the returning seat has no known sign-in until it signs in."""
    t1, t2 = T0 + 5 * DAY, T0 + 10 * DAY
    snaps = [
        (T0, [Seat("ann", auth=T0 - DAY), Seat("bob", LONG_AGO)]),
        (t1, [Seat("bob", LONG_AGO)]),
        (t2, [Seat("ann"), Seat("bob", LONG_AGO)]),
    ]
    tl = memory_timeline("acme", snaps)
    back = seat(tl, 2, "ann")
    assert (back["run_start_k"], back["known_sign_in"], back["signed_in_recently"]) == (
        2,
        None,
        False,
    )


@pytest.mark.parametrize(
    ("stale_days", "ago", "recent"),
    [
        (30, 30 * DAY, True),
        (30, 30 * DAY + SECOND, False),
        (30, 30 * DAY - SECOND, True),
        (7, 7 * DAY, True),
        (7, 7 * DAY + SECOND, False),
    ],
)
def test_signed_in_recently_is_inclusive_at_stale_days_x_24h(
    stale_days: int, ago: timedelta, recent: bool
) -> None:
    """A sign-in exactly stale_days x 24 h old is recent (check first); a second older is not."""
    t = T0 + 300 * DAY
    snaps = [(t, [Seat("ann", LONG_AGO, auth=t - ago), Seat("bob", auth=t - ago)])]
    tl = memory_timeline("acme", snaps, Settings(stale_days=stale_days))
    for login, state in (("ann", "stale"), ("bob", "never_active")):
        row = seat(tl, 0, login)
        assert row["state"] == state
        assert (row["signed_in_recently"], row["check_first"], row["reclaim"]) == (
            recent,
            recent,
            not recent,
        )


def test_an_active_seat_that_signed_in_is_in_neither_list() -> None:
    """Check first is for idle seats only: an active or new seat is in neither list."""
    t = T0 + 10 * DAY
    snaps = [
        (T0, [Seat("ann", T0, auth=T0)]),
        (t, [Seat("ann", t - DAY, auth=t), Seat("bob", auth=t)]),
    ]
    tl = memory_timeline("acme", snaps)
    assert (seat(tl, 1, "ann")["state"], seat(tl, 1, "bob")["state"]) == ("active", "new")
    assert not tl.at(1)["check_first"].any()
    assert not tl.at(1)["reclaim"].any()


def test_pending_and_excluded_seats_are_in_neither_list(tmp_path: Path) -> None:
    """Pending-cancellation and excluded seats are neither candidates nor check-first."""
    t = T0 + 100 * DAY
    recent = fmt(t - DAY)
    seats = [
        api_seat("ann", T0, pending_cancellation_date="2026-05-01", last_authenticated_at=recent),
        api_seat("bob", T0, pending_cancellation_date="2026-05-01"),
        api_seat("svc-cid", T0, last_authenticated_at=recent),
        api_seat("svc-dee", T0),
        api_seat("eve", T0, last_authenticated_at=recent),
        api_seat("fay", T0),
    ]
    tl = api_timeline(tmp_path, [(t, seats)], Settings(exclude_patterns=("svc-*",)))
    table = seat_table(tl, 0, None)
    assert reclaim_list(table)["login"].to_list() == ["fay"]
    assert check_first_list(table)["login"].to_list() == ["eve"]
    summary = summarize(tl)
    assert (summary.reclaim_candidates, summary.check_first) == (1, 1)
    assert (summary.reclaimable_monthly_cost, summary.check_first_monthly_cost) == (19.0, 19.0)


def test_check_first_list_shows_the_sign_in_latest_first(tmp_path: Path) -> None:
    """The check-first list gives the known sign-in and whole days since, latest first."""
    t = T0 + 100 * DAY
    snaps = [(t, [Seat("ann", auth=t - 20 * DAY), Seat("bob", auth=t - 3 * DAY - SECOND)])]
    listed = check_first_list(seat_table(memory_timeline("acme", snaps), 0, None))
    assert listed.select("login", "reason", "signed_in_days").rows() == [
        ("bob", "never_active", 3),
        ("ann", "never_active", 20),
    ]
    assert listed["last_authenticated"].to_list() == [t - 3 * DAY - SECOND, t - 20 * DAY]


def test_auth_without_activity_counts_the_check_first_seats() -> None:
    """The auth-without-activity finding counts exactly the check-first seats."""
    t = T0 + 100 * DAY
    seats = [
        Seat("ann", auth=t - DAY),
        Seat("bob", LONG_AGO, auth=t - 2 * DAY),
        Seat("cid", t - DAY, auth=t - DAY),  # active: not idle
        Seat("svc-dee", auth=t - DAY),  # excluded
        Seat("eve"),
    ]
    tl = memory_timeline("acme", [(t, seats)], Settings(exclude_logins=("svc-dee",)))
    (finding,) = [f for f in find_issues(tl, 0, t) if f.code == "auth-without-activity"]
    assert finding.count == summarize(tl).check_first == 2
    assert finding.message.startswith("2 seats are stale or never active but signed in")


def test_first_snapshot_caveat_counts_the_first_snapshots_never_active_seats() -> None:
    """In the first snapshot the caveat counts every never-active seat, in the 90-day words."""
    t = T0 + 100 * DAY
    seats = [Seat("ann"), Seat("bob", auth=t - DAY), Seat("cid", t - DAY), Seat("dee", LONG_AGO)]
    tl = memory_timeline("acme", [(t, seats), (t + 30 * DAY, [*seats, Seat("eve")])])
    (first,) = [f for f in find_issues(tl, 0, t) if f.code == "first-snapshot-caveat"]
    assert first.count == summarize(tl, 0).states["never_active"] == 2
    assert "no activity in GitHub's 90-day window" in first.message
    (later,) = [f for f in find_issues(tl, 1, t) if f.code == "first-snapshot-caveat"]
    never = tl.at(1).filter((pl.col("state") == "never_active") & (pl.col("run_start_k") == 0))
    assert later.count == never.height == 2


def test_follow_through_counts_candidates_that_became_check_first() -> None:
    """A previous candidate idle now but signed in recently counts as now check first."""
    t1 = T0 + 30 * DAY
    snaps = [(T0, [Seat("ann"), Seat("bob")]), (t1, [Seat("ann", auth=t1 - DAY), Seat("bob")])]
    result = follow_through(memory_timeline("acme", snaps), 0, 1)
    assert result is not None
    assert (result.candidates, result.now_check_first, result.still_idle) == (2, 1, 1)
