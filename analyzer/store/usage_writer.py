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

from dataclasses import asdict
from pathlib import Path
from typing import Any

import polars as pl

from analyzer.errors import StoreError
from analyzer.reading.usage_metrics import AGGREGATE, USERS, ParsedUsage
from analyzer.reading.usage_schema import PART_COLUMNS
from analyzer.store import shelf
from analyzer.store.readers import usage_file
from analyzer.store.shelf import Source as Source  # (re-exported: ingest passes it)
from analyzer.store.usage import (
    FORMAT_VERSION,
    MANIFEST,
    UsageOutcome,
    UsagePart,
    UsageStore,
    day_runs,
    describe_part,
)
from analyzer.store.usage_index import aliases_of, index_path, merge_aliases

COMMIT_EVERY = 64  # files added between two commits at most: a killed run loses little
_MERGE_EVERY = 16  # alias frames of added files merged into one, to bound memory


class UsageWriter:
    """Stores usage-metrics files in a store whose lock the caller holds."""

    def __init__(self, root: Path, *, rebuilding: bool = False) -> None:
        self.root = root
        self.store = UsageStore(root)  # as last committed
        try:
            self.parts = self.store.parts()  # committed and added since
            self._index_sums: dict[str, str] = dict(self.store.index_sums())
        except StoreError:  # a damaged manifest: only a rebuild goes on (it refused a newer one)
            if not rebuilding:
                raise
            self.parts, self._index_sums = [], {}
        self.pending: list[UsagePart] = []  # added, not yet listed by the manifest
        self._aliases: dict[str, list[pl.DataFrame]] = {}  # scope -> aliases of added parts
        if not rebuilding:
            self._sweep()

    def _sweep(self) -> None:
        """Remove parts a killed writer renamed into place but never listed."""
        listed = {path for p in self.parts for path in p.parquet.values()}
        listed |= {index_path(p.scope) for p in self.parts if p.kind == USERS}
        shelf.sweep_unlisted(self.root, "usage", listed)

    def _write_manifest(self, parts: list[UsagePart], logins: dict[str, list[str]]) -> None:
        ordered = sorted(parts, key=lambda p: (p.scope, p.first_day, p.sha256))
        body = {
            "format_version": FORMAT_VERSION,
            "parts": [asdict(p) for p in ordered],
            "logins": {scope: sorted(shas) for scope, shas in sorted(logins.items())},
            "logins_sha256": {
                s: self._index_sums[s] for s in sorted(logins) if s in self._index_sums
            },
        }
        shelf.write_body(self.root, MANIFEST, body)
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
        old = sorted(q.sha256 for q in self.store.scope_parts(scope)) if new else []
        index = self.store.index(scope) if new and old else None
        if new and not old:  # the scope's first parts: their aliases are the whole index
            frames = new
        elif new and sorted(self.store.indexes().get(scope) or []) == old and index is not None:
            frames = [index, *new]
        else:
            frames = [
                aliases_of(self.store.scan_table(p, "days").select("user_id", "login", "day"))
                for p in users
            ]
        rel = index_path(scope)
        self._index_sums[scope] = shelf.write_table(
            self.root, rel, merge_aliases(frames), level=None
        )

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

    def _write_part(self, parsed: ParsedUsage) -> UsagePart:
        assert parsed.scope is not None and parsed.covered
        tables = {"days": parsed.days, "breakdowns": parsed.breakdowns}
        if parsed.kind == AGGREGATE:
            tables = {"aggregate": parsed.aggregate}
        written: dict[str, str] = {}
        sums: dict[str, str] = {}
        # scope and period on every row, for engines reading the files alone (readers select
        # their columns: these never reach a figure)
        where = [
            pl.lit(value, dtype).alias(name)
            for name, value, dtype in zip(
                PART_COLUMNS,
                (parsed.scope, parsed.covered[0], parsed.covered[-1]),
                (pl.String(), pl.Date(), pl.Date()),
                strict=True,
            )
        ]
        for table, frame in tables.items():
            if frame is None:
                continue
            rel = f"usage/{parsed.scope}/{parsed.sha256[:12]}-{table}.parquet"
            sums[table] = shelf.write_table(self.root, rel, frame.with_columns(where), level=None)
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
            parquet_sha256=sums,
        )

    def add(self, parsed: ParsedUsage, data: bytes, source: Source | None = None) -> UsageOutcome:
        """Keep an accepted file's original and write its parts; `commit` lists them.

        Every COMMIT_EVERY files added, the writer commits by itself.
        """
        known = self.known(parsed.sha256)
        if known:
            return UsageOutcome("already-stored", f"already stored (as {known.source_name})")
        if not self.parts and not (self.root / MANIFEST).is_file():  # (see store_billing)
            self._write_manifest([], {})
        how = {"kind": parsed.kind, "scope": parsed.scope, "scope_source": parsed.scope_source}
        shelf.keep_original(self.root, parsed.sha256, parsed.name, data, how, source)
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

    def rebuild(self, folders: list[Path]) -> tuple[list[shelf.Failure], list[UsagePart]]:
        """Re-read the kept usage-metrics originals and replace the usage manifest.

        A listed file whose original is missing or cannot be re-read keeps its parts when
        they are whole. Return the failures and the parts kept as they were.
        """

        def read(how: dict[str, Any], data: bytes, folder: Path) -> Any:
            parsed = usage_file(how["name"], data, folder.name, how["kind"], how.get("scope"))
            entry = self._write_part(parsed) if parsed.accepted else None
            return entry, parsed.problems, "it is refused by this version"

        parts, failures = shelf.reread(folders, read)
        done = {p.sha256 for p in parts}
        kept = [
            p for p in self.parts if p.sha256 not in done and shelf.whole(self.root, p.tables())
        ]
        parts += kept
        self._index_sums = {}
        for scope in sorted({p.scope for p in parts if p.kind == USERS}):
            self._write_index(scope, parts, None)
        if parts or (self.root / MANIFEST).is_file():
            self._write_manifest(parts, self._logins(parts))
        self._sweep()
        return failures, kept

    def forget(self, sha256: str) -> None:
        """Drop one stored file from the manifest (its original is in the attic), then its parts.

        The scope's login index holds its logins: it is removed, and the next commit writes
        it again from the parts.
        """
        gone = [p for p in self.parts if p.sha256 == sha256]
        self.parts = [p for p in self.parts if p.sha256 != sha256]
        logins = {s: shas for s, shas in self.store.indexes().items() if sha256 not in shas}
        self._write_manifest(self.parts, logins)
        for part in gone:
            for rel in [*part.parquet.values(), index_path(part.scope)]:
                (self.root / rel).unlink(missing_ok=True)


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
        parsed = usage_file(name, data, sha256, kind, scope)
    if not parsed.accepted:
        codes = sorted({p.code for p in parsed.problems if p.severity == "error"})
        return UsageOutcome("refused", ", ".join(codes), parsed.problems)
    outcome = writer.add(parsed, data, source)
    return UsageOutcome(outcome.status, outcome.message, parsed.problems, outcome.part)
