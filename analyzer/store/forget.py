"""Forget one kept file of any family for good: its original to the attic, its tables gone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from analyzer.model import SnapshotInfo
from analyzer.store.folder import Store


@dataclass(frozen=True)
class Forgotten:
    """One stored file: its family, sha256 and name (and the snapshot, for a seat report)."""

    family: str
    sha256: str
    source_name: str
    snapshot: SnapshotInfo | None = None


def forget_file(
    store: Store,
    choose: Callable[[list[Forgotten]], Forgotten],
    on_wait: Callable[[], None] | None = None,
    *,
    seats_only: bool = False,
) -> Forgotten:
    """Forget the file `choose` picks among every stored one (it raises when it cannot pick).

    With `seats_only`, only the snapshots are offered (no other family's manifest is read).
    """
    from analyzer.store.writer import FAMILIES

    if not store.root.exists():
        return choose([])  # (raises: nothing is stored)
    with store.writing(on_wait) as writer:
        stored = [
            Forgotten(f.name, e.sha256, e.source_name, e if isinstance(e, SnapshotInfo) else None)
            for f in (FAMILIES[:1] if seats_only else FAMILIES)
            for e in writer.entries(f)
        ]
        chosen = choose(stored)
        writer.forget(chosen.sha256)
    return chosen
