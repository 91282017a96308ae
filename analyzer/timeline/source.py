"""Where a timeline reads seat rows from: the store on disk, or snapshots held in memory."""

from __future__ import annotations

from typing import Protocol

import polars as pl

from analyzer.model import SnapshotInfo
from analyzer.schema import seat_schema


class SeatSource(Protocol):
    """Anything that hands out the canonical seat rows of stored snapshots."""

    def scan(self, infos: list[SnapshotInfo], columns: list[str] | None = None) -> pl.LazyFrame:
        """Return a lazy frame of the seat rows of these snapshots."""
        ...


class MemorySource:
    """Snapshots held in memory (tests, and answers computed before anything is stored)."""

    def __init__(self, frames: dict[str, pl.DataFrame]) -> None:
        self.frames = frames  # snapshot id -> canonical seat rows

    def scan(self, infos: list[SnapshotInfo], columns: list[str] | None = None) -> pl.LazyFrame:
        """Return a lazy frame of the seat rows of these snapshots."""
        parts = [self.frames[i.id].lazy() for i in infos]
        frame = pl.concat(parts) if parts else pl.LazyFrame(schema=seat_schema())
        return frame.select(columns) if columns else frame
