"""Build small seat reports and stores for tests, in GitHub's own file formats."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from analyzer.answers.ingest import ingest_files
from analyzer.model import Settings, SnapshotInfo
from analyzer.reading.reader import ReadHints, read_report
from analyzer.store.folder import Store
from analyzer.timeline.build import Timeline, build_timeline
from analyzer.timeline.source import MemorySource

ACTIVITY_HEADER = [
    "Report Time",
    "Login",
    "Last Authenticated At",
    "Last Activity At",
    "Last Surface Used",
]
USAGE_ORG_HEADER = ["Login", "Status", "Team", "Last Usage Date", "Last Editor Used"]
# Debian's chromium, headless and offline (the browser tests and the README pictures).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def ts(text: str) -> datetime:
    """Return a UTC datetime from `2026-03-28T06:54:33` (Z optional)."""
    return datetime.fromisoformat(text.rstrip("Z")).replace(tzinfo=UTC)


def fmt(value: datetime | None) -> str:
    """Return GitHub's timestamp text, or the literal None."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else "None"


@dataclass(frozen=True)
class Seat:
    """One seat row of an activity report."""

    login: str
    activity: datetime | None = None
    auth: datetime | None = None
    surface: str | None = "vscode/1.104.1/copilot-chat/0.31.2"
    org: str | None = None  # enterprise reports only


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]], sep: str = ",") -> str:
    """Return CSV text as GitHub writes it (LF, minimal quoting)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def activity_csv(report_time: datetime, seats: Iterable[Seat], enterprise: bool = False) -> str:
    """Return an activity report (org, or enterprise with its Organization column)."""
    header = ACTIVITY_HEADER + (["Organization"] if enterprise else [])
    rows = []
    for s in seats:
        row = [
            fmt(report_time),
            s.login,
            fmt(s.auth),
            fmt(s.activity),
            s.surface if s.activity else "None",
        ]
        rows.append(row + ([s.org or ""] if enterprise else []))
    return csv_text(header, rows)


def activity_name(scope: str, report_time: datetime) -> str:
    """Return GitHub's download name of an activity report."""
    return f"{scope}-seat-activity-{int(report_time.timestamp())}.csv"


def write_activity(
    folder: Path, scope: str, report_time: datetime, seats: Iterable[Seat], enterprise: bool = False
) -> Path:
    """Write an activity report under GitHub's name into `folder`; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / activity_name(scope, report_time)
    path.write_text(activity_csv(report_time, seats, enterprise), encoding="utf-8")
    return path


def make_store(
    tmp: Path,
    scope: str,
    snapshots: Sequence[tuple[datetime, Sequence[Seat]]],
    enterprise: bool = False,
) -> Store:
    """Write one activity report per (time, seats) and ingest them all into a new store."""
    inbox = tmp / "inbox"
    paths = [write_activity(inbox, scope, t, seats, enterprise) for t, seats in snapshots]
    store = Store(tmp / "store")
    outcomes = ingest_files(store, paths)
    bad = [o for o in outcomes if o.status != "stored"]
    assert not bad, [(o.path.name, o.message, o.problems) for o in bad]
    return store


def memory_history(
    scope: str,
    snapshots: Sequence[tuple[datetime, Sequence[Seat]]],
    enterprise: bool = False,
) -> tuple[MemorySource, list[SnapshotInfo]]:
    """Read one activity report per (time, seats) in memory, as ingest would, without a store.

    The rows are the reader's own output, so a timeline built on them equals one built on
    the same files stored; the store's own path is pinned by the store and ingest tests.
    """
    frames: dict[str, pl.DataFrame] = {}
    infos: list[SnapshotInfo] = []
    for t, seats in snapshots:
        name = activity_name(scope, t)
        parsed = read_report(name, activity_csv(t, seats, enterprise).encode("utf-8"), ReadHints())
        assert parsed.accepted and parsed.seats is not None and parsed.as_of is not None
        info = SnapshotInfo(
            id=f"{scope}/{int(t.timestamp())}",
            scope=scope,
            as_of=parsed.as_of,
            format=parsed.format or "",
            seats=parsed.seats["login"].n_unique(),
            rows=parsed.seats.height,
            source_name=name,
            sha256=parsed.sha256,
            time_source=parsed.time_source or "",
            time_precision=parsed.time_precision,
            scope_source=parsed.scope_source or "",
            parquet="",
        )
        frames[info.id] = parsed.seats
        infos.append(info)
    infos.sort(key=lambda i: i.as_of)
    return MemorySource(frames), infos


def memory_timeline(
    scope: str,
    snapshots: Sequence[tuple[datetime, Sequence[Seat]]],
    settings: Settings | None = None,
    enterprise: bool = False,
) -> Timeline:
    """Return the timeline of activity reports read in memory (no store on disk)."""
    source, infos = memory_history(scope, snapshots, enterprise)
    return build_timeline(source, infos, settings or Settings())
