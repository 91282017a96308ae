"""The store's one writer: every family's files kept, listed, forgotten and rebuilt the same way.

A writer holds the store lock (`Store.writing()`). For each accepted file it asks the file's
family whether it is stored already or in conflict, keeps the original (durably, before
anything lists it), has the family write its tables through the shelf, and commits the
family's manifest (atomically, durably; every `commit_every` files). A crash at any instant
leaves the old manifest or the new one; the next writer removes what it can prove a killed
writer left (`sweep`), and nothing else.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from analyzer.errors import StoreError
from analyzer.store import manifests, shelf
from analyzer.store.billing import BILLING
from analyzer.store.family import Family, Outcome
from analyzer.store.seats import MARKER, SEATS, marker_bytes, read_marker
from analyzer.store.usage_family import USAGE

if TYPE_CHECKING:
    import polars as pl

    from analyzer.model import SnapshotInfo
    from analyzer.reading.interface import ParsedFile

FAMILIES: tuple[Family, ...] = (SEATS, BILLING, USAGE)
BY_READING = {f.reading: f for f in FAMILIES}
Failure = shelf.Failure


def family_of(how: dict[str, Any] | None) -> Family:
    """Return the family a kept original belongs to, from its `ingest.json` (seats: default)."""
    return next((f for f in FAMILIES[1:] if how and f.owns(how)), SEATS)


def refuse_newer(root: Path) -> None:
    """Raise StoreError when a family's manifest has a newer format than this version knows."""
    manifests.refuse_newer(root, {f.manifest: f.version for f in FAMILIES})


class Store(Protocol):
    """The store a writer writes (analyzer.store.folder.Store)."""

    root: Path
    verified: set[str]  # tables checked whole in this process

    def load(self, info: SnapshotInfo) -> pl.DataFrame:
        """Return the seat rows of a stored snapshot."""


class Writer:
    """Writes to a locked store; every method leaves the store consistent."""

    def __init__(self, store: Store, *, rebuilding: bool = False) -> None:
        self.store = store
        self.root = store.root
        self.rebuilding = rebuilding
        self.committed = False  # a manifest was written
        self.written: set[str] = set()  # tables this writer wrote (whole by construction)
        self.memo: dict[str, Any] = {}  # a family's state for one run (its key: the family)
        self._entries: dict[str, list[Any]] = {}
        self._pending: dict[str, int] = {}
        # (read once: a newer store is never written; a missing or damaged marker is written
        # before the first manifest this writer saves)
        self.marked = read_marker(self.root, damaged_ok=rebuilding) is not None
        refuse_newer(self.root)
        self.entries(SEATS)  # a damaged seat manifest stops every writer but a rebuild
        if (self.root / SEATS.manifest).is_file() and not (self.root / MARKER).is_file():
            self.mark()  # a store of an earlier version: adopt it

    @property
    def infos(self) -> list[SnapshotInfo]:
        """Return the snapshots listed (and added by this writer), by scope then time."""
        return self.entries(SEATS)

    def entries(self, family: Family) -> list[Any]:
        """Return what a family lists, read once (a damaged manifest raises but in a rebuild)."""
        if family.name not in self._entries:
            try:
                self._entries[family.name] = family.listed(self.root)
            except StoreError:
                if not self.rebuilding:
                    raise
                self._entries[family.name] = family.salvage(self.root)
        return self._entries[family.name]

    def find(self, sha256: str) -> tuple[Family, Any] | None:
        """Return the family and entry of a stored file of any family, by its sha256.

        A family whose manifest is damaged is passed over: storing a file of it says so.
        """
        for family in FAMILIES:
            with contextlib.suppress(StoreError):
                for entry in self.entries(family):
                    if entry.sha256 == sha256:
                        return family, entry
        return None

    def stored(self, sha256: str) -> Outcome | None:
        """Return the outcome of a file whose very bytes are stored (any family), else None."""
        found = self.find(sha256)
        if found is None:
            return None
        entry = found[1]
        return Outcome("already-stored", f"already stored (as {entry.source_name})", entry=entry)

    def shas(self) -> set[str]:
        """Return the sha256 of every file stored (a family with a damaged manifest: none)."""
        found: set[str] = set()
        for family in FAMILIES:
            with contextlib.suppress(StoreError):
                found |= {e.sha256 for e in self.entries(family)}
        return found

    def mark(self) -> None:
        """Write the marker saying this folder is a store."""
        shelf.write_bytes(self.root, self.root / MARKER, marker_bytes())
        self.marked = True

    def load(self, info: SnapshotInfo) -> pl.DataFrame:
        """Return the seat rows of a stored snapshot."""
        return self.store.load(info)

    def save(self, family: Family, entries: list[Any]) -> None:
        """Commit a family's manifest listing `entries` (the marker first, when it is missing)."""
        if not self.marked:
            self.mark()
        family.save(self, entries)
        self.committed = True
        self.store.verified.clear()  # what is read next is checked again, but what this
        self.store.verified.update(self.written)  # writer wrote: whole by construction

    # Adding --------------------------------------------------------------------------
    def add(
        self,
        read: ParsedFile,
        data: bytes,
        source: shelf.Source | None = None,
        staged: Future[Path] | None = None,
    ) -> Outcome:
        """Store an accepted file unless it (or its rows) is stored already or in conflict;
        `staged`: its original's copy begun meanwhile (`shelf.stage_original`)."""
        family = BY_READING[read.family]
        entries = self.entries(family)
        known = self.stored(read.sha256)
        if known is not None:
            return known
        parsed = read.detail
        clash = family.clash(self, parsed, entries)
        if clash is not None:
            return clash
        if family.listed_first and not (self.root / family.manifest).is_file():
            self.save(family, entries)  # listed first: a table without it is a leftover
        # The original is kept (copied and flushed, or its staged copy placed) while the
        # tables are encoded, both before the manifest lists them; the tables of an original
        # that could not be kept are removed.
        how = family.how(parsed)

        def keep() -> None:
            copy = staged.result() if staged is not None else None
            shelf.keep_original(self.root, read.sha256, read.name, data, how, source, copy)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="keep-original") as pool:
            kept = pool.submit(keep)
            entry = family.write(self, parsed)
            try:
                kept.result()
            except BaseException:  # (disk full): none another entry lists
                listed = {t.path for e in entries for t in family.tables(e)}
                for table in family.tables(entry):
                    if table.path not in listed:
                        shelf.remove(self.root / table.path)
                raise
        entries.append(entry)
        self._pending[family.name] = self._pending.get(family.name, 0) + 1
        if self._pending[family.name] >= family.commit_every:
            self.commit()
        return Outcome("stored", family.describe(entry), entry=entry)

    def commit(self) -> bool:
        """List every file added since the last commit; return True when there was one."""
        done = False
        for family in FAMILIES:
            if self._pending.pop(family.name, 0):
                self.save(family, self.entries(family))
                done = True
        if done:
            self.whole()
        return done

    def whole(self) -> None:
        """Make a store that holds anything whole: its marker and (maybe empty) seat manifest."""
        if not self.marked:
            self.mark()
        if not (self.root / SEATS.manifest).is_file():
            self.save(SEATS, self.infos)
        self.committed = True

    # Forgetting ----------------------------------------------------------------------
    def forget(self, sha256: str) -> tuple[Family, Any]:
        """Forget one stored file: its original to the attic, then commit, then its tables.

        The attic is what keeps a rebuild from bringing it back; ingesting the same file
        again restores it.
        """
        found = self.find(sha256)
        assert found is not None
        family, entry = found
        self.to_attic(sha256)
        entries = [e for e in self.entries(family) if e.sha256 != sha256]
        self._entries[family.name] = entries
        self.save(family, entries)
        self.whole()
        for table in family.tables(entry):
            (self.root / table.path).unlink(missing_ok=True)
        return family, entry

    def to_attic(self, sha256: str) -> None:
        """Move a kept original to the attic, where no rebuild reads it."""
        kept = self.root / "originals" / sha256
        attic = self.root / shelf.ATTIC / sha256
        if kept.exists():
            if attic.exists():
                raise StoreError(f"{attic} is in the way; move it elsewhere and try again")
            attic.parent.mkdir(exist_ok=True)
            shelf.place(kept, attic)

    # Rebuilding ----------------------------------------------------------------------
    def rebuild(
        self, family: Family, folders: list[Path]
    ) -> tuple[list[Any], list[Failure], list[Any]]:
        """Re-read a family's kept originals and replace its manifest with what they give.

        A listed file whose original is missing or cannot be re-read (and is not forgotten)
        keeps its tables when they are whole. Return the entries re-read, the failures and
        the entries kept as they were.
        """
        old = self.entries(family)

        def read(how: dict[str, Any], data: bytes, folder: Path) -> Any:
            return family.reread(self, how, data, folder)

        rebuilt, failures = shelf.reread(folders, read)
        done = {e.sha256 for e in rebuilt}
        forgotten = {p.name for p in (self.root / shelf.ATTIC).glob("*")}
        kept = [
            e
            for e in old
            if e.sha256 not in done
            and e.sha256 not in forgotten
            and shelf.whole(self.root, family.tables(e))
        ]
        self._entries[family.name] = entries = rebuilt + kept
        if entries or (self.root / family.manifest).is_file():
            self.save(family, entries)
        self._sweep_tables(family)
        return rebuilt, failures, kept

    # Sweeping ------------------------------------------------------------------------
    def sweep(self, *, tables: bool = True) -> None:
        """Remove what a killed writer provably left, and finish an interrupted forget.

        Only names this store gives are touched: `.tmp/cs-stage-*`, a manifest's temporary
        file, and tables named for a kept original that no manifest lists. Originals are
        never removed: they are what `rebuild` re-derives everything from.
        """
        shelf.sweep_staging(self.root)
        for rel in (MARKER, *(f.manifest for f in FAMILIES)):
            path = self.root / rel
            for stray in path.parent.glob(f".{path.name}.*.tmp"):
                if stray.is_file() and not stray.is_symlink():
                    stray.unlink(missing_ok=True)
        for family in FAMILIES:
            with contextlib.suppress(StoreError):  # a damaged manifest: rebuild's to mend
                for entry in self.entries(family):  # a forget killed before its commit: undo
                    attic = self.root / shelf.ATTIC / entry.sha256
                    if attic.is_dir() and not (self.root / "originals" / entry.sha256).exists():
                        os.replace(attic, self.root / "originals" / entry.sha256)
                if tables:  # (a rebuild sweeps the tables it replaces itself)
                    self._sweep_tables(family)

    def _sweep_tables(self, family: Family) -> None:
        for rel in family.unlisted(self.root, self.entries(family)):
            (self.root / rel).unlink(missing_ok=True)
