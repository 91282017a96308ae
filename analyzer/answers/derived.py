"""Answers' derived data, kept in the store's `derived/` folder so they need not redo it:
each snapshot's carried state and the history rows (analyzer.store only removes the folder
on `rebuild`, and `verify` names what it did not write there).

Layout: `derived/<scope>/chain.json` lists, per snapshot id, the snapshot it continues
(`after`), its file and the file's sha256; `derived/<scope>/<id part>.carried.parquet` holds the
carried state (see analyzer.timeline.carry). Everything here can be recomputed from the
snapshots: an entry whose predecessor changed (a snapshot ingested out of order, or
forgotten) or whose file fails its checksum is simply recomputed, and `rebuild` removes the
whole folder. The chain file is replaced atomically after the files it names are in place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.fsutil import file_sha256, write_bytes_atomic
from analyzer.model import SnapshotInfo
from analyzer.store import shelf

if TYPE_CHECKING:
    import polars as pl

DERIVED = "derived"
CHAIN = "chain.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ChainEntry:
    """One stored carried state: of which snapshot, continuing which, in which file."""

    id: str
    after: str | None  # the id of the snapshot it continues; None for a scope's first
    file: str  # name inside derived/<scope>/
    sha256: str


def _folder(root: Path, scope: str) -> Path:
    return root / DERIVED / scope


def _file_name(info: SnapshotInfo) -> str:
    return info.id.split("/", 1)[-1] + ".carried.parquet"


def read_chain(root: Path, scope: str) -> dict[str, ChainEntry]:
    """Return the stored carried states of a scope by snapshot id; none when absent or damaged.

    A damaged chain file only means the carried states are computed again: it is derived.
    """
    path = _folder(root, scope) / CHAIN
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if body.get("format") != FORMAT_VERSION:
            return {}
        entries = [ChainEntry(**entry) for entry in body["entries"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}
    return {e.id: e for e in entries}


class CarriedFiles:
    """Reads and writes one store's carried states; every file read is checked once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._verified: set[Path] = set()

    def valid_prefix(self, infos: list[SnapshotInfo]) -> tuple[dict[str, ChainEntry], int]:
        """Return the chain and how many of `infos` (oldest first) have a usable entry.

        An entry is usable when it continues the snapshot before it in `infos` and its file
        is there; the first unusable one, and every one after it, must be computed again.
        """
        if not infos:
            return {}, 0
        chain = read_chain(self.root, infos[0].scope)
        folder = _folder(self.root, infos[0].scope)
        previous: str | None = None
        for k, info in enumerate(infos):
            entry = chain.get(info.id)
            if entry is None or entry.after != previous or not (folder / entry.file).is_file():
                return chain, k
            previous = info.id
        return chain, len(infos)

    def read(self, info: SnapshotInfo, entry: ChainEntry) -> pl.DataFrame | None:
        """Return the carried state of `info`, or None when its file fails its checksum."""
        import polars as pl

        path = _folder(self.root, info.scope) / entry.file
        if path not in self._verified:
            try:
                if file_sha256(path) != entry.sha256:
                    return None
            except OSError:
                return None
            self._verified.add(path)
        try:
            return pl.read_parquet(path)
        except (OSError, pl.exceptions.ComputeError, pl.exceptions.PolarsError):
            return None

    def write(
        self,
        scope: str,
        infos: list[SnapshotInfo],
        computed: Iterable[tuple[int, pl.DataFrame]],
    ) -> dict[int, ChainEntry]:
        """Store the carried states computed for `infos[k]`, then commit the chain.

        `infos` is the scope's whole list of snapshots, oldest first; entries of snapshots no
        longer in it (forgotten) are dropped, and their files removed. The caller holds the
        store's lock. Returns the entries written, by k.
        """
        folder = _folder(self.root, scope)
        folder.mkdir(parents=True, exist_ok=True)
        chain = read_chain(self.root, scope)
        written: dict[int, ChainEntry] = {}
        for k, frame in computed:
            info = infos[k]
            name = _file_name(info)
            # Without statistics: nothing filters a carried state by them, and they cost a third.
            rel = f"{DERIVED}/{scope}/{name}"
            digest = shelf.write_table(self.root, rel, frame, statistics=False, durable=False)
            self._verified.add(folder / name)  # whole by construction
            after = infos[k - 1].id if k else None
            chain[info.id] = written[k] = ChainEntry(info.id, after, name, digest)
        wanted = [chain[i.id] for i in infos if i.id in chain]
        body = {"format": FORMAT_VERSION, "entries": [_entry_json(e) for e in wanted]}
        text = json.dumps(body, indent=1, sort_keys=True) + "\n"
        write_bytes_atomic(folder / CHAIN, text.encode("utf-8"))
        kept = {e.file for e in wanted} | {CHAIN}
        for path in folder.iterdir():
            if path.name not in kept and path.name.endswith((".carried.parquet", ".tmp")):
                path.unlink(missing_ok=True)
        return written


def _entry_json(entry: ChainEntry) -> dict[str, Any]:
    return {"id": entry.id, "after": entry.after, "file": entry.file, "sha256": entry.sha256}


def history_path(root: Path, scope: str, fingerprint: str) -> Path:
    """Return where the history rows computed under one set of settings are kept."""
    return _folder(root, scope) / f"history-{fingerprint}.parquet"


def _checksum_path(path: Path) -> Path:
    """Return where the sha256 of a kept history table is written, beside it."""
    return path.with_suffix(".sha256")


def _history_whole(path: Path) -> bool:
    """Return True when a kept history table is there and matches its checksum."""
    try:
        expected = _checksum_path(path).read_text(encoding="ascii").strip()
        return file_sha256(path) == expected
    except (OSError, UnicodeDecodeError):
        return False


def read_history(root: Path, scope: str, fingerprint: str) -> pl.DataFrame | None:
    """Return the kept history rows of a scope under these settings; None when absent or bad.

    A table that fails its checksum is never believed: derived, it is computed again.
    """
    import polars as pl

    path = history_path(root, scope, fingerprint)
    if not _history_whole(path):
        return None
    try:
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError):
        return None


def write_history(root: Path, scope: str, fingerprint: str, rows: pl.DataFrame) -> None:
    """Keep a scope's history rows under these settings (the caller holds the store's lock).

    The table is renamed into place, then its checksum: a run stopped between the two
    leaves a table that fails its check, computed again on next use.
    """
    target = history_path(root, scope, fingerprint)
    rel = target.relative_to(root).as_posix()
    digest = shelf.write_table(root, rel, rows, durable=False)
    write_bytes_atomic(_checksum_path(target), f"{digest}\n".encode("ascii"))


def damaged_histories(root: Path) -> list[tuple[str, str]]:
    """Return (scope, settings fingerprint) of every kept history table failing its checksum."""
    found: list[tuple[str, str]] = []
    for path in sorted((root / DERIVED).glob("*/history-*.parquet")):
        if not _history_whole(path):
            found.append((path.parent.name, path.stem.removeprefix("history-")))
    return found
