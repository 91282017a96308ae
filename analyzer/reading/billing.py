"""Read GitHub's billing files (usage, premium request, AI usage, licences) into canonical rows."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl

from analyzer.billing_schema import (
    COPILOT_FAMILIES,
    KEYS,
    KIND_AI,
    KIND_DETAILED,
    KIND_LICENSE,
    KIND_PREMIUM,
    KIND_PREMIUM_LEGACY,
    KIND_SUMMARIZED,
    TABLE_OF_KIND,
    family_mask,
    table_schema,
)
from analyzer.reading import recognise, sniff
from analyzer.reading.billing_values import (
    FLOATS,
    cast_floats,
    check_empty,
    check_numbers,
    parse_bools,
    parse_days,
)
from analyzer.reading.problems import ProblemLog
from analyzer.schema import Problem

# Normalised header name -> canonical column, per table (first listed name wins).
_USAGE_NAMES: dict[str, str] = {
    "date": "date",
    "usage at": "date",
    "product": "product",
    "sku": "sku",
    "quantity": "quantity",
    "unit type": "unit_type",
    "applied cost per quantity": "price",
    "price per unit": "price",
    "gross amount": "gross_amount",
    "discount amount": "discount_amount",
    "net amount": "net_amount",
    "username": "login",
    "organization": "organization",
    "repository": "repository",
    "workflow path": "workflow_path",
    "workflow name": "workflow_path",
    "cost center name": "cost_center",
}
_AI_NAMES: dict[str, str] = {
    "date": "date",
    "username": "login",
    "product": "product",
    "sku": "sku",
    "model": "model",
    "quantity": "quantity",
    "unit type": "unit_type",
    "applied cost per quantity": "price",
    "gross amount": "gross_amount",
    "discount amount": "discount_amount",
    "net amount": "net_amount",
    "exceeds quota": "exceeds_quota",
    "total monthly quota": "total_monthly_quota",
    "organization": "organization",
    "repository": "repository",
    "cost center name": "cost_center",
    "aic quantity": "aic_quantity",
    "aic gross amount": "aic_gross_amount",
    # The February 2026 token variant, and the AI usage report's token columns.
    "total input tokens": "input_tokens",
    "total output tokens": "output_tokens",
    "total cache creation tokens": "cache_creation_tokens",
    "total cache read tokens": "cache_read_tokens",
    "input": "input_tokens",
    "output": "output_tokens",
    "cache write": "cache_creation_tokens",
    "cache read": "cache_read_tokens",
}
_LEGACY_NAMES: dict[str, str] = {
    "timestamp": "at",
    "user": "login",
    "model": "model",
    "requests used": "quantity",
    "exceeds monthly quota": "exceeds_quota",
    "total monthly quota": "total_monthly_quota",
}
_LICENSE_NAMES: dict[str, str] = {
    "login": "display_login",
    "name": "name",
    "saml name": "saml_name",
    "cost center": "cost_center",
    "member roles": "member_roles",
    "enterprise roles": "enterprise_roles",
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    KIND_DETAILED: ("date", "product", "sku", "quantity", "unit_type", "net_amount", "login"),
    KIND_SUMMARIZED: ("date", "product", "sku", "quantity", "unit_type", "net_amount"),
    KIND_PREMIUM: ("date", "login", "sku", "model", "quantity"),
    KIND_AI: ("date", "login", "sku", "model", "quantity"),
    KIND_PREMIUM_LEGACY: ("at", "login", "model", "quantity"),
    KIND_LICENSE: ("display_login",),
}
_FLOATS = FLOATS
_LICENSE_NAME = re.compile(r"^export-(?P<slug>[A-Za-z0-9][A-Za-z0-9_.-]*?)-(?P<unix>\d{9,11})")


@dataclass(frozen=True)
class ParsedBilling:
    """One billing file read: its kind, canonical rows (when accepted) and every problem."""

    name: str
    sha256: str
    kind: str
    problems: tuple[Problem, ...]
    rows: pl.DataFrame | None = field(default=None, repr=False)  # canonical columns + line
    as_of: datetime | None = None  # licence report: when GitHub made it (file name)

    @property
    def accepted(self) -> bool:
        """Return True when the rows are usable (warnings allowed)."""
        return self.rows is not None and not any(p.severity == "error" for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        """Return the problems that refuse the file."""
        return [p for p in self.problems if p.severity == "error"]


def _header(data: bytes) -> list[str] | None:
    """Return the first line's column names, or None when it is not UTF-8 text."""
    head = data[:131_072]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    end = head.find(b"\n")
    try:
        line = (head if end < 0 else head[:end]).decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    sep = sniff.detect_separator(line)
    return next(csv.reader(io.StringIO(line), delimiter=sep), [])


def _clean(name: str) -> str:
    """Return a header name normalised; a BOM inside its quotes (a LibreOffice save) dropped."""
    return sniff.normalize_header(name.replace("\ufeff", ""))


def billing_kind(data: bytes) -> str | None:
    """Return which billing file these bytes are (by header), or None for any other file."""
    if sniff.binary_kind(data):
        return None
    names = _header(data)
    return kind_of_header(names) if names else None


def kind_of_header(names: list[str]) -> str | None:
    """Return which billing file a CSV header is, or None for any other file."""
    present = {_clean(n) for n in names}
    if {"requests used", "exceeds monthly quota"} <= present:
        return KIND_PREMIUM_LEGACY
    if {"model", "exceeds quota", "quantity"} <= present:  # incl. the token variant (Feb 2026)
        return KIND_PREMIUM
    if {"login", "license type"} <= {re.sub(r"^github( com)? ", "", n) for n in present}:
        return KIND_LICENSE  # Title Case, snake_case, or the data-residency `GitHub` prefix
    foreign = recognise.recognise_csv([_clean(n) for n in names])
    kind = foreign.kind if foreign else None
    return kind if kind in TABLE_OF_KIND else None


def _mapping(kind: str, names: list[str]) -> dict[str, str]:
    """Return file column -> canonical column for the columns this kind reads."""
    table = {
        KIND_DETAILED: _USAGE_NAMES,
        KIND_SUMMARIZED: _USAGE_NAMES,
        KIND_PREMIUM: _AI_NAMES,
        KIND_AI: _AI_NAMES,
        KIND_PREMIUM_LEGACY: _LEGACY_NAMES,
        KIND_LICENSE: _LICENSE_NAMES,
    }[kind]
    found: dict[str, str] = {}
    for name in names:
        norm = _clean(name)
        if kind == KIND_LICENSE:  # `GitHub com login`, or `GitHub login` (data residency)
            norm = re.sub(r"^github( com)? ", "", norm)
        target = table.get(norm)
        if target and target not in found.values():
            found[name] = target
    return found


def _typed(mapping: dict[str, str]) -> dict[str, pl.DataType]:
    """Return the dtypes polars parses directly: the numbers, and the date as a categorical.

    Other text is read as text, not as categoricals: the stored tables hold text, and
    casting millions of categorical cells back to text cost more time than they saved
    memory. The date is parsed once per distinct value (`_days`).
    """
    types: dict[str, pl.DataType] = {}
    for source, target in mapping.items():
        if target in _FLOATS and target != "total_monthly_quota":
            types[source] = pl.Float64()
        elif target == "date":
            types[source] = pl.Categorical()
    return types


def _read(data: bytes, names: list[str], types: dict[str, pl.DataType]) -> pl.DataFrame:
    """Parse the CSV, the columns of `types` straight to those dtypes, the rest as text.

    The bytes already in memory are parsed (polars does not copy them): mapping the file
    again took more time and, mapped pages counting as the process's, more memory.
    """
    return pl.read_csv(
        data,
        separator=",",
        infer_schema=False,
        schema_overrides=types,
        quote_char='"',
        truncate_ragged_lines=False,
        columns=list(dict.fromkeys(names)),
    )


def _required(frame: pl.DataFrame, kind: str, mapping: dict[str, str], log: ProblemLog) -> None:
    """Log every row whose required text cell is empty (numbers are checked on their own)."""
    for source, target in mapping.items():
        if target in _REQUIRED[kind] and target not in _FLOATS and target != "at":
            if target == "login" and kind in (KIND_DETAILED, KIND_PREMIUM, KIND_AI):
                # Org-level rows have no user: AI credits of the detailed report, and code
                # review for members without a licence, billed to the organization.
                continue
            if target in ("display_login",):
                continue  # GHES-only users have no GitHub.com login: not a Copilot seat
            values = frame[source]
            empty = values.is_null()
            if values.dtype in (pl.String, pl.Categorical):  # (no cast: a categorical compares)
                empty = empty | (values == "")
            log.rows(frame["line"], empty, source, "empty-value", f"the {source} is empty")


def _days(values: pl.Series, lines: pl.Series, log: ProblemLog) -> pl.Series:
    """Return the date column as days: a categorical one parsed once per distinct value."""
    if values.dtype == pl.Categorical:
        distinct = values.unique().cast(pl.String)
        probe = ProblemLog(log.path)
        days = parse_days(distinct, pl.Series(range(distinct.len())), "date", probe)
        if not probe.has_errors:  # (else every bad row is logged below, by its line)
            table = dict(zip(distinct.to_list(), days.to_list(), strict=True))
            return values.replace_strict(table, return_dtype=pl.Date)
    return parse_days(values.cast(pl.String), lines, "date", log)


def _canonical(
    frame: pl.DataFrame, kind: str, mapping: dict[str, str], log: ProblemLog
) -> pl.DataFrame:
    """Return the file's rows in the canonical columns of its table, plus `line`."""
    lines = frame["line"]
    frame = frame.rename(mapping)
    schema = table_schema(TABLE_OF_KIND[kind])
    texts = [
        c
        for c, dtype in schema.items()
        if dtype == pl.String and frame.schema.get(c) in (pl.String, pl.Categorical)
    ]
    # A quoted empty value ("") is nothing, as an unquoted empty one is (one pass finds
    # the columns that hold one).
    holds = frame.select(pl.col(c).eq("").any() for c in texts).row(0) if texts else ()
    exprs = [
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
        for c, empty in zip(texts, holds, strict=True)
        if empty
    ]
    exprs += [pl.lit(None, d).alias(c) for c, d in schema.items() if c not in frame.columns]
    frame = frame.with_columns(exprs)
    if "date" in mapping.values():
        frame = frame.with_columns(date=_days(frame["date"], lines, log))
    if kind == KIND_PREMIUM_LEGACY:
        at = frame["at"].str.strip_chars().str.to_datetime(time_zone="UTC", strict=False)
        log.rows(
            lines,
            at.is_null(),
            "Timestamp",
            "bad-timestamp",
            "expected a UTC timestamp like 2025-11-03T10:15:00Z; found {value}",
            values=frame["at"],
        )
        frame = frame.with_columns(
            at=at.dt.cast_time_unit("us"),
            date=at.dt.date(),
            product=pl.lit("copilot"),
            sku=pl.lit("copilot_premium_request"),
            unit_type=pl.lit("requests"),
        )
    if "exceeds_quota" in frame.columns and frame.schema["exceeds_quota"] == pl.String:
        frame = frame.with_columns(
            exceeds_quota=parse_bools(frame["exceeds_quota"], lines, "exceeds_quota", log)
        )
    if kind == KIND_LICENSE:
        frame = frame.filter(pl.col("display_login").is_not_null()).with_columns(
            login=pl.col("display_login").str.to_lowercase(),
            orgs=pl.col("member_roles")
            .str.split(",")
            .list.eval(pl.element().str.strip_chars().str.split(":").list.first())
            .list.eval(pl.element().filter(pl.element() != ""))
            .list.join(", "),
        )
    elif "login" in frame.columns:
        frame = frame.with_columns(pl.col("login").str.to_lowercase())
    return frame.select([pl.col(c).cast(d) for c, d in schema.items()] + [pl.col("line")])


def _key_hash(rows: pl.DataFrame, key: list[str]) -> pl.Series:
    """Return a 64-bit hash of each row's key, one column at a time (a few MiB a million)."""
    combined: pl.Series | None = None
    for column in key:
        series = rows[column]
        if series.dtype in (pl.Categorical, pl.Date, pl.Boolean):
            series = series.to_physical()
        value = series.hash(seed=7)
        combined = value if combined is None else (combined * 1_000_003) ^ value
    assert combined is not None
    return combined


# The key columns that tell most rows apart: rows that repeat none of these values together
# repeat no whole key, so they are hashed first (the whole key only when some repeat).
_FIRST_LOOK = ("date", "at", "login", "sku")


def _maybe_repeated(rows: pl.DataFrame, key: list[str]) -> pl.Series | None:
    """Return which rows may share a key with another (a superset), or None when none may.

    A 64-bit hash per key, its repeats found by sorting: a few MiB for millions of rows,
    where a hash table of millions of groups costs some 200 MiB.
    """
    first = [c for c in key if c in _FIRST_LOOK]
    if first and len(first) < len(key) and _repeats(_key_hash(rows, first)) is None:
        return None
    return _repeats(_key_hash(rows, key))


def _repeats(hashes: pl.Series) -> pl.Series | None:
    """Return which hashes occur more than once, or None when none does."""
    ordered = hashes.sort()
    again = ordered.filter((ordered == ordered.shift(1)).fill_null(False))
    return None if again.is_empty() else hashes.is_in(again.unique().implode())


def _repeated(rows: pl.DataFrame, kind: str, log: ProblemLog) -> pl.DataFrame:
    """Return the rows with exact repeats dropped (warned, by line); log keys with two values.

    GitHub writes one row per key (KEYS): a row repeated exactly is a copy-paste and counts
    once; one key with different figures in one file cannot be settled and refuses it.
    """
    key = [c for c in KEYS[kind] if c in rows.columns]
    if kind == KIND_LICENSE:
        return rows
    maybe = _maybe_repeated(rows, key)
    if maybe is None:
        return rows
    rows_in = rows.filter(maybe)
    # Other products' rows are left out of the bill: GitHub's keys for them are not ours to
    # judge, so only Copilot rows are checked (and deduplicated).
    copilot = (
        rows_in.select(family_mask(rows_in, *COPILOT_FAMILIES)).to_series()
        if "product" in rows_in.columns
        else pl.Series([True] * rows_in.height)
    )
    values = [c for c in rows.columns if c != "line"]
    twice = rows_in.filter(rows_in.select(key).is_duplicated() & copilot)
    if twice.is_empty():
        return rows
    groups = (
        twice.group_by(key, maintain_order=True)
        .agg(pl.col("line"), pl.struct(values).n_unique().alias("_variants"))
        .sort(pl.col("line").list.first())
    )
    for group in groups.head(1_000).iter_rows(named=True):  # (the log keeps 20 a code)
        lines = ", ".join(str(n) for n in group["line"][:10])
        where = ", ".join(f"{k}={group[k]}" for k in key if group[k] is not None)
        if group["_variants"] > 1:
            log.add(
                group["line"][0],
                "quantity",
                "conflicting-billing-row",
                f"lines {lines} hold one key ({where}) with different figures; GitHub "
                "writes one row per key: download the report again",
            )
        else:
            log.add(
                group["line"][0],
                "",
                "duplicate-billing-row",
                f"lines {lines} are the same row ({where}); counted once",
                "warning",
            )
    copies = twice.filter(~twice.select(pl.struct(values).is_first_distinct()).to_series())
    return rows.filter(~pl.col("line").is_in(copies["line"].implode()))


def _missing(kind: str, mapping: dict[str, str], names: list[str], log: ProblemLog) -> bool:
    have = set(mapping.values())
    lacking = [c for c in _REQUIRED[kind] if c not in have]
    for column in lacking:
        log.add(
            1,
            column,
            "missing-column",
            f"the {kind} needs a column for {column!r}; the header has: "
            f"{', '.join(n.strip() for n in names)[:300]}",
        )
    return bool(lacking)


def license_time(name: str) -> datetime | None:
    """Return the time in a licence report's name `export-<slug>-<unix>.csv`, if any."""
    match = _LICENSE_NAME.match(name)
    return datetime.fromtimestamp(int(match["unix"]), UTC) if match else None


_BAD_HEADER = (
    "the header row is not valid CSV (a quote inside a column name?); it may be damaged or "
    "re-saved oddly: download the report again"
)


def read_billing(name: str, data: bytes, kind: str, sha256: str | None = None) -> ParsedBilling:
    """Read one billing file of a known kind; every problem is returned, none raised."""
    log = ProblemLog(name)
    sha = sha256 or hashlib.sha256(data).hexdigest()
    names = _header(data) or []
    mapping = _mapping(kind, names)
    if _missing(kind, mapping, names, log):
        return ParsedBilling(name, sha, kind, log.finish())
    try:
        try:
            frame = _read(data, list(mapping), _typed(mapping))
        except pl.exceptions.ComputeError:  # a bad number or an M/D/YY date: cell by cell
            frame = _read(data, list(mapping), {})
    except pl.exceptions.ColumnNotFoundError:  # the csv module and polars read names apart
        log.add(1, "", "malformed-csv", _BAD_HEADER)
        return ParsedBilling(name, sha, kind, log.finish())
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
        code = "not-utf8" if "utf-8" in str(exc).lower() else "malformed-csv"
        log.file(code, f"the file cannot be read as CSV ({str(exc).splitlines()[0][:200]})")
        return ParsedBilling(name, sha, kind, log.finish())
    frame = (
        frame.with_row_index("line", offset=2)
        .with_columns(pl.col("line").cast(pl.Int64))
        .filter(~pl.all_horizontal(pl.exclude("line").is_null()))  # blank lines
    )
    if frame.height == 0:
        log.file("no-billing-rows", "the file has a header and no rows")
        return ParsedBilling(name, sha, kind, log.finish())
    check_empty(frame, kind, mapping, log)
    frame = cast_floats(frame, mapping, log)
    check_numbers(frame, mapping, log)
    _required(frame, kind, mapping, log)
    rows = _canonical(frame, kind, mapping, log)
    del frame  # (the parsed text: freed before the key check)
    rows = _repeated(rows, kind, log)
    as_of = license_time(name) if kind == KIND_LICENSE else None
    return ParsedBilling(name, sha, kind, log.finish(), rows, as_of)
