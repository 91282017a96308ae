"""Read GitHub's Copilot usage-metrics downloads: per-user day records and aggregate days.

Per-user files are NDJSON (also a JSON array or one object), one record per user and active
UTC day, from the `users-1-day` and `users-28-day` reports of an org or enterprise. They are
parsed by polars with an explicit schema (unknown keys ignored); any file polars cannot take
whole is re-read record by record so every problem gets its line and JSON path.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from analyzer.reading import limits
from analyzer.reading.names import bad_logins, slugify
from analyzer.reading.problems import ProblemLog
from analyzer.reading.usage_aggregate import aggregate_table
from analyzer.reading.usage_records import tolerant_frame
from analyzer.reading.usage_schema import (
    ADOPTION,
    AGGREGATE,
    BREAKDOWNS,
    COUNTS,
    ENTRY_COUNTS,
    FLAGS,
    SAME_FAMILY,
    USAGE_KINDS,
    USERS,
    aggregate_columns,
    breakdown_columns,
    day_columns,
    source_schema,
)
from analyzer.schema import Problem
from analyzer.times import FIRST_DAY, LAST_DAY

__all__ = [
    "AGGREGATE",
    "USAGE_KINDS",
    "USERS",
    "ParsedUsage",
    "aggregate_columns",
    "breakdown_columns",
    "day_columns",
    "read_usage",
]

_NAME = re.compile(
    r"^(?P<slug>[a-z0-9][a-z0-9-]*?)-(?:users|user|enterprise|organization|org)-(?:1|28)-days?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedUsage:
    """One usage-metrics file read: its tables (when accepted) and every problem found."""

    name: str
    sha256: str
    kind: str
    problems: tuple[Problem, ...]
    scope: str | None = None
    scope_source: str | None = None
    level: str | None = None  # "enterprise" or "organization" when the records say
    covered: tuple[date, ...] = ()  # the UTC days this file reports on
    days: pl.DataFrame | None = field(default=None, repr=False)
    breakdowns: pl.DataFrame | None = field(default=None, repr=False)
    aggregate: pl.DataFrame | None = field(default=None, repr=False)

    @property
    def accepted(self) -> bool:
        """Return True when the file is usable (warnings allowed)."""
        table = self.days if self.kind == USERS else self.aggregate
        return table is not None and not any(p.severity == "error" for p in self.problems)

    @property
    def records(self) -> int:
        """Return how many user-day (or aggregate day) records the file holds."""
        table = self.days if self.kind == USERS else self.aggregate
        return 0 if table is None else table.height


def _scope(name: str, hint: str | None, log: ProblemLog) -> tuple[str | None, str | None]:
    if hint is not None:
        slug = slugify(hint)
        if slug:
            return slug, "option"
    match = _NAME.match(name.strip())
    if match:
        return match["slug"].lower(), "file-name"
    log.file(
        "no-scope",
        "usage-metrics records name no org or enterprise slug: pass --scope, or keep the "
        "file named <scope>-users-28-day-<date>.ndjson (or -users-1-day-)",
    )
    return None, None


def read_usage(
    name: str, data: bytes, sha256: str, kind: str, scope_hint: str | None = None
) -> ParsedUsage:
    """Read one usage-metrics file of `kind`; every problem is returned, none raised."""
    log = ProblemLog(name)
    if not limits.check_size(data, log):
        return ParsedUsage(name, sha256, kind, log.finish())
    if data.count(b"\n") > limits.MAX_USAGE_RECORDS:
        log.file(
            "too-many-rows",
            f"the file has more than {limits.MAX_USAGE_RECORDS:,} lines; at most that many "
            "usage-metrics records per file are supported: download shorter periods",
        )
        return ParsedUsage(name, sha256, kind, log.finish())
    scope, scope_source = _scope(name, scope_hint, log)
    if kind == AGGREGATE:
        table, level = aggregate_table(data, log)
        if table is None or scope is None:
            return ParsedUsage(name, sha256, kind, log.finish(), scope, scope_source)
        covered = tuple(table["day"].to_list())
        return ParsedUsage(
            name, sha256, kind, log.finish(), scope, scope_source, level, covered, aggregate=table
        )
    raw = _fast_frame(data)
    if raw is None:
        raw = tolerant_frame(data, log)
    if raw is None or log.has_errors or scope is None:
        return ParsedUsage(name, sha256, kind, log.finish(), scope, scope_source)
    days, breakdowns = _normalise(raw)
    days = _dedupe(days, log)
    covered = _coverage(raw, days)
    level = "organization" if raw["organization_id"].drop_nulls().len() else "enterprise"
    return ParsedUsage(
        name, sha256, kind, log.finish(), scope, scope_source, level, covered, days, breakdowns
    )


def _fast_frame(data: bytes) -> pl.DataFrame | None:
    """Parse clean NDJSON whole with polars; None when anything needs the tolerant path.

    Each line is decoded by polars' JSON decoder into the fields read, breakdown entries
    narrowed to the key and counts kept: several times faster than `read_ndjson` with a
    nested schema, which builds every struct field. A wrong type anywhere raises.
    """
    body = data.removeprefix(b"\xef\xbb\xbf")
    if body.lstrip(b" \t\r\n")[:1] != b"{":
        return None
    try:
        # One line per record: JSON text holds no raw control character, so \x1f never splits.
        lines = pl.read_csv(
            io.BytesIO(body),
            has_header=False,
            separator="\x1f",
            quote_char=None,
            schema={"line": pl.String},
        ).drop_nulls()  # blank lines
        frame = lines.select(pl.col("line").str.json_decode(pl.Struct(source_schema()))).unnest(
            "line"
        )
    except Exception:  # any polars refusal: the tolerant path says why, line by line
        return None
    longest = lines["line"].str.len_chars().max()
    if frame.is_empty() or not isinstance(longest, int) or longest > limits.MAX_RECORD_CHARS:
        return None
    return frame if _clean(frame) else None


def _clean(frame: pl.DataFrame) -> bool:
    """Return True when every record keeps the stated limits (else the tolerant path says why)."""
    first, last = FIRST_DAY, LAST_DAY

    def day_ok(name: str, required: bool) -> pl.Expr:
        day = pl.col(name).str.to_date("%Y-%m-%d", strict=False)
        ok = day.is_between(first, last) & (pl.col(name).str.len_chars() == 10)
        return ok if required else (ok | pl.col(name).is_null())

    checks = [
        pl.col("user_id").is_between(0, limits.MAX_JSON_INT),
        pl.col("user_login").str.len_chars() > 0,
        day_ok("day", True),
        day_ok("report_start_day", False),
        day_ok("report_end_day", False),
        pl.col("ai_credits_used").is_between(0, limits.MAX_CREDITS).fill_null(True),
        *[pl.col(k).is_between(0, limits.MAX_JSON_INT).fill_null(True) for k in COUNTS],
    ]
    if bad_logins(frame["user_login"]).any():
        return False
    return bool(frame.select(pl.all_horizontal(checks).fill_null(False).all()).item())


def _normalise(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return the per-user-day table and the long breakdown table of parsed records."""
    flags = [
        pl.when(pl.any_horizontal(pl.col(s).is_not_null() for s in sources))
        .then(pl.any_horizontal(pl.col(s).fill_null(False) for s in sources))
        .otherwise(None)
        .alias(name)
        for name, sources in FLAGS.items()
    ]
    day = pl.col("day").str.to_date("%Y-%m-%d")
    days = raw.select(
        "user_id",
        pl.col("user_login").alias("login"),
        day,
        *[pl.col(k).alias(v) for k, v in COUNTS.items()],
        *flags,
        pl.col("ai_credits_used").alias("credits"),
        *[pl.col("ai_adoption_phase").struct.field(k).alias(c) for k, (c, _) in ADOPTION.items()],
    )
    parts = []
    for source, (kind, key) in BREAKDOWNS.items():
        part = (
            raw.select("user_id", day, source)
            .filter(pl.col(source).list.len() > 0)
            .explode(source)
            .unnest(source)
        )
        parts.append(
            part.select(
                "user_id",
                "day",
                pl.lit(kind).alias("kind"),
                pl.col(key).fill_null("unknown").alias("key"),
                *[pl.col(k).alias(v) for k, v in ENTRY_COUNTS.items()],
            )
        )
    breakdowns = pl.concat(parts).cast(breakdown_columns())  # type: ignore[arg-type]
    breakdowns = breakdowns.with_columns(_one_family(pl.col("kind"), pl.col("key")))
    return days.cast(day_columns()), breakdowns  # type: ignore[arg-type]


def _one_family(kind: pl.Expr, key: pl.Expr) -> pl.Expr:
    """Return the breakdown key with each family's other spellings read as its one name."""
    out = key
    for which, spellings in SAME_FAMILY.items():
        for spelling, family in spellings.items():
            out = pl.when(kind == which).then(out.str.replace_all(spelling, family)).otherwise(out)
    return out.alias("key")


def _dedupe(days: pl.DataFrame, log: ProblemLog) -> pl.DataFrame:
    """Keep one record per (user_id, day), sorted by both, warning once for a repeated one.

    A 1-day file lists each user once, in user order as GitHub writes it: then there is
    nothing to drop or sort, which one pass over user_id proves.
    """
    ordered = days.select(pl.col("user_id").diff().fill_null(1).min() > 0).item()
    if ordered or days.is_empty():
        return days
    unique = days.unique(subset=["user_id", "day"], keep="last", maintain_order=True)
    repeated = days.height - unique.height
    if repeated:
        log.file(
            "duplicate-usage-record",
            f"{repeated:,} records repeat a (user_id, day) already in the file; kept the last",
            severity="warning",
        )
    return unique.sort("user_id", "day")


def _coverage(raw: pl.DataFrame, days: pl.DataFrame) -> tuple[date, ...]:
    """Return the days the file reports on: its stated 28-day range, or its records' days.

    A 28-day report names its range in every record, so a day nobody used Copilot is still
    covered; a 1-day report's day is known only from its records.
    """
    covered: set[date] = set(days["day"].unique().to_list())
    ranges = (
        raw.select(
            pl.col("report_start_day").str.to_date("%Y-%m-%d", strict=False),
            pl.col("report_end_day").str.to_date("%Y-%m-%d", strict=False),
        )
        .unique()
        .drop_nulls()
    )
    for start, end in ranges.iter_rows():
        if start <= end and (end - start).days < 400:
            covered.update(start + timedelta(days=n) for n in range((end - start).days + 1))
    return tuple(sorted(covered))
