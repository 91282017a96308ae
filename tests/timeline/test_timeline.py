"""Unit tests pinning the seat definitions (runs, known activity, states, reclaim, costs)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from analyzer.answers.ingest import ingest_files
from analyzer.answers.scope import open_timeline
from analyzer.model import UNMAPPED, Settings
from analyzer.store.folder import Store
from analyzer.timeline.build import Timeline
from analyzer.timeline.figures import activation, summarize
from analyzer.timeline.seats import breakdowns, follow_through, reclaim_list, seat_table
from tests.helpers import (
    USAGE_ORG_HEADER,
    Seat,
    csv_text,
    fmt,
    memory_timeline,
    ts,
    write_activity,
)

T0 = ts("2026-01-01T00:00:00")
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


# Builders --------------------------------------------------------------------------------
def timeline_of(
    tmp: Path,
    snapshots: Sequence[tuple[datetime, Sequence[Seat]]],
    settings: Settings | None = None,
    enterprise: bool = False,
) -> Timeline:
    """Return the timeline of scope acme built from activity reports."""
    return memory_timeline("acme", snapshots, settings, enterprise)


def seat(tl: Timeline, k: int, login: str) -> dict[str, Any]:
    """Return one login's row of snapshot k as a dict."""
    rows = tl.at(k).filter(pl.col("login") == login)
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def api_seat(login: str, created: datetime, org: str = "acme", **extra: Any) -> dict[str, Any]:
    """Return one seat object as GitHub's REST API sends it."""
    return {
        "created_at": fmt(created),
        "assignee": {"login": login, "type": "User"},
        "organization": {"login": org},
        **extra,
    }


def ingest_one(store: Store, path: Path, **hints: Any) -> None:
    """Ingest one file and insist that it was stored."""
    (outcome,) = ingest_files(store, [path], **hints)
    assert outcome.status == "stored", (outcome.message, outcome.problems)


def api_timeline(
    tmp: Path,
    snapshots: Sequence[tuple[datetime, list[dict[str, Any]]]],
    settings: Settings | None = None,
    scope: str | None = None,
) -> Timeline:
    """Write one `gh api` seats JSON per (time, seats), ingest them, return the timeline."""
    store = Store(tmp / "store")
    for t, seats in snapshots:
        path = tmp / f"seats-{int(t.timestamp())}.json"
        path.write_text(json.dumps({"total_seats": len(seats), "seats": seats}), encoding="utf-8")
        ingest_one(store, path, as_of=t, scope=scope)
    return open_timeline(store, scope or "acme", settings or Settings())


def usage_timeline(tmp: Path, t: datetime, rows: list[list[str]]) -> Timeline:
    """Ingest one old-style org usage report (date-only Last Usage Date) at time t."""
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / f"acme-seat-usage-{int(t.timestamp())}.csv"
    path.write_text(csv_text(USAGE_ORG_HEADER, rows), encoding="utf-8")
    store = Store(tmp / "store")
    ingest_one(store, path)
    return open_timeline(store, "acme", Settings())


# Stale threshold -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stale_days", "idle", "state"),
    [
        (30, 30 * DAY, "active"),
        (30, 30 * DAY + SECOND, "stale"),
        (30, 30 * DAY - SECOND, "active"),
        (7, 7 * DAY, "active"),
        (7, 7 * DAY + SECOND, "stale"),
    ],
)
def test_stale_boundary_is_inclusive(
    tmp_path: Path, stale_days: int, idle: timedelta, state: str
) -> None:
    """Activity exactly stale_days x 24h old is active; one second older is stale."""
    t = T0 + 100 * DAY
    tl = timeline_of(
        tmp_path, [(t, [Seat("ann", activity=t - idle)])], Settings(stale_days=stale_days)
    )
    assert seat(tl, 0, "ann")["state"] == state


@pytest.mark.parametrize(
    ("idle", "days"),
    [(timedelta(0), 0), (DAY - SECOND, 0), (DAY, 1), (3 * DAY - SECOND, 2), (45 * DAY, 45)],
)
def test_idle_days_are_whole_days_rounded_down(tmp_path: Path, idle: timedelta, days: int) -> None:
    """idle_days is floor((t - known activity) / 24h)."""
    t = T0 + 100 * DAY
    tl = timeline_of(tmp_path, [(t, [Seat("ann", activity=t - idle)])])
    assert seat(tl, 0, "ann")["idle_days"] == days


def test_idle_days_is_null_without_activity(tmp_path: Path) -> None:
    """A seat with no known activity has no idle_days."""
    tl = timeline_of(tmp_path, [(T0, [Seat("ann")])])
    assert seat(tl, 0, "ann")["idle_days"] is None


# Grace and new ---------------------------------------------------------------------------
def test_grace_since_run_start_is_strict(tmp_path: Path) -> None:
    """A seat that appeared after the first snapshot is new until exactly grace_days later."""
    t1 = T0 + DAY
    snaps = [
        (T0, [Seat("ann", activity=T0)]),
        (t1, [Seat("ann", activity=T0), Seat("bob")]),
        (t1 + 30 * DAY - SECOND, [Seat("ann", activity=T0), Seat("bob")]),
        (t1 + 30 * DAY, [Seat("ann", activity=T0), Seat("bob")]),
    ]
    tl = timeline_of(tmp_path, snaps)
    assert [seat(tl, k, "bob")["state"] for k in (1, 2, 3)] == ["new", "new", "never_active"]
    assert {seat(tl, k, "bob")["first_seen"] for k in (1, 2, 3)} == {t1}


def test_seat_of_the_first_snapshot_without_activity_is_never_active(tmp_path: Path) -> None:
    """The first snapshot cannot tell new from long idle: no activity there is never_active."""
    tl = timeline_of(tmp_path, [(T0, [Seat("ann")]), (T0 + DAY, [Seat("ann")])])
    assert seat(tl, 0, "ann")["state"] == "never_active"
    assert seat(tl, 1, "ann")["state"] == "never_active"
    assert seat(tl, 1, "ann")["run_start_k"] == 0


@pytest.mark.parametrize(("age", "state"), [(29 * DAY, "new"), (30 * DAY, "never_active")])
def test_created_at_makes_a_first_snapshot_seat_new(
    tmp_path: Path, age: timedelta, state: str
) -> None:
    """With API created_at, t - created_at < grace_days is new even in the first snapshot."""
    t = T0 + 100 * DAY
    tl = api_timeline(tmp_path, [(t, [api_seat("ann", t - age)])])
    assert seat(tl, 0, "ann")["state"] == state


# Runs and known activity -----------------------------------------------------------------
def test_returning_seat_starts_a_new_run_and_forgets_its_activity(tmp_path: Path) -> None:
    """Present, absent, present: the return is a new run with no known activity."""
    t1, t2 = T0 + 10 * DAY, T0 + 20 * DAY
    snaps = [
        (T0, [Seat("ann", activity=T0 - DAY), Seat("bob", activity=T0)]),
        (t1, [Seat("bob", activity=T0)]),
        (t2, [Seat("ann"), Seat("bob", activity=T0)]),
    ]
    tl = timeline_of(tmp_path, snaps)
    back = seat(tl, 2, "ann")
    assert back["known_activity"] is None
    assert back["run_start_k"] == 2
    assert back["first_seen"] == t2
    assert back["state"] == "new"
    assert seat(tl, 0, "ann")["known_activity"] == T0 - DAY


def test_known_activity_survives_a_later_none_in_the_same_run(tmp_path: Path) -> None:
    """GitHub nil'ing activity after 90 days does not erase what the run already saw."""
    seen = T0 - 5 * DAY
    t1, t2 = T0 + 40 * DAY, T0 + 95 * DAY
    snaps = [(T0, [Seat("ann", activity=seen)]), (t1, [Seat("ann")]), (t2, [Seat("ann")])]
    tl = timeline_of(tmp_path, snaps)
    assert [seat(tl, k, "ann")["known_activity"] for k in (0, 1, 2)] == [seen] * 3
    assert seat(tl, 1, "ann")["state"] == "stale"
    assert seat(tl, 2, "ann")["idle_days"] == 100


def test_known_activity_is_the_latest_of_the_run(tmp_path: Path) -> None:
    """An older value in a later snapshot does not replace a newer one already seen."""
    newer, older = T0 - DAY, T0 - 50 * DAY
    snaps = [(T0, [Seat("ann", activity=newer)]), (T0 + DAY, [Seat("ann", activity=older)])]
    tl = timeline_of(tmp_path, snaps)
    assert seat(tl, 1, "ann")["known_activity"] == newer
    assert seat(tl, 1, "ann")["state"] == "active"


def test_enterprise_login_in_three_orgs_is_one_seat_with_its_latest_activity(
    tmp_path: Path,
) -> None:
    """An enterprise user seated in 3 orgs is billed once; activity is the max of its rows."""
    t = T0 + 60 * DAY
    rows = [
        Seat("ann", activity=t - 40 * DAY, org="north"),
        Seat("ann", activity=t - 2 * DAY, org="south"),
        Seat("ann", activity=None, org="east"),
        Seat("bob", activity=t - 45 * DAY, org="north"),
    ]
    tl = timeline_of(tmp_path, [(t, rows)], enterprise=True)
    ann = seat(tl, 0, "ann")
    assert tl.at(0).height == 2
    assert ann["known_activity"] == t - 2 * DAY
    assert ann["state"] == "active"
    assert ann["orgs"] == ["east", "north", "south"]
    assert ann["primary_org"] == "south"
    summary = summarize(tl)
    assert (summary.seats, summary.monthly_cost) == (2, 38.0)


def test_date_only_activity_counts_as_midnight_utc(tmp_path: Path) -> None:
    """A usage report's `Last Usage Date` 2026-03-01 is 2026-03-01T00:00Z for the threshold."""
    rows = [["ann", "Active", "", "2026-03-01", "vscode"]]
    exact = usage_timeline(tmp_path / "a", ts("2026-03-31T00:00:00"), rows)
    later = usage_timeline(tmp_path / "b", ts("2026-03-31T00:00:01"), rows)
    assert seat(exact, 0, "ann")["known_activity"] == ts("2026-03-01T00:00:00")
    assert seat(exact, 0, "ann")["activity_day"] is True
    assert seat(exact, 0, "ann")["state"] == "active"
    assert seat(later, 0, "ann")["state"] == "stale"


def test_breakdown_puts_seats_without_a_key_in_an_unmapped_row_last(tmp_path: Path) -> None:
    """Seats with no team form the "(unmapped)" row, sorted last; totals stay the snapshot's."""
    rows = [
        ["ann", "Active", "Red", "2026-03-30", "vscode"],
        ["bob", "Active", "", "None", "None"],
        ["cid", "Active", "Blue", "2026-01-01", "vscode"],
        ["dee", "Active", "No Team", "None", "None"],
    ]
    tl = usage_timeline(tmp_path, ts("2026-03-31T00:00:00"), rows)
    team = breakdowns(seat_table(tl, 0, None), with_people=False)["team"]
    assert team.select("key", "seats", "active", "stale", "never_active").rows() == [
        ("Blue", 1, 0, 1, 0),
        ("Red", 1, 1, 0, 0),
        (UNMAPPED, 2, 0, 0, 2),
    ]
    assert team["monthly_cost"].sum() == summarize(tl).monthly_cost == 76.0


# Reclaim ---------------------------------------------------------------------------------
def test_pending_cancellation_is_flagged_and_never_reclaimed(tmp_path: Path) -> None:
    """`Pending cancellation YYYY-MM-DD` keeps the state but excludes the seat from reclaim."""
    rows = [
        ["ann", "Pending cancellation 2026-04-01", "", "None", "None"],
        ["bob", "Active", "", "None", "None"],
    ]
    tl = usage_timeline(tmp_path, ts("2026-03-31T00:00:00"), rows)
    ann, bob = seat(tl, 0, "ann"), seat(tl, 0, "bob")
    assert (ann["state"], ann["pending_cancellation"], ann["reclaim"]) == (
        "never_active",
        True,
        False,
    )
    assert ann["pending_cancellation_date"] == date(2026, 4, 1)
    assert (bob["state"], bob["pending_cancellation"], bob["reclaim"]) == (
        "never_active",
        False,
        True,
    )
    summary = summarize(tl)
    assert (summary.pending_cancellation, summary.reclaim_candidates) == (1, 1)


def test_api_pending_cancellation_date_excludes_from_reclaim(tmp_path: Path) -> None:
    """The API's pending_cancellation_date sets the flag and removes the seat from reclaim."""
    t = T0 + 100 * DAY
    seats = [api_seat("ann", T0, pending_cancellation_date="2026-05-01"), api_seat("bob", T0)]
    tl = api_timeline(tmp_path, [(t, seats)])
    assert seat(tl, 0, "ann")["pending_cancellation"] is True
    assert seat(tl, 0, "ann")["reclaim"] is False
    assert seat(tl, 0, "bob")["reclaim"] is True


IDLE_BOTS = [Seat("svc-bot"), Seat("ci-bot"), Seat("robot"), Seat("ann")]


def test_excluded_login_is_not_reclaimed(tmp_path: Path) -> None:
    """A login listed in exclude_logins is flagged excluded and is no reclaim candidate."""
    tl = timeline_of(tmp_path, [(T0, IDLE_BOTS)], Settings(exclude_logins=("svc-bot",)))
    frame = tl.at(0).sort("login")
    assert dict(zip(frame["login"], frame["excluded"], strict=True)) == {
        "ann": False,
        "ci-bot": False,
        "robot": False,
        "svc-bot": True,
    }
    assert sorted(frame.filter("reclaim")["login"]) == ["ann", "ci-bot", "robot"]


def test_excluded_glob_pattern_is_not_reclaimed(tmp_path: Path) -> None:
    """Logins matching a glob in exclude_patterns are excluded; others are still reclaimed."""
    settings = Settings(exclude_logins=("svc-bot",), exclude_patterns=("*-bot",))
    tl = timeline_of(tmp_path, [(T0, IDLE_BOTS)], settings)
    frame = tl.at(0)
    assert sorted(frame.filter("excluded")["login"]) == ["ci-bot", "svc-bot"]
    assert sorted(frame.filter("reclaim")["login"]) == ["ann", "robot"]


# Costs -----------------------------------------------------------------------------------
PRICES = Settings(prices={"business": 19.0, "enterprise": 39.0})


def test_cost_uses_the_api_plan_else_the_default_plan(tmp_path: Path) -> None:
    """plan_type business/enterprise is billed at its price; no plan_type is the default."""
    t = T0 + 100 * DAY
    seats = [
        api_seat("ann", T0, plan_type="business"),
        api_seat("bob", T0, plan_type="enterprise"),
        api_seat("cid", T0),
    ]
    tl = api_timeline(tmp_path, [(t, seats)], PRICES)
    assert {login: seat(tl, 0, login)["price"] for login in ("ann", "bob", "cid")} == {
        "ann": 19.0,
        "bob": 39.0,
        "cid": 19.0,
    }
    summary = summarize(tl)
    assert summary.monthly_cost == 77.0
    assert summary.seats_by_plan == {"business": 2, "enterprise": 1}


@pytest.mark.parametrize("default_plan", ["business", "enterprise"])
def test_enterprise_wins_over_business_for_one_user(tmp_path: Path, default_plan: str) -> None:
    """A user seated as Business in one org and Enterprise in another is one Enterprise seat."""
    t = T0 + 100 * DAY
    seats = [
        api_seat("ann", T0, org="north", plan_type="business"),
        api_seat("ann", T0, org="south", plan_type="enterprise"),
        api_seat("bob", T0, org="north", plan_type="business"),
    ]
    settings = Settings(prices=PRICES.prices, default_plan=default_plan)
    tl = api_timeline(tmp_path, [(t, seats)], settings, scope="ent")
    assert seat(tl, 0, "ann")["plan"] == "enterprise"
    assert seat(tl, 0, "bob")["plan"] == "business"
    assert summarize(tl).monthly_cost == 58.0


def test_idle_cost_is_the_cost_of_stale_and_never_active_seats(tmp_path: Path) -> None:
    """Idle cost counts stale and never_active seats, pending or excluded ones included."""
    t = T0 + 100 * DAY
    seats = [
        Seat("ann", activity=t - DAY),
        Seat("bob", activity=t - 31 * DAY),
        Seat("cid"),
        Seat("dee"),
    ]
    tl = timeline_of(tmp_path, [(t, seats)], Settings(exclude_logins=("dee",)))
    summary = summarize(tl)
    assert summary.states == {"active": 1, "stale": 1, "never_active": 2, "new": 0}
    assert summary.monthly_cost == 76.0
    assert summary.idle_monthly_cost == 57.0
    assert summary.reclaimable_monthly_cost == 38.0


# Reclaim list and follow-through ---------------------------------------------------------
def test_reclaim_list_is_costliest_then_longest_idle_with_never_first(tmp_path: Path) -> None:
    """Order: monthly_cost desc, then idle_days desc with never-active first, then login."""
    t = T0 + 200 * DAY
    seats = [
        api_seat("ann", T0, plan_type="business", last_activity_at=fmt(t - 40 * DAY)),
        api_seat("bob", T0, plan_type="business", last_activity_at=fmt(t - 60 * DAY)),
        api_seat("cid", T0, plan_type="business"),
        api_seat("dee", T0, plan_type="enterprise", last_activity_at=fmt(t - 31 * DAY)),
        api_seat("eve", T0, plan_type="business", last_activity_at=fmt(t - 40 * DAY)),
        api_seat("fay", T0, plan_type="business", last_activity_at=fmt(t - DAY)),
    ]
    tl = api_timeline(tmp_path, [(t, seats)], PRICES)
    ranked = reclaim_list(seat_table(tl, 0, None))
    assert ranked["login"].to_list() == ["dee", "cid", "bob", "ann", "eve"]
    assert ranked["reason"].to_list() == ["stale", "never_active", "stale", "stale", "stale"]
    assert ranked["idle_days"].to_list() == [31, None, 60, 40, 40]


def test_follow_through_sorts_last_snapshots_candidates_by_outcome(tmp_path: Path) -> None:
    """Previous candidates end up removed, reactivated or still idle, with their cost."""
    t1 = T0 + 10 * DAY
    old = T0 - 60 * DAY
    snaps = [
        (T0, [Seat("ann", activity=old), Seat("bob", activity=old), Seat("cid"), Seat("dee")]),
        (t1, [Seat("bob", activity=t1), Seat("cid"), Seat("dee", activity=old)]),
    ]
    tl = timeline_of(tmp_path, snaps)
    result = follow_through(tl, 0, 1)
    assert result is not None
    assert (result.candidates, result.removed, result.removed_monthly_cost) == (4, 1, 19.0)
    assert (result.came_back, result.still_idle, result.now_check_first, result.other) == (
        1,
        2,
        0,
        0,
    )
    assert follow_through(tl, None, 0) is None


# What a run carries --------------------------------------------------------------------------
def test_known_surface_is_the_one_of_the_report_showing_the_latest_activity(tmp_path: Path) -> None:
    """A later report repeating older activity with another surface keeps the first surface."""
    first = T0 - 2 * DAY
    tl = timeline_of(
        tmp_path,
        [
            (T0, [Seat("ann", first, surface="vscode/1.1")]),
            (T0 + 10 * DAY, [Seat("ann", None)]),
            (T0 + 20 * DAY, [Seat("ann", first - DAY, surface="JetBrains-IC/2025.1")]),
            (T0 + 30 * DAY, [Seat("ann", T0 + 29 * DAY, surface="copilot-cli/1.0")]),
        ],
    )
    surfaces = [seat(tl, k, "ann")["known_surface"] for k in range(4)]
    assert surfaces == ["vscode/1.1", "vscode/1.1", "vscode/1.1", "copilot-cli/1.0"]
    assert [seat(tl, k, "ann")["surface_family"] for k in range(4)] == [
        "VS Code",
        "VS Code",
        "VS Code",
        "CLI",
    ]
    assert seat(tl, 3, "ann")["first_activity"] == first


def test_team_of_a_usage_report_carries_into_later_activity_reports(tmp_path: Path) -> None:
    """The activity report has no team: the last team named in the run stays the seat's."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    usage = inbox / f"acme-seat-usage-{int(T0.timestamp())}.csv"
    usage.write_text(
        csv_text(USAGE_ORG_HEADER, [["ann", "Active", "core", "2025-12-30", "vscode"]]),
        encoding="utf-8",
    )
    later = [
        write_activity(inbox, "acme", T0 + 30 * DAY, [Seat("ann", T0 + 29 * DAY)]),
        write_activity(inbox, "acme", T0 + 60 * DAY, [Seat("bob", T0 + 59 * DAY)]),
        write_activity(inbox, "acme", T0 + 90 * DAY, [Seat("ann", T0 + 89 * DAY)]),
    ]
    store = Store(tmp_path / "store")
    outcomes = ingest_files(store, [usage, *later])
    assert {o.status for o in outcomes} == {"stored"}, [o.message for o in outcomes]
    tl = open_timeline(store, "acme", Settings())
    assert seat(tl, 1, "ann")["team"] == "core"
    # ann left in snapshot 2 and came back in 3: a new run, so no team is known.
    assert seat(tl, 3, "ann")["team"] is None
    assert seat(tl, 3, "ann")["run_start_k"] == 3


def test_activation_counts_days_from_the_runs_first_snapshot_to_first_activity(
    tmp_path: Path,
) -> None:
    """Activation buckets use the run's first known activity, not the latest one."""
    tl = timeline_of(
        tmp_path,
        [
            (T0, [Seat("ann", None), Seat("bob", T0 - 40 * DAY), Seat("cat", None)]),
            (
                T0 + 40 * DAY,
                [Seat("ann", T0 + 3 * DAY), Seat("bob", T0 + 39 * DAY), Seat("cat", None)],
            ),
            (
                T0 + 80 * DAY,
                [Seat("ann", T0 + 79 * DAY), Seat("bob", T0 + 79 * DAY), Seat("cat", None)],
            ),
        ],
    )
    counts = dict(activation(tl).iter_rows())
    assert counts["0-7"] == 1  # ann: first seen T0, first activity T0 + 3 days
    assert counts["before first snapshot"] == 1  # bob
    assert counts["not yet"] == 1  # cat
    assert sum(counts.values()) == 3
