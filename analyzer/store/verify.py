"""Check a whole store: marker, manifest, every snapshot file and original, unknown files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from analyzer.codes import STORE
from analyzer.errors import StoreError
from analyzer.fsutil import file_sha256
from analyzer.store import shelf
from analyzer.store.seats import (
    MARKER,
    OWN_ENTRIES,
    PARQUET_RE,
    SEATS,
    TEMP_RE,
    check_owned,
    read_marker,
)
from analyzer.store.shelf import ATTIC, SHA_RE, STAGE_PREFIX, Table


@dataclass(frozen=True)
class StoreProblem:
    """One thing wrong (or worth a note) in a store, with the file it concerns."""

    path: str  # inside the store ("" for the store itself)
    code: str  # a key of analyzer.codes.STORE
    message: str

    @property
    def severity(self) -> str:
        """Return "note" for what needs no action, else "error"."""
        return "note" if STORE[self.code].startswith("note:") else "error"

    def render(self) -> str:
        """Return the `path: message [code]` form users see."""
        return f"{self.path or '.'}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class Verification:
    """What `verify` found: the problems, and how much it checked."""

    problems: list[StoreProblem]
    snapshots: int
    originals: int

    @property
    def ok(self) -> bool:
        """Return True when nothing but notes was found."""
        return all(p.severity == "note" for p in self.problems)


def verify_store(root: Path) -> Verification:
    """Check every file of the store at `root`; raise StoreError when there is no store."""
    if not root.exists():
        raise StoreError(f"there is no store at {root}")
    check_owned(root)
    found: list[StoreProblem] = []
    try:
        if read_marker(root) is None:
            found.append(StoreProblem(MARKER, "missing-marker", "the marker file is missing"))
    except StoreError as exc:
        found.append(StoreProblem(MARKER, "damaged-marker", _short(exc, root)))
    from analyzer.store.writer import FAMILIES

    listed: set[str] | None = set()  # the originals listed (None: a manifest is unreadable)
    tables: list[Table] = []
    unreadable: set[str] = set()
    for family in FAMILIES:
        try:
            mine = family.every_table(root)
        except StoreError as exc:
            gone = not (root / family.manifest).is_file()
            code = "missing-manifest" if gone else "damaged-manifest"
            found.append(StoreProblem(family.manifest, code, _short(exc, root)))
            listed = None  # without it, nothing can be told a leftover or unlisted
            unreadable.add(family.name)
            continue
        tables += mine
        found += _check_tables(root, mine)
        if listed is not None:
            listed |= {t.original for t in mine}
    found += _check_originals(root, listed) + _check_unknown(root)
    found += _check_folders(root, tables, unreadable) + check_derived(root)
    originals = len(list((root / "originals").glob("*")))
    snapshots = sum(t.noun == "snapshot" for t in tables)
    return Verification(found, snapshots, originals)


def _check_tables(root: Path, tables: list[Table]) -> list[StoreProblem]:
    """Check each table a family lists, and that the original it comes from is kept."""
    found: list[StoreProblem] = []
    for table in tables:
        problem = shelf.table_problem(root, table)
        if problem:
            found.append(StoreProblem(table.path, *problem))
        elif not table.sha256:
            message = f"no sha256 recorded for {table.what} (an earlier version wrote it)"
            found.append(StoreProblem(table.path, "no-checksum", message))
        original = f"originals/{table.original}/{table.source_name}"
        if table.original and not (root / original).is_file():
            message = f"the original of {table.what} is not kept"
            found.append(StoreProblem(original, "missing-original", message))
    return found


def _check_folders(root: Path, tables: list[Table], unreadable: set[str]) -> list[StoreProblem]:
    """Name every file in a family's folder that its manifest does not list.

    When a family's manifest cannot be read, only what is plainly not the store's is named.
    """
    from analyzer.store.writer import FAMILIES

    found: list[StoreProblem] = []
    listed = {t.path for t in tables} | {f.manifest for f in FAMILIES}
    kept = shelf.kept_sha12(root)
    for family in FAMILIES:
        folder = root / family.folder
        readable = family.name not in unreadable
        leftovers = set(family.unlisted(root, family.salvage(root)) if readable else ())
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            rel = path.relative_to(root).as_posix()
            if rel in listed or (path.is_dir() and path.parent == folder):
                continue
            if rel in leftovers:
                found.append(StoreProblem(rel, "leftover", "a table of an interrupted write"))
            elif TEMP_RE.fullmatch(path.name) and path.is_file():
                found.append(
                    StoreProblem(rel, "leftover", "a temporary file of an interrupted run")
                )
            elif not readable and path.suffix == ".parquet" and shelf.ours(path.name, kept):
                continue  # a table the unreadable manifest may well list
            elif family is SEATS and PARQUET_RE.fullmatch(rel):
                message = "a snapshot file the manifest does not list"
                found.append(StoreProblem(rel, "unknown-snapshot", message))
            else:
                found.append(StoreProblem(rel, "unknown-file", "copilot-seats did not write this"))
    return found


_DERIVED = re.compile(
    r"seen-files\.json|[a-z0-9-]+/(chain\.json|[^/]+\.carried\.parquet|history-[^/]+\.(parquet|sha256))"
)


def check_derived(root: Path) -> list[StoreProblem]:
    """Name the files in `derived/` the store does not write (temporaries: leftovers)."""
    found: list[StoreProblem] = []
    for path in sorted((root / "derived").rglob("*")):
        rel = path.relative_to(root / "derived").as_posix()
        if (path.is_dir() and "/" not in rel) or _DERIVED.fullmatch(rel):
            continue
        if path.name.endswith(".tmp") and path.is_file():
            found.append(StoreProblem(f"derived/{rel}", "leftover", "a temporary file"))
        else:
            message = "copilot-seats did not write this"
            found.append(StoreProblem(f"derived/{rel}", "unknown-file", message))
    return found


def _short(exc: StoreError, root: Path) -> str:
    """Return an error's message without its leading path (the problem names the file)."""
    from analyzer.store.writer import FAMILIES

    text = str(exc)
    for prefix in [f"{root / name}: " for name in (MARKER, *(f.manifest for f in FAMILIES))]:
        text = text.removeprefix(prefix)
    return text


def _check_originals(root: Path, listed: set[str] | None) -> list[StoreProblem]:
    found: list[StoreProblem] = []
    for where in ("originals", ATTIC):
        folder = root / where
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            rel = f"{where}/{entry.name}"
            if not SHA_RE.fullmatch(entry.name) or not entry.is_dir():
                found.append(StoreProblem(rel, "unknown-file", "not a kept original"))
                continue
            try:
                how = shelf.read_how(entry)
                if how is None:
                    raise ValueError("ingest.json")
                name = how["name"]
                digest = file_sha256(entry / name)
            except (OSError, ValueError) as exc:
                message = f"its ingest.json or file cannot be read ({type(exc).__name__})"
                found.append(StoreProblem(rel, "damaged-original", message))
                continue
            if digest != entry.name:
                message = "the kept file's bytes no longer match the sha256 it is filed under"
                found.append(StoreProblem(f"{rel}/{name}", "damaged-original", message))
            elif where == "originals" and listed is not None and entry.name not in listed:
                message = "a kept original no manifest lists (ingest the file again to list it)"
                found.append(StoreProblem(rel, "unlisted-original", message))
    return found


def _check_unknown(root: Path) -> list[StoreProblem]:
    """Name what is not the store's at its top and in its staging area."""
    found: list[StoreProblem] = []
    for name in sorted(set(p.name for p in root.iterdir()) - OWN_ENTRIES):
        if TEMP_RE.fullmatch(name):
            found.append(StoreProblem(name, "leftover", "a temporary file of an interrupted run"))
        else:
            found.append(StoreProblem(name, "unknown-file", "copilot-seats did not write this"))
    staging = root / ".tmp"
    if staging.is_symlink():
        message = "a symbolic link where the staging folder belongs (never followed); remove it"
        found.append(StoreProblem(".tmp", "unknown-file", message))
    elif staging.is_dir():
        for entry in sorted(staging.iterdir()):
            rel = f".tmp/{entry.name}"
            if entry.name.startswith(STAGE_PREFIX):
                found.append(StoreProblem(rel, "leftover", "staged by an interrupted run"))
            else:
                found.append(StoreProblem(rel, "unknown-file", "copilot-seats did not write this"))
    return found
