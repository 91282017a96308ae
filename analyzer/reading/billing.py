"""Read GitHub's billing files (usage, premium request, AI usage, licences) into canonical rows."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from analyzer.billing_schema import (
    KIND_AI,
    KIND_DETAILED,
    KIND_LICENSE,
    KIND_PREMIUM,
    KIND_PREMIUM_LEGACY,
    KIND_SUMMARIZED,
    TABLE_OF_KIND,
    table_schema,
)
from analyzer.reading import recognise, sniff
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
_FLOATS = {"quantity", "price", "gross_amount", "discount_amount", "net_amount"} | {
    "total_monthly_quota",
    "aic_quantity",
    "aic_gross_amount",
}
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


def billing_kind(data: bytes) -> str | None:
    """Return which billing file these bytes are (by header), or None for any other file."""
    if sniff.binary_kind(data):
        return None
    names = _header(data)
    return kind_of_header(names) if names else None


def kind_of_header(names: list[str]) -> str | None:
    """Return which billing file a CSV header is, or None for any other file."""
    present = {sniff.normalize_header(n) for n in names}
    if {"requests used", "exceeds monthly quota"} <= present:
        return KIND_PREMIUM_LEGACY
    foreign = recognise.recognise_csv(names)
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
        norm = sniff.normalize_header(name)
        if kind == KIND_LICENSE:  # `GitHub com login`, or `GitHub login` (data residency)
            norm = re.sub(r"^github( com)? ", "", norm)
        target = table.get(norm)
        if target and target not in found.values():
            found[name] = target
    return found


# Columns of few distinct values, parsed as categoricals (a fraction of the memory of text).
_CATEGORIES = {"product", "sku", "unit_type", "organization", "repository", "workflow_path"} | {
    "cost_center",
    "model",
}


def _typed(mapping: dict[str, str]) -> dict[str, pl.DataType]:
    """Return the dtypes polars parses directly: numbers, and categoricals for few values."""
    types: dict[str, pl.DataType] = {}
    for source, target in mapping.items():
        if target in _FLOATS and target != "total_monthly_quota":
            types[source] = pl.Float64()
        elif target in _CATEGORIES or target == "date":  # (dates: parsed by _dates)
            types[source] = pl.Categorical()
    return types


def _read(source: bytes | Path, names: list[str], types: dict[str, pl.DataType]) -> pl.DataFrame:
    """Parse the CSV, the columns of `types` straight to those dtypes, the rest as text.

    A path is read by polars itself (memory-mapped), so a large file is not held twice.
    """
    return pl.read_csv(
        source,
        separator=",",
        infer_schema=False,
        schema_overrides=types,
        quote_char='"',
        truncate_ragged_lines=False,
        columns=list(dict.fromkeys(names)),
    )


def _floats(frame: pl.DataFrame, mapping: dict[str, str], log: ProblemLog) -> pl.DataFrame:
    """Cast the numeric columns that polars could not, logging each bad value."""
    exprs = []
    for source, target in mapping.items():
        if target in _FLOATS and frame.schema[source] == pl.String:
            text = pl.col(source).str.strip_chars()
            exprs.append(text.cast(pl.Float64, strict=False).alias(source))
            values = frame[source].str.strip_chars()
            cast = values.cast(pl.Float64, strict=False)
            bad = cast.is_null() & values.is_not_null() & (values != "")
            if target == "total_monthly_quota":
                bad = bad & (values.str.to_lowercase() != "unlimited")
            log.rows(
                frame["line"],
                bad,
                source,
                "bad-number",
                "expected a number such as 19 or 9.4086E-05; found {value}",
                values=values,
            )
    return frame.with_columns(exprs) if exprs else frame


def _dates(values: pl.Series, lines: pl.Series, column: str, log: ProblemLog) -> pl.Series:
    """Return YYYY-MM-DD or M/D/YY text as dates, logging the values that are neither."""
    text = values.str.strip_chars()
    iso_days = text.str.to_date("%Y-%m-%d", strict=False)
    if iso_days.null_count() > text.null_count():
        slashed = text.str.to_date("%m/%d/%y", strict=False)
        iso_days = iso_days.fill_null(slashed)
    bad = iso_days.is_null() | (iso_days < date(2020, 1, 1)) | (iso_days > date(2100, 1, 1))
    log.rows(
        lines,
        bad,
        column,
        "bad-billing-date",
        "expected a UTC day like 2026-09-02 (or 9/2/26); found {value}",
        values=text,
    )
    return iso_days


def _bools(values: pl.Series, lines: pl.Series, column: str, log: ProblemLog) -> pl.Series:
    """Return True/False/TRUE/false as booleans (empty: null), logging anything else."""
    low = values.str.strip_chars().str.to_lowercase()
    parsed = low.replace_strict(
        {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
    ).alias(values.name)
    bad = parsed.is_null() & low.is_not_null() & (low != "")
    log.rows(
        lines, bad, column, "bad-boolean", "expected True or False; found {value}", values=values
    )
    return parsed


def _required(frame: pl.DataFrame, kind: str, mapping: dict[str, str], log: ProblemLog) -> None:
    """Log every row whose required text cell is empty (numbers are checked on their own)."""
    for source, target in mapping.items():
        if target in _REQUIRED[kind] and target not in _FLOATS and target != "at":
            if kind == KIND_DETAILED and target == "login":
                continue  # AI credit and org-level rows of the detailed report have no user
            if target in ("display_login",):
                continue  # GHES-only users have no GitHub.com login: not a Copilot seat
            values = frame[source]
            empty = values.is_null()
            if values.dtype in (pl.String, pl.Categorical):  # (no cast: a categorical compares)
                empty = empty | (values == "")
            log.rows(frame["line"], empty, source, "empty-value", f"the {source} is empty")


def _canonical(
    frame: pl.DataFrame, kind: str, mapping: dict[str, str], log: ProblemLog
) -> pl.DataFrame:
    """Return the file's rows in the canonical columns of its table, plus `line`."""
    lines = frame["line"]
    frame = frame.rename(mapping)
    exprs: list[pl.Expr] = []
    schema = table_schema(TABLE_OF_KIND[kind])
    for column, dtype in schema.items():
        if column in frame.columns:
            # A quoted empty value ("") is nothing, as an unquoted empty one is.
            if dtype == pl.String and bool((frame[column] == "").any()):
                text = pl.col(column)
                exprs.append(pl.when(text == "").then(None).otherwise(text).alias(column))
            continue
        exprs.append(pl.lit(None, dtype).alias(column))
    frame = frame.with_columns(exprs)
    if "date" in mapping.values():
        frame = frame.with_columns(date=_dates(frame["date"].cast(pl.String), lines, "date", log))
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
            exceeds_quota=_bools(frame["exceeds_quota"], lines, "exceeds_quota", log)
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


def read_billing(
    name: str, data: bytes, kind: str, sha256: str | None = None, path: Path | None = None
) -> ParsedBilling:
    """Read one billing file of a known kind; every problem is returned, none raised.

    `path`, when given, holds the same bytes as `data` and is what polars parses.
    """
    log = ProblemLog(name)
    sha = sha256 or hashlib.sha256(data).hexdigest()
    names = _header(data) or []
    mapping = _mapping(kind, names)
    if _missing(kind, mapping, names, log):
        return ParsedBilling(name, sha, kind, log.finish())
    try:
        try:
            frame = _read(path or data, list(mapping), _typed(mapping))
        except pl.exceptions.ComputeError:  # a bad number or an M/D/YY date: cell by cell
            frame = _read(path or data, list(mapping), {})
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
    frame = _floats(frame, mapping, log)
    _required(frame, kind, mapping, log)
    rows = _canonical(frame, kind, mapping, log)
    as_of = license_time(name) if kind == KIND_LICENSE else None
    return ParsedBilling(name, sha, kind, log.finish(), rows, as_of)
