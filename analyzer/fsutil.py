"""File-system helpers: atomic writes that never leave half a file, nor replace a non-file."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from analyzer.errors import OutputError

# What tells one state of a file from another: device, inode, size, modification and change
# times in nanoseconds. Any write moves the change time, which no user can set back.
FileStatus = tuple[int, int, int, int, int]


def file_status(stat: os.stat_result) -> FileStatus:
    """Return the identity of a file's state from its `os.stat` result."""
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temp_pattern(target: Path) -> re.Pattern[str]:
    """Match the temporary names `atomic_path` gives: `.<name>.<pid>-<hex>.tmp`."""
    return re.compile(rf"^\.{re.escape(target.name)}\.(?P<pid>\d+)-[0-9a-f]{{16}}\.tmp$")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # someone else's process: alive, leave its file alone
        return True
    return True


def remove_stale_temps(target: Path) -> None:
    """Remove temporary files a killed run left beside `target` (only ours, of dead writers)."""
    pattern = _temp_pattern(target)
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            match = pattern.match(entry.name)
            dead = match is not None and not _pid_alive(int(match["pid"]))
            if dead and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def file_sha256(path: Path) -> str:
    """Return the sha256 of a file's bytes, read in chunks."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_kind(mode: int) -> str:
    """Return what a file of this mode is, as messages say it ("a named pipe (FIFO)", ...)."""
    kinds = [
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((kind for test, kind in kinds if test(mode)), "not a regular file")


def check_target(target: Path) -> None:
    """Raise OutputError unless `target` is absent or a regular file (never a FIFO or device)."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    except NotADirectoryError as exc:
        raise _cannot_write(target, exc) from exc
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    if stat.S_ISREG(mode):
        return
    kind = file_kind(mode)
    raise OutputError(
        f"cannot write {target}: it is {kind}, not a regular file; give the path of a new "
        "or existing ordinary file"
    )


@contextlib.contextmanager
def atomic_path(target: Path, *, durable: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success rename it over `target`.

    The temporary file lives in the same folder (so the rename is atomic) and is removed
    when the block raises, so a failed run never leaves a partial file at `target`; ones a
    killed run left are removed first. `target` must be absent or a regular file: a FIFO,
    device, folder or link there is refused, never replaced. `durable` flushes the file and
    the rename to disk (the store; pages and workbooks can be written again). A file system
    error (no such folder, no permission, disk full) becomes an OutputError naming `target`.
    """
    check_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(target)
        tmp = target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(8)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 & ~_umask())
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    os.close(fd)
    try:
        yield tmp
        if durable:
            fsync_file(tmp)
        check_target(target)  # something may have appeared there meanwhile
        os.replace(tmp, target)
        if durable:
            fsync_folder(target.parent)
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def fsync_file(path: Path) -> None:
    """Flush a file's bytes to disk (opened writable: Windows flushes no read-only file)."""
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename into it) to disk, where the platform allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _cannot_write(target: Path, exc: OSError) -> OutputError:
    if isinstance(exc, FileExistsError | NotADirectoryError):
        reason = f"a file is in the way of its folder {target.parent}"
    else:
        where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(target) else ""
        reason = f"{exc.strerror or exc}{where}"
    return OutputError(f"cannot write {target}: {reason}")


def write_bytes_atomic(target: Path, data: bytes, *, durable: bool = False) -> None:
    """Write `data` to `target` so that readers see the old file or the whole new one."""
    with atomic_path(target, durable=durable) as tmp:
        tmp.write_bytes(data)
