"""One way to open a scope's history: pick the scope, the snapshot or month, build its timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analyzer.answers.carried import carried_state
from analyzer.errors import SelectionError
from analyzer.model import Settings, SnapshotInfo
from analyzer.store.folder import Store
from analyzer.timeline.build import Timeline, build_timeline
from analyzer.times import iso


def scope_names(store: Store) -> list[str]:
    """Return the scopes the store holds, sorted; an empty store is an error."""
    scopes = sorted({i.scope for i in store.snapshots()})
    if not scopes:
        raise SelectionError(
            f"the store {store.root} holds no snapshots yet; run "
            "`copilot-seats ingest FOLDER` first"
        )
    return scopes


def scope_snapshots(store: Store, scope: str | None) -> tuple[str, list[SnapshotInfo]]:
    """Return the scope asked for (or the only one) and its snapshots, oldest first."""
    infos = store.snapshots()
    scopes = sorted({i.scope for i in infos})
    if not scopes:
        raise SelectionError(
            f"the store {store.root} holds no snapshots yet; run "
            "`copilot-seats ingest FOLDER` first"
        )
    if scope is None:
        if len(scopes) > 1:
            raise SelectionError(
                f"the store holds several scopes; pass --scope with one of: {', '.join(scopes)}"
            )
        scope = scopes[0]
    chosen = [i for i in infos if i.scope == scope.lower()]
    if not chosen:
        raise SelectionError(
            f"no snapshots for scope {scope!r}; the store has: {', '.join(scopes)}"
        )
    return scope.lower(), chosen


def store_range(infos: list[SnapshotInfo]) -> str:
    """Return `the store holds acme from 2026-01-01 to 2026-03-01`."""
    first, last = iso(infos[0].as_of)[:10], iso(infos[-1].as_of)[:10]
    return f"the store holds {infos[0].scope} from {first} to {last}"


def covers(infos: list[SnapshotInfo], at: datetime) -> bool:
    """Return whether `at` falls between the first snapshot and the end of the last's day."""
    last_day = infos[-1].as_of.astimezone(UTC).date()
    return infos[0].as_of <= at and at.astimezone(UTC).date() <= last_day


def pick_snapshot(infos: list[SnapshotInfo], at: datetime | None, option: str = "--at") -> int:
    """Return the index of the newest snapshot at or before `at` (default: the newest).

    A time before the scope's first snapshot, or on a day after its last, is refused with
    the range the store holds: the latest snapshot does not stand for a later day.
    """
    if at is None:
        return len(infos) - 1
    index = [i for i, info in enumerate(infos) if info.as_of <= at]
    if not index:
        raise SelectionError(
            f"no snapshot of {infos[0].scope} at or before {iso(at)} ({option}); "
            f"{store_range(infos)}"
        )
    if at.astimezone(UTC).date() > infos[-1].as_of.astimezone(UTC).date():
        raise SelectionError(
            f"{option} {iso(at)} is after the last snapshot of {infos[0].scope}; "
            f"{store_range(infos)}; ingest a newer seat report or pick a date in that range"
        )
    return index[-1]


def month_of(info: SnapshotInfo) -> str:
    """Return the UTC month `YYYY-MM` a snapshot falls in."""
    return info.as_of.strftime("%Y-%m")


# A snapshot taken in the first days of a month (UTC) stands for the close of the month
# before: admins download in the first days of a month for the month just closed.
CLOSE_DAYS = 7


def _month_start(month: str) -> datetime:
    year, number = (int(x) for x in month.split("-"))
    return datetime(year, number, 1, tzinfo=UTC)


def _next_month(month: str) -> str:
    year, number = (int(x) for x in month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def closing_month(info: SnapshotInfo) -> str:
    """Return the month a snapshot closes: the one before when taken in its first days."""
    if info.as_of.day <= CLOSE_DAYS:
        start = info.as_of.replace(day=1) - timedelta(days=1)
        return start.strftime("%Y-%m")
    return month_of(info)


def months_with_snapshots(infos: list[SnapshotInfo]) -> list[str]:
    """Return every month a snapshot stands for: its own, and the month it closes."""
    return sorted({month_of(i) for i in infos} | {closing_month(i) for i in infos})


def default_month(infos: list[SnapshotInfo]) -> str:
    """Return the month a report is about when none is asked: the month just closed.

    The latest snapshot taken in the first CLOSE_DAYS days of a month reports the month
    before (its close); one taken later in a month reports that month so far.
    """
    return closing_month(infos[-1])


def pick_month(infos: list[SnapshotInfo], month: str | None) -> tuple[int, int | None]:
    """Return (index of the snapshot standing for the month, index of the one before it).

    A month's snapshot is its latest taken before the next month's CLOSE_DAYS-th day: one
    taken in the first days of the next month stands for the close. The snapshot before is
    the latest earlier one taken before this month's CLOSE_DAYS-th day (last month's close).
    """
    months = months_with_snapshots(infos)
    month = month or default_month(infos)
    if month not in months:
        raise SelectionError(
            f"no snapshot of {infos[0].scope} in {month}; months with "
            f"snapshots: {', '.join(months)}"
        )
    start = _month_start(month)
    until = _month_start(_next_month(month)) + timedelta(days=CLOSE_DAYS)
    k = max(i for i, info in enumerate(infos) if start <= info.as_of < until)
    close = start + timedelta(days=CLOSE_DAYS)
    earlier = [i for i, info in enumerate(infos[:k]) if info.as_of < close]
    return k, (max(earlier) if earlier else None)


def stored_timeline(
    store: Store, infos: list[SnapshotInfo], upto: int, settings: Settings
) -> Timeline:
    """Return the timeline of a scope's snapshots `infos` (all of them) up to index `upto`.

    Each snapshot's carried state is read from the store (and computed and kept first when
    missing), so the cost follows the snapshots asked about, not the length of the history.
    """
    carried = carried_state(store, infos, upto)
    return build_timeline(store, infos[: upto + 1], settings, carried)


def open_timeline(
    store: Store, scope: str | None, settings: Settings, upto: int | None = None
) -> Timeline:
    """Return the timeline of a scope's snapshots up to index `upto` (default: all)."""
    _, infos = scope_snapshots(store, scope)
    return stored_timeline(store, infos, len(infos) - 1 if upto is None else upto, settings)


def timeline_until(
    store: Store, scope: str | None, settings: Settings, at: datetime | None
) -> tuple[Timeline, int]:
    """Return the timeline up to the snapshot at or before `at`, and that snapshot's index."""
    _, infos = scope_snapshots(store, scope)
    k = pick_snapshot(infos, at)
    return stored_timeline(store, infos, k, settings), k
