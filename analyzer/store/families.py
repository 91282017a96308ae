"""The file families kept on the shelf: where each keeps its tables, and what it lists.

Each entry is all that `verify`, `rebuild` and `forget` need to know of a family: its folder,
its manifest and format version, the tables its manifest lists, and which kept originals
are its own. Adding the next GitHub export means one reader, one entry here and their tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.store import billing, shelf, usage
from analyzer.store.manifest import FORMAT_VERSION, MANIFEST


@dataclass(frozen=True)
class Family:
    """One kind of kept file, as the shelf sees it."""

    name: str  # how messages name its files: "seat report", "billing file", ...
    folder: str  # the store folder its tables live in
    manifest: str  # its manifest, inside the store
    version: int  # the newest format of that manifest this version writes
    tables: Callable[[Path], list[shelf.Table]]  # what its manifest lists (StoreError: damaged)
    owns: Callable[[dict[str, Any]], bool]  # is a kept original's ingest.json this family's


def _seat_tables(root: Path) -> list[shelf.Table]:
    from analyzer.store.layout import snapshot_table
    from analyzer.store.manifest import read_manifest

    if not (root / MANIFEST).is_file():
        return []
    return [snapshot_table(info) for info in read_manifest(root)]


def _billing_tables(root: Path) -> list[shelf.Table]:
    return [item.table() for item in billing.billing_files(root)]


def _usage_tables(root: Path) -> list[shelf.Table]:
    return usage.UsageStore(root).tables()


def _is_seat(how: dict[str, Any]) -> bool:
    return not billing.is_billing_original(how) and not usage.is_usage_original(how)


SEATS = Family("seat report", "snapshots", MANIFEST, FORMAT_VERSION, _seat_tables, _is_seat)
BILLING = Family(
    "billing file",
    "billing",
    billing.MANIFEST,
    billing.FORMAT_VERSION,
    _billing_tables,
    billing.is_billing_original,
)
USAGE = Family(
    "usage-metrics file",
    "usage",
    usage.MANIFEST,
    usage.FORMAT_VERSION,
    _usage_tables,
    usage.is_usage_original,
)
FAMILIES = (SEATS, BILLING, USAGE)


def family_of(how: dict[str, Any]) -> Family:
    """Return the family a kept original belongs to, from its `ingest.json`."""
    return next(f for f in FAMILIES if f.owns(how))


def refuse_newer(root: Path) -> None:
    """Raise StoreError when a family's manifest has a newer format than this version knows."""
    shelf.refuse_newer(root, {f.manifest: f.version for f in FAMILIES})
