"""Usage-metrics data in the history store: kept originals, Parquet parts, an atomic manifest.

Layout (beside the seat snapshots, under the same store lock):
- `originals/<sha256>/<file name>` and `ingest.json` (with `kind`), exactly as for seat reports;
- `usage/<scope>/<sha12>-days.parquet`: one row per user and UTC day of one file;
- `usage/<scope>/<sha12>-breakdowns.parquet`: the IDE/feature/language/model breakdowns,
  long form (user_id, day, kind, key, interactions, generations);
- `usage/<scope>/<sha12>-aggregate.parquet`: an aggregate report's active-user counts per day;
- `usage/<scope>/logins.parquet`: each login a user_id had (see store/usage_index.py);
- `usage/manifest.json`: every stored part, its scope, kind, covered days and day range, and
  the parts each login index was built from. It is the commit point: a part exists once the
  manifest lists it; it is replaced atomically.
Queries read only the parts whose day range meets the days asked for. Overlapping downloads
are de-duplicated when read, by (user_id, day): the record of the file whose covered days end
latest wins (ties: the larger sha256), so the answer does not depend on the order files were
ingested in; parts that share no day need no de-duplication.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from analyzer.errors import StoreError
from analyzer.fsutil import write_bytes_atomic
from analyzer.reading.usage_metrics import (
    AGGREGATE,
    USERS,
    ParsedUsage,
    aggregate_columns,
    breakdown_columns,
    day_columns,
    read_usage,
)
from analyzer.reading.usage_schema import BREAKDOWN_KINDS
from analyzer.schema import Problem
from analyzer.store.usage_index import (
    EMPTY_ALIASES,
    aliases_of,
    aliases_until,
    index_path,
    merge_aliases,
    read_index,
)

MANIFEST = "usage/manifest.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class UsagePart:
    """One stored usage-metrics file, as the usage manifest lists it."""

    sha256: str
    source_name: str
    scope: str
    kind: str  # USERS or AGGREGATE
    level: str  # enterprise / organization
    records: int
    first_day: str  # YYYY-MM-DD of the first covered day
    last_day: str
    covered: list[list[str]]  # runs of covered days: [[first, last], ...]
    parquet: dict[str, str]  # table name -> path inside the store

    def days(self) -> set[date]:
        """Return every covered day."""
        out: set[date] = set()
        for first, last in self.covered:
            start, end = date.fromisoformat(first), date.fromisoformat(last)
            out.update(start + timedelta(days=n) for n in range((end - start).days + 1))
        return out

    def overlaps(self, start: date, end: date) -> bool:
        """Return True when the part covers a day in [start, end]."""
        return (
            date.fromisoformat(self.first_day) <= end and date.fromisoformat(self.last_day) >= start
        )


@dataclass(frozen=True)
class UsageOutcome:
    """What storing one usage-metrics file did."""

    status: str  # stored / already-stored / refused
    message: str
    problems: tuple[Problem, ...] = ()
    part: UsagePart | None = None


def _runs(days: tuple[date, ...]) -> list[list[str]]:
    """Return sorted days as runs of consecutive days."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [[a.isoformat(), b.isoformat()] for a, b in runs]


def describe_days(days: set[date] | list[date]) -> str:
    """Return `2026-10-01..2026-10-28` style text for a set of days."""
    runs = _runs(tuple(days))
    return ", ".join(a if a == b else f"{a}..{b}" for a, b in runs) or "no days"


# Breakdown kinds as stores written before the breakdowns were narrowed name them.
_OLD_KINDS = {"language_feature": "language", "model_feature": "model"}


def _overlap(parts: list[UsagePart]) -> bool:
    """Return True when two parts cover a common day (their records then need de-duplicating)."""
    seen: set[date] = set()
    for part in parts:
        days = part.days()
        if seen & days:
            return True
        seen |= days
    return False


class UsageStore:
    """Reads the usage-metrics parts of a store folder (no lock needed)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._body: dict[str, Any] | None = None

    def _manifest(self) -> dict[str, Any]:
        """Return the manifest's body, read once per instance (an empty one without it)."""
        if self._body is None:
            path = self.root / MANIFEST
            body: dict[str, Any] = {"parts": [], "logins": {}}
            if path.is_file():
                try:
                    body = json.loads(path.read_text(encoding="utf-8"))
                    body["parts"] = [UsagePart(**entry) for entry in body["parts"]]
                except (ValueError, KeyError, TypeError) as exc:
                    raise StoreError(
                        f"{path}: the usage manifest is damaged ({exc}); run `copilot-seats "
                        f"rebuild --store {self.root}` to re-derive it from the kept originals"
                    ) from exc
            self._body = body
        return self._body

    def parts(self) -> list[UsagePart]:
        """Return every stored part, sorted by scope, first day and sha256."""
        parts: list[UsagePart] = self._manifest()["parts"]
        return sorted(parts, key=lambda p: (p.scope, p.first_day, p.sha256))

    def indexes(self) -> dict[str, list[str]]:
        """Return scope -> the sha256 of the parts its login index was built from."""
        found = self._manifest().get("logins", {})
        return found if isinstance(found, dict) else {}

    def scope_parts(self, scope: str, kind: str = USERS) -> list[UsagePart]:
        """Return the parts of one scope and kind."""
        return [p for p in self.parts() if p.scope == scope and p.kind == kind]

    def coverage(self, scope: str) -> set[date]:
        """Return every day the scope's per-user files cover."""
        out: set[date] = set()
        for part in self.scope_parts(scope):
            out |= part.days()
        return out

    def _scan(self, parts: list[UsagePart], table: str, schema: dict[str, Any]) -> pl.LazyFrame:
        frames = [
            pl.scan_parquet(self.root / p.parquet[table])
            .select(list(schema))
            .with_columns(pl.lit(p.last_day).alias("_rank"), pl.lit(p.sha256).alias("_sha"))
            for p in parts
            if table in p.parquet
        ]
        if not frames:
            empty = {**schema, "_rank": pl.String(), "_sha": pl.String()}
            return pl.LazyFrame(schema=empty)
        return pl.concat(frames, how="vertical")

    def days(self, scope: str, start: date, end: date) -> pl.DataFrame:
        """Return one row per (user_id, day) in [start, end], overlapping files de-duplicated."""
        parts = [p for p in self.scope_parts(scope) if p.overlaps(start, end)]
        frame = self._scan(parts, "days", day_columns()).filter(
            pl.col("day").is_between(start, end)
        )
        if _overlap(parts):
            frame = frame.sort("_rank", "_sha", descending=True).unique(
                ["user_id", "day"], keep="first"
            )
        return frame.collect().sort("day", "user_id")

    def breakdowns(self, scope: str, start: date, end: date) -> pl.DataFrame:
        """Return the breakdown rows of the winning record of each (user_id, day)."""
        parts = [p for p in self.scope_parts(scope) if p.overlaps(start, end)]
        # Stores written before the breakdowns were narrowed name two kinds differently.
        rows = (
            self._scan(parts, "breakdowns", breakdown_columns())
            .filter(pl.col("day").is_between(start, end))
            .with_columns(pl.col("kind").replace(_OLD_KINDS))
            .filter(pl.col("kind").is_in(BREAKDOWN_KINDS))
        )
        if _overlap(parts):
            winners = (
                self._scan(parts, "days", day_columns())
                .filter(pl.col("day").is_between(start, end))
                .select("user_id", "day", "_rank", "_sha")
                .sort("_rank", "_sha", descending=True)
                .unique(["user_id", "day"], keep="first")
            )
            rows = rows.join(winners, on=["user_id", "day", "_rank", "_sha"], how="semi")
        return rows.drop("_rank", "_sha").collect()

    def logins(self, scope: str, end: date) -> pl.DataFrame:
        """Return every (login, user_id) seen up to `end` with the last day each was used.

        A user renamed on GitHub keeps their user_id, so seats listed under an old login
        still find their usage; the latest login of a user_id is its current one. Read from
        the scope's login index when it matches the stored parts, else from every part.
        """
        listed = self.scope_parts(scope)
        built = self.indexes().get(scope)
        if built is not None and sorted(built) == sorted(p.sha256 for p in listed):
            return aliases_until(read_index(self.root / index_path(scope)), end)
        parts = [p for p in listed if date.fromisoformat(p.first_day) <= end]
        frames = [
            pl.scan_parquet(self.root / p.parquet["days"]).select("user_id", "login", "day")
            for p in parts
        ]
        if not frames:
            return pl.DataFrame(schema=EMPTY_ALIASES)
        return (
            pl.concat(frames)
            .filter(pl.col("day") <= end)
            .group_by("user_id", pl.col("login").str.to_lowercase())
            .agg(pl.col("day").max().alias("last_day"))
            .collect()
        )

    def aggregate(self, scope: str) -> pl.DataFrame:
        """Return the aggregate reports' active-user counts per day (latest file wins)."""
        parts = self.scope_parts(scope, AGGREGATE)
        frame = self._scan(parts, "aggregate", aggregate_columns())
        return (
            frame.sort("_rank", "_sha", descending=True)
            .unique("day", keep="first")
            .drop("_rank", "_sha")
            .sort("day")
            .collect()
        )


class UsageWriter:
    """Stores usage-metrics files in a store whose lock the caller holds."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = UsageStore(root)
        self.parts = self.store.parts()
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
        return staging / uuid.uuid4().hex

    def _write_manifest(self, parts: list[UsagePart], logins: dict[str, list[str]]) -> None:
        ordered = sorted(parts, key=lambda p: (p.scope, p.first_day, p.sha256))
        body = {
            "format_version": FORMAT_VERSION,
            "parts": [asdict(p) for p in ordered],
            "logins": {scope: sorted(shas) for scope, shas in sorted(logins.items())},
        }
        target = self.root / MANIFEST
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(target, (json.dumps(body, indent=1, sort_keys=True) + "\n").encode())
        self.parts = ordered
        self.store = UsageStore(self.root)

    def _write_index(self, scope: str, parts: list[UsagePart], new: pl.DataFrame | None) -> None:
        """Write the scope's login index over `parts` (its users parts), before the manifest.

        `new` holds the aliases of the one part added, merged into a valid index; without
        one (or a valid index) the index is rebuilt from every part's day table.
        """
        users = [p for p in parts if p.scope == scope and p.kind == USERS]
        old = [q.sha256 for q in self.store.scope_parts(scope)]
        built = self.store.indexes().get(scope)
        path = self.root / index_path(scope)
        if new is not None and built is not None and sorted(built) == sorted(old):
            frames = [read_index(path), new] if path.is_file() else [new]
        else:
            frames = [
                aliases_of(
                    pl.scan_parquet(self.root / p.parquet["days"]).select("user_id", "login", "day")
                )
                for p in users
            ]
        staged = self._stage()
        merge_aliases(frames).write_parquet(staged, compression="zstd")
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
        """Return the stored part of these exact bytes, if any."""
        return next((p for p in self.parts if p.sha256 == sha256), None)

    def _keep_original(self, parsed: ParsedUsage, data: bytes) -> None:
        folder = self.root / "originals" / parsed.sha256
        if (folder / "ingest.json").is_file():
            return
        staged = self._stage()
        staged.mkdir()
        (staged / parsed.name).write_bytes(data)
        how = {"name": parsed.name, "kind": parsed.kind, "scope": parsed.scope}
        how["scope_source"] = parsed.scope_source
        (staged / "ingest.json").write_text(json.dumps(how, indent=1, sort_keys=True))
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(staged, folder)

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
            frame.sort(frame.columns[:2]).write_parquet(staged, compression="zstd")
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
            covered=_runs(parsed.covered),
            parquet=written,
        )

    def add(self, parsed: ParsedUsage, data: bytes) -> UsageOutcome:
        """Store an accepted file: original, Parquet parts, then the manifest (the commit)."""
        known = self.known(parsed.sha256)
        if known:
            return UsageOutcome("already-stored", f"already stored (as {known.source_name})")
        self._keep_original(parsed, data)
        part = self._write_part(parsed)
        parts = [*self.parts, part]
        if parsed.kind == USERS and parsed.days is not None:
            self._write_index(part.scope, parts, aliases_of(parsed.days))
        self._write_manifest(parts, self._logins(parts))
        return UsageOutcome("stored", describe_part(part), part=part)

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


def is_usage_original(folder: Path) -> bool:
    """Return True when a kept original is a usage-metrics file (seat rebuild skips it)."""
    try:
        how = json.loads((folder / "ingest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(how, dict) and how.get("kind") in (USERS, AGGREGATE)


def describe_part(part: UsagePart) -> str:
    """Return the `stored` line's detail for a usage-metrics file."""
    what = "user-days" if part.kind == USERS else "aggregate days"
    return (
        f"{part.scope} usage metrics {describe_days(part.days())}, "
        f"{part.records:,} {what}, {part.kind}"
    )


def store_usage_file(
    root: Path, name: str, data: bytes, sha256: str, kind: str, scope: str | None
) -> UsageOutcome:
    """Read and store one usage-metrics file; the caller holds the store's lock."""
    writer = UsageWriter(root)
    known = writer.known(sha256)
    if known:
        return UsageOutcome("already-stored", f"already stored (as {known.source_name})")
    parsed = read_usage(name, data, sha256, kind, scope)
    if not parsed.accepted:
        codes = sorted({p.code for p in parsed.problems if p.severity == "error"})
        return UsageOutcome("refused", ", ".join(codes), parsed.problems)
    outcome = writer.add(parsed, data)
    return UsageOutcome(outcome.status, outcome.message, parsed.problems, outcome.part)
