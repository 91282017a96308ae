"""What is on a store's disk: whose folder it is, its data, leftovers and unknown snapshot files."""

from __future__ import annotations

import os
from pathlib import Path

from analyzer.errors import StoreError
from analyzer.model import SnapshotInfo
from analyzer.reading.usage_schema import AGGREGATE, USERS
from analyzer.store.manifest import MANIFEST, MARKER, OWN_ENTRIES, PARQUET_RE
from analyzer.store.shelf import Table, kept_sha12, read_how, table_problem
from analyzer.times import iso


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
    if not settled and names <= OWN_ENTRIES:
        return
    shown = ", ".join(sorted(names)[:3]) + (", ..." if len(names) > 3 else "")
    raise StoreError(
        f"{root} is not a copilot-seats store: it holds other files ({shown}) and no {MARKER}; "
        "give --store a new or empty folder, or the folder of an existing store"
    )


def parquet_files(root: Path) -> dict[str, str]:
    """Return {path inside the store: sha12} of every file named like a snapshot file."""
    found: dict[str, str] = {}
    snapshots = root / "snapshots"
    if not snapshots.is_dir():
        return found
    for path in snapshots.glob("*/*"):
        rel = path.relative_to(root).as_posix()
        match = PARQUET_RE.fullmatch(rel)
        if match and path.is_file():
            found[rel] = match["sha12"]
    return found


def leftover_parquets(root: Path, infos: list[SnapshotInfo], *, stale: bool = False) -> list[str]:
    """Return snapshot files a killed writer left: unlisted, of an original no snapshot lists.

    With `stale` (after a rebuild), also the unlisted files of listed originals: an earlier
    derivation of a snapshot the rebuild has just written again.
    """
    listed = {i.parquet for i in infos}
    listed_shas = {i.sha256[:12] for i in infos}
    kept = kept_sha12(root)
    return sorted(
        rel
        for rel, sha12 in parquet_files(root).items()
        if rel not in listed and sha12 in kept and (stale or sha12 not in listed_shas)
    )


def unknown_parquets(root: Path, infos: list[SnapshotInfo]) -> list[str]:
    """Return snapshot files the manifest does not list and no interrupted writer explains."""
    listed = {i.parquet for i in infos}
    leftovers = set(leftover_parquets(root, infos))
    return sorted(rel for rel in parquet_files(root) if rel not in listed | leftovers)


def snapshot_table(info: SnapshotInfo) -> Table:
    """Return a snapshot's file as the shelf checks it."""
    what = f"the snapshot file of {info.scope} at {iso(info.as_of)}"
    sha = info.parquet_sha256 or None
    return Table(info.parquet, sha, info.sha256, what, info.source_name, "snapshot")


def parquet_problem(root: Path, info: SnapshotInfo) -> tuple[str, str] | None:
    """Return (code, what is wrong) with a listed snapshot's file, or None when it is whole."""
    return table_problem(root, snapshot_table(info))
