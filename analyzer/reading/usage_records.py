"""The tolerant usage-metrics path: record by record, every bad field a located problem."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import polars as pl

from analyzer.reading.problems import ProblemLog
from analyzer.reading.usage_schema import BREAKDOWNS, ENTRY_COUNTS, source_schema


def records(data: bytes, log: ProblemLog) -> list[tuple[int, str, Any]]:
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
    schema = source_schema()
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


def _clean_entries(entries: list[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    """Return a breakdown's entries: key and counts of the right types (others null)."""
    _, key = BREAKDOWNS[source]
    out = []
    for entry in entries:
        value = entry.get(key)
        item: dict[str, Any] = {key: value if isinstance(value, str) else None}
        for count in ENTRY_COUNTS:
            number = entry.get(count)
            ok = isinstance(number, int) and not isinstance(number, bool)
            item[count] = number if ok else None
        out.append(item)
    return out


def tolerant_frame(data: bytes, log: ProblemLog) -> pl.DataFrame | None:
    """Read record by record, logging (line, JSON path, code) for every bad field.

    The frame has the fast path's shape (`source_schema`).
    """
    rows: list[dict[str, Any]] = []
    for line, path, record in records(data, log):
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
    return pl.DataFrame(rows, schema=source_schema())
