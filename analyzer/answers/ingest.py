"""The ingest use case: read files into the store, then keep what the next snapshot needs.

Called by the `ingest` command and by the monthly run, so "ingest, then keep the carried
states" is written once. Also the store's upkeep answers the commands call: rebuild.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from analyzer.answers.carried import CarryAlong, refresh_carried
from analyzer.answers.seen import SeenFiles
from analyzer.errors import AnalyzerError, OutputError, StoreError
from analyzer.model import Settings, SnapshotInfo
from analyzer.reading.ahead import TOO_LARGE, Loaded, load, read_ahead
from analyzer.reading.inbox import FileOutcome, collect_files
from analyzer.store.folder import Store
from analyzer.store.rebuild import RebuildResult, rebuild_store

if TYPE_CHECKING:
    import polars as pl

    from analyzer.reading.ahead import Parse
    from analyzer.reading.interface import ParsedFile
    from analyzer.reading.reader import ParsedReport
    from analyzer.store.writer import Writer


class OnStored(Protocol):
    """Told of each new snapshot and its seat rows right after it is committed."""

    def __call__(self, writer: Writer, info: SnapshotInfo, seats: pl.DataFrame) -> None:
        """Take one new snapshot (called under the writer's lock)."""

    def prepare(self, writer: Writer, parsed: ParsedReport) -> None:
        """Take an accepted report about to be stored (it may yet be found stored already)."""

    def close(self) -> None:
        """Finish what was taken; called once, before the writer's lock is released."""


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


def ingest_files(
    store: Store,
    files: list[Path],
    *,
    as_of: datetime | None = None,
    scope: str | None = None,
    now: datetime | None = None,
    on_wait: Callable[[], None] | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    on_stored: OnStored | None = None,
) -> list[FileOutcome]:
    """Read each file and store the good ones; a refused file never stops the others.

    `on_stored(writer, info, seats)` is called, under the store's lock, right after each new
    snapshot is committed, with its seat rows (the carried state is kept this way while the
    next file is read and parsed); `on_stored.close()` at the end, still under the lock.

    `now` is the caller's clock: a snapshot time more than a day after it is refused (without
    it, no time counts as being in the future).
    """
    from analyzer.reading.dispatch import ReadHints, read_file
    from analyzer.reading.limits import MAX_FILE_BYTES

    def parse(path: Path, before: os.stat_result, data: bytes, sha256: str) -> ParsedFile:
        # The one call into reading: it recognises the file's family and never raises.
        mtime = datetime.fromtimestamp(before.st_mtime, tz=UTC).replace(microsecond=0)
        hints = ReadHints(as_of=as_of, scope=scope, mtime=mtime, now=now)
        return read_file(path.name, data, hints, sha256)

    outcomes: list[FileOutcome] = []
    with store.writing(on_wait) as writer:
        snapshots = {i.sha256 for i in writer.infos}
        known = writer.shas()  # stored before the run: not read ahead
        seen = SeenFiles(writer.root)

        def stored_as_is(path: Path, stat: os.stat_result) -> str | None:
            sha256 = seen.known(path, stat)
            return sha256 if sha256 in snapshots else None  # (a forgotten one is read)

        try:
            for loaded in read_ahead(files, MAX_FILE_BYTES, parse, known, stored_as_is):
                outcome = _ingest_one(writer, loaded, parse, on_stored)
                outcomes.append(outcome)
                _note_seen(seen, loaded, outcome)
                if on_file:
                    on_file(outcome)
        finally:  # even a run stopped midway lists the files it wrote whole
            writer.commit()
            if on_stored is not None:
                on_stored.close()
            with contextlib.suppress(OSError, OutputError):  # derived: rebuilt next time
                seen.save()
    return outcomes


def _note_seen(seen: SeenFiles, loaded: Loaded, outcome: FileOutcome) -> None:
    """Note a seat report whose very bytes are stored: the next run need not read it."""
    stored = outcome.snapshot
    if stored is not None and loaded.before is not None and stored.sha256 == loaded.sha256:
        seen.note(loaded.path, loaded.before, loaded.sha256)


def _ingest_one(
    writer: Writer, loaded: Loaded, parse: Parse, on_stored: OnStored | None = None
) -> FileOutcome:
    from analyzer.reading.dispatch import recognised
    from analyzer.reading.limits import MAX_FILE_BYTES
    from analyzer.reading.problems import ProblemLog
    from analyzer.store.shelf import Source, remove, stage_original

    if loaded.unread and writer.find(loaded.sha256) is None:
        loaded = load(loaded.path, MAX_FILE_BYTES)  # (cannot happen: a known file is stored)
    path, data, sha256, before = loaded.path, loaded.data, loaded.sha256, loaded.before
    if loaded.refused == TOO_LARGE:
        log = ProblemLog(path.name)
        log.file(
            "file-too-large",
            f"the file is over {MAX_FILE_BYTES >> 30} GiB, more than "
            "any seat report; check that this is the file you meant",
        )
        return FileOutcome(path, "refused", "file-too-large", log.finish())
    if loaded.refused is not None or before is None:
        return FileOutcome(path, "refused", loaded.refused or "cannot read the file")
    known = writer.stored(sha256)
    if known is not None:  # the very bytes of a stored file: no need to read them again
        return FileOutcome(path, known.status, known.message, (), _snapshot(known.entry))
    if loaded.parsed is not None:  # read ahead, while the file before it was stored
        return _store(writer, loaded, loaded.parsed, None, on_stored)
    if not recognised(path.name, data):  # (most likely refused: not copied before its parse)
        return _store(writer, loaded, parse(path, before, data, sha256), None, on_stored)
    # Read in turn (the first file, a large one): its original is copied and flushed while
    # it is parsed, and placed only if it is stored.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stage-original") as pool:
        staged = pool.submit(stage_original, writer.root, path.name, data, Source(path, before))
        try:
            return _store(writer, loaded, parse(path, before, data, sha256), staged, on_stored)
        finally:  # (placed when stored; a refused or already stored file's copy goes)
            with contextlib.suppress(Exception):  # (a copy that failed left nothing)
                remove(staged.result())


def _store(
    writer: Writer,
    loaded: Loaded,
    read: ParsedFile,
    staged: Future[Path] | None,
    on_stored: OnStored | None,
) -> FileOutcome:
    """Store one parsed file (a refused one says why); tell `on_stored` of a new snapshot."""
    from analyzer.reading.dispatch import internal_error
    from analyzer.reading.interface import SEATS
    from analyzer.store.shelf import Source

    path, data, before = loaded.path, loaded.data, loaded.before
    assert before is not None
    if not read.accepted:
        codes = sorted({p.code for p in read.errors})
        return FileOutcome(path, "refused", ", ".join(codes), read.problems)
    seats = read.family == SEATS
    if seats and on_stored is not None:
        on_stored.prepare(writer, read.detail)  # type: ignore[arg-type]
    try:
        stored = writer.add(read, data, Source(path, before), staged)
    except StoreError:  # the store cannot be written (disk full, permissions): stop the run
        raise
    except Exception as exc:  # a bug: this file's refusal, never the run's end
        if seats:
            raise
        return FileOutcome(path, "refused", "internal-error", (internal_error(path.name, exc),))
    problems = read.problems + stored.problems
    snapshot = _snapshot(stored.entry)
    if on_stored is not None and stored.status == "stored" and snapshot is not None:
        on_stored(writer, snapshot, read.detail.seats)  # type: ignore[union-attr, arg-type]
    return FileOutcome(path, stored.status, stored.message, problems, snapshot)


def _snapshot(entry: object) -> SnapshotInfo | None:
    """Return a stored entry when it is a snapshot (the outcome of a seat report)."""
    return entry if isinstance(entry, SnapshotInfo) else None
