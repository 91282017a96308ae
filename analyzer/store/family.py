"""What a file family supplies to the one writer: its tables, key, conflict rule and manifest.

The writer (analyzer.store.writer) does everything else the same way for every family: keep
the original, stage and check the tables, commit the manifest, sweep, forget and rebuild.
Adding the next GitHub export means one reader, one `Family` and their tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from analyzer.errors import StoreError
from analyzer.schema import Problem
from analyzer.store import shelf

if TYPE_CHECKING:
    import polars as pl

    from analyzer.model import SnapshotInfo


class Writer(Protocol):
    """What a family may use of the writer (analyzer.store.writer.Writer) storing its file."""

    root: Path
    rebuilding: bool
    written: set[str]  # tables written by this writer (whole by construction)
    memo: dict[str, Any]  # a family's state for one run (its key: the family's name)

    def mark(self) -> None:
        """Write the marker saying this folder is a store."""

    def load(self, info: SnapshotInfo) -> pl.DataFrame:
        """Return the seat rows of a stored snapshot."""


@dataclass(frozen=True)
class Outcome:
    """What storing one file did."""

    status: str  # "stored", "already-stored" or "refused"
    message: str
    problems: tuple[Problem, ...] = ()  # why it was refused
    entry: Any = None  # the manifest entry it is (or was) stored as


def refused(name: str, code: str, message: str) -> Outcome:
    """Return the outcome of a file refused for one reason, said of the whole file."""
    return Outcome("refused", code, (Problem(name, 0, "", code, message),))


class Family:
    """One kind of kept file, as the shelf sees it. Entries have `sha256` and `source_name`."""

    name = ""  # how messages name its files: "seat report", "billing file", ...
    reading = ""  # the reading family it stores (analyzer.reading.interface)
    folder = ""  # the store folder its tables live in
    manifest = ""  # its manifest, inside the store
    version = 0  # the newest format of that manifest this version writes
    commit_every = 1  # files added between two commits at most
    # Its manifest is written (empty) before its first table, so a table without it is a
    # killed write's leftover, never a lost manifest.
    listed_first = True

    def listed(self, root: Path) -> list[Any]:
        """Return what its manifest lists (none without one); StoreError when damaged."""
        raise NotImplementedError

    def salvage(self, root: Path) -> list[Any]:
        """Return what the manifest lists, none when it is damaged (a rebuild goes on)."""
        try:
            return self.listed(root)
        except StoreError:
            return []

    def tables(self, entry: Any) -> list[shelf.Table]:
        """Return an entry's tables as the shelf checks them."""
        raise NotImplementedError

    def every_table(self, root: Path) -> list[shelf.Table]:
        """Return every table the manifest lists (what `verify` checks); StoreError: damaged."""
        return [t for entry in self.listed(root) for t in self.tables(entry)]

    def owns(self, how: dict[str, Any]) -> bool:
        """Return True when a kept original's `ingest.json` is this family's."""
        raise NotImplementedError

    def how(self, parsed: Any) -> dict[str, Any]:
        """Return what `ingest.json` keeps of how a file was read (its hints for a rebuild)."""
        raise NotImplementedError

    def clash(self, writer: Writer, parsed: Any, entries: list[Any]) -> Outcome | None:
        """Return the outcome of a file stored already or in conflict, else None (store it)."""
        return None

    def write(self, writer: Writer, parsed: Any) -> Any:
        """Write an accepted file's tables (its key decides their names); return its entry."""
        raise NotImplementedError

    def save(self, writer: Writer, entries: list[Any]) -> None:
        """Replace the manifest with one listing `entries` (atomically, durably)."""
        raise NotImplementedError

    def reread(
        self, writer: Writer, how: dict[str, Any], data: bytes, folder: Path
    ) -> tuple[Any, tuple[Problem, ...], str]:
        """Read a kept original again and write its tables: (entry or None, problems, why)."""
        raise NotImplementedError

    def describe(self, entry: Any) -> str:
        """Return the `stored` line's detail."""
        return "stored"

    def unlisted(self, root: Path, entries: list[Any]) -> list[str]:
        """Return the tables a killed writer renamed into place but never listed."""
        listed = {t.path for e in entries for t in self.tables(e)}
        return shelf.unlisted(root, self.folder, listed)
