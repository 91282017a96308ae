"""The one shelf every file family is kept on: originals, checked tables, manifests, staging.

Every family (seat snapshots, billing files, usage metrics, derived data) keeps its files
through these functions, so the promises hold the same way for all of them:
- an original is kept once, by its sha256, in `originals/<sha256>/` (the file and an
  `ingest.json` saying how it was read), written durably before anything lists it;
- a table is a Parquet file staged under `.tmp/cs-stage-*`, flushed, hashed, renamed into
  place and its folder flushed; the manifest that lists it records its sha256, and every read
  checks it (`check_table`), so a damaged table is never read;
- a manifest is JSON with a `format_version`, replaced atomically and durably; one of a newer
  version is refused, never rewritten;
- a write the disk or the permissions refuse removes what it staged and raises one
  StoreError naming the path and what to do.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.errors import OutputError, StoreError
from analyzer.fsutil import file_sha256, file_status, fsync_file, fsync_folder, write_bytes_atomic

if TYPE_CHECKING:
    import polars as pl

    from analyzer.schema import Problem

Failure = tuple[str, str, "tuple[Problem, ...]"]  # (sha256 of the original, why, problems)
# Re-reads one kept original (its ingest.json, bytes, folder): (entry or None, problems, why).
Reread = Callable[[dict[str, Any], bytes, Path], "tuple[Any, tuple[Problem, ...], str]"]

STAGING = ".tmp"
STAGE_PREFIX = "cs-stage-"  # staging names under .tmp/: the only ones a sweep removes
ATTIC = "attic"
ASIDE = "set-aside"  # where rebuild moves files the store did not write
HOW = "ingest.json"
SHA_RE = re.compile(r"[0-9a-f]{64}")
_SHA12 = re.compile(r"(?:^|-)([0-9a-f]{12})[-.]")
SCOPE = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")  # an org or enterprise slug


@dataclass(frozen=True)
class Table:
    """One Parquet table a family's manifest lists, with what it was derived from."""

    path: str  # inside the store
    sha256: str | None  # recorded when it was written (None: an earlier version wrote it)
    original: str  # the sha256 of the kept original it comes from ("" for none)
    what: str  # how messages name it: "the snapshot file of octo-demo at ..."
    source_name: str = ""
    noun: str = "table"  # in its problem codes: damaged-table, missing-snapshot, ...


@dataclass(frozen=True)
class Source:
    """The file an original was read from, and its status before the read."""

    path: Path
    stat: os.stat_result

    def unchanged(self) -> bool:
        """Return True when the file is still the very one read (same inode, size, times)."""
        try:
            now = os.stat(self.path)
        except OSError:
            return False
        return file_status(now) == file_status(self.stat)


def rebuild_hint(root: Path) -> str:
    """Return the advice every damaged-store message ends with."""
    return f"run `copilot-seats rebuild --store {root}` to re-derive it from the kept originals"


def bytes_sha256(data: bytes) -> str:
    """Return the sha256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def kept_sha12(root: Path) -> set[str]:
    """Return the first 12 hex digits of every kept original's sha256 (attic included)."""
    return {
        p.name[:12]
        for where in ("originals", ATTIC)
        if (root / where).is_dir()
        for p in (root / where).iterdir()
        if SHA_RE.fullmatch(p.name)
    }


def ours(name: str, kept: set[str]) -> bool:
    """Return True when a table's file name carries the sha256 of a kept original."""
    match = _SHA12.search(name)
    return match is not None and match[1] in kept


def disk_error(path: Path, exc: BaseException) -> StoreError:
    """Return the one-line error of a write the file system refused, with what to do."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code == errno.ENOSPC or "No space left" in text or "os error 28" in text:
        why, todo = "the disk is full", "free some space, then run the command again"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS) or "ermission denied" in text:
        why, todo = "permission denied", "give your user write access to the store folder"
    else:
        why = getattr(exc, "strerror", None) or text.splitlines()[0][:200]
        todo = "check the store folder, then run the command again"
    return StoreError(
        f"cannot write {path}: {why}; nothing half-written was kept; {todo} "
        "(what was stored before is intact)"
    )


def staging(root: Path) -> Path:
    """Return the store's staging folder, made if needed; refuse one that is not a folder."""
    folder = root / STAGING
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:
        try:
            folder.mkdir()
        except FileExistsError:
            pass
        except OSError as exc:
            raise disk_error(folder, exc) from exc
        return folder
    if not stat.S_ISDIR(mode):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a folder"
        raise StoreError(
            f"{folder} is {kind}: the store stages its writes there and never follows it "
            f"outside the store; remove it (`rm {folder}`) and run the command again"
        )
    return folder


def stage_path(root: Path) -> Path:
    """Return a new staging name under `.tmp/` (swept if a killed writer leaves it)."""
    return staging(root) / f"{STAGE_PREFIX}{uuid.uuid4().hex}"


def remove(path: Path) -> None:
    """Remove a file or a folder (never following a link)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def staged(root: Path, target: Path, path: Path | None = None) -> Iterator[Path]:
    """Yield a staging path for `target` (a new one, or `path`); on any failure remove it
    and raise one StoreError."""
    path = path or stage_path(root)
    try:
        yield path
    except (StoreError, OutputError):
        remove(path)
        raise
    except Exception as exc:
        remove(path)
        if isinstance(exc, OSError) or _polars_io_error(exc):
            raise disk_error(target, exc) from exc
        raise


def _polars_io_error(exc: Exception) -> bool:
    """Return True for polars' wrapping of a file-system failure (it raises its own types)."""
    text = str(exc)
    return type(exc).__module__.startswith("polars") and (
        "os error" in text or "No space" in text or "denied" in text
    )


def place(staged_path: Path, target: Path, *, durable: bool = True) -> None:
    """Rename a staged file or folder into place and flush the rename to disk."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged_path, target)
    except OSError as exc:
        remove(staged_path)
        raise disk_error(target, exc) from exc
    if durable:
        fsync_folder(target.parent)


def write_table(
    root: Path,
    rel: str,
    frame: pl.DataFrame,
    *,
    level: int | None = 1,
    statistics: bool = True,
    durable: bool = True,
) -> str:
    """Write a table to `rel` through the staging area; return its file's sha256.

    `durable` flushes the file and its rename to disk (derived data, computed again when
    lost, need not be).
    """
    target = root / rel
    with staged(root, target) as path:
        # zstd level 1: a quarter faster to write than the default level, 5% larger. Written
        # by polars to the path itself: through a Python file object it takes twice as long.
        frame.write_parquet(
            path, compression="zstd", compression_level=level, statistics=statistics
        )
        with open(path, "rb+") as handle:  # (writable: Windows flushes no read-only file)
            if durable:
                os.fsync(handle.fileno())
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    place(path, target, durable=durable)
    return digest


def write_bytes(root: Path, target: Path, data: bytes) -> None:
    """Replace a small file (a manifest) atomically and durably; disk errors named."""
    staging(root)  # refused when `.tmp` is a link: no write of this store follows one
    try:
        write_bytes_atomic(target, data, durable=True)
    except OutputError as exc:
        raise StoreError(f"{exc}; free some space or fix the folder's permissions") from exc


def stage_original(root: Path, name: str, data: bytes, source: Source | None = None) -> Path:
    """Copy a file's bytes into a new staging folder, flushed; return the folder.

    `keep_original` places it. Started while the file is parsed, the disk's work overlaps the
    parse; whoever started it removes it when the file is not stored (a killed run's is
    swept as every staging leftover).
    """
    with staged(root, root / "originals") as path:
        path.mkdir()
        keep_bytes(path / name, data, source)
        fsync_file(path / name)
    return path


def keep_original(
    root: Path,
    sha256: str,
    name: str,
    data: bytes,
    how: dict[str, Any],
    source: Source | None = None,
    staged_copy: Path | None = None,
) -> None:
    """Keep a file's bytes and how it was read under `originals/<sha256>/`, durably.

    A forgotten file (its folder in the attic) ingested again comes back from there. The
    `source` file the bytes were read from is copied by the kernel (several times faster than
    writing them from memory) when it provably still holds them: the same inode, size,
    modification and change times before the read and after the copy (any write moves the
    change time); otherwise the bytes are written from memory. A `staged_copy` of them
    (`stage_original`) is used when the folder is new.
    """
    folder = root / "originals" / sha256
    attic = root / ATTIC / sha256
    how_bytes = json.dumps({"name": name, **how}, indent=1, sort_keys=True).encode("utf-8")
    if staged_copy and (attic.is_dir() or folder.exists() or not (staged_copy / name).is_file()):
        remove(staged_copy)  # (kept before, or staged under another name: done below)
        staged_copy = None
    if attic.is_dir() and not folder.exists():
        place(attic, folder)
        (folder / HOW).unlink(missing_ok=True)  # rewritten with today's hints
    if (folder / HOW).is_file():
        return
    if folder.is_dir():  # back from the attic: complete it in place, never remove it
        if not (folder / name).is_file():
            write_bytes(root, folder / name, data)
        write_bytes(root, folder / HOW, how_bytes)
        return
    path = staged_copy or stage_original(root, name, data, source)
    with staged(root, folder, path):
        (path / HOW).write_bytes(how_bytes)
        fsync_file(path / HOW)  # both on disk before anything lists them
    place(path, folder)


def keep_bytes(target: Path, data: bytes, source: Source | None) -> None:
    """Write `data`, read from `source`, to the new file `target` (a copy when provably same)."""
    if source is not None and source.stat.st_size == len(data):
        try:
            shutil.copyfile(source.path, target)
            if source.unchanged() and target.stat().st_size == len(data):
                return
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise
    target.write_bytes(data)


def read_how(folder: Path) -> dict[str, Any] | None:
    """Return a kept original's `ingest.json`, or None when it is missing or damaged."""
    try:
        how = json.loads((folder / HOW).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(how, dict) or not isinstance(how.get("name"), str):
        return None
    name = how["name"]
    if not name or "/" in name or "\\" in name or name in (".", "..", HOW):
        return None
    return how


def table_problem(root: Path, table: Table) -> tuple[str, str] | None:
    """Return (code, what is wrong) with a listed table, or None when it is whole."""
    noun = table.noun
    path = root / table.path
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(4)
            handle.seek(max(size - 4, 0))
            tail = handle.read(4)
    except FileNotFoundError:
        return f"missing-{noun}", f"{table.what} is missing"
    except OSError as exc:
        return f"damaged-{noun}", f"{table.what} cannot be read ({exc.strerror or exc})"
    if size < 12 or head != b"PAR1" or tail != b"PAR1":
        return f"damaged-{noun}", f"{table.what} is truncated or not a Parquet file"
    if table.sha256:
        if file_sha256(path) != table.sha256:
            return f"damaged-{noun}", (
                f"{table.what} has changed on disk (its sha256 is not the one recorded)"
            )
        return None
    try:  # written before checksums were recorded: at least its footer must read
        import polars as pl

        pl.read_parquet_schema(path)
    except Exception:  # any failure to read it is damage, named below
        return f"damaged-{noun}", f"{table.what} cannot be read as Parquet"
    return None


def check_table(root: Path, table: Table, verified: set[str]) -> None:
    """Raise StoreError naming `rebuild` unless a table is whole (checked once per process)."""
    if table.path in verified:
        return
    problem = table_problem(root, table)
    if problem:
        raise StoreError(f"{root / table.path}: {problem[1]}; " + rebuild_hint(root))
    verified.add(table.path)


def sweep_staging(root: Path) -> None:
    """Remove what killed writers staged (only the names this store gives)."""
    folder = root / STAGING
    if folder.is_dir() and not folder.is_symlink():
        for entry in folder.iterdir():
            if entry.name.startswith(STAGE_PREFIX):
                remove(entry)
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty


def unlisted(root: Path, folder: str, listed: set[str]) -> list[str]:
    """Return the tables in `folder` that no manifest lists and a killed writer left.

    Only files named for a kept original are the store's; any other stays (verify names it,
    rebuild sets it aside).
    """
    kept = kept_sha12(root)
    return [
        rel
        for path in sorted((root / folder).glob("*/*.parquet"))
        if (rel := path.relative_to(root).as_posix()) not in listed
        and path.is_file()
        and ours(path.name, kept)
    ]


def set_aside(root: Path, rels: list[str], stamp: str) -> Path | None:
    """Move files the store did not write to `set-aside/<stamp>/`; return that folder."""
    if not rels:
        return None
    folder = root / ASIDE / stamp
    for rel in rels:
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(root / rel, target)
    fsync_folder(folder)
    return folder


def reread(folders: list[Path], read: Reread) -> tuple[list[Any], list[Failure]]:
    """Re-read kept originals with a family's `read`; return the entries and the failures.

    An original whose ingest.json is damaged, whose file is gone or whose bytes no longer
    match the sha256 it is filed under is a failure, as is a reader's unexpected error: one
    original never stops the rebuild of the others.
    """
    entries: list[Any] = []
    failures: list[Failure] = []
    for folder in folders:
        how = read_how(folder)
        try:
            if how is None:
                raise ValueError("ingest.json is damaged")
            data = (folder / how["name"]).read_bytes()
        except (OSError, ValueError) as exc:
            failures.append((folder.name, f"its ingest.json or file cannot be read ({exc})", ()))
            continue
        if bytes_sha256(data) != folder.name:
            why = "its bytes no longer match their sha256 (the file changed)"
            failures.append((folder.name, why, ()))
            continue
        try:
            entry, problems, why = read(how, data, folder)
        except Exception as exc:  # a reader bug must not stop the rebuild of the others
            entry, problems = None, ()
            why = f"reading it failed unexpectedly ({type(exc).__name__}: {exc})"
        if entry is None:
            failures.append((folder.name, why, problems))
        else:
            entries.append(entry)
    return entries, failures


def whole(root: Path, tables: list[Table]) -> bool:
    """Return True when every one of these tables is whole (a rebuild may keep them)."""
    return all(table_problem(root, t) is None for t in tables)
