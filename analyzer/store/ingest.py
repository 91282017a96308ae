"""Ingest dropped files into the history store (rebuild: analyzer.store.rebuild)."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from analyzer.errors import OutputError, StoreError
from analyzer.model import SnapshotInfo
from analyzer.reading.names import is_partial_download
from analyzer.schema import Problem, ProblemsHeld
from analyzer.store.folder import Store, StoreWriter
from analyzer.store.ingest_ahead import TOO_LARGE, Loaded, load, read_ahead
from analyzer.store.rebuild import RebuildResult as RebuildResult  # (re-exported)
from analyzer.store.rebuild import rebuild_store as rebuild_store  # (re-exported)
from analyzer.store.seen import SeenFiles

if TYPE_CHECKING:
    import polars as pl

    from analyzer.reading.interface import ParsedFile
    from analyzer.reading.reader import ParsedReport
    from analyzer.store.ingest_ahead import Parse
    from analyzer.store.usage_writer import UsageWriter


class OnStored(Protocol):
    """Told of each new snapshot and its seat rows right after it is committed."""

    def __call__(self, writer: StoreWriter, info: SnapshotInfo, seats: pl.DataFrame) -> None:
        """Take one new snapshot (called under the writer's lock)."""

    def prepare(self, writer: StoreWriter, parsed: ParsedReport) -> None:
        """Take an accepted report about to be stored (it may yet be found stored already)."""

    def close(self) -> None:
        """Finish what was taken; called once, before the writer's lock is released."""


# Files in a folder that may be reports; a file named on the command line is always read.
REPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".ndjson", ".jsonl")


@dataclass(frozen=True)
class FileOutcome(ProblemsHeld):
    """What happened to one input file."""

    path: Path
    status: str  # stored / already-stored / refused / skipped
    message: str
    problems: tuple[Problem, ...] = ()
    snapshot: SnapshotInfo | None = None


def _download_order(path: Path) -> tuple[str, int]:
    """Sort a browser re-download `name (1).csv` right after `name.csv`."""
    return re.sub(r"\s*\(\d+\)(?=\.[^.]*$)", "", path.name), len(path.name)


def collect_files(
    paths: Iterable[Path], *, recursive: bool = False
) -> tuple[list[Path], list[FileOutcome]]:
    """Return the files to read under `paths`, and the ones skipped or refused with the reason.

    In a folder, what is not a regular file (a FIFO, a device, a socket, or a link to one) is
    skipped and said so; named on the command line, it is refused by what it is.
    """
    files: list[Path] = []
    skipped: list[FileOutcome] = []
    for path in paths:
        if path.is_dir():
            found = path.rglob("*") if recursive else path.glob("*")
            for item in sorted(found, key=_download_order):
                if item.name.startswith(".") or item.is_dir():
                    continue
                special = _not_a_file(item)
                if special:
                    skipped.append(FileOutcome(item, "skipped", f"{special}, not a file"))
                elif is_partial_download(item.name):
                    skipped.append(FileOutcome(item, "skipped", "still being downloaded"))
                elif item.suffix.lower() in REPORT_SUFFIXES:
                    files.append(item)
        elif is_partial_download(path.name):
            skipped.append(FileOutcome(path, "skipped", "still being downloaded"))
        elif path.is_file():
            files.append(path)
        else:
            special = _not_a_file(path)
            why = f"{special}, not a file" if special else "no such file or folder"
            skipped.append(FileOutcome(path, "refused", why))
    return files, skipped


def _not_a_file(path: Path) -> str | None:
    """Return what a path is when it is neither a regular file nor a folder (or a broken link)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return "a broken link" if path.is_symlink() else None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = (
        "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a special file"
    )
    return f"a link to {kind}" if path.is_symlink() else kind


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
        return read_file(path.name, data, hints, sha256, path)

    outcomes: list[FileOutcome] = []
    with store.writing(on_wait) as writer:
        usage = _UsageRun(writer)
        snapshots = {i.sha256 for i in writer.infos}
        known = snapshots | usage.stored_before()
        seen = SeenFiles(writer.root)

        def stored_as_is(path: Path, stat: os.stat_result) -> str | None:
            sha256 = seen.known(path, stat)
            return sha256 if sha256 in snapshots else None  # (a forgotten one is read)

        try:
            for loaded in read_ahead(files, MAX_FILE_BYTES, parse, known, stored_as_is):
                outcome = _ingest_one(writer, usage, loaded, parse, on_stored)
                outcomes.append(outcome)
                _note_seen(seen, loaded, outcome)
                if on_file:
                    on_file(outcome)
        finally:  # even a run stopped midway lists the usage files it wrote whole
            usage.commit()
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


class _UsageRun:
    """The usage-metrics writer of one ingest run: made at the first usage file, committed
    once at the end (and every few dozen files), so the manifest is not rewritten per file."""

    def __init__(self, writer: StoreWriter) -> None:
        self.store_writer = writer
        self._writer: UsageWriter | None = None

    @property
    def writer(self) -> UsageWriter:
        if self._writer is None:
            from analyzer.store.usage_writer import UsageWriter

            self._writer = UsageWriter(self.store_writer.root)
        return self._writer

    def stored_before(self) -> set[str]:
        """Return the sha256 of the usage files stored before the run (none if unreadable)."""
        from analyzer.store.usage import UsageStore

        try:
            return {p.sha256 for p in UsageStore(self.store_writer.root).parts()}
        except StoreError:  # a damaged manifest stops the run at its first usage file
            return set()

    def commit(self) -> None:
        """List the usage files added; a store holding only usage data gets its marker too."""
        if self._writer is not None and self._writer.commit():
            # A store that holds only usage data still needs its marker and (empty) seat
            # manifest, or its kept originals read as a damaged store.
            self.store_writer.note_stored()


def _ingest_one(
    writer: StoreWriter,
    usage_run: _UsageRun,
    loaded: Loaded,
    parse: Parse,
    on_stored: OnStored | None = None,
) -> FileOutcome:
    from analyzer.reading.dispatch import internal_error
    from analyzer.reading.interface import BILLING, USAGE
    from analyzer.reading.limits import MAX_FILE_BYTES
    from analyzer.reading.problems import ProblemLog
    from analyzer.store.billing import store_billing
    from analyzer.store.shelf import Source

    if loaded.unread and not writer.already_stored(loaded.sha256):
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
    known = writer.already_stored(sha256)
    if known:  # the very bytes of a stored file: no need to read them again
        return FileOutcome(path, known.status, known.message, (), known.snapshot)
    read = loaded.parsed or parse(path, before, data, sha256)
    if not read.accepted:
        codes = sorted({p.code for p in read.errors})
        return FileOutcome(path, "refused", ", ".join(codes), read.problems)
    try:
        if read.family == BILLING:  # kept by analyzer.store.billing
            src = Source(path, before)  # (the kernel copies the original from it)
            billing = store_billing(writer.root, read.detail, data, src)  # type: ignore[arg-type]
            if billing.status == "stored":
                writer.note_stored()
            problems = billing.problems + tuple(read.warnings)
            return FileOutcome(path, billing.status, billing.message, problems)
        if read.family == USAGE:
            return _ingest_usage(usage_run, loaded, read)
    except StoreError:  # the store cannot be written (disk full, permissions): stop the run
        raise
    except Exception as exc:  # a bug: this file's refusal, never the run's end
        return FileOutcome(path, "refused", "internal-error", (internal_error(path.name, exc),))
    parsed: ParsedReport = read.detail  # type: ignore[assignment]
    if on_stored is not None:
        on_stored.prepare(writer, parsed)
    stored = writer.add(parsed, data)
    problems = parsed.problems + stored.problems
    if on_stored is not None and stored.status == "stored" and stored.snapshot is not None:
        assert parsed.seats is not None
        on_stored(writer, stored.snapshot, parsed.seats)
    return FileOutcome(path, stored.status, stored.message, problems, stored.snapshot)


def _ingest_usage(run: _UsageRun, loaded: Loaded, read: ParsedFile) -> FileOutcome:
    """Add an accepted usage-metrics report to the run, which commits it with the others."""
    from analyzer.reading.usage_metrics import ParsedUsage
    from analyzer.store.usage_writer import Source, read_and_add

    path, data, parsed = loaded.path, loaded.data, read.detail
    assert loaded.before is not None and isinstance(parsed, ParsedUsage)
    source = Source(path, loaded.before)
    sha256, scope = loaded.sha256, parsed.scope
    done = read_and_add(run.writer, path.name, data, sha256, read.kind, scope, source, parsed)
    return FileOutcome(path, done.status, done.message, done.problems)
