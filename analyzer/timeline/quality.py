"""Data-quality findings and caveats about a scope's history, computed once."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import polars as pl

from analyzer.model import Finding
from analyzer.surfaces import OTHER
from analyzer.timeline.build import Timeline

GAP_DAYS = 45
CHANGE_SHARE = 0.20
OLD_DAYS = 35


def _gaps(timeline: Timeline, k: int) -> list[Finding]:
    found = []
    infos = timeline.snapshots[: k + 1]
    for before, after in itertools.pairwise(infos):
        days = (after.as_of - before.as_of) / timedelta(days=1)
        if days > GAP_DAYS:
            found.append(
                Finding(
                    "snapshot-gap",
                    "warning",
                    f"{days:.0f} days between the snapshots of {before.as_of:%Y-%m-%d} and "
                    f"{after.as_of:%Y-%m-%d} (more than {GAP_DAYS}): seats that came and went in "
                    "between are not seen, and activity older than 90 days may have been lost.",
                    1,
                )
            )
        if before.seats and abs(after.seats - before.seats) / before.seats > CHANGE_SHARE:
            change = (after.seats - before.seats) / before.seats
            found.append(
                Finding(
                    "seat-count-jump",
                    "warning",
                    f"The seat count changed by {change:+.0%} ({before.seats:,} to "
                    f"{after.seats:,}) "
                    f"between {before.as_of:%Y-%m-%d} and {after.as_of:%Y-%m-%d}: check that both "
                    "files describe the same org or enterprise.",
                    1,
                )
            )
    return found


def find_issues(timeline: Timeline, k: int, now: datetime) -> tuple[Finding, ...]:
    """Return the findings for snapshot k of a timeline, judged at `now`."""
    found = _gaps(timeline, k)
    latest = timeline.snapshots[k]
    if k == timeline.last and now - latest.as_of > timedelta(days=OLD_DAYS):
        age = (now - latest.as_of) / timedelta(days=1)
        found.append(
            Finding(
                "old-snapshot",
                "warning",
                f"The latest snapshot is {age:.0f} days old (from {latest.as_of:%Y-%m-%d}): "
                "download "
                "a fresh seat report from GitHub.",
                1,
            )
        )
    seats = timeline.at(k)
    quiet_users = int(seats["check_first"].sum())
    if quiet_users:
        found.append(
            Finding(
                "auth-without-activity",
                "caution",
                f"{quiet_users:,} idle seat{'s' if quiet_users != 1 else ''} signed in within the "
                f"last {timeline.settings.stale_days} days but show no recent activity: Copilot "
                "telemetry may be off. They are listed as 'check first', not as reclaim "
                "candidates; ask before removing them.",
                quiet_users,
            )
        )
    other = seats.filter(pl.col("surface_family") == OTHER)
    if other.height:
        names = ", ".join(sorted(other["known_surface"].drop_nulls().unique().to_list())[:5])
        found.append(
            Finding(
                "unmapped-surface",
                "info",
                f"{other.height:,} seat{'s' if other.height != 1 else ''} last used a surface this "
                f"tool does not know ({names}); they are counted as 'other'.",
                other.height,
            )
        )
    since_first = seats.filter(
        (pl.col("state") == "never_active") & (pl.col("run_start_k") == 0)
    ).height
    if since_first:
        first = timeline.snapshots[0]
        found.append(
            Finding(
                "first-snapshot-caveat",
                "info",
                f"{since_first:,} never-active seat{'s have' if since_first != 1 else ' has'} been "
                f"seated since the first snapshot ({first.as_of:%Y-%m-%d}), which cannot tell a "
                "never-used seat from one idle for more than 90 days (GitHub drops activity after "
                "90 days): some may be long idle rather than never used.",
                since_first,
            )
        )
    return tuple(found)
