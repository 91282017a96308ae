"""The inbox: which dropped files are read, in which order, and what happened to each."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from analyzer.fsutil import file_kind
from analyzer.model import SnapshotInfo
from analyzer.reading.names import is_partial_download
from analyzer.schema import Problem, ProblemsHeld

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
    kind = file_kind(mode).replace("not a regular file", "a special file")
    return f"a link to {kind}" if path.is_symlink() else kind
