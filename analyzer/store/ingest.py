"""Ingest dropped files into the history store, and rebuild the store from its originals."""

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
from analyzer.schema import Problem
from analyzer.store import readers
from analyzer.store.folder import Store, StoreWriter
from analyzer.store.ingest_ahead import TOO_LARGE, Loaded, load, read_ahead
from analyzer.store.rebuild import RebuildResult as RebuildResult  # (re-exported)
from analyzer.store.rebuild import rebuild_store as rebuild_store  # (re-exported)
from analyzer.store.seen import SeenFiles

if TYPE_CHECKING:
    import polars as pl

    from analyzer.reading.reader import ParsedReport
    from analyzer.reading.usage_metrics import ParsedUsage
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
class FileOutcome:
    """What happened to one input file."""

    path: Path
    status: str  # stored / already-stored / refused / skipped
    message: str
    problems: tuple[Problem, ...] = ()
    snapshot: SnapshotInfo | None = None

    @property
    def errors(self) -> list[Problem]:
        """Return the problems that refused the file."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Return the warnings said about an accepted file."""
        return [p for p in self.problems if p.severity != "error"]


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
    from analyzer.reading.limits import MAX_FILE_BYTES

    def parse(path: Path, kind: str, data: bytes, sha256: str) -> ParsedUsage:
        return readers.usage_file(path.name, data, sha256, kind, scope)

    def parse_seats(
        path: Path, before: os.stat_result, data: bytes, sha256: str
    ) -> ParsedReport | None:
        if readers.billing_kind(data) is not None:
            return None  # a billing file: its own reader takes it in turn
        mtime = datetime.fromtimestamp(before.st_mtime, tz=UTC).replace(microsecond=0)
        return readers.seat_report(
            path.name, data, sha256, as_of=as_of, scope=scope, mtime=mtime, now=now
        )

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
            for loaded in read_ahead(
                files, MAX_FILE_BYTES, parse, known, parse_seats, stored_as_is
            ):
                outcome = _ingest_one(writer, usage, loaded, as_of, scope, now, on_stored)
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
    as_of: datetime | None,
    scope: str | None,
    now: datetime | None,
    on_stored: OnStored | None = None,
) -> FileOutcome:
    from analyzer.reading.limits import MAX_FILE_BYTES
    from analyzer.reading.problems import ProblemLog
    from analyzer.store.billing import ingest_billing

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
    mtime = datetime.fromtimestamp(before.st_mtime, tz=UTC).replace(microsecond=0)
    known = writer.already_stored(sha256)
    if known:  # the very bytes of a stored file: no need to read them again
        return FileOutcome(path, known.status, known.message, (), known.snapshot)
    try:
        # Billing files (usage, premium request, AI usage, licence reports): recognised by
        # their header before the seat reader's size limits, kept by analyzer.store.billing.
        billing = ingest_billing(writer.root, path, data, sha256)
        if billing is not None:
            if billing.status == "stored":
                writer.note_stored()
            return FileOutcome(path, billing.status, billing.message, billing.problems)
        usage = _ingest_usage(usage_run, loaded, scope)
        if usage is not None:
            return usage
        if isinstance(loaded.seats, Exception):
            raise loaded.seats
        parsed = loaded.seats or readers.seat_report(
            path.name, data, sha256, as_of=as_of, scope=scope, mtime=mtime, now=now
        )
    except StoreError:  # the store cannot be written (disk full, permissions): stop the run
        raise
    except Exception as exc:  # a reader bug: this file's refusal, never the run's end
        return FileOutcome(path, "refused", "internal-error", (internal_error(path.name, exc),))
    if not parsed.accepted:
        codes = sorted({p.code for p in parsed.errors})
        return FileOutcome(path, "refused", ", ".join(codes), parsed.problems)
    if on_stored is not None:
        on_stored.prepare(writer, parsed)
    stored = writer.add(parsed, data)
    problems = parsed.problems + stored.problems
    if on_stored is not None and stored.status == "stored" and stored.snapshot is not None:
        assert parsed.seats is not None
        on_stored(writer, stored.snapshot, parsed.seats)
    return FileOutcome(path, stored.status, stored.message, problems, stored.snapshot)


def internal_error(name: str, exc: Exception) -> Problem:
    """Return the refusal of a file whose reading failed unexpectedly (a bug to report)."""
    what = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    message = (
        f"reading this file failed unexpectedly ({what}); the file was not stored and the "
        "run went on; please report this to the copilot-seats maintainers with the file"
    )
    return Problem(name, 0, "", "internal-error", message)


def _ingest_usage(run: _UsageRun, loaded: Loaded, scope: str | None) -> FileOutcome | None:
    """Add a usage-metrics report (which the seat reader refuses by name) to the run, else None.

    The run commits it with the others (`_UsageRun.commit`).
    """
    from analyzer.store.usage_writer import Source, read_and_add

    path, data, ahead = loaded.path, loaded.data, loaded.usage
    if isinstance(ahead, Exception):
        raise ahead  # the reader failed in the worker: the file's internal-error
    kind = ahead.kind if ahead is not None else readers.usage_kind(data)
    if kind is None:
        return None
    assert loaded.before is not None
    source = Source(path, loaded.before)
    done = read_and_add(run.writer, path.name, data, loaded.sha256, kind, scope, source, ahead)
    return FileOutcome(path, done.status, done.message, done.problems)
