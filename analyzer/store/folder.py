"""The history store folder: reading needs no lock; writing takes one and yields the writer.

What a store holds, family by family, is told in analyzer.store.seats (seat reports),
analyzer.store.billing and analyzer.store.usage, and in docs/store.md. Every family keeps its
files on the same shelf (analyzer.store.shelf) through the one writer (analyzer.store.writer).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer.errors import StoreError
from analyzer.model import SnapshotInfo
from analyzer.store import shelf
from analyzer.store.lock import store_lock
from analyzer.store.seats import SEATS, check_owned, snapshot_table

if TYPE_CHECKING:
    import polars as pl

    from analyzer.store.writer import Writer


class Store:
    """A history store folder; reading needs no lock, writing takes one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.verified: set[str] = set()  # Parquet files checked whole in this process

    # Reading -------------------------------------------------------------------------
    def snapshots(self) -> list[SnapshotInfo]:
        """Return every snapshot, sorted by scope then time; none for a missing store.

        Raises StoreError naming `rebuild` when the manifest is missing or damaged while
        data is there, or when a snapshot file is on disk that the manifest does not list.
        """
        return SEATS.listed(self.root)

    def scopes(self) -> list[str]:
        """Return the scopes the store holds, sorted."""
        return sorted({i.scope for i in self.snapshots()})

    def check(self, info: SnapshotInfo) -> None:
        """Raise StoreError unless the snapshot's file is whole (checked once per process)."""
        shelf.check_table(self.root, snapshot_table(info), self.verified)

    def scan(self, infos: list[SnapshotInfo], columns: list[str] | None = None) -> pl.LazyFrame:
        """Return a lazy frame of the seat rows of these snapshots (their files verified)."""
        import polars as pl

        from analyzer.schema import seat_schema

        if not infos:
            return pl.LazyFrame(schema=seat_schema()).select(columns or pl.all())
        for info in infos:
            self.check(info)
        paths = [str(self.root / i.parquet) for i in infos]
        # Older files lack the open-dataset column: the seat columns are read, by name.
        frame = pl.scan_parquet(paths, missing_columns="insert", extra_columns="ignore",
                                schema=seat_schema())  # fmt: skip
        return frame.select(columns) if columns else frame

    def load(self, info: SnapshotInfo) -> pl.DataFrame:
        """Return the seat rows of one snapshot."""
        return self.scan([info]).collect()

    # Writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def writing(
        self, on_wait: Callable[[], None] | None = None, *, rebuilding: bool = False
    ) -> Iterator[Writer]:
        """Lock the store for writing, sweep leftovers of killed writers, yield a writer.

        A foreign folder or a damaged manifest stops every writer (a rebuild replaces the
        manifest). A store folder this writer created is removed again when nothing was
        stored in it, so a run that refused every file leaves no empty store behind.
        """
        from analyzer.store.writer import Writer

        created = _make_folders(self.root)
        writer: Writer | None = None
        if os.path.lexists(self.root / ".tmp"):
            shelf.staging(self.root)  # refuses a link: a write would land outside the store
        with store_lock(self.root / ".lock", on_wait):
            try:
                if not created:  # settled now: no other writer is half way through creating it
                    check_owned(self.root)
                writer = Writer(self, rebuilding=rebuilding)
                writer.sweep(tables=not rebuilding)
                yield writer
            finally:
                if created and (writer is None or not writer.committed):
                    _remove_folders(self.root, created)


def _make_folders(root: Path) -> list[Path]:
    """Create the store folder (and missing parents); return the folders created."""
    if root.exists():
        check_owned(root, settled=False)  # plainly foreign files: refused before the lock
        return []
    missing = [p for p in (root, *root.parents) if not p.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:  # another writer made it first
            pass
        except OSError as exc:
            raise StoreError(f"cannot create the store folder {folder}: {exc.strerror}") from exc
    return missing


def _remove_folders(root: Path, created: list[Path]) -> None:
    """Remove the empty store this run created (lock and staging area included)."""
    shelf.sweep_staging(root)
    with contextlib.suppress(OSError):
        (root / ".lock").unlink()
    for folder in created:  # deepest first
        with contextlib.suppress(OSError):
            folder.rmdir()
