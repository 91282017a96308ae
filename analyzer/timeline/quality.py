"""Data-quality findings and caveats about a scope's history, computed once."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import polars as pl

from analyzer.model import Finding
from analyzer.surfaces import OTHER
from analyzer.timeline.build import Timeline
from analyzer.timeline.seat_days import month_bounds

GAP_DAYS = 45
CHANGE_SHARE = 0.20
OLD_DAYS = 35
# Frozen activity: GitHub has shipped reports whose last activity stopped advancing. When the
# latest activity of a snapshot's seats is more than FROZEN_DAYS before its time, the report
# is taken as frozen: two weeks covers a weekend, a public holiday and GitHub's own lag of a
# day or two many times over, for a scope of FROZEN_MIN_SEATS or more seats that ever showed
# activity (a handful of seats can all rest for a fortnight).
FROZEN_DAYS = 14
FROZEN_MIN_SEATS = 10


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


def frozen_since(activity: pl.Series, as_of: datetime) -> date | None:
    """Return the day D after which no seat shows activity, when `as_of` is well after it.

    `activity` is each seat's known activity at `as_of`; None when the activity looks alive
    or too few seats ever showed any to tell.
    """
    if activity.len() - activity.null_count() < FROZEN_MIN_SEATS:
        return None
    latest: datetime = activity.max()  # type: ignore[assignment]
    return latest.date() if as_of - latest > timedelta(days=FROZEN_DAYS) else None


def _frozen(timeline: Timeline, k: int) -> list[Finding]:
    day = frozen_since(timeline.frame(k)["known_activity"], timeline.snapshots[k].as_of)
    if day is None:
        return []
    as_of = timeline.snapshots[k].as_of
    candidates = int(timeline.frame(k)["reclaim"].sum())
    return [
        Finding(
            "frozen-activity",
            "caution",
            f"No seat of the snapshot of {as_of:%Y-%m-%d} shows activity after {day:%Y-%m-%d}, "
            f"{(as_of.date() - day).days} days before it (more than {FROZEN_DAYS}): GitHub may "
            "have shipped a report whose last activity stopped advancing. Seats used since "
            "then look idle, so reclaim figures from this snapshot may be overstated; download "
            "the report again later and compare.",
            candidates,
        )
    ]


def find_issues(
    timeline: Timeline,
    k: int,
    now: datetime,
    *,
    later_stored: bool = False,
    month: str | None = None,
) -> tuple[Finding, ...]:
    """Return the findings for snapshot k of a timeline, judged at `now`.

    A snapshot is called old only when it is the latest stored (`later_stored` is False) and
    old at the report's moment: `now`, or the end of the report `month` when that is earlier,
    so a past month's page does not blame its snapshot for the days since the month closed.
    """
    found = _gaps(timeline, k) + _frozen(timeline, k)
    latest = timeline.snapshots[k]
    judged_at = now if month is None else min(now, month_bounds(month)[1])
    if (
        k == timeline.last
        and not later_stored
        and judged_at - latest.as_of > timedelta(days=OLD_DAYS)
    ):
        age = (judged_at - latest.as_of) / timedelta(days=1)
        when = "" if judged_at == now else f" at the end of {month}"
        found.append(
            Finding(
                "old-snapshot",
                "warning",
                f"The latest snapshot is {age:.0f} days old{when} (from "
                f"{latest.as_of:%Y-%m-%d}): download a fresh seat report from GitHub.",
                1,
            )
        )
    seats = timeline.at(k)
    # Exactly the check-first seats: stale or never active, not pending, not excluded, and
    # signed in no more than stale_days x 24 h before the snapshot.
    quiet_users = int(seats["check_first"].sum())
    if quiet_users:
        days = timeline.settings.stale_days
        found.append(
            Finding(
                "auth-without-activity",
                "caution",
                f"{quiet_users:,} seat{'s are' if quiet_users != 1 else ' is'} stale or never "
                f"active but signed in within the last {days} x 24 h, with no activity reported: "
                "Copilot telemetry may be off. They are listed as 'check first', apart from the "
                "reclaim candidates; ask before removing them.",
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
    # In the first snapshot this is every never-active seat; later, the never-active seats
    # whose run began there (their history starts with that snapshot).
    since_first = seats.filter(
        (pl.col("state") == "never_active") & (pl.col("run_start_k") == 0)
    ).height
    if since_first:
        first = f"{timeline.snapshots[0].as_of:%Y-%m-%d}"
        if k == 0:
            text = (
                f"{since_first:,} seat{'s show' if since_first != 1 else ' shows'} no activity in "
                f"GitHub's 90-day window. History starts with this snapshot ({first}), so they "
                "cannot be told from seats idle for more than 90 days: they count as never "
                "active. Ingest older downloads, or a saved API seat list with --as-of, to "
                "tell them apart."
            )
        else:
            text = (
                f"{since_first:,} never-active seat{'s have' if since_first != 1 else ' has'} "
                f"held a seat since the first snapshot ({first}), which showed no activity in "
                "GitHub's 90-day window: some may be long idle rather than never used."
            )
        found.append(Finding("first-snapshot-caveat", "info", text, since_first))
    return tuple(found)
