"""Forget one kept file of any family for good (its original to the attic), chosen without
ambiguity: a snapshot by scope and time, or any file by a prefix of its sha256."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from analyzer.errors import SelectionError
from analyzer.model import SnapshotInfo
from analyzer.store.folder import Store
from analyzer.times import iso


@dataclass(frozen=True)
class Forgotten:
    """One file forgotten: its family, sha256 and name (and the snapshot, for a seat report)."""

    family: str
    sha256: str
    source_name: str
    snapshot: SnapshotInfo | None = None


def select_snapshot(
    infos: list[SnapshotInfo],
    *,
    scope: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    sha_prefix: str | None = None,
) -> SnapshotInfo:
    """Return the one snapshot matching every given criterion; raise when none or several do.

    `start`..`end` (inclusive, UTC) is the time asked for: one second, or a whole day.
    """
    chosen = [
        i
        for i in infos
        if (scope is None or i.scope == scope)
        and (start is None or start <= i.as_of.replace(microsecond=0))
        and (end is None or i.as_of.replace(microsecond=0) <= end)
        and (sha_prefix is None or i.sha256.startswith(sha_prefix.lower()))
    ]
    asked = " ".join(
        part
        for part in (
            f"--scope {scope}" if scope else "",
            f"--at {iso(start)}" if start and start == end else "",
            f"--at {start:%Y-%m-%d}" if start and end and start != end else "",
            f"--sha256 {sha_prefix}" if sha_prefix else "",
        )
        if part
    )
    if not chosen:
        raise SelectionError(
            f"no stored snapshot matches {asked}; `copilot-seats snapshots` lists them"
        )
    if len(chosen) > 1:
        listed = "; ".join(f"{i.id} ({i.source_name})" for i in chosen[:10])
        raise SelectionError(
            f"{len(chosen)} snapshots match {asked}: {listed}; nothing was forgotten; "
            "narrow the choice with --scope, an exact --at time or a longer --sha256"
        )
    return chosen[0]


def forget_snapshot(
    store: Store,
    choose: Callable[[list[SnapshotInfo]], SnapshotInfo],
    on_wait: Callable[[], None] | None = None,
) -> SnapshotInfo:
    """Remove the snapshot `choose` picks from the store, atomically; return it."""
    if not store.root.exists():
        choose([])  # raises: nothing is stored
    with store.writing(on_wait) as writer:
        info = choose(writer.infos)
        writer.forget(info.sha256)
    return info


def forget_by_sha256(
    store: Store, prefix: str, on_wait: Callable[[], None] | None = None
) -> Forgotten:
    """Forget the one kept file of any family whose sha256 starts with `prefix` (any case)."""
    from analyzer.store.writer import FAMILIES

    prefix = prefix.lower()
    if not store.root.exists():
        select_snapshot([], sha_prefix=prefix)  # raises: nothing is stored
    with store.writing(on_wait) as writer:
        chosen = [
            (family, entry)
            for family in FAMILIES
            for entry in writer.entries(family)
            if entry.sha256.startswith(prefix)
        ]
        if not chosen:
            raise SelectionError(
                f"no stored snapshot matches --sha256 {prefix}, nor any billing or usage-metrics "
                "file; `copilot-seats snapshots` lists the snapshots"
            )
        if len(chosen) > 1:
            shown = chosen[:10]
            listed = "; ".join(f"{f.name} {e.source_name} ({e.sha256[:12]})" for f, e in shown)
            raise SelectionError(
                f"{len(chosen)} files match --sha256 {prefix}: {listed}; nothing was forgotten; "
                "give a longer --sha256"
            )
        family, entry = writer.forget(chosen[0][1].sha256)
    snapshot = entry if isinstance(entry, SnapshotInfo) else None
    return Forgotten(family.name, entry.sha256, entry.source_name, snapshot)
