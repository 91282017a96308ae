"""Ingest dropped files into the history store, and rebuild the store from its originals."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from analyzer.model import SnapshotInfo
from analyzer.reading.names import is_partial_download
from analyzer.schema import Problem
from analyzer.store.folder import Store, StoreWriter

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
    """Return the files to read under `paths`, and the ones skipped with the reason."""
    files: list[Path] = []
    skipped: list[FileOutcome] = []
    for path in paths:
        if path.is_dir():
            found = path.rglob("*") if recursive else path.glob("*")
            for item in sorted(found, key=_download_order):
                if not item.is_file() or item.name.startswith("."):
                    continue
                if is_partial_download(item.name):
                    skipped.append(FileOutcome(item, "skipped", "still being downloaded"))
                elif item.suffix.lower() in REPORT_SUFFIXES:
                    files.append(item)
        elif is_partial_download(path.name):
            skipped.append(FileOutcome(path, "skipped", "still being downloaded"))
        elif path.is_file():
            files.append(path)
        else:
            skipped.append(FileOutcome(path, "refused", "no such file or folder"))
    return files, skipped


def ingest_files(
    store: Store,
    files: list[Path],
    *,
    as_of: datetime | None = None,
    scope: str | None = None,
    on_wait: Callable[[], None] | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> list[FileOutcome]:
    """Read each file and store the good ones; a refused file never stops the others."""
    outcomes: list[FileOutcome] = []
    with store.writing(on_wait) as writer:
        for path in files:
            outcome = _ingest_one(writer, path, as_of, scope)
            outcomes.append(outcome)
            if on_file:
                on_file(outcome)
    return outcomes


def _ingest_one(
    writer: StoreWriter, path: Path, as_of: datetime | None, scope: str | None
) -> FileOutcome:
    from analyzer.reading.reader import ReadHints, read_report

    try:
        data = path.read_bytes()
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(microsecond=0)
    except OSError as exc:
        return FileOutcome(path, "refused", f"cannot read the file: {exc.strerror}")
    sha256 = hashlib.sha256(data).hexdigest()
    known = writer.already_stored(sha256)
    if known:  # the very bytes of a stored file: no need to read them again
        return FileOutcome(path, known.status, known.message, (), known.snapshot)
    # Billing files (usage, premium request, AI usage, licence reports): recognised by their
    # header before the seat reader's size limits, and kept by analyzer.store.billing.
    from analyzer.store.billing import ingest_billing

    billing = ingest_billing(writer.root, path, data, sha256)
    if billing is not None:
        return FileOutcome(path, billing.status, billing.message, billing.problems)
    hints = ReadHints(as_of=as_of, scope=scope, mtime=mtime, now=datetime.now(UTC))
    parsed = read_report(path.name, data, hints, sha256)
    if not parsed.accepted:
        codes = sorted({p.code for p in parsed.errors})
        return FileOutcome(path, "refused", ", ".join(codes), parsed.problems)
    stored = writer.add(parsed, data)
    problems = parsed.problems + stored.problems
    return FileOutcome(path, stored.status, stored.message, problems, stored.snapshot)


@dataclass(frozen=True)
class RebuildResult:
    """What a rebuild re-derived, and the originals it could not read any more."""

    rebuilt: list[SnapshotInfo]
    kept: list[SnapshotInfo]  # old snapshots kept because their original failed
    failures: list[tuple[str, tuple[Problem, ...]]]


def rebuild_store(store: Store, on_wait: Callable[[], None] | None = None) -> RebuildResult:
    """Re-derive every snapshot from the kept original files, atomically."""
    rebuilt: list[SnapshotInfo] = []
    kept: list[SnapshotInfo] = []
    failures: list[tuple[str, tuple[Problem, ...]]] = []
    with store.writing(on_wait, rebuilding=True) as writer:
        old = {i.sha256: i for i in writer.infos}
        originals = store.root / "originals"
        folders = sorted(p for p in originals.glob("*") if (p / "ingest.json").is_file())
        # Billing originals are re-read by their own reader (analyzer.store.billing).
        from analyzer.store.billing import is_billing_original, rebuild_billing

        billing = [p for p in folders if is_billing_original(p)]
        folders = [p for p in folders if p not in billing]
        failures.extend(rebuild_billing(store.root, billing)[1])
        for folder in folders:
            parsed, info = writer.rebuild_one(folder)
            if info is not None:
                source = old.get(info.sha256)
                if source is not None:  # keep how the time was first found (e.g. mtime)
                    info = dataclasses.replace(info, time_source=source.time_source)
                rebuilt.append(info)
            elif folder.name in old:
                kept.append(old[folder.name])
                failures.append((folder.name, parsed.problems if parsed else ()))
            else:
                failures.append((folder.name, parsed.problems if parsed else ()))
        writer.replace_all(rebuilt + kept)
    return RebuildResult(rebuilt, kept, failures)
