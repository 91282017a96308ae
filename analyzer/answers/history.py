"""The history table from kept rows: each snapshot's row is computed once per set of settings.

A history row depends on the snapshot's carried state, the scope's first snapshot and the
settings (thresholds, prices, exclusions) only. Rows are kept under `derived/` keyed by a
fingerprint of those settings and checked against the carried state they came from (its
checksum), so `history`, the page and the workbook read one small table, and only snapshots
new since (or recomputed after an out-of-order ingest) are computed.

Kept rows hold the seat history's figures only: the usage records' evidence (reclaim
sharpened) is applied when they are read (`answers.figures.history_of`), so usage files
ingested after a row was kept never leave a stale figure, and no fingerprint names them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from analyzer import __version__
from analyzer.answers.derived import read_chain, read_history, write_history
from analyzer.errors import OutputError
from analyzer.model import Settings, SnapshotInfo
from analyzer.store.folder import Store
from analyzer.store.lock import store_lock
from analyzer.surfaces import FAMILY_ORDER
from analyzer.timeline.build import Timeline
from analyzer.timeline.figures import finish_history, history_rows

# Bump when the definitions behind a history row change: kept rows are then recomputed.
ROWS_VERSION = 1
_KEYS = ("id", "carried_sha256", "first_id")


def settings_fingerprint(settings: Settings) -> str:
    """Return a short digest of everything a history row depends on besides the data."""
    facts = {
        "rows": ROWS_VERSION,
        "version": __version__,
        "families": list(FAMILY_ORDER),
        "stale_days": settings.stale_days,
        "grace_days": settings.grace_days,
        "prices": sorted(settings.prices.items()),
        "default_plan": settings.default_plan,
        "exclude_logins": sorted(settings.exclude_logins),
        "exclude_patterns": sorted(settings.exclude_patterns),
    }
    text = json.dumps(facts, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def stored_history(store: Store, timeline: Timeline, infos: list[SnapshotInfo]) -> pl.DataFrame:
    """Return the history table of `timeline` (snapshots 0..last of `infos`), reusing kept rows.

    `infos` is the scope's whole list of snapshots; rows of snapshots after the timeline's
    last are kept as they are.
    """
    scope, settings = timeline.scope, timeline.settings
    for info in timeline.snapshots:  # a history never stands on a snapshot damaged since
        store.check(info)
    fingerprint = settings_fingerprint(settings)
    chain = read_chain(store.root, scope)
    first = infos[0].id
    wanted = {
        info.id: (chain[info.id].sha256 if info.id in chain else None, k)
        for k, info in enumerate(timeline.snapshots)
    }
    kept = read_history(store.root, scope, fingerprint)
    usable = pl.DataFrame()
    if kept is not None and set(_KEYS) <= set(kept.columns):
        valid = [
            row_id
            for row_id, sha, row_first in kept.select(_KEYS).iter_rows()
            if row_id in wanted and wanted[row_id][0] == sha and sha and row_first == first
        ]
        usable = kept.filter(pl.col("id").is_in(valid))
    have = set(usable["id"].to_list()) if usable.height else set()
    missing = [k for row_id, (_, k) in wanted.items() if row_id not in have]
    if missing:
        shas = {k: wanted[timeline.snapshots[k].id][0] for k in missing}
        fresh = identified(history_rows(timeline, missing), timeline.snapshots, shas, first)
        usable = pl.concat([usable, fresh], how="diagonal_relaxed") if usable.height else fresh
        try:
            with store_lock(store.root / ".lock"):
                keep_rows(store.root, scope, fingerprint, usable)
        except (OSError, OutputError):
            pass  # answers stay right without the kept rows
    index = {row_id: k for row_id, (_, k) in wanted.items()}
    rows = usable.with_columns(pl.col("id").replace_strict(index, return_dtype=pl.Int32).alias("k"))
    return finish_history(rows, list(settings.prices))


def identified(
    rows: pl.DataFrame,
    snapshots: Sequence[SnapshotInfo],
    shas: dict[int, str | None],
    first: str,
) -> pl.DataFrame:
    """Return history rows (by k) with what says when they may be reused.

    That is the snapshot's id, the checksum of the carried state they were computed from
    (`shas[k]`; None for a state not kept, whose row is then not kept either) and the id of
    the scope's first snapshot.
    """
    ks = list(shas)
    return rows.with_columns(
        pl.col("k")
        .replace_strict(ks, [snapshots[k].id for k in ks], return_dtype=pl.String)
        .alias("id"),
        pl.col("k")
        .replace_strict(ks, list(shas.values()), return_dtype=pl.String)
        .alias("carried_sha256"),
        pl.lit(first).alias("first_id"),
    )


def keep_rows(root: Path, scope: str, fingerprint: str, rows: pl.DataFrame) -> None:
    """Keep these rows, and the kept rows of other snapshots (the caller holds the lock)."""
    keep = rows.filter(pl.col("carried_sha256").is_not_null())
    kept = read_history(root, scope, fingerprint)
    if kept is not None and "id" in kept.columns:
        others = kept.filter(~pl.col("id").is_in(keep["id"].implode()))
        keep = pl.concat([others, keep], how="diagonal_relaxed")
    write_history(root, scope, fingerprint, keep.drop("k", strict=False))
