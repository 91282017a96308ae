"""An inter-process lock on the history store, so concurrent ingests queue up safely."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def store_lock(path: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on `path`; call `on_wait` once if another process holds it.

    The operating system releases the lock when the holder dies, even by SIGKILL, so a
    killed ingest never leaves the store locked.
    """
    waited = False
    while True:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            if on_wait and not waited:
                on_wait()
            waited = True
            _lock(fd)
        if _still_there(path, fd):
            break
        # The holder removed the lock file (an empty store it had created): lock anew.
        _unlock(fd)
        os.close(fd)
    try:
        yield
    finally:
        _unlock(fd)
        os.close(fd)


def _still_there(path: Path, fd: int) -> bool:
    """Return True when `path` still names the file locked through `fd`."""
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _lock(fd: int) -> None:
        while not _try_lock(fd):
            import time

            time.sleep(0.1)

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
