"""A small hand-built ReportData for writer tests (HTML page and workbook)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from analyzer.model import (
    ACTIVATION_BUCKETS,
    IDLE_BUCKETS,
    Finding,
    FollowThrough,
    ReportData,
    SeatDiff,
    Settings,
    SnapshotInfo,
    SnapshotSummary,
)
from analyzer.timeline.seats import breakdowns, check_first_list, reclaim_list

XSS = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://evil","x")'


def _ts(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 6, 54, 33, tzinfo=UTC)


def _info(month: int, sha: str) -> SnapshotInfo:
    as_of = _ts(28, month)
    return SnapshotInfo(
        id=f"acme/{as_of:%Y%m%dT%H%M%SZ}-{sha[:12]}",
        scope="acme",
        as_of=as_of,
        format="activity-org",
        seats=4,
        rows=4,
        source_name=f"acme-seat-activity-{int(as_of.timestamp())}.csv",
        sha256=sha * 8,
        time_source="report-time",
        time_precision="second",
        scope_source="file-name",
        parquet=f"snapshots/acme/{as_of:%Y%m%dT%H%M%SZ}.parquet",
    )


def _summary(
    month: int, states: dict[str, int], cost: float, idle: float, reclaimable: float
) -> SnapshotSummary:
    seats = sum(states.values())
    return SnapshotSummary(
        scope="acme",
        as_of=_ts(28, month),
        seats=seats,
        states=states,
        pending_cancellation=1,
        reclaim_candidates=states["stale"] + states["never_active"] - 1,
        monthly_cost=cost,
        idle_monthly_cost=idle,
        reclaimable_monthly_cost=reclaimable,
        check_first=0,
        check_first_monthly_cost=0.0,
        seats_by_plan={"business": seats - 1, "enterprise": 1},
        currency="USD",
        stale_days=30,
        grace_days=30,
    )


def make_report_data(*, hostile_text: bool = True) -> ReportData:
    """Return a ReportData of five seats whose figures are consistent with each other."""
    team = XSS if hostile_text else "platform, infra"
    people_name = FORMULA if hostile_text else "Ann Lee"
    utc = pl.Datetime("us", "UTC")
    seats = pl.DataFrame(
        {
            "login": ["ann", "bob", "cy", "dee", "eve"],
            "display_login": ["Ann", "bob", "Cy", "dee", "Eve"],
            "name": [people_name, "Bob Ray", None, "Dee Fox", "Eve Kim"],
            "email": ["ann@x.test", "bob@x.test", None, "dee@x.test", "eve@x.test"],
            "department": ["R&D", "R&D", None, "Sales", "Sales"],
            "cost_center": ["CC-1", "CC-1", None, "CC-2", "CC-2"],
            "orgs": ["acme", "acme", "acme", "acme", "acme"],
            "primary_org": ["acme", "acme", "acme", "acme", "acme"],
            "team": [team, team, None, "sales", None],
            "plan": ["business", "business", "business", "enterprise", "business"],
            "state": ["active", "stale", "never_active", "stale", "new"],
            "pending_cancellation": [False, False, False, True, False],
            "pending_cancellation_date": [None, None, None, date(2026, 4, 1), None],
            "first_seen": [_ts(28, 1), _ts(28, 1), _ts(28, 1), _ts(28, 2), _ts(28, 3)],
            "last_activity": [_ts(27), datetime(2026, 1, 10, tzinfo=UTC), None, _ts(1), None],
            "last_authenticated": [_ts(27), None, None, _ts(1), _ts(20)],
            "idle_days": [1, 77, None, 27 + 30 - 3, None],
            "signed_in_days": [1, None, None, 27 + 30 - 3, 8],
            "last_surface": [
                "vscode/1.104.1/copilot-chat/0.31.2",
                "github.com",
                None,
                "JetBrains-IC/251.1/copilot-intellij/1.5",
                None,
            ],
            "surface_family": ["VS Code", "github.com", "unknown", "JetBrains", "unknown"],
            "monthly_cost": [19.0, 19.0, 19.0, 39.0, 19.0],
            "excluded": [False, False, False, False, False],
            "reclaim": [False, True, True, False, False],
            "check_first": [False, False, False, False, False],
        },
        schema_overrides={
            "first_seen": utc,
            "last_activity": utc,
            "last_authenticated": utc,
            "idle_days": pl.Int64,
            "signed_in_days": pl.Int64,
            "pending_cancellation_date": pl.Date,
        },
    )
    reclaim = reclaim_list(seats)
    check_first = check_first_list(seats)
    # bob and cy are reclaimable (38); dee is idle too but pending cancellation.
    current = _summary(3, {"active": 1, "stale": 2, "never_active": 1, "new": 1}, 115.0, 77.0, 38.0)
    previous = _summary(2, {"active": 2, "stale": 1, "never_active": 1, "new": 0}, 96.0, 38.0, 19.0)
    history = pl.DataFrame(
        {
            "as_of": [_ts(28, 1), _ts(28, 2), _ts(28, 3)],
            "seats": [3, 4, 5],
            "active": [3, 2, 1],
            "stale": [0, 1, 2],
            "never_active": [0, 1, 1],
            "new": [0, 0, 1],
            "pending_cancellation": [0, 1, 1],
            "reclaim_candidates": [0, 1, 2],
            "added": [3, 1, 1],
            "removed": [0, 0, 0],
            "monthly_cost": [57.0, 96.0, 115.0],
            "idle_monthly_cost": [0.0, 38.0, 77.0],
            # per plan: what the workbook reprices every month from
            "seats_business": [3, 3, 4],
            "idle_business": [0, 2, 2],
            "reclaim_business": [0, 1, 2],
            "seats_enterprise": [0, 1, 1],
            "idle_enterprise": [0, 0, 1],
            "reclaim_enterprise": [0, 0, 0],
        },
        schema_overrides={"as_of": utc},
    )
    surface_mix = pl.DataFrame(
        {
            "as_of": [_ts(28, 1), _ts(28, 2), _ts(28, 3), _ts(28, 3), _ts(28, 3), _ts(28, 3)],
            "family": ["VS Code", "VS Code", "VS Code", "JetBrains", "github.com", "unknown"],
            "seats": [3, 4, 1, 1, 1, 2],
        },
        schema_overrides={"as_of": utc},
    )
    # ann 1 day, dee 54 days, bob 77 days, cy never, eve new: each state's buckets add up
    idle_buckets = pl.DataFrame(
        {
            "bucket": list(IDLE_BUCKETS),
            "state": ["active", "active", "stale", "stale", "stale", "never_active", "new"],
            "seats": [1, 0, 1, 1, 0, 1, 1],
        }
    )
    activation = pl.DataFrame({"bucket": list(ACTIVATION_BUCKETS), "seats": [2, 1, 0, 0, 0, 2]})
    added = pl.DataFrame(
        {
            "login": ["eve"],
            "display_login": ["Eve"],
            "orgs": ["acme"],
            "team": [None],
            "state": ["new"],
        },
        schema_overrides={"team": pl.String},
    )
    removed = pl.DataFrame(
        schema={
            "login": pl.String,
            "display_login": pl.String,
            "orgs": pl.String,
            "team": pl.String,
            "state": pl.String,
        }
    )
    transitions = pl.DataFrame(
        {
            "login": ["ann", "bob"],
            "display_login": ["Ann", "bob"],
            "from_state": ["active", "active"],
            "to_state": ["active", "stale"],
            "change": ["", "lapsed"],
        }
    ).filter(pl.col("from_state") != pl.col("to_state"))
    moves = pl.DataFrame(
        {
            "login": ["dee"],
            "display_login": ["dee"],
            "field": ["team"],
            "before": [None],
            "after": ["sales"],
        },
        schema_overrides={"before": pl.String},
    )
    changes = SeatDiff(
        scope="acme",
        from_as_of=_ts(28, 2),
        to_as_of=_ts(28, 3),
        added=added,
        removed=removed,
        transitions=transitions,
        moves=moves,
    )
    sources = (_info(1, "a1"), _info(2, "b2"), _info(3, "c3"))
    return ReportData(
        scope="acme",
        month="2026-03",
        current=current,
        previous=previous,
        current_snapshot=sources[-1],
        previous_snapshot=sources[-2],
        generated_at=datetime(2026, 4, 2, 9, 0, 0, tzinfo=UTC),
        tool_version="0.1.0",
        settings=Settings(),
        history=history,
        surface_mix=surface_mix,
        idle_buckets=idle_buckets,
        activation=activation,
        seats=seats,
        reclaim=reclaim,
        check_first=check_first,
        changes=changes,
        # last month's one candidate (bob) is still idle
        follow_through=FollowThrough(_ts(28, 2), 1, 0, 0.0, 1, 0, 0, 0, "USD", {}),
        breakdowns=breakdowns(seats, with_people=True),
        findings=(
            Finding(
                "first-snapshot-caveat",
                "info",
                "The first snapshot cannot tell never-used seats from seats idle for "
                "more than 90 days.",
                1,
            ),
            Finding(
                "auth-without-activity",
                "caution",
                "1 seat authenticated recently but shows no activity (telemetry may "
                "be off): check before reclaiming.",
                1,
            ),
        ),
        sources=sources,
        definitions=(
            ("active", "known activity within 30 days (30 x 24 h) of the snapshot time"),
            ("stale", "known activity older than 30 days"),
        ),
    )
