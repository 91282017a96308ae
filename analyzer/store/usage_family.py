"""Usage-metrics files on the shelf: their Parquet parts, the login indexes, the manifest.

The writer adds any number of files, then commits them together: each file's original is
kept and its parts are renamed into place as it is added; the manifest (analyzer.store.usage)
lists them at the commit, every COMMIT_EVERY files and at the end of a run. A run killed
before its commit leaves the old manifest, so no listed file is missing; the next writer
removes the unlisted parts, and the kept originals are simply read again by the next ingest.
Committing once per run, not once per file, keeps a year of daily files from rewriting the
manifest and the login index 365 times.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from analyzer.errors import StoreError
from analyzer.reading.interface import USAGE as USAGE_FILES
from analyzer.reading.usage_metrics import AGGREGATE, USERS, ParsedUsage
from analyzer.reading.usage_schema import PART_COLUMNS
from analyzer.schema import Problem
from analyzer.store import shelf
from analyzer.store.family import Family
from analyzer.store.manifests import entry_to_json, write_body
from analyzer.store.usage import FORMAT_VERSION, MANIFEST, UsagePart, UsageStore, describe_part
from analyzer.store.usage_index import aliases_of, index_path, merge_aliases
from analyzer.times import day_runs

if TYPE_CHECKING:
    from analyzer.store.family import Writer

_MERGE_EVERY = 16  # alias frames of added files merged into one, to bound memory


class UsageFamily(Family):
    """Usage-metrics exports: per-user days and breakdowns (or aggregates), per scope."""

    name = "usage-metrics file"
    reading = USAGE_FILES
    folder = "usage"
    manifest = MANIFEST
    version = FORMAT_VERSION
    commit_every = 64  # a killed run loses little

    def listed(self, root: Path) -> list[UsagePart]:
        """Return every stored part."""
        return UsageStore(root).parts()

    def tables(self, entry: UsagePart) -> list[shelf.Table]:
        """Return a part's Parquet files (the login index is the scope's: see `save`)."""
        return entry.tables()

    def every_table(self, root: Path) -> list[shelf.Table]:
        """Return every table the manifest lists, login indexes included."""
        return UsageStore(root).tables()

    def owns(self, how: dict[str, Any]) -> bool:
        """Return True when a kept original's `ingest.json` is a usage-metrics file's."""
        return how.get("kind") in (USERS, AGGREGATE)

    def how(self, parsed: ParsedUsage) -> dict[str, Any]:
        """Return its kind and scope (a rebuild reads it with them again)."""
        return {"kind": parsed.kind, "scope": parsed.scope, "scope_source": parsed.scope_source}

    def write(self, writer: Writer, parsed: ParsedUsage) -> UsagePart:
        """Write `usage/<scope>/<sha12>-<table>.parquet`; keep its logins for the index."""
        assert parsed.scope is not None and parsed.covered
        tables = {"days": parsed.days, "breakdowns": parsed.breakdowns}
        if parsed.kind == AGGREGATE:
            tables = {"aggregate": parsed.aggregate}
        # scope and period on every row, for engines reading the files alone (readers select
        # their columns: these never reach a figure)
        values = (parsed.scope, parsed.covered[0], parsed.covered[-1])
        types = (pl.String(), pl.Date(), pl.Date())
        where = [pl.lit(v, t).alias(n) for n, v, t in zip(PART_COLUMNS, values, types, strict=True)]
        written: dict[str, str] = {}
        sums: dict[str, str] = {}
        for table, frame in tables.items():
            if frame is not None:
                rel = f"usage/{parsed.scope}/{parsed.sha256[:12]}-{table}.parquet"
                sums[table] = shelf.write_table(writer.root, rel, frame.with_columns(where),
                                                level=None)  # fmt: skip
                written[table] = rel
        if parsed.kind == USERS and parsed.days is not None:
            added = writer.memo.setdefault(self.name, {})
            frames, shas = added.setdefault(parsed.scope, ([], set()))
            frames.append(aliases_of(parsed.days))
            shas.add(parsed.sha256)
            if len(frames) >= _MERGE_EVERY:
                frames[:] = [merge_aliases(frames)]
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

    def save(self, writer: Writer, entries: list[UsagePart]) -> None:
        """Write the login index of every scope whose users parts changed, then the manifest.

        An index is merged from the one last committed and the logins of the files added
        since, when together they cover exactly the scope's parts; else it is read again
        from every part's day table. An index no part needs any more is removed after.
        """
        last = UsageStore(writer.root)  # as last committed
        try:  # (a rebuild writes every index again)
            built = {} if writer.rebuilding else last.indexes()
            sums = {} if writer.rebuilding else dict(last.index_sums())
        except StoreError:  # damaged: every index is written again
            built, sums = {}, {}
        added: dict[str, tuple[list[pl.DataFrame], set[str]]] = writer.memo.pop(self.name, {})
        logins: dict[str, list[str]] = {}
        for part in entries:
            if part.kind == USERS:
                logins.setdefault(part.scope, []).append(part.sha256)
        for scope, shas in sorted(logins.items()):
            old = set(built.get(scope) or []) if scope in sums else set()
            if sorted(old) == sorted(shas):
                continue  # the committed index is this scope's
            new_frames, new_shas = added.get(scope, ([], set()))
            index = last.index(scope) if old else None
            if new_frames and set(shas) == old | new_shas and (index is not None or not old):
                frames = [index, *new_frames] if index is not None else new_frames
            else:
                frames = [
                    aliases_of(last.scan_table(p, "days").select("user_id", "login", "day"))
                    for p in entries
                    if p.scope == scope and p.kind == USERS
                ]
            sums[scope] = shelf.write_table(writer.root, index_path(scope), merge_aliases(frames),
                                            level=None)  # fmt: skip
        ordered = sorted(entries, key=lambda p: (p.scope, p.first_day, p.sha256))
        body = {
            "format_version": FORMAT_VERSION,
            "parts": [entry_to_json(p) for p in ordered],
            "logins": {scope: sorted(shas) for scope, shas in sorted(logins.items())},
            "logins_sha256": {s: sums[s] for s in sorted(logins)},
        }
        write_body(writer.root, MANIFEST, body)
        for scope in set(built) - set(logins):
            (writer.root / index_path(scope)).unlink(missing_ok=True)

    def reread(
        self, writer: Writer, how: dict[str, Any], data: bytes, folder: Path
    ) -> tuple[UsagePart | None, tuple[Problem, ...], str]:
        """Read a kept usage-metrics file again with its kind and scope."""
        from analyzer.reading.usage_metrics import read_usage

        parsed = read_usage(how["name"], data, folder.name, how["kind"], how.get("scope"))
        entry = self.write(writer, parsed) if parsed.accepted else None
        return entry, parsed.problems, "it is refused by this version"

    def describe(self, entry: UsagePart) -> str:
        """Return the `stored` line's detail."""
        return describe_part(entry)

    def unlisted(self, root: Path, entries: list[UsagePart]) -> list[str]:
        """Return the parts a killed writer left (the scopes' login indexes are listed)."""
        listed = {t.path for p in entries for t in p.tables()}
        listed |= {index_path(p.scope) for p in entries if p.kind == USERS}
        indexes = [p.relative_to(root).as_posix() for p in root.glob(index_path("*"))]
        return shelf.unlisted(root, self.folder, listed) + sorted(set(indexes) - listed)


USAGE = UsageFamily()
