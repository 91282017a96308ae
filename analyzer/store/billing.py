"""Billing files in the history store: kept originals, one Parquet per file, `billing.json`.

Layout beside the snapshots (same promises: the original bytes kept, idempotent, crash-safe):
- `originals/<sha256>/<file name>` and `ingest.json` (`{"name", "kind", "billing": true}`);
- `billing/<kind>/<first day>_<last day>-<sha12>.parquet`: the file's canonical rows;
- `billing.json`: every stored billing file (kind, period, rows, sha256), replaced atomically
  after the files it names are in place; a file exists once `billing.json` lists it.
The one writer (analyzer.store.writer) stores them through `BILLING`, under the store lock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.billing_schema import (
    COPILOT_FAMILIES,
    FAMILY,
    FIGURES,
    KEYS,
    KIND_LABELS,
    LICENSE_TIME,
    PERIOD_COLUMNS,
    TABLE_OF_KIND,
    family_mask,
)
from analyzer.errors import StoreError
from analyzer.reading.interface import BILLING as BILLING_FILES
from analyzer.reading.names import license_slug
from analyzer.schema import Problem
from analyzer.store import shelf
from analyzer.store.family import Family, Outcome
from analyzer.store.manifests import entry_from_json, entry_to_json, read_body, write_body
from analyzer.times import iso

if TYPE_CHECKING:
    import polars as pl

    from analyzer.reading.billing import ParsedBilling
    from analyzer.store.family import Writer

MANIFEST = "billing.json"
FORMAT_VERSION = 2  # 2: every file records its Parquet file's sha256
_TOLERANCE = 1e-6  # figures equal to this (float noise of one export against another)


@dataclass(frozen=True)
class BillingFile:
    """One stored billing file, as `billing.json` lists it."""

    id: str  # "<kind>/<first>_<last>-<sha12>"
    kind: str
    sha256: str
    source_name: str
    first_day: date | None  # the period its rows cover (None: a licence report)
    last_day: date | None
    rows: int
    copilot_rows: int
    parquet: str
    as_of: datetime | None = None  # licence report: when GitHub made it
    parquet_sha256: str | None = None  # None: written before checksums were recorded

    def period(self) -> str:
        """Return `2026-09-01..2026-09-30`, or the licence report's day."""
        if self.first_day is None or self.last_day is None:
            return iso(self.as_of)[:10] if self.as_of else "-"
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"

    def table(self) -> shelf.Table:
        """Return its Parquet file as the shelf checks it."""
        what = f"the billing table of {self.source_name} ({self.period()})"
        return shelf.Table(self.parquet, self.parquet_sha256, self.sha256, what, self.source_name)


def _from_json(entry: Any, index: int) -> BillingFile:
    """Return one manifest entry as a BillingFile; raise ValueError saying what is wrong."""
    item = entry_from_json(BillingFile, entry, f"file {index + 1}")
    name = rf"billing/{re.escape(item.kind)}/[^/]+-{item.sha256[:12]}\.parquet"
    if item.kind not in TABLE_OF_KIND or not shelf.SHA_RE.fullmatch(item.sha256):
        raise ValueError(f"{item.id!r:.80} has no known kind or sha256")
    if not re.fullmatch(name, item.parquet) or ".." in item.parquet:
        raise ValueError(f"{item.id!r:.80} names no file of this store")
    return item


def billing_files(root: Path) -> list[BillingFile]:
    """Return the stored billing files (kind, then period); none for a store without any."""
    body = read_body(root, MANIFEST, FORMAT_VERSION, "billing")
    if body is None:
        return []
    try:
        files = [_from_json(e, n) for n, e in enumerate(body["files"])]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreError(
            f"{root / MANIFEST}: the billing manifest is damaged ({exc}); "
            + shelf.rebuild_hint(root)
        ) from exc
    return sorted(files, key=lambda f: (f.kind, f.first_day or date.min, f.period(), f.id))


def _scan(root: Path, item: BillingFile, verified: set[str] | None = None) -> pl.LazyFrame:
    """Return a lazy frame of a stored file's rows, its table checked whole first."""
    import polars as pl

    shelf.check_table(root, item.table(), set() if verified is None else verified)
    return pl.scan_parquet(root / item.parquet)


def _with_period(
    rows: pl.DataFrame, parsed: ParsedBilling, first: date | None, last: date | None
) -> pl.DataFrame:
    """Return the rows with the columns engines reading the file alone need: its period
    (a licence report: its time). Readers select their columns: these never reach a figure."""
    import polars as pl

    if TABLE_OF_KIND[parsed.kind] == "license":
        return rows.with_columns(pl.lit(parsed.as_of, pl.Datetime("us", "UTC")).alias(LICENSE_TIME))
    start, end = PERIOD_COLUMNS
    return rows.with_columns(
        pl.lit(first, pl.Date()).alias(start), pl.lit(last, pl.Date()).alias(end)
    )


def _write_rows(root: Path, parsed: ParsedBilling) -> BillingFile:
    assert parsed.rows is not None
    rows = parsed.rows.drop("line")
    first: date | None = None
    last: date | None = None
    if "date" in rows.columns and rows.height:
        first, last = rows["date"].min(), rows["date"].max()  # type: ignore[assignment]
    span = f"{first}_{last}" if first else (iso(parsed.as_of)[:10] if parsed.as_of else "undated")
    rel = f"billing/{parsed.kind}/{span}-{parsed.sha256[:12]}.parquet"
    digest = shelf.write_table(root, rel, _with_period(rows, parsed, first, last))
    copilot = (
        int(rows.select(family_mask(rows, *COPILOT_FAMILIES).sum()).item())
        if "product" in rows.columns and rows.height
        else rows.height
    )
    return BillingFile(
        id=rel.removeprefix("billing/").removesuffix(".parquet"),
        kind=parsed.kind,
        sha256=parsed.sha256,
        source_name=parsed.name,
        first_day=first,
        last_day=last,
        rows=rows.height,
        copilot_rows=copilot,
        parquet=rel,
        as_of=parsed.as_of,
        parquet_sha256=digest,
    )


def _overlapping(files: list[BillingFile], kind: str, first: Any, last: Any) -> list[BillingFile]:
    family = FAMILY[kind]
    return [
        f
        for f in files
        if FAMILY[f.kind] == family
        and (first is None or f.first_day is None or (f.first_day <= last and first <= f.last_day))
    ]


def _compare(
    root: Path, parsed: ParsedBilling, stored: list[BillingFile]
) -> tuple[list[Problem], bool]:
    """Return the rows whose figures differ from stored ones, and whether all are stored."""
    import polars as pl

    assert parsed.rows is not None
    key = list(KEYS[parsed.kind])
    old = (
        pl.concat([_scan(root, f) for f in stored])
        .select([*key, *FIGURES])
        .unique(subset=key, keep="first")
        .collect()
    )
    new = parsed.rows.select(["line", *key, *FIGURES])
    both = new.join(old, on=key, how="inner", nulls_equal=True, suffix="_stored")
    differs = pl.lit(False)
    for figure in FIGURES:
        a, b = pl.col(figure), pl.col(f"{figure}_stored")
        differs = differs | (a - b).abs().gt(_TOLERANCE).fill_null(a.is_null() != b.is_null())
    clashes = both.filter(differs).sort("line").head(20)
    problems = [
        Problem(
            parsed.name,
            int(row["line"]),
            "quantity",
            "conflicting-billing-row",
            f"{', '.join(f'{k}={row[k]}' for k in key if row[k] is not None)}: quantity "
            f"{row['quantity']} and net_amount {row['net_amount']}, but a stored download says "
            f"{row['quantity_stored']} and {row['net_amount_stored']}; check which file is right",
        )
        for row in clashes.iter_rows(named=True)
    ]
    return problems, both.height == new.height and not problems


def _columns(frame: pl.LazyFrame, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    """Return a stored table's frame with `schema`'s columns; a column it predates is null."""
    import polars as pl

    have = frame.collect_schema()
    return frame.select(
        [pl.col(c) if c in have else pl.lit(None, dtype).alias(c) for c, dtype in schema.items()]
    )


def load_table(
    root: Path,
    table: str,
    first: date,
    last: date,
    files: list[BillingFile] | None = None,
    columns: tuple[str, ...] | None = None,
) -> tuple[pl.DataFrame, list[BillingFile]]:
    """Return one table's rows dated first..last, merged over overlapping downloads.

    Rows of one key held by several downloads of a family count once (the first file's);
    summarized usage rows of days a detailed report covers are left out (detailed wins).
    Also return the files the rows came from.
    """
    import polars as pl

    from analyzer.billing_schema import KIND_DETAILED, KIND_SUMMARIZED, table_schema

    files = billing_files(root) if files is None else files
    chosen = [
        f
        for f in files
        if TABLE_OF_KIND[f.kind] == table
        and f.first_day is not None
        and f.first_day <= last
        and first <= f.last_day  # type: ignore[operator]
    ]
    schema = every = table_schema(table)  # (several downloads merge by key: read every column)
    if columns is not None:
        schema = {c: t for c, t in schema.items() if c in columns}
    if not chosen:
        return pl.DataFrame(schema=schema), []
    in_range = pl.col("date").is_between(first, last)
    detailed_days = [(f.first_day, f.last_day) for f in chosen if f.kind == KIND_DETAILED]
    parts: list[pl.DataFrame] = []
    verified: set[str] = set()
    for family in sorted({FAMILY[f.kind] for f in chosen}):
        members = [f for f in chosen if FAMILY[f.kind] == family]
        frames = [
            _columns(_scan(root, f, verified), schema if len(members) == 1 else every)
            .filter(in_range)
            .with_columns(pl.lit(i, pl.Int32).alias("_file"))
            for i, f in enumerate(members)
        ]
        frame = pl.concat(frames, how="diagonal_relaxed")
        if family == KIND_SUMMARIZED:
            for start, end in detailed_days:
                frame = frame.filter(~pl.col("date").is_between(start, end))
        if len(members) > 1:
            key = list(KEYS[members[0].kind])
            owner = frame.group_by(key).agg(pl.col("_file").min().alias("_owner"))
            frame = frame.join(owner, on=key, how="left", nulls_equal=True).filter(
                pl.col("_file") == pl.col("_owner")
            )
        parts.append(frame.select(list(schema)).collect())
    return pl.concat(parts), chosen


def latest_license(
    root: Path,
    before: datetime,
    files: list[BillingFile] | None = None,
    scope: str | None = None,
) -> tuple[pl.DataFrame | None, BillingFile | None]:
    """Return the newest licence report made before `before` (and its entry), if any.

    With `scope`, only a report whose file name names that scope (or names none) is taken:
    another enterprise's licence report says nothing about this scope's members.
    """
    files = billing_files(root) if files is None else files
    licences = [
        f
        for f in files
        if TABLE_OF_KIND[f.kind] == "license"
        and (f.as_of is None or f.as_of < before)
        and (scope is None or license_slug(f.source_name) in (None, scope))
    ]
    if not licences:
        return None, None
    newest = max(licences, key=lambda f: f.as_of or datetime.min.replace(tzinfo=before.tzinfo))
    return _scan(root, newest).drop(LICENSE_TIME, strict=False).collect(), newest


class BillingFamily(Family):
    """Billing files: one table each, listed by `billing.json`; rows merge by GitHub's key."""

    name = "billing file"
    reading = BILLING_FILES
    folder = "billing"
    manifest = MANIFEST
    version = FORMAT_VERSION

    def listed(self, root: Path) -> list[BillingFile]:
        """Return the stored billing files."""
        return billing_files(root)

    def tables(self, entry: BillingFile) -> list[shelf.Table]:
        """Return its Parquet file."""
        return [entry.table()]

    def owns(self, how: dict[str, Any]) -> bool:
        """Return True when a kept original's `ingest.json` is a billing file's."""
        return bool(how.get("billing"))

    def how(self, parsed: ParsedBilling) -> dict[str, Any]:
        """Return its kind (a rebuild reads it as that kind again)."""
        return {"kind": parsed.kind, "billing": True}

    def clash(
        self, writer: Writer, parsed: ParsedBilling, entries: list[BillingFile]
    ) -> Outcome | None:
        """Refuse rows whose figures differ from a stored download's; a file whose every row
        is stored already is stored already."""
        assert parsed.rows is not None
        first = last = None
        if "date" in parsed.rows.columns and parsed.rows.height:
            first, last = parsed.rows["date"].min(), parsed.rows["date"].max()
        overlap = _overlapping(entries, parsed.kind, first, last)
        if not overlap or TABLE_OF_KIND[parsed.kind] == "license":
            return None
        problems, same = _compare(writer.root, parsed, overlap)
        if problems:
            return Outcome("refused", "conflicting-billing-row", tuple(problems))
        if same:
            names = ", ".join(sorted({f.source_name for f in overlap}))
            return Outcome("already-stored", f"already stored: the same rows as {names}")
        return None

    def write(self, writer: Writer, parsed: ParsedBilling) -> BillingFile:
        """Write `billing/<kind>/<first day>_<last day>-<sha12>.parquet`."""
        return _write_rows(writer.root, parsed)

    def save(self, writer: Writer, entries: list[BillingFile]) -> None:
        """Replace `billing.json`."""
        ordered = sorted(entries, key=lambda f: f.id)
        body = {"format_version": FORMAT_VERSION, "files": [entry_to_json(f) for f in ordered]}
        write_body(writer.root, MANIFEST, body)

    def reread(
        self, writer: Writer, how: dict[str, Any], data: bytes, folder: Path
    ) -> tuple[BillingFile | None, tuple[Problem, ...], str]:
        """Read a kept billing file again as the kind it was stored as."""
        from analyzer.reading.billing import read_billing

        parsed = read_billing(how["name"], data, how["kind"], folder.name)
        entry = _write_rows(writer.root, parsed) if parsed.accepted else None
        return entry, parsed.problems, "it is refused by this version"

    def describe(self, entry: BillingFile) -> str:
        """Return the one-line account of a stored billing file."""
        other = entry.rows - entry.copilot_rows
        note = f" ({other:,} not Copilot)" if other else ""
        return f"{KIND_LABELS[entry.kind]} {entry.period()}, {entry.rows:,} rows{note}"


BILLING = BillingFamily()
