"""Rebuild a store from its kept originals: every family, every intact table kept, foreign
files set aside, a store of a newer format refused."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from analyzer.model import SnapshotInfo
from analyzer.schema import Problem
from analyzer.store import shelf
from analyzer.store.derived import remove_derived
from analyzer.store.families import BILLING, SEATS, USAGE, family_of, refuse_newer
from analyzer.store.folder import Store, StoreWriter
from analyzer.times import iso, name_stamp

Failure = tuple[str, str, tuple[Problem, ...]]  # (sha256, why, problems)


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
    from analyzer.store.billing import rebuild_billing
    from analyzer.store.usage_writer import UsageWriter

    if store.root.is_dir():
        refuse_newer(store.root)
    with store.writing(on_wait, rebuilding=True) as writer:
        from analyzer.store.verify import check_derived

        foreign = [p.path for p in check_derived(store.root) if p.code == "unknown-file"]
        stamp = name_stamp(now) if now else "rebuild"
        shelf.set_aside(store.root, foreign, stamp)
        remove_derived(store.root)  # derived from the snapshots: recomputed on the next use
        folders: dict[str, list[Path]] = {SEATS.name: [], BILLING.name: [], USAGE.name: []}
        for folder in sorted((store.root / "originals").glob("*")):
            how = shelf.read_how(folder)
            if shelf.SHA_RE.fullmatch(folder.name) and folder.is_dir():
                folders[family_of(how).name if how else SEATS.name].append(folder)
        rebuilt, kept, failures = _rebuild_seats(writer, folders[SEATS.name])
        kept_tables = [(i.sha256, f"the snapshot of {i.scope} at {iso(i.as_of)}") for i in kept]
        _, billing_failures, billing_kept = rebuild_billing(store.root, folders[BILLING.name])
        failures += billing_failures
        kept_tables += [(f.sha256, f"the billing file {f.source_name}") for f in billing_kept]
        usage_failures, usage_kept = UsageWriter(store.root, rebuilding=True).rebuild(
            folders[USAGE.name]
        )
        failures += usage_failures
        kept_tables += [(p.sha256, f"the usage-metrics file {p.source_name}") for p in usage_kept]
        moved, aside = _set_aside(store.root, stamp)
    return RebuildResult(rebuilt, kept, failures, kept_tables, foreign + moved, aside)


def _rebuild_seats(
    writer: StoreWriter, folders: list[Path]
) -> tuple[list[SnapshotInfo], list[SnapshotInfo], list[Failure]]:
    """Re-read the seat reports; keep each intact old snapshot no original re-derives."""
    old = {i.sha256: i for i in writer.infos}
    rebuilt: list[SnapshotInfo] = []
    found, failures = shelf.reread(folders, writer.reread)
    for info in found:
        source = old.get(info.sha256)
        if source is not None:  # keep how the time was first found (e.g. mtime)
            info = dataclasses.replace(info, time_source=source.time_source)
        rebuilt.append(info)
    done = {i.sha256 for i in rebuilt}
    forgotten = {p.name for p in (writer.root / shelf.ATTIC).glob("*")}
    kept = [
        i
        for sha, i in old.items()
        if sha not in done and sha not in forgotten and writer.store_has_whole(i)
    ]
    writer.replace_all(rebuilt + kept)
    return rebuilt, kept, failures


def _set_aside(root: Path, stamp: str) -> tuple[list[str], Path | None]:
    """Move every file `verify` finds the store did not write to `set-aside/<time>/`."""
    from analyzer.store.verify import verify_store

    foreign = sorted(
        {
            p.path
            for p in verify_store(root).problems
            if p.code in ("unknown-file", "unknown-snapshot") and p.path
        }
    )
    return foreign, shelf.set_aside(root, foreign, stamp) or (root / shelf.ASIDE / stamp)
