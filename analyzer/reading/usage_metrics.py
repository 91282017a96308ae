"""Read GitHub's Copilot usage-metrics downloads: per-user day records and aggregate days.

Per-user files are NDJSON (also a JSON array or one object), one record per user and active
UTC day, from the `users-1-day` and `users-28-day` reports of an org or enterprise. They are
parsed by polars with an explicit schema (unknown keys ignored); any file polars cannot take
whole is re-read record by record so every problem gets its line and JSON path.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl

from analyzer.reading import limits
from analyzer.reading.names import slugify
from analyzer.reading.problems import ProblemLog
from analyzer.reading.recognise import recognise_json
from analyzer.schema import Problem

USERS = "usage-metrics-users"
AGGREGATE = "usage-metrics-aggregate"
USAGE_KINDS = (USERS, AGGREGATE)

# Top-level counts: source key -> stored column. Absent counts are null (unknown), never 0.
COUNTS: dict[str, str] = {
    "user_initiated_interaction_count": "interactions",
    "code_generation_activity_count": "generations",
    "code_acceptance_activity_count": "acceptances",
    "loc_suggested_to_add_sum": "loc_suggested_added",
    "loc_suggested_to_delete_sum": "loc_suggested_deleted",
    "loc_added_sum": "loc_added",
    "loc_deleted_sum": "loc_deleted",
    "chat_panel_ask_mode": "chat_ask",
    "chat_panel_edit_mode": "chat_edit",
    "chat_panel_agent_mode": "chat_agent",
    "chat_panel_custom_mode": "chat_custom",
    "chat_panel_unknown_mode": "chat_unknown",
}
# Stored surface flags and the source flags each one ORs (null when all are absent).
FLAGS: dict[str, tuple[str, ...]] = {
    "used_chat": ("used_chat",),
    "used_agent": ("used_agent",),
    "used_cli": ("used_cli",),
    "used_coding_agent": ("used_copilot_coding_agent", "used_copilot_cloud_agent"),
    "used_code_review": (
        "used_copilot_code_review_active",
        "used_copilot_code_review_passive",
    ),
}
# Breakdown lists: source key -> (kind stored, first key field, second key field or None).
BREAKDOWNS: dict[str, tuple[str, str, str | None]] = {
    "totals_by_ide": ("ide", "ide", None),
    "totals_by_feature": ("feature", "feature", None),
    "totals_by_language_feature": ("language_feature", "language", "feature"),
    "totals_by_language_model": ("language_model", "language", "model"),
    "totals_by_model_feature": ("model_feature", "model", "feature"),
}
ENTRY_COUNTS: dict[str, str] = {
    "user_initiated_interaction_count": "interactions",
    "code_generation_activity_count": "generations",
    "code_acceptance_activity_count": "acceptances",
    "loc_added_sum": "loc_added",
    "loc_deleted_sum": "loc_deleted",
}
# The aggregate reports' active-user counts kept by the store.
ACTIVE_USERS = (
    "daily_active_users",
    "weekly_active_users",
    "monthly_active_users",
    "monthly_active_chat_users",
    "monthly_active_agent_users",
    "daily_active_cli_users",
)

_NAME = re.compile(
    r"^(?P<slug>[a-z0-9][a-z0-9-]*?)-(?:users|user|enterprise|organization|org)-(?:1|28)-days?",
    re.IGNORECASE,
)


def _source_schema() -> dict[str, pl.DataType]:
    """Return the polars schema of the per-user fields read (others are ignored)."""
    entry_counts: dict[str, pl.DataType] = {k: pl.Int64() for k in ENTRY_COUNTS}
    schema: dict[str, pl.DataType] = {
        "day": pl.String(),
        "user_id": pl.Int64(),
        "user_login": pl.String(),
        "report_start_day": pl.String(),
        "report_end_day": pl.String(),
        "enterprise_id": pl.String(),
        "organization_id": pl.String(),
        "ai_credits_used": pl.Float64(),
    }
    schema.update({k: pl.Int64() for k in COUNTS})
    schema.update({k: pl.Boolean() for keys in FLAGS.values() for k in keys})
    for key, (_, first, second) in BREAKDOWNS.items():
        fields: dict[str, pl.DataType] = {first: pl.String()}
        if second:
            fields[second] = pl.String()
        schema[key] = pl.List(pl.Struct({**fields, **entry_counts}))
    return schema


def day_columns() -> dict[str, pl.DataType]:
    """Return the stored per-user-day table's columns and dtypes (one row per user and day)."""
    columns: dict[str, pl.DataType] = {
        "user_id": pl.Int64(),
        "login": pl.String(),
        "day": pl.Date(),
    }
    columns.update({c: pl.Int64() for c in COUNTS.values()})
    columns.update({c: pl.Boolean() for c in FLAGS})
    columns["credits"] = pl.Float64()
    return columns


def breakdown_columns() -> dict[str, pl.DataType]:
    """Return the stored long breakdown table's columns and dtypes."""
    columns: dict[str, pl.DataType] = {
        "user_id": pl.Int64(),
        "day": pl.Date(),
        "kind": pl.String(),
        "key": pl.String(),
        "key2": pl.String(),
    }
    columns.update({c: pl.Int64() for c in ENTRY_COUNTS.values()})
    return columns


def aggregate_columns() -> dict[str, pl.DataType]:
    """Return the stored aggregate-day table's columns and dtypes."""
    return {"day": pl.Date(), **{c: pl.Int64() for c in ACTIVE_USERS}}


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


def _first_value(data: bytes) -> object:
    """Return the first JSON value of a file (its first line, or the first array item)."""
    text = data[:1_048_576].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    decoder = json.JSONDecoder()
    try:
        if text.startswith("["):
            body = text[1:].lstrip()
            return [decoder.raw_decode(body)[0]] if body.startswith("{") else None
        return decoder.raw_decode(text)[0]
    except ValueError:
        try:  # a pretty-printed single object may be longer than the sniffed head
            return json.loads(data)
        except ValueError:
            return None


def usage_kind(data: bytes) -> str | None:
    """Return USERS or AGGREGATE when the bytes are a usage-metrics report, else None."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head not in (b"{", b"["):
        return None
    foreign = recognise_json(_first_value(data))
    return foreign.kind if foreign and foreign.kind in USAGE_KINDS else None


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
    scope, scope_source = _scope(name, scope_hint, log)
    if kind == AGGREGATE:
        return _read_aggregate(name, data, sha256, log, scope, scope_source)
    raw = _fast_frame(data)
    if raw is None:
        raw = _tolerant_frame(data, log)
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
    """Parse clean NDJSON whole with polars; None when anything needs the tolerant path."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"{":
        return None
    try:
        frame = pl.read_ndjson(io.BytesIO(data), schema=_source_schema())
    except Exception:  # any polars refusal: the tolerant path says why, line by line
        return None
    required = frame.select(
        pl.col("user_id").is_null().any()
        | pl.col("user_login").is_null().any()
        | pl.col("day").str.to_date("%Y-%m-%d", strict=False).is_null().any()
    ).item()
    return None if required or frame.is_empty() else frame


def _records(data: bytes, log: ProblemLog) -> list[tuple[int, str, Any]]:
    """Return (line, JSON path prefix, value) for every record of an array, object or NDJSON."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        log.add(line, "", "not-utf8", f"byte 0x{data[exc.start]:02X} is not UTF-8")
        return []
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except ValueError as exc:
            log.add(getattr(exc, "lineno", 0), "", "bad-json", f"not valid JSON: {exc}")
            return []
        return [(1, f"[{i}]", item) for i, item in enumerate(items)]
    try:  # one pretty-printed object
        whole = json.loads(text)
        if isinstance(whole, dict):
            return [(1, "", whole)]
    except ValueError:
        pass
    out: list[tuple[int, str, Any]] = []
    for number, row in enumerate(text.splitlines(), start=1):
        if not row.strip():
            continue
        try:
            out.append((number, "", json.loads(row)))
        except ValueError as exc:
            log.add(
                number,
                "",
                "bad-json",
                f"line is not a JSON object (a download cut short?): {exc}",
            )
    return out


def _check(record: Any, line: int, path: str, log: ProblemLog) -> dict[str, Any] | None:
    """Return the record's known fields when their types are right, else log and None."""
    if not isinstance(record, dict):
        log.add(line, path or "$", "bad-usage-record", "expected a JSON object per user and day")
        return None
    ok = True
    for key in ("user_id", "user_login", "day"):
        if key not in record or record[key] is None:
            log.add(line, f"{path}.{key}".lstrip("."), "bad-usage-record", f"no {key}")
            ok = False
    schema = _source_schema()
    for key, dtype in schema.items():
        value = record.get(key)
        if value is None:
            continue
        where = f"{path}.{key}".lstrip(".")
        if not _fits(value, dtype):
            log.add(
                line,
                where,
                "bad-usage-value",
                f"expected {_type_name(dtype)}; found {json.dumps(value)[:60]}",
            )
            ok = False
    day = record.get("day")
    if isinstance(day, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        log.add(line, f"{path}.day".lstrip("."), "bad-usage-value", f"day {day!r} is no date")
        ok = False
    elif isinstance(day, str):
        try:
            date.fromisoformat(day)
        except ValueError:
            log.add(line, f"{path}.day".lstrip("."), "bad-usage-value", f"no such day {day!r}")
            ok = False
    return {k: record.get(k) for k in schema} if ok else None


def _fits(value: Any, dtype: pl.DataType) -> bool:
    if isinstance(dtype, pl.String):
        return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    if isinstance(dtype, pl.Int64):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(dtype, pl.Float64):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(dtype, pl.Boolean):
        return isinstance(value, bool)
    if isinstance(dtype, pl.List):  # a breakdown: a list of objects
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    return True


def _type_name(dtype: pl.DataType) -> str:
    names = {pl.String: "a string", pl.Int64: "a whole number", pl.Float64: "a number"}
    names[pl.Boolean] = "true or false"
    return next((v for k, v in names.items() if isinstance(dtype, k)), "a list of objects")


def _clean_entries(entries: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Keep a breakdown entry's key and counts of the right types (others become null)."""
    _, first, second = BREAKDOWNS[key]
    keep = [first, *([second] if second else [])]
    out = []
    for entry in entries:
        item: dict[str, Any] = {
            k: entry.get(k) if isinstance(entry.get(k), str) else None for k in keep
        }
        for count in ENTRY_COUNTS:
            value = entry.get(count)
            ok = isinstance(value, int) and not isinstance(value, bool)
            item[count] = value if ok else None
        out.append(item)
    return out


def _tolerant_frame(data: bytes, log: ProblemLog) -> pl.DataFrame | None:
    """Read record by record, logging (line, JSON path, code) for every bad field."""
    rows: list[dict[str, Any]] = []
    for line, path, record in _records(data, log):
        checked = _check(record, line, path, log)
        if checked is None:
            continue
        for key in BREAKDOWNS:
            if checked.get(key) is not None:
                checked[key] = _clean_entries(checked[key], key)
        for key in ("enterprise_id", "organization_id"):
            if checked.get(key) is not None:
                checked[key] = str(checked[key])
        if checked.get("ai_credits_used") is not None:
            checked["ai_credits_used"] = float(checked["ai_credits_used"])
        rows.append(checked)
    if not rows and not log.has_errors:
        log.file("empty-file", "the file holds no usage-metrics records")
    if log.has_errors:
        return None
    return pl.DataFrame(rows, schema=_source_schema())


def _normalise(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return the per-user-day table and the long breakdown table of parsed records."""
    flags = [
        pl.when(pl.any_horizontal(pl.col(s).is_not_null() for s in sources))
        .then(pl.any_horizontal(pl.col(s).fill_null(False) for s in sources))
        .otherwise(None)
        .alias(name)
        for name, sources in FLAGS.items()
    ]
    days = raw.select(
        "user_id",
        pl.col("user_login").alias("login"),
        pl.col("day").str.to_date("%Y-%m-%d"),
        *[pl.col(k).alias(v) for k, v in COUNTS.items()],
        *flags,
        pl.col("ai_credits_used").alias("credits"),
    )
    parts = []
    for key, (kind, first, second) in BREAKDOWNS.items():
        part = (
            raw.select("user_id", pl.col("day").str.to_date("%Y-%m-%d"), key)
            .filter(pl.col(key).list.len() > 0)
            .explode(key)
            .unnest(key)
        )
        parts.append(
            part.select(
                "user_id",
                "day",
                pl.lit(kind).alias("kind"),
                pl.col(first).fill_null("unknown").alias("key"),
                (pl.col(second) if second else pl.lit(None, pl.String)).alias("key2"),
                *[pl.col(k).alias(v) for k, v in ENTRY_COUNTS.items()],
            )
        )
    breakdowns = pl.concat(parts).cast(breakdown_columns())  # type: ignore[arg-type]
    return days.cast(day_columns()), breakdowns  # type: ignore[arg-type]


def _dedupe(days: pl.DataFrame, log: ProblemLog) -> pl.DataFrame:
    """Keep one record per (user_id, day), warning once when a file repeats one."""
    unique = days.unique(subset=["user_id", "day"], keep="last", maintain_order=True)
    repeated = days.height - unique.height
    if repeated:
        log.file(
            "duplicate-usage-record",
            f"{repeated:,} records repeat a (user_id, day) already in the file; kept the last",
            severity="warning",
        )
    return unique


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


def _read_aggregate(
    name: str,
    data: bytes,
    sha256: str,
    log: ProblemLog,
    scope: str | None,
    scope_source: str | None,
) -> ParsedUsage:
    """Read an aggregate report (one day object, or a 28-day object with day_totals)."""
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        log.file("bad-json", f"the aggregate report is not valid JSON: {exc}")
        return ParsedUsage(name, sha256, AGGREGATE, log.finish())
    objects = value if isinstance(value, list) else [value]
    items: list[tuple[str, Any]] = []
    for i, obj in enumerate(objects):
        prefix = f"[{i}]" if isinstance(value, list) else ""
        if isinstance(obj, dict) and isinstance(obj.get("day_totals"), list):
            items += [(f"{prefix}.day_totals[{j}]", d) for j, d in enumerate(obj["day_totals"])]
        else:
            items.append((prefix, obj))
    rows = []
    for path, obj in items:
        where = path.lstrip(".") or "$"
        day = obj.get("day") if isinstance(obj, dict) else None
        try:
            parsed_day = date.fromisoformat(day) if isinstance(day, str) else None
        except ValueError:
            parsed_day = None
        if parsed_day is None:
            log.add(1, f"{where}.day", "bad-usage-value", "expected a day YYYY-MM-DD")
            continue
        assert isinstance(obj, dict)
        row: dict[str, Any] = {"day": parsed_day}
        for key in ACTIVE_USERS:
            count = obj.get(key)
            if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
                log.add(1, f"{where}.{key}", "bad-usage-value", "expected a whole number")
                count = None
            row[key] = count
        rows.append(row)
    if not rows and not log.has_errors:
        log.file("empty-file", "the aggregate report holds no days")
    if log.has_errors or scope is None:
        return ParsedUsage(name, sha256, AGGREGATE, log.finish(), scope, scope_source)
    table = pl.DataFrame(rows, schema=aggregate_columns()).unique("day", keep="last").sort("day")
    level = "organization" if "organization_id" in str(data[:4096]) else "enterprise"
    covered = tuple(table["day"].to_list())
    return ParsedUsage(
        name,
        sha256,
        AGGREGATE,
        log.finish(),
        scope,
        scope_source,
        level,
        covered,
        aggregate=table,
    )
