"""Forget one snapshot for good (its original to the attic), chosen without ambiguity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from analyzer.errors import SelectionError
from analyzer.model import SnapshotInfo
from analyzer.store.folder import Store
from analyzer.times import iso


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
        writer.forget(info)
    return info
