"""Store usage-metrics files: kept originals, Parquet parts, login indexes, the manifest.

A writer adds any number of files, then commits them together (`commit`): each file's
original is kept and its parts are renamed into place as it is added, and the manifest,
replaced atomically and durably, lists them at the commit. A run killed before its commit
leaves the old manifest, so no listed file is missing; the next writer removes the unlisted
parts, and the kept originals (never removed) are simply read again by the next ingest.
Committing once per run, not once per file, keeps a year of daily files from rewriting the
manifest and the login index 365 times.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from analyzer.fsutil import file_status, fsync_folder, write_bytes_atomic
from analyzer.reading.usage_metrics import AGGREGATE, USERS, ParsedUsage, read_usage
from analyzer.schema import Problem
from analyzer.store.manifest import STAGE_PREFIX
from analyzer.store.usage import (
    FORMAT_VERSION,
    MANIFEST,
    UsageOutcome,
    UsagePart,
    UsageStore,
    day_runs,
    describe_part,
)
from analyzer.store.usage_index import aliases_of, index_path, merge_aliases, read_index

COMMIT_EVERY = 64  # files added between two commits at most: a killed run loses little
_MERGE_EVERY = 16  # alias frames of added files merged into one, to bound memory


@dataclass(frozen=True)
class Source:
    """The file a usage report was read from, and its status before the read."""

    path: Path
    stat: os.stat_result

    def unchanged(self) -> bool:
        """Return True when the file is still the very one read (same inode, size, times)."""
        try:
            now = os.stat(self.path)
        except OSError:
            return False
        return file_status(now) == file_status(self.stat)


def keep_bytes(target: Path, data: bytes, source: Source | None) -> None:
    """Write `data`, the bytes read from `source`, to the new file `target`.

    The source file is copied by the kernel (several times faster than writing the bytes
    from memory) when it provably still holds them: the same inode, size, modification and
    change times before the read and after the copy (any write to a file moves its change
    time). Otherwise, or when the copy fails, the bytes are written from memory. Either
    way `target` is a file of its own: deleting or rewriting the source later leaves it as
    it was.
    """
    if source is not None and source.stat.st_size == len(data):
        try:
            shutil.copyfile(source.path, target)
            if source.unchanged() and target.stat().st_size == len(data):
                return
        except OSError:
            pass
    target.write_bytes(data)


class UsageWriter:
    """Stores usage-metrics files in a store whose lock the caller holds."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = UsageStore(root)  # as last committed
        self.parts = self.store.parts()  # committed and added since
        self.pending: list[UsagePart] = []  # added, not yet listed by the manifest
        self._aliases: dict[str, list[pl.DataFrame]] = {}  # scope -> aliases of added parts
        self._sweep()

    def _sweep(self) -> None:
        """Remove parts a killed writer renamed into place but never listed."""
        listed = {path for p in self.parts for path in p.parquet.values()}
        listed |= {index_path(p.scope) for p in self.parts if p.kind == USERS}
        for path in (self.root / "usage").glob("*/*.parquet"):
            if path.relative_to(self.root).as_posix() not in listed:
                path.unlink(missing_ok=True)

    def _stage(self) -> Path:
        staging = self.root / ".tmp"
        staging.mkdir(parents=True, exist_ok=True)
        return staging / f"{STAGE_PREFIX}{uuid.uuid4().hex}"  # swept if left behind

    def _write_manifest(self, parts: list[UsagePart], logins: dict[str, list[str]]) -> None:
        ordered = sorted(parts, key=lambda p: (p.scope, p.first_day, p.sha256))
        body = {
            "format_version": FORMAT_VERSION,
            "parts": [asdict(p) for p in ordered],
            "logins": {scope: sorted(shas) for scope, shas in sorted(logins.items())},
        }
        target = self.root / MANIFEST
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(body, indent=1, sort_keys=True) + "\n"
        write_bytes_atomic(target, text.encode(), durable=True)
        self.parts = ordered
        self.pending = []
        self._aliases = {}
        self.store = UsageStore(self.root)

    def _write_index(
        self, scope: str, parts: list[UsagePart], new: list[pl.DataFrame] | None
    ) -> None:
        """Write the scope's login index over `parts` (its users parts), before the manifest.

        `new` holds the aliases of the parts added since the last commit: the whole index of
        a scope that had no parts, else merged into the index when it is valid; without them
        (or a valid index) the index is rebuilt from every part's day table.
        """
        users = [p for p in parts if p.scope == scope and p.kind == USERS]
        old = [q.sha256 for q in self.store.scope_parts(scope)]
        built = self.store.indexes().get(scope)
        path = self.root / index_path(scope)
        if new and not old:  # the scope's first parts: their aliases are the whole index
            frames = new
        elif new and built is not None and sorted(built) == sorted(old):
            frames = [read_index(path), *new] if path.is_file() else new
        else:
            frames = [
                aliases_of(
                    pl.scan_parquet(self.root / p.parquet["days"]).select("user_id", "login", "day")
                )
                for p in users
            ]
        staged = self._stage()
        merge_aliases(frames).write_parquet(staged, compression="zstd")
        with open(staged, "rb+") as handle:
            os.fsync(handle.fileno())
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, path)

    def _logins(self, parts: list[UsagePart]) -> dict[str, list[str]]:
        """Return scope -> users parts for every scope with a login index written."""
        out: dict[str, list[str]] = {}
        for p in parts:
            if p.kind == USERS:
                out.setdefault(p.scope, []).append(p.sha256)
        return out

    def known(self, sha256: str) -> UsagePart | None:
        """Return the stored (or added) part of these exact bytes, if any."""
        return next((p for p in self.parts if p.sha256 == sha256), None)

    def _keep_original(self, parsed: ParsedUsage, data: bytes, source: Source | None) -> None:
        folder = self.root / "originals" / parsed.sha256
        if (folder / "ingest.json").is_file():
            return
        staged = self._stage()
        staged.mkdir()
        keep_bytes(staged / parsed.name, data, source)
        how = {"name": parsed.name, "kind": parsed.kind, "scope": parsed.scope}
        how["scope_source"] = parsed.scope_source
        (staged / "ingest.json").write_text(json.dumps(how, indent=1, sort_keys=True))
        for kept in (staged / parsed.name, staged / "ingest.json"):  # on disk before listed
            with open(kept, "rb+") as handle:
                os.fsync(handle.fileno())
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(staged, folder)
        fsync_folder(folder.parent)

    def _write_part(self, parsed: ParsedUsage) -> UsagePart:
        assert parsed.scope is not None and parsed.covered
        tables = {"days": parsed.days, "breakdowns": parsed.breakdowns}
        if parsed.kind == AGGREGATE:
            tables = {"aggregate": parsed.aggregate}
        written: dict[str, str] = {}
        for table, frame in tables.items():
            if frame is None:
                continue
            rel = f"usage/{parsed.scope}/{parsed.sha256[:12]}-{table}.parquet"
            staged = self._stage()
            frame.write_parquet(staged, compression="zstd")
            with open(staged, "rb+") as handle:
                os.fsync(handle.fileno())
            (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, self.root / rel)
            written[table] = rel
        return UsagePart(
            sha256=parsed.sha256,
            source_name=parsed.name,
            scope=parsed.scope,
            kind=parsed.kind,
            level=parsed.level or "",
            records=parsed.records,
            first_day=parsed.covered[0].isoformat(),
            last_day=parsed.covered[-1].isoformat(),
            covered=day_runs(parsed.covered),
            parquet=written,
        )

    def add(self, parsed: ParsedUsage, data: bytes, source: Source | None = None) -> UsageOutcome:
        """Keep an accepted file's original and write its parts; `commit` lists them.

        Every COMMIT_EVERY files added, the writer commits by itself.
        """
        known = self.known(parsed.sha256)
        if known:
            return UsageOutcome("already-stored", f"already stored (as {known.source_name})")
        self._keep_original(parsed, data, source)
        part = self._write_part(parsed)
        self.parts.append(part)
        self.pending.append(part)
        if parsed.kind == USERS and parsed.days is not None:
            frames = self._aliases.setdefault(part.scope, [])
            frames.append(aliases_of(parsed.days))
            if len(frames) >= _MERGE_EVERY:
                frames[:] = [merge_aliases(frames)]
        if len(self.pending) >= COMMIT_EVERY:
            self.commit()
        return UsageOutcome("stored", describe_part(part), part=part)

    def commit(self) -> bool:
        """List the files added since the last commit: login indexes, then the manifest.

        Return True when there was anything to commit.
        """
        if not self.pending:
            return False
        for scope in sorted({p.scope for p in self.pending if p.kind == USERS}):
            self._write_index(scope, self.parts, self._aliases.get(scope))
        self._write_manifest(self.parts, self._logins(self.parts))
        return True

    def rebuild(self) -> list[tuple[str, tuple[Problem, ...]]]:
        """Re-read every kept usage-metrics original and replace the usage manifest."""
        parts: list[UsagePart] = []
        failures: list[tuple[str, tuple[Problem, ...]]] = []
        for folder in sorted((self.root / "originals").glob("*")):
            how_path = folder / "ingest.json"
            if not how_path.is_file():
                continue
            how = json.loads(how_path.read_text(encoding="utf-8"))
            if how.get("kind") not in (USERS, AGGREGATE):
                continue
            data = (folder / how["name"]).read_bytes()
            parsed = read_usage(how["name"], data, folder.name, how["kind"], how["scope"])
            if parsed.accepted:
                parts.append(self._write_part(parsed))
            else:
                failures.append((folder.name, parsed.problems))
                old = self.known(folder.name)
                if old:
                    parts.append(old)
        for scope in sorted({p.scope for p in parts if p.kind == USERS}):
            self._write_index(scope, parts, None)
        self._write_manifest(parts, self._logins(parts))
        self._sweep()
        return failures


def store_usage_file(
    root: Path, name: str, data: bytes, sha256: str, kind: str, scope: str | None
) -> UsageOutcome:
    """Read, store and commit one usage-metrics file; the caller holds the store's lock."""
    writer = UsageWriter(root)
    outcome = read_and_add(writer, name, data, sha256, kind, scope)
    writer.commit()
    return outcome


def read_and_add(
    writer: UsageWriter,
    name: str,
    data: bytes,
    sha256: str,
    kind: str,
    scope: str | None,
    source: Source | None = None,
    parsed: ParsedUsage | None = None,
) -> UsageOutcome:
    """Read one usage-metrics file (unless `parsed` already) and add it to `writer`.

    `writer.commit` lists it.
    """
    known = writer.known(sha256)
    if known:
        return UsageOutcome("already-stored", f"already stored (as {known.source_name})")
    if parsed is None:
        parsed = read_usage(name, data, sha256, kind, scope)
    if not parsed.accepted:
        codes = sorted({p.code for p in parsed.problems if p.severity == "error"})
        return UsageOutcome("refused", ", ".join(codes), parsed.problems)
    outcome = writer.add(parsed, data, source)
    return UsageOutcome(outcome.status, outcome.message, parsed.problems, outcome.part)
