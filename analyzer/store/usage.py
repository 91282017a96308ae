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
  manifest lists it; it is replaced atomically (writing: store/usage_family.py).
Queries read only the parts whose day range meets the days asked for. Overlapping downloads
are de-duplicated when read, by (user_id, day): the record of the file whose covered days end
latest wins (ties: the larger sha256), so the answer does not depend on the order files were
ingested in; parts that share no day need no de-duplication.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from analyzer.errors import StoreError
from analyzer.fsutil import file_sha256
from analyzer.reading.usage_metrics import (
    AGGREGATE,
    USERS,
    aggregate_columns,
    breakdown_columns,
    day_columns,
)
from analyzer.reading.usage_schema import BREAKDOWN_KINDS
from analyzer.store import shelf
from analyzer.store.manifests import entry_from_json, read_body
from analyzer.store.usage_index import EMPTY_ALIASES, aliases_until, index_path, read_index
from analyzer.times import describe_days

MANIFEST = "usage/manifest.json"
FORMAT_VERSION = 2  # 2: every Parquet file's sha256 is recorded


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
    parquet_sha256: dict[str, str] = field(default_factory=dict)  # table name -> its sha256

    def days(self) -> set[date]:
        """Return every covered day."""
        out: set[date] = set()
        for first, last in self.covered:
            start, end = date.fromisoformat(first), date.fromisoformat(last)
            out.update(start + timedelta(days=n) for n in range((end - start).days + 1))
        return out

    def tables(self) -> list[shelf.Table]:
        """Return its Parquet files as the shelf checks them."""
        what = f"the usage-metrics {{}} table of {self.source_name} ({self.scope})"
        return [
            shelf.Table(
                rel, self.parquet_sha256.get(t), self.sha256, what.format(t), self.source_name
            )
            for t, rel in sorted(self.parquet.items())
        ]

    def overlaps(self, start: date, end: date) -> bool:
        """Return True when the part covers a day in [start, end]."""
        return (
            date.fromisoformat(self.first_day) <= end and date.fromisoformat(self.last_day) >= start
        )


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
        self._verified: set[str] = set()

    def _manifest(self) -> dict[str, Any]:
        """Return the manifest's body, read once per instance (an empty one without it)."""
        if self._body is None:
            body = read_body(self.root, MANIFEST, FORMAT_VERSION, "usage")
            if body is None:
                body = {"parts": [], "logins": {}}
            try:
                body["parts"] = [_part(e, n) for n, e in enumerate(body["parts"])]
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise StoreError(
                    f"{self.root / MANIFEST}: the usage manifest is damaged ({exc}); "
                    + shelf.rebuild_hint(self.root)
                ) from exc
            self._body = body
        return self._body

    def tables(self) -> list[shelf.Table]:
        """Return every Parquet file the manifest lists, login indexes included."""
        found = [t for p in self.parts() for t in p.tables()]
        sums = self.index_sums()
        for scope in sorted(self.indexes()):
            what = f"the usage-metrics login index of {scope}"
            found.append(shelf.Table(index_path(scope), sums.get(scope), "", what))
        return found

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
            # (columns added since a part was written read as null: unknown)
            self.scan_table(p, table, schema)
            .select(list(schema))
            .with_columns(pl.lit(p.last_day).alias("_rank"), pl.lit(p.sha256).alias("_sha"))
            for p in parts
            if table in p.parquet
        ]
        if not frames:
            empty = {**schema, "_rank": pl.String(), "_sha": pl.String()}
            return pl.LazyFrame(schema=empty)
        return pl.concat(frames, how="vertical")

    def scan_table(
        self, part: UsagePart, table: str, schema: dict[str, Any] | None = None
    ) -> pl.LazyFrame:
        """Return a lazy frame of one of a part's tables, checked whole first.

        With `schema`, a column the part predates is inserted as null (unknown).
        """
        rel = part.parquet[table]
        shelf.check_table(
            self.root, next(t for t in part.tables() if t.path == rel), self._verified
        )
        if schema is None:
            return pl.scan_parquet(self.root / rel)
        return pl.scan_parquet(
            self.root / rel, schema=schema, missing_columns="insert", extra_columns="ignore"
        )

    def index_sums(self) -> dict[str, str]:
        """Return scope -> the sha256 of its login index file."""
        found = self._manifest().get("logins_sha256", {})
        return found if isinstance(found, dict) else {}

    def index(self, scope: str) -> pl.DataFrame | None:
        """Return a scope's login index when it is whole, else None (the parts are read)."""
        digest = self.index_sums().get(scope)
        path = self.root / index_path(scope)
        try:
            if digest is None or file_sha256(path) != digest:
                return None
            return read_index(path)
        except (OSError, pl.exceptions.PolarsError):
            return None

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

    def breakdowns(
        self, scope: str, start: date, end: date, kinds: tuple[str, ...] = BREAKDOWN_KINDS
    ) -> pl.DataFrame:
        """Return the breakdown rows of `kinds` of the winning record of each (user_id, day)."""
        parts = [p for p in self.scope_parts(scope) if p.overlaps(start, end)]
        # Stores written before the breakdowns were narrowed name two kinds differently.
        wanted = [k for k in BREAKDOWN_KINDS if k in kinds]
        wanted += [old for old, new in _OLD_KINDS.items() if new in wanted]
        rows = (
            self._scan(parts, "breakdowns", breakdown_columns())
            .filter(pl.col("day").is_between(start, end) & pl.col("kind").is_in(wanted))
            .with_columns(pl.col("kind").replace(_OLD_KINDS))
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
            index = self.index(scope)
            if index is not None:
                return aliases_until(index, end)
        parts = [p for p in listed if date.fromisoformat(p.first_day) <= end]
        frames = [self.scan_table(p, "days").select("user_id", "login", "day") for p in parts]
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


def _part(entry: Any, index: int) -> UsagePart:
    """Return one manifest entry as a UsagePart; raise ValueError when it is not one."""
    part = entry_from_json(UsagePart, entry, f"part {index + 1}")
    sha12 = part.sha256[:12]
    if (
        not shelf.SHA_RE.fullmatch(part.sha256)
        or not shelf.SCOPE.fullmatch(part.scope)
        or any(rel != f"usage/{part.scope}/{sha12}-{t}.parquet" for t, rel in part.parquet.items())
    ):
        raise ValueError(f"a part names no file of this store: {part.source_name!r:.80}")
    return part


def describe_part(part: UsagePart) -> str:
    """Return the `stored` line's detail for a usage-metrics file."""
    what = "user-days" if part.kind == USERS else "aggregate days"
    return (
        f"{part.scope} usage metrics {describe_days(part.days())}, "
        f"{part.records:,} {what}, {part.kind}"
    )
