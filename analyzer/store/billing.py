"""Billing files in the history store: kept originals, one Parquet per file, `billing.json`.

Layout beside the snapshots (same promises: the original bytes kept, idempotent, crash-safe):
- `originals/<sha256>/<file name>` and `ingest.json` (`{"name", "kind", "billing": true}`);
- `billing/<kind>/<first day>_<last day>-<sha12>.parquet`: the file's canonical rows;
- `billing.json`: every stored billing file (kind, period, rows, sha256), replaced atomically
  after the files it names are in place; a file exists once `billing.json` lists it.
Writers call these functions while they hold the store lock (`Store.writing()`).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
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
from analyzer.schema import Problem
from analyzer.store import shelf
from analyzer.times import iso, parse_iso

if TYPE_CHECKING:
    import polars as pl

    from analyzer.reading.billing import ParsedBilling

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


@dataclass(frozen=True)
class BillingOutcome:
    """What storing one billing file did."""

    status: str  # stored / already-stored / refused
    message: str
    problems: tuple[Problem, ...] = ()
    file: BillingFile | None = None


def _to_json(item: BillingFile) -> dict[str, Any]:
    values = asdict(item)
    for key in ("first_day", "last_day"):
        values[key] = values[key].isoformat() if values[key] else None
    values["as_of"] = iso(item.as_of) if item.as_of else None
    return values


def _from_json(entry: dict[str, Any]) -> BillingFile:
    values = dict(entry)
    for key in ("first_day", "last_day"):
        values[key] = date.fromisoformat(values[key]) if values[key] else None
    values["as_of"] = parse_iso(values["as_of"]) if values["as_of"] else None
    item = BillingFile(**values)
    name = rf"billing/{re.escape(item.kind)}/[^/]+-{item.sha256[:12]}\.parquet"
    if item.kind not in TABLE_OF_KIND or not shelf.SHA_RE.fullmatch(item.sha256):
        raise ValueError(f"{item.id!r:.80} has no known kind or sha256")
    if not re.fullmatch(name, item.parquet) or ".." in item.parquet:
        raise ValueError(f"{item.id!r:.80} names no file of this store")
    return item


def billing_files(root: Path) -> list[BillingFile]:
    """Return the stored billing files (kind, then period); none for a store without any."""
    body = shelf.read_body(root, MANIFEST, FORMAT_VERSION, "billing")
    if body is None:
        return []
    try:
        files = [_from_json(e) for e in body["files"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreError(
            f"{root / MANIFEST}: the billing manifest is damaged ({exc}); "
            + shelf.rebuild_hint(root)
        ) from exc
    return sorted(files, key=lambda f: (f.kind, f.first_day or date.min, f.period(), f.id))


def _write_manifest(root: Path, files: list[BillingFile]) -> None:
    ordered = sorted(files, key=lambda f: f.id)
    body = {"format_version": FORMAT_VERSION, "files": [_to_json(f) for f in ordered]}
    shelf.write_body(root, MANIFEST, body)


def sweep_billing(root: Path, files: list[BillingFile]) -> None:
    """Remove Parquet files a killed writer left unlisted."""
    shelf.sweep_unlisted(root, "billing", {f.parquet for f in files})


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


def store_billing(
    root: Path, parsed: ParsedBilling, data: bytes, source: shelf.Source | None = None
) -> BillingOutcome:
    """Store an accepted billing file unless its rows are already there; refuse conflicts.

    `source`, the file `data` was read from, lets the kernel copy the original.
    """
    files = billing_files(root)
    sweep_billing(root, files)
    for item in files:
        if item.sha256 == parsed.sha256:
            return BillingOutcome(
                "already-stored", f"already stored (as {item.source_name})", (), item
            )
    assert parsed.rows is not None
    first = last = None
    if "date" in parsed.rows.columns and parsed.rows.height:
        first, last = parsed.rows["date"].min(), parsed.rows["date"].max()
    overlap = _overlapping(files, parsed.kind, first, last)
    if overlap and TABLE_OF_KIND[parsed.kind] != "license":
        problems, same = _compare(root, parsed, overlap)
        if problems:
            return BillingOutcome("refused", "conflicting-billing-row", tuple(problems))
        if same:
            names = ", ".join(sorted({f.source_name for f in overlap}))
            return BillingOutcome("already-stored", f"already stored: the same rows as {names}")
    if not files and not (root / MANIFEST).is_file():  # listed first: a table without one
        _write_manifest(root, [])  # is then a leftover, never a lost manifest
    how = {"kind": parsed.kind, "billing": True}
    # The original is copied and flushed (the kernel's and the disk's work) while the table
    # is encoded; both are in place before the manifest lists them.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="keep-original") as pool:
        kept = pool.submit(shelf.keep_original, root, parsed.sha256, parsed.name, data, how, source)
        item = _write_rows(root, parsed)
        kept.result()
    _write_manifest(root, [*files, item])
    return BillingOutcome("stored", describe(item), (), item)


def describe(item: BillingFile) -> str:
    """Return the one-line account of a stored billing file."""
    other = item.rows - item.copilot_rows
    note = f" ({other:,} not Copilot)" if other else ""
    return f"{KIND_LABELS[item.kind]} {item.period()}, {item.rows:,} rows{note}"


def is_billing_original(how: dict[str, Any]) -> bool:
    """Return True when a kept original's `ingest.json` is a billing file's."""
    return bool(how.get("billing"))


def rebuild_billing(
    root: Path, folders: list[Path]
) -> tuple[list[BillingFile], list[shelf.Failure], list[BillingFile]]:
    """Re-read every kept billing original and replace `billing.json` with what they give.

    A listed file whose original is missing or cannot be re-read keeps its table when that
    table is whole. Return the files re-read, the failures and the files kept as they were.
    """
    from analyzer.store.readers import billing_file

    def read(how: dict[str, Any], data: bytes, folder: Path) -> Any:
        parsed = billing_file(how["name"], data, how["kind"], folder.name, folder / how["name"])
        entry = _write_rows(root, parsed) if parsed.accepted else None
        return entry, parsed.problems, "it is refused by this version"

    try:
        old = billing_files(root)
    except StoreError:  # damaged (a newer one is refused before the rebuild starts)
        old = []
    rebuilt, failures = shelf.reread(folders, read)
    done = {f.sha256 for f in rebuilt}
    kept = [f for f in old if f.sha256 not in done and shelf.whole(root, [f.table()])]
    if rebuilt or kept or (root / MANIFEST).is_file():
        _write_manifest(root, rebuilt + kept)
        sweep_billing(root, rebuilt + kept)
    return rebuilt, failures, kept


def forget_billing(root: Path, sha256: str) -> None:
    """Drop one stored file from `billing.json` (its original is in the attic), then its table."""
    files = billing_files(root)
    _write_manifest(root, [f for f in files if f.sha256 != sha256])
    for item in files:
        if item.sha256 == sha256:
            (root / item.parquet).unlink(missing_ok=True)


def ingest_billing(root: Path, path: Path, data: bytes, sha256: str) -> BillingOutcome | None:
    """Read and store a billing file (`data`: the bytes of `path`); None for any other file."""
    from analyzer.store.readers import billing_file, billing_kind

    kind = billing_kind(data)
    if kind is None:
        return None
    parsed = billing_file(path.name, data, kind, sha256, path)
    if not parsed.accepted:
        codes = sorted({p.code for p in parsed.errors})
        return BillingOutcome("refused", ", ".join(codes), parsed.problems)
    outcome = store_billing(root, parsed, data)
    warnings = tuple(p for p in parsed.problems if p.severity != "error")
    return BillingOutcome(
        outcome.status, outcome.message, outcome.problems + warnings, outcome.file
    )


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


def license_slug(name: str) -> str | None:
    """Return the enterprise slug of GitHub's licence report name `export-<slug>-<unix>.csv`."""
    match = re.fullmatch(r"export-(.+)-\d+(?: \(\d+\))?\.csv", name, flags=re.IGNORECASE)
    return match[1].lower() if match else None


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
