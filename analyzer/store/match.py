"""Tell a re-saved copy of a stored report from a different report for the same moment."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import polars as pl

from analyzer.model import SnapshotInfo

if TYPE_CHECKING:
    from analyzer.reading.reader import ParsedReport


def _same_moment(info: SnapshotInfo, parsed: ParsedReport) -> bool:
    """Compare times at the coarser precision of the two (a re-save may drop seconds)."""
    assert parsed.as_of is not None
    if "minute" in (info.time_precision, parsed.time_precision):
        return info.as_of.replace(second=0, microsecond=0) == parsed.as_of.replace(
            second=0, microsecond=0
        )
    return info.as_of == parsed.as_of


def seat_fingerprint(seats: pl.DataFrame) -> pl.DataFrame:
    """Return what must match for two files to be the same report: seats and activity days.

    A spreadsheet re-save keeps the seats but may drop seconds or reformat dates, so the
    comparison uses the login, org and the day of each timestamp.
    """
    return (
        seats.select(
            "login",
            pl.col("organization").fill_null(""),
            pl.col("last_activity_at").dt.date().alias("activity_day"),
            pl.col("last_authenticated_at").dt.date().alias("auth_day"),
            "pending_cancellation",
        )
        .unique()
        .sort(pl.all())
    )


def find_same_report(
    load: Callable[[SnapshotInfo], pl.DataFrame], infos: list[SnapshotInfo], parsed: ParsedReport
) -> tuple[SnapshotInfo | None, SnapshotInfo | None]:
    """Return (stored snapshot this file re-saves, stored snapshot it clashes with)."""
    assert parsed.seats is not None
    clash: SnapshotInfo | None = None
    mine: pl.DataFrame | None = None
    for info in infos:
        if info.scope != parsed.scope or not _same_moment(info, parsed):
            continue
        mine = seat_fingerprint(parsed.seats) if mine is None else mine
        theirs = seat_fingerprint(load(info))
        if mine.equals(theirs):
            return info, None
        clash = info
    return None, clash
