"""Read the next input file while the current one is stored: bytes, sha256, its parse.

Reading a file's bytes, hashing them and parsing them (mostly in polars) release the GIL,
so a worker thread does them one file ahead of the storing thread, which meanwhile copies the
original and writes the Parquet parts. Only the reading is moved: what is stored, and in
which order, is decided by the storing thread exactly as without it. A file whose
bytes are already stored is not parsed ahead; a file over AHEAD_MAX_BYTES is read only when
its turn comes, so two large files are never held at once.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer.fsutil import file_sha256, file_status

if TYPE_CHECKING:
    from analyzer.reading.interface import ParsedFile

AHEAD_MAX_BYTES = 256 << 20  # larger files are read in turn, not ahead
HASH_APART_BYTES = 32 << 20  # larger files are hashed while their bytes are read


@dataclass(frozen=True)
class Loaded:
    """One input file read: its bytes and sha256, or why it could not be read."""

    path: Path
    before: os.stat_result | None = None  # the file's status before its bytes were read
    data: bytes = b""
    sha256: str = ""
    refused: str | None = None  # TOO_LARGE, or why the file could not be read
    parsed: ParsedFile | None = None  # read ahead (analyzer.reading.dispatch.read_file)
    unread: bool = False  # a file known stored as it is (see analyzer.answers.seen): not read


TOO_LARGE = "file-too-large"
# Reads a file of any family: (path, its status before reading, bytes, sha256) -> the parse.
Parse = Callable[[Path, os.stat_result, bytes, str], "ParsedFile"]
# The sha256 of a file known to be stored as it is (path, its status), else None.
Seen = Callable[[Path, os.stat_result], str | None]


def load(
    path: Path,
    max_bytes: int,
    parse: Parse | None = None,
    seen: Seen | None = None,
) -> Loaded:
    """Read and hash one file; read it too when `parse` is given (which never raises).

    A file `seen` knows is not read at all.
    """
    try:
        before = path.stat()
        if before.st_size > max_bytes:  # refused before a byte is read into memory
            return Loaded(path, before, refused=TOO_LARGE)
        known = seen(path, before) if seen is not None else None
        if known is not None:
            return Loaded(path, before, sha256=known, unread=True)
        data, sha256 = _read_and_hash(path, before)
    except OSError as exc:
        return Loaded(path, refused=f"cannot read the file: {exc.strerror}")
    if parse is None:
        return Loaded(path, before, data, sha256)
    try:
        return Loaded(path, before, data, sha256, parsed=parse(path, before, data, sha256))
    except _Known:  # stored before the run: read only if its turn says so
        return Loaded(path, before, data, sha256)


def _read_and_hash(path: Path, before: os.stat_result) -> tuple[bytes, str]:
    """Return a file's bytes and their sha256; a large file is hashed while it is read.

    A worker hashes the file itself while its bytes are read (both from the page cache).
    When its status moved meanwhile (any write moves the change time), the two reads may
    differ, so the bytes read are hashed again.
    """
    if before.st_size < HASH_APART_BYTES:
        data = path.read_bytes()
        return data, hashlib.sha256(data).hexdigest()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hash") as pool:
        hashed = pool.submit(file_sha256, path)
        data = path.read_bytes()
        try:
            sha256: str | None = hashed.result()
        except OSError:
            sha256 = None
    try:
        moved = file_status(path.stat()) != file_status(before) or len(data) != before.st_size
    except OSError:  # (gone since: nothing proves the two reads saw the same bytes)
        moved = True
    if sha256 is None or moved:
        sha256 = hashlib.sha256(data).hexdigest()
    return data, sha256


def read_ahead(
    files: list[Path],
    max_bytes: int,
    parse: Parse,
    known: set[str],
    seen: Seen | None = None,
) -> Iterator[Loaded]:
    """Yield each file loaded, in order, while a worker reads the next one.

    The worker also reads the file (`parse(path, before, data, sha256)`) unless its sha256
    is in `known`, the files stored before the run began. A file `seen` knows is not read.
    A file not read ahead (the first, or a large one) is yielded unparsed (`parsed` None).
    """

    def ahead(path: Path, before: os.stat_result, data: bytes, sha256: str) -> ParsedFile:
        if sha256 in known:
            raise _Known
        return parse(path, before, data, sha256)

    def task(path: Path) -> Loaded:
        return load(path, max_bytes, ahead, seen)

    def small(path: Path) -> bool:
        try:
            return path.stat().st_size <= AHEAD_MAX_BYTES
        except OSError:
            return True  # load() says why it cannot be read

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as pool:
        pending: Future[Loaded] | None = None
        for i, path in enumerate(files):
            # (a file not read ahead is parsed by the caller, who meanwhile keeps its bytes)
            current = pending.result() if pending is not None else load(path, max_bytes, None, seen)
            following = files[i + 1] if i + 1 < len(files) else None
            pending = None
            if following is not None and small(following):
                pending = pool.submit(task, following)
            yield current


class _Known(Exception):
    """The bytes are stored already: not parsed ahead."""
