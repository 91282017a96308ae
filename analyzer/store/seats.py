"""Seat reports on the shelf: the snapshot manifest, the marker, and the seat family.

Layout of a store folder (every family: docs/store.md):
- `copilot-seats-store.json`: the marker saying this folder is a store (and its format);
- `manifest.json`: every snapshot with the sha256 of its Parquet file, sealed (the commit
  point: a snapshot exists once, and only once, the manifest lists it);
- `originals/<sha256>/<file name>` and `ingest.json`: the exact bytes of every accepted file
  and how it was read, enough to rebuild everything;
- `snapshots/<scope>/<YYYYMMDDTHHMMSSZ>-<sha12>.parquet`: the canonical seat rows;
- `attic/<sha256>/`: the originals of forgotten files (a rebuild never reads them);
- `.lock`, `.tmp/cs-stage-*`: the writers' lock and staging area.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.errors import StoreError
from analyzer.model import SnapshotInfo
from analyzer.reading.interface import SEATS as SEAT_FILES
from analyzer.reading.usage_schema import AGGREGATE, USERS
from analyzer.schema import Problem
from analyzer.store import shelf
from analyzer.store.family import Family, Outcome, refused
from analyzer.store.manifests import (
    check_version,
    entry_from_json,
    entry_to_json,
    manifest_object,
    seal,
)
from analyzer.store.shelf import (
    ASIDE,
    ATTIC,
    SCOPE,
    SHA_RE,
    Table,
    kept_sha12,
    ours,
    read_how,
    rebuild_hint,
)
from analyzer.times import iso, iso_exact, name_stamp, parse_iso

if TYPE_CHECKING:
    from analyzer.reading.reader import ParsedReport
    from analyzer.store.family import Writer

FORMAT_VERSION = 2  # 2: every snapshot records its Parquet file's sha256
MANIFEST = "manifest.json"
MARKER = "copilot-seats-store.json"
# The snapshot files' report-time column for engines reading the store as an open dataset.
REPORT_TIME = "report_time"
SCOPE_RE = SCOPE.pattern
# snapshots/<scope>/<YYYYMMDDTHHMMSSZ>-<sha12>.parquet
PARQUET_RE = re.compile(
    rf"snapshots/(?P<scope>{SCOPE_RE})/\d{{8}}T\d{{6}}Z-(?P<sha12>[0-9a-f]{{12}})\.parquet"
)
# What a store folder may hold at its top; anything else is someone else's file.
# The top of a store: its own files and folders (usage metrics, billing files and the derived
# carried state each keep a folder of their own).
OWN_ENTRIES = {
    MANIFEST,
    MARKER,
    ".lock",
    ".tmp",
    "originals",
    "snapshots",
    ATTIC,
    ASIDE,
    "usage",
    "billing",
    "billing.json",
    "derived",
}


def marker_bytes() -> bytes:
    """Return the marker file's content: what the folder is, and its format version."""
    body = {"format_version": FORMAT_VERSION, "what": "a copilot-seats history store"}
    return (json.dumps(body, indent=1, sort_keys=True) + "\n").encode("utf-8")


def read_marker(root: Path, *, damaged_ok: bool = False) -> int | None:
    """Return the marker's format version, None when there is none (or, if allowed, damaged).

    Raises StoreError for a damaged marker (unless `damaged_ok`) and, always, for a store
    of a newer format.
    """
    path = root / MARKER
    if not path.is_file():
        return None
    try:
        _, version = manifest_object(path.read_bytes())
    except (OSError, ValueError, UnicodeDecodeError, RecursionError) as exc:
        if damaged_ok:
            return None
        raise StoreError(
            f"{path}: the store's marker file is damaged ({exc}); " + rebuild_hint(root)
        ) from exc
    check_version(path, version, FORMAT_VERSION)
    return version


def _entry(entry: Any, index: int) -> SnapshotInfo:
    """Return one manifest entry as a SnapshotInfo; raise ValueError saying what is wrong."""
    where = f"snapshot {index + 1}"
    info = entry_from_json(SnapshotInfo, entry, where)
    if not SHA_RE.fullmatch(info.sha256):
        raise ValueError(f"{where}: `sha256` is not a sha256: {info.sha256!r:.80}")
    match = PARQUET_RE.fullmatch(info.parquet)
    if not match or match["scope"] != info.scope or match["sha12"] != info.sha256[:12]:
        raise ValueError(
            f"{where}: `parquet` is not this snapshot's file name: {info.parquet!r:.120}"
        )
    if info.parquet_sha256 and not SHA_RE.fullmatch(info.parquet_sha256):
        raise ValueError(f"{where}: `parquet_sha256` is not a sha256")
    return info


def read_manifest(root: Path) -> list[SnapshotInfo]:
    """Return the manifest's snapshots; raise StoreError naming `rebuild` when it is damaged."""
    path = root / MANIFEST
    try:
        body, version = manifest_object(path.read_bytes())
        check_version(path, version, FORMAT_VERSION)
        entries = body.get("snapshots")
        if not isinstance(entries, list):
            raise ValueError(f"`snapshots` must be a list, found {entries!r:.60}")
        infos = [_entry(e, n) for n, e in enumerate(entries)]
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise StoreError(f"{path}: the manifest is damaged ({exc}); " + rebuild_hint(root)) from exc
    ids = [i.id for i in infos]
    if len(set(ids)) != len(ids):
        raise StoreError(f"{path}: the manifest lists a snapshot twice; " + rebuild_hint(root))
    return sorted(infos, key=lambda i: (i.scope, i.as_of, i.id))


def manifest_bytes(infos: list[SnapshotInfo]) -> bytes:
    """Return the manifest listing these snapshots, in the current format."""
    ordered = sorted(infos, key=lambda i: (i.scope, i.as_of, i.id))
    # Written whole after every snapshot an ingest stores: each entry is made once.
    entries = ",\n".join(_entry_text(info) for info in ordered)
    listed = f"[\n{entries}\n ]" if entries else "[]"
    text = f'{{\n "format_version": {FORMAT_VERSION},\n "snapshots": {listed}\n}}\n'
    return seal(text.encode())


@functools.lru_cache(maxsize=4096)
def _entry_text(info: SnapshotInfo) -> str:
    """Return one snapshot's manifest entry, as `json.dumps(..., indent=1)` lays it out."""
    text = json.dumps([entry_to_json(info)], indent=1, sort_keys=True)
    return "\n".join(" " + line for line in text.splitlines()[1:-1])


# A manifest's temporary file while it is replaced (removed by the next writer if left).
TEMP_RE = re.compile(rf"\.({re.escape(MANIFEST)}|{re.escape(MARKER)}|billing\.json)\..+\.tmp")


def top_entries(root: Path) -> set[str]:
    """Return the names at the top of a folder, without the lock file (a writer may hold it)."""
    return set(os.listdir(root)) - {".lock"}


def has_data(root: Path) -> bool:
    """Return True when the folder holds snapshot files or kept originals of seat reports.

    (Billing and usage-metrics files need no seat manifest: a store holding only them, or a
    first write of one stopped by a full disk, is no damaged seat history.)
    """
    if parquet_files(root):
        return True
    for folder in (root / "originals").glob("*"):
        how = read_how(folder)
        if how is None or not (how.get("billing") or how.get("kind") in (USERS, AGGREGATE)):
            return True
    return False


def check_owned(root: Path, *, settled: bool = True) -> None:
    """Raise StoreError unless `root` is a store, a store's remains, or an empty folder.

    A store has the marker file; a store of an earlier version has a manifest (it is adopted
    and marked by the next writer); a store whose manifest was lost still has its own
    folders only. Anything else is someone else's folder, and the store never writes there.

    Not `settled` (before a writer holds the lock), a folder of the store's own entries only
    passes: another writer may be creating the store this instant (its snapshots and
    staging area there, its originals and marker not yet), and the check is made again,
    settled, under the lock.
    """
    if not root.is_dir():
        raise StoreError(
            f"{root} is a file, not a store folder; give --store a folder (new or a store)"
        )
    if (root / MARKER).is_file() or (root / MANIFEST).is_file():
        return  # its content is checked by whoever reads it
    names = top_entries(root)
    # Its own folders only: a store whose manifest was lost, or one another writer is
    # creating this instant (nothing but its staging area yet).
    # (Snapshots without originals are not a store's: every stored snapshot keeps its original.)
    if not names or (names <= OWN_ENTRIES and ("originals" in names or names <= {".tmp"})):
        return
    if not settled and all(n in OWN_ENTRIES or TEMP_RE.fullmatch(n) for n in names):
        return  # (a manifest of the store being made may be half way through its rename)
    shown = ", ".join(sorted(names)[:3]) + (", ..." if len(names) > 3 else "")
    raise StoreError(
        f"{root} is not a copilot-seats store: it holds other files ({shown}) and no {MARKER}; "
        "give --store a new or empty folder, or the folder of an existing store"
    )


def parquet_files(root: Path) -> list[str]:
    """Return the path inside the store of every file named like a snapshot file."""
    found = (p.relative_to(root).as_posix() for p in root.glob("snapshots/*/*") if p.is_file())
    return sorted(rel for rel in found if PARQUET_RE.fullmatch(rel))


def unknown_parquets(root: Path, infos: list[SnapshotInfo]) -> list[str]:
    """Return snapshot files the manifest does not list and no interrupted writer explains
    (a table of an interrupted write is named for a kept original)."""
    listed, kept = {i.parquet for i in infos}, kept_sha12(root)
    return [r for r in parquet_files(root) if r not in listed and not ours(Path(r).name, kept)]


def snapshot_table(info: SnapshotInfo) -> Table:
    """Return a snapshot's file as the shelf checks it."""
    what = f"the snapshot file of {info.scope} at {iso(info.as_of)}"
    sha = info.parquet_sha256 or None
    return Table(info.parquet, sha, info.sha256, what, info.source_name, "snapshot")


class SeatFamily(Family):
    """Seat reports (CSV and API): one snapshot file each, listed by `manifest.json`."""

    name = "seat report"
    reading = SEAT_FILES
    folder = "snapshots"
    manifest = MANIFEST
    version = FORMAT_VERSION
    # (A seat history whose manifest is lost while snapshots are there asks for `rebuild`;
    # the manifest is first written with its first snapshot.)
    listed_first = False

    def listed(self, root: Path) -> list[SnapshotInfo]:
        """Return every snapshot, by scope then time; none for a missing store.

        Raises StoreError naming `rebuild` when the manifest is missing or damaged while
        data is there, or when a snapshot file is on disk that the manifest does not list.
        """
        if not root.exists():
            return []
        check_owned(root)
        read_marker(root)
        if not (root / MANIFEST).is_file():
            if has_data(root):
                raise StoreError(
                    f"{root / MANIFEST} is missing but the store holds snapshots or "
                    "originals; nothing was changed; " + rebuild_hint(root)
                )
            return []
        infos = read_manifest(root)
        unknown = unknown_parquets(root, infos)
        if unknown:
            raise StoreError(
                f"{root / unknown[0]}: a snapshot file the manifest does not list"
                + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else "")
                + "; nothing was changed; "
                + rebuild_hint(root)
            )
        return infos

    def salvage(self, root: Path) -> list[SnapshotInfo]:
        """Return the manifest's snapshots though unknown files are there (none if damaged)."""
        try:
            return read_manifest(root) if (root / MANIFEST).is_file() else []
        except StoreError:
            return []

    def every_table(self, root: Path) -> list[Table]:
        """Return every snapshot file the manifest lists (unknown files are verify's)."""
        if not (root / MANIFEST).is_file():
            if has_data(root):
                raise StoreError(f"{root / MANIFEST}: the manifest is missing while snapshots "
                                 "or originals are there")  # fmt: skip
            return []
        return [snapshot_table(i) for i in read_manifest(root)]

    def tables(self, entry: SnapshotInfo) -> list[Table]:
        """Return a snapshot's file as the shelf checks it."""
        return [snapshot_table(entry)]

    def owns(self, how: dict[str, Any]) -> bool:
        """Return True for every original no other family claims (see writer.family_of)."""
        return True

    def how(self, parsed: ParsedReport) -> dict[str, Any]:
        """Return the report's time and scope, and where each was found."""
        return {
            "as_of": iso_exact(parsed.as_of) if parsed.as_of else None,
            "time_source": parsed.time_source,
            "scope": parsed.scope,
            "scope_source": parsed.scope_source,
        }

    def clash(
        self, writer: Writer, parsed: ParsedReport, entries: list[SnapshotInfo]
    ) -> Outcome | None:
        """Refuse a report without a scope slug or for a moment another report describes;
        a re-save of a stored report is stored already."""
        from analyzer.store.match import find_same_report  # polars only when it is needed

        if not SCOPE.fullmatch(parsed.scope or ""):
            return refused(parsed.name, "no-scope", (
                f"the scope {parsed.scope!r} is not an org or enterprise slug (lower-case "
                "letters, digits and '-'); pass --scope"))  # fmt: skip
        same, other = find_same_report(writer.load, entries, parsed)
        if same:
            message = f"already stored: the same report as {same.source_name}, re-saved"
            return Outcome("already-stored", message, entry=same)
        if other:
            return refused(parsed.name, "conflicting-snapshot", (
                f"a different report for {other.scope} at {iso(other.as_of)} is already "
                f"stored (from {other.source_name}, sha256 {other.sha256[:12]}); two reports "
                "cannot describe the same moment: check which file is right"))  # fmt: skip
        return None

    def write(self, writer: Writer, parsed: ParsedReport) -> SnapshotInfo:
        """Write the snapshot file `snapshots/<scope>/<time>-<sha12>.parquet`."""
        import polars as pl

        assert parsed.seats is not None and parsed.as_of is not None and parsed.scope
        stamp = name_stamp(parsed.as_of)
        rel = f"snapshots/{parsed.scope}/{stamp}-{parsed.sha256[:12]}.parquet"
        # The report time once more under its open-dataset name (docs/store-schema.md), so an
        # engine reading the files alone finds it; the store reads only the seat columns.
        table = parsed.seats.with_columns(pl.col("snapshot_at").alias(REPORT_TIME))
        digest = shelf.write_table(writer.root, rel, table)
        writer.written.add(rel)  # whole by construction: no need to check it again
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

    def save(self, writer: Writer, entries: list[SnapshotInfo]) -> None:
        """Write the manifest (the writer has written the marker first)."""
        shelf.write_bytes(writer.root, writer.root / MANIFEST, manifest_bytes(entries))
        entries.sort(key=lambda i: (i.scope, i.as_of, i.id))

    def reread(
        self, writer: Writer, how: dict[str, Any], data: bytes, folder: Path
    ) -> tuple[SnapshotInfo | None, tuple[Problem, ...], str]:
        """Read a kept seat report with the time and scope it was stored with."""
        from analyzer.reading.reader import ReadHints, read_report

        as_of = parse_iso(how["as_of"]) if how.get("as_of") else None
        hints = ReadHints(as_of=as_of, scope=how.get("scope"), mtime=as_of)
        parsed = read_report(how["name"], data, hints, folder.name)
        if not parsed.accepted:
            return None, parsed.problems, "it is refused by this version"
        if not SCOPE.fullmatch(parsed.scope or ""):
            return None, parsed.problems, f"its scope {parsed.scope!r} is not a slug"
        if how.get("time_source"):  # how the time was first found (e.g. the file's mtime)
            parsed = dataclasses.replace(parsed, time_source=how["time_source"])
        return self.write(writer, parsed), parsed.problems, ""


SEATS = SeatFamily()
