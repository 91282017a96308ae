"""The history store: kept originals, one Parquet file per snapshot, an atomic manifest.

Layout of the store folder:
- `copilot-seats-store.json`: the marker saying this folder is a store (and its format);
- `manifest.json`: format version and every snapshot with the sha256 of its Parquet file
  (the commit point: a snapshot exists once, and only once, the manifest lists it);
- `originals/<sha256>/<file name>` and `originals/<sha256>/ingest.json`: the exact bytes of
  every accepted file and how it was read, enough to rebuild everything;
- `snapshots/<scope>/<YYYYMMDDTHHMMSSZ>-<sha12>.parquet`: the canonical seat rows;
- `attic/<sha256>/`: the originals of forgotten snapshots (a rebuild never reads them);
- `.lock`, `.tmp/cs-stage-*`: the writers' lock and staging area.
Every family keeps its files on the same shelf (analyzer.store.shelf); see docs/store.md.
Writers stage files, rename them into place, then replace the manifest atomically; a crash
at any instant leaves the old manifest or the new one, and the next writer removes what it
can prove a killed writer left, and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.errors import StoreError
from analyzer.model import SnapshotInfo
from analyzer.schema import Problem
from analyzer.store import shelf
from analyzer.store.layout import (
    check_owned,
    has_data,
    leftover_parquets,
    parquet_problem,
    snapshot_table,
    unknown_parquets,
)
from analyzer.store.lock import store_lock
from analyzer.store.manifest import (
    MANIFEST,
    MARKER,
    SCOPE_RE,
    manifest_bytes,
    marker_bytes,
    read_manifest,
    read_marker,
)
from analyzer.store.shelf import ATTIC, rebuild_hint
from analyzer.times import iso, iso_exact, name_stamp

if TYPE_CHECKING:
    import polars as pl

    from analyzer.reading.reader import ParsedReport


# The snapshot files' report-time column for engines reading the store as an open dataset.
REPORT_TIME = "report_time"


@dataclass(frozen=True)
class StoreOutcome:
    """What storing one parsed report did."""

    status: str  # "stored", "already-stored" or "refused"
    message: str
    snapshot: SnapshotInfo | None = None
    problems: tuple[Problem, ...] = ()  # why it was refused


class Store:
    """A history store folder; reading needs no lock, writing takes one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._verified: set[str] = set()  # Parquet files checked whole in this process

    # Reading -------------------------------------------------------------------------
    def snapshots(self) -> list[SnapshotInfo]:
        """Return every snapshot, sorted by scope then time; none for a missing store.

        Raises StoreError naming `rebuild` when the manifest is missing or damaged while
        data is there, or when a snapshot file is on disk that the manifest does not list.
        """
        if not self.root.exists():
            return []
        check_owned(self.root)
        read_marker(self.root)
        if not (self.root / MANIFEST).is_file():
            if has_data(self.root):
                raise StoreError(
                    f"{self.root / MANIFEST} is missing but the store holds snapshots or "
                    "originals; nothing was changed; " + rebuild_hint(self.root)
                )
            return []
        infos = read_manifest(self.root)
        unknown = unknown_parquets(self.root, infos)
        if unknown:
            raise StoreError(
                f"{self.root / unknown[0]}: a snapshot file the manifest does not list"
                + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else "")
                + "; nothing was changed; "
                + rebuild_hint(self.root)
            )
        return infos

    def scopes(self) -> list[str]:
        """Return the scopes the store holds, sorted."""
        return sorted({i.scope for i in self.snapshots()})

    def check(self, info: SnapshotInfo) -> None:
        """Raise StoreError unless the snapshot's file is whole (checked once per process)."""
        shelf.check_table(self.root, snapshot_table(info), self._verified)

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
    ) -> Iterator[StoreWriter]:
        """Lock the store for writing, sweep leftovers of killed writers, yield a writer.

        A foreign folder or a damaged manifest stops every writer (a rebuild replaces the
        manifest). A store folder this writer created is removed again when nothing was
        stored in it, so a run that refused every file leaves no empty store behind.
        """
        created = _make_folders(self.root)
        writer: StoreWriter | None = None
        if os.path.lexists(self.root / ".tmp"):
            shelf.staging(self.root)  # refuses a link: a write would land outside the store
        with store_lock(self.root / ".lock", on_wait):
            try:
                if not created:  # settled now: no other writer is half way through creating it
                    check_owned(self.root)
                writer = StoreWriter(self, rebuilding=rebuilding)
                writer.sweep(parquets=not rebuilding)
                yield writer
            finally:
                if created and (writer is None or not writer.committed):
                    _remove_folders(self.root, created)


def _listed(root: Path) -> list[SnapshotInfo]:
    """Return the manifest's snapshots, or none when it is missing or damaged."""
    try:
        return read_manifest(root) if (root / MANIFEST).is_file() else []
    except StoreError:
        return []


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


class StoreWriter:
    """Writes to a locked store; every method leaves the store consistent."""

    def __init__(self, store: Store, *, rebuilding: bool = False) -> None:
        self.store = store
        self.root = store.root
        self.committed = False  # a manifest was written
        self.written: set[str] = set()  # snapshot files this writer wrote (and hashed)
        read_marker(self.root, damaged_ok=rebuilding)  # never write a newer store
        from analyzer.store.families import refuse_newer

        refuse_newer(self.root)  # of any family
        try:
            self.infos = store.snapshots()
        except StoreError:
            if not rebuilding:
                raise
            self.infos = _listed(self.root)  # what a rebuild may keep (unknown files aside)
        if (self.root / MANIFEST).is_file() and not (self.root / MARKER).is_file():
            self._mark()  # a store of an earlier version: adopt it

    def note_stored(self) -> None:
        """Record that a file other than a seat report (billing, usage) was stored.

        The store must then be whole even without a snapshot: marker and (empty) manifest.
        """
        if not (self.root / MANIFEST).is_file():
            self._write_manifest(self.infos)
        self.committed = True

    def _mark(self) -> None:
        shelf.write_bytes(self.root, self.root / MARKER, marker_bytes())

    def _write_manifest(self, infos: list[SnapshotInfo]) -> None:
        if read_marker(self.root, damaged_ok=True) is None:  # missing, or damaged (rebuild)
            self._mark()
        shelf.write_bytes(self.root, self.root / MANIFEST, manifest_bytes(infos))
        self.infos = sorted(infos, key=lambda i: (i.scope, i.as_of, i.id))
        self.committed = True
        self.store._verified.clear()
        self.store._verified.update(self.written)

    def sweep(self, *, parquets: bool = True, stale: bool = False) -> None:
        """Remove what a killed writer provably left, and finish an interrupted forget.

        Only names this store gives are touched: `.tmp/cs-stage-*`, `.manifest.json.*.tmp`,
        and snapshot files whose original no listed snapshot has. Originals are never
        removed: they are what `rebuild` re-derives everything from.
        """
        shelf.sweep_staging(self.root)
        for name in (MANIFEST, MARKER):
            for stray in self.root.glob(f".{name}.*.tmp"):
                if stray.is_file() and not stray.is_symlink():
                    stray.unlink(missing_ok=True)
        tables = self._family_tables() if parquets else {}
        shas = {i.sha256 for i in self.infos} | {t.original for f in tables.values() for t in f}
        for sha in shas:  # a forget killed before its commit: undo it
            attic, kept = self.root / ATTIC / sha, self.root / "originals" / sha
            if attic.is_dir() and not kept.exists():
                os.replace(attic, kept)
        if parquets:
            for rel in leftover_parquets(self.root, self.infos, stale=stale):
                (self.root / rel).unlink(missing_ok=True)
            for folder, listed in tables.items():
                shelf.sweep_unlisted(self.root, folder, {t.path for t in listed})

    def _family_tables(self) -> dict[str, list[shelf.Table]]:
        """Return the tables each other family lists, by folder (a damaged manifest: skipped)."""
        from analyzer.store.families import FAMILIES

        found: dict[str, list[shelf.Table]] = {}
        for family in FAMILIES[1:]:
            if (self.root / family.folder).is_dir():
                with contextlib.suppress(StoreError):
                    found[family.folder] = family.tables(self.root)
        return found

    def _keep_original(self, parsed: ParsedReport, data: bytes) -> None:
        how = {
            "as_of": iso_exact(parsed.as_of) if parsed.as_of else None,
            "time_source": parsed.time_source,
            "scope": parsed.scope,
            "scope_source": parsed.scope_source,
        }
        shelf.keep_original(self.root, parsed.sha256, parsed.name, data, how)

    def _write_snapshot(self, parsed: ParsedReport) -> SnapshotInfo:
        import polars as pl

        assert parsed.seats is not None and parsed.as_of is not None and parsed.scope
        stamp = name_stamp(parsed.as_of)
        rel = f"snapshots/{parsed.scope}/{stamp}-{parsed.sha256[:12]}.parquet"
        # The report time once more under its open-dataset name (docs/store-schema.md), so an
        # engine reading the files alone finds it; the store reads only the seat columns.
        table = parsed.seats.with_columns(pl.col("snapshot_at").alias(REPORT_TIME))
        digest = shelf.write_table(self.root, rel, table)
        self.written.add(rel)  # whole by construction: no need to check it again
        return SnapshotInfo(
            id=f"{parsed.scope}/{stamp}-{parsed.sha256[:12]}",
            scope=parsed.scope,
            as_of=parsed.as_of,
            format=parsed.format or "",
            seats=parsed.seats["login"].n_unique(),
            rows=parsed.seats.height,
            source_name=parsed.name,
            sha256=parsed.sha256,
            time_source=parsed.time_source or "",
            time_precision=parsed.time_precision,
            scope_source=parsed.scope_source or "",
            parquet=rel,
            parquet_sha256=digest,
        )

    def already_stored(self, sha256: str) -> StoreOutcome | None:
        """Return the outcome for a file whose exact bytes are already stored, else None."""
        for info in self.infos:
            if info.sha256 == sha256:
                return StoreOutcome(
                    "already-stored", f"already stored (as {info.source_name})", info
                )
        return None

    def add(self, parsed: ParsedReport, data: bytes) -> StoreOutcome:
        """Store an accepted report unless it, or a re-save of it, is already there."""
        from analyzer.store.match import find_same_report  # polars only when it is needed

        known = self.already_stored(parsed.sha256)
        if known:
            return known
        if not re.fullmatch(SCOPE_RE, parsed.scope or ""):
            message = (
                f"the scope {parsed.scope!r} is not an org or enterprise slug (lower-case "
                "letters, digits and '-'); pass --scope"
            )
            problem = Problem(parsed.name, 0, "", "no-scope", message)
            return StoreOutcome("refused", "no-scope", problems=(problem,))
        same, clash = find_same_report(self.store.load, self.infos, parsed)
        if same:
            return StoreOutcome(
                "already-stored",
                f"already stored: the same report as {same.source_name}, re-saved",
                same,
            )
        if clash:
            code = "conflicting-snapshot"
            message = (
                f"a different report for {clash.scope} at {iso(clash.as_of)} is already "
                f"stored (from {clash.source_name}, sha256 {clash.sha256[:12]}); two reports "
                "cannot describe the same moment: check which file is right"
            )
            return StoreOutcome(
                "refused", code, problems=(Problem(parsed.name, 0, "", code, message),)
            )
        self._keep_original(parsed, data)
        info = self._write_snapshot(parsed)
        self._write_manifest([*self.infos, info])
        return StoreOutcome("stored", "stored", info)

    def forget(self, info: SnapshotInfo) -> None:
        """Remove one snapshot for good: its original to the attic, then commit, then its file.

        The attic is what keeps a rebuild from bringing it back; ingesting the same file
        again restores it.
        """
        self.to_attic(info.sha256)
        self._write_manifest([i for i in self.infos if i.id != info.id])
        (self.root / info.parquet).unlink(missing_ok=True)

    def to_attic(self, sha256: str) -> None:
        """Move a kept original to the attic, where no rebuild reads it."""
        kept = self.root / "originals" / sha256
        attic = self.root / ATTIC / sha256
        if kept.exists():
            if attic.exists():
                raise StoreError(f"{attic} is in the way; move it elsewhere and try again")
            attic.parent.mkdir(exist_ok=True)
            shelf.place(kept, attic)

    def store_has_whole(self, info: SnapshotInfo) -> bool:
        """Return True when a listed snapshot's file is whole (a rebuild may keep it)."""
        return parquet_problem(self.root, info) is None

    def replace_all(self, infos: list[SnapshotInfo]) -> None:
        """Commit a whole new list of snapshots (used by rebuild), then sweep the old files."""
        self._write_manifest(infos)
        self.sweep(stale=True)

    def reread(
        self, how: dict[str, Any], data: bytes, folder: Path
    ) -> tuple[SnapshotInfo | None, tuple[Problem, ...], str]:
        """Re-read one kept seat report (shelf.reread); write its snapshot when accepted."""
        from analyzer.store.readers import seat_report
        from analyzer.times import parse_iso

        as_of = parse_iso(how["as_of"]) if how.get("as_of") else None
        scope = how.get("scope")
        parsed = seat_report(how["name"], data, folder.name, as_of=as_of, scope=scope, mtime=as_of)
        if not parsed.accepted:
            return None, parsed.problems, "it is refused by this version"
        if not re.fullmatch(SCOPE_RE, parsed.scope or ""):
            return None, parsed.problems, f"its scope {parsed.scope!r} is not a slug"
        return self._write_snapshot(parsed), parsed.problems, ""
