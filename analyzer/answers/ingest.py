"""The ingest use case: read files into the store, then keep what the next snapshot needs.

Called by the `ingest` command and by the monthly run, so "ingest, then keep the carried
states" is written once. Also the store's upkeep answers the commands call: rebuild.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from analyzer.answers.carried import CarryAlong, refresh_carried
from analyzer.errors import AnalyzerError
from analyzer.model import Settings
from analyzer.store.folder import Store
from analyzer.store.ingest import FileOutcome, collect_files, ingest_files
from analyzer.store.rebuild import RebuildResult, rebuild_store


def ingest_paths(
    store: Store | Path,
    paths: Iterable[Path],
    *,
    now: datetime,
    as_of: datetime | None = None,
    scope: str | None = None,
    recursive: bool = False,
    settings: Settings | None = None,
    on_files: Callable[[int], None] | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> list[FileOutcome]:
    """Ingest every file under `paths`; return each file's outcome, skipped ones first.

    `on_files(n)` is told how many files will be read. Each new snapshot's carried state is
    kept while the run goes on (with `settings`, a monthly run, its history row too); what
    is still missing for the scopes stored is computed at the end.
    """
    store = store if isinstance(store, Store) else Store(store)
    files, skipped = collect_files(paths, recursive=recursive)
    if on_files:
        on_files(len(files))
    outcomes = ingest_files(
        store,
        files,
        as_of=as_of,
        scope=scope,
        now=now,
        on_wait=on_wait,
        on_file=on_file,
        on_stored=CarryAlong(store, settings),
    )
    stored = sorted({o.snapshot.scope for o in outcomes if o.status == "stored" and o.snapshot})
    if stored:  # commit what the next snapshot needs to continue every run
        refresh_carried(store, stored)
    return [*skipped, *outcomes]


def rebuild(
    store_dir: Path, now: datetime, on_wait: Callable[[], None] | None = None
) -> RebuildResult:
    """Rebuild the store from its kept originals, then its carried states."""
    if not (store_dir / "originals").is_dir():
        raise AnalyzerError(f"{store_dir} holds no kept originals: nothing to rebuild")
    store = Store(store_dir)
    result = rebuild_store(store, on_wait=on_wait, now=now)
    refresh_carried(store)  # the carried states, derived from the rebuilt snapshots
    return result
