"""Rebuild a store from its kept originals: every family, every intact table kept, foreign
files set aside, a store of a newer format refused."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from analyzer.model import SnapshotInfo
from analyzer.store import shelf
from analyzer.store.folder import Store
from analyzer.store.seats import SEATS
from analyzer.store.writer import FAMILIES, Failure, family_of, refuse_newer
from analyzer.times import iso, name_stamp


@dataclass(frozen=True)
class RebuildResult:
    """What a rebuild re-derived, what it kept as it was, and what it set aside."""

    rebuilt: list[SnapshotInfo]
    kept: list[SnapshotInfo]  # old snapshots kept because their original failed or is gone
    failures: list[Failure]
    # (sha256, what) of every table kept without being re-read, in any family
    kept_tables: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    set_aside: list[str] = dataclasses.field(default_factory=list)  # paths moved aside
    aside: Path | None = None  # the folder they were moved to


def rebuild_store(
    store: Store, on_wait: Callable[[], None] | None = None, now: datetime | None = None
) -> RebuildResult:
    """Re-derive every family's tables from the kept originals, atomically per family.

    Works without the manifests (missing or damaged); a manifest of a newer format stops it
    before anything is written. Forgotten files, whose originals are in the attic, stay
    forgotten; a listed table whose original is missing (or cannot be re-read) is kept
    when it is whole, and said so. Files the store did not write are moved to
    `set-aside/<time>/`.
    """
    from analyzer.store.verify import check_derived, verify_store

    if store.root.is_dir():
        refuse_newer(store.root)
    with store.writing(on_wait, rebuilding=True) as writer:
        foreign = [p.path for p in check_derived(store.root) if p.code == "unknown-file"]
        stamp = name_stamp(now) if now else "rebuild"
        shelf.set_aside(store.root, foreign, stamp)
        shutil.rmtree(store.root / "derived", ignore_errors=True)  # answers' caches: redone
        folders: dict[str, list[Path]] = {f.name: [] for f in FAMILIES}
        for folder in sorted((store.root / "originals").glob("*")):
            if shelf.SHA_RE.fullmatch(folder.name) and folder.is_dir():
                folders[family_of(shelf.read_how(folder)).name].append(folder)
        rebuilt: list[SnapshotInfo] = []
        kept: list[SnapshotInfo] = []
        failures: list[Failure] = []
        kept_tables: list[tuple[str, str]] = []
        for family in FAMILIES:
            done, failed, as_was = writer.rebuild(family, folders[family.name])
            failures += failed
            if family is SEATS:
                rebuilt, kept = done, as_was
                kept_tables += [(i.sha256, f"the snapshot of {i.scope} at {iso(i.as_of)}")
                                for i in as_was]  # fmt: skip
            else:
                kept_tables += [(e.sha256, f"the {family.name} {e.source_name}") for e in as_was]
        writer.whole()
        moved = sorted(
            {
                p.path
                for p in verify_store(store.root).problems
                if p.code in ("unknown-file", "unknown-snapshot") and p.path
            }
        )
        aside = shelf.set_aside(store.root, moved, stamp) or (store.root / shelf.ASIDE / stamp)
    return RebuildResult(rebuilt, kept, failures, kept_tables, foreign + moved, aside)
