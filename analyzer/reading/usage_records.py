"""The tolerant usage-metrics path: record by record, every bad field a located problem."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from typing import Any

import polars as pl

from analyzer.reading import limits
from analyzer.reading.names import LOGIN_PATTERN, MAX_EMU_LOGIN, MAX_LOGIN
from analyzer.reading.problems import ProblemLog
from analyzer.reading.usage_schema import BREAKDOWNS, ENTRY_COUNTS, source_schema
from analyzer.times import in_years, years_text

_LOGIN = re.compile(LOGIN_PATTERN)
_DAYS = ("day", "report_start_day", "report_end_day")
_SHARED = ("report_start_day", "report_end_day", "enterprise_id", "organization_id")
_TOO_DEEP = "the JSON nests arrays or objects too deeply (over about 1,000 levels)"


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
        except RecursionError:
            log.add(1, "", "json-too-deep", _TOO_DEEP)
            return []
        return [r for i, item in enumerate(items) for r in unwrap(1, f"[{i}]", item)]
    try:  # one pretty-printed object
        whole = json.loads(text)
        if isinstance(whole, dict):
            return unwrap(1, "", whole)
    except (ValueError, RecursionError):  # (NDJSON, read line by line below)
        pass
    out: list[tuple[int, str, Any]] = []
    for number, row in enumerate(text.splitlines(), start=1):
        if not row.strip():
            continue
        if len(row) > limits.MAX_RECORD_CHARS:
            log.add(
                number,
                "",
                "line-too-long",
                f"the record has {len(row):,} characters; at most "
                f"{limits.MAX_RECORD_CHARS:,} are read (no GitHub record is this long)",
            )
            continue
        try:
            out += unwrap(number, "", json.loads(row))
        except RecursionError:
            log.add(number, "", "json-too-deep", _TOO_DEEP)
        except ValueError as exc:
            log.add(
                number,
                "",
                "bad-json",
                f"line is not a JSON object (a download cut short?): {exc}",
            )
    return out


def holds_user_days(value: Any) -> bool:
    """Return True for a 28-day object whose `day_totals` are per-user records."""
    if not isinstance(value, dict) or not isinstance(value.get("day_totals"), list):
        return False
    return any(
        isinstance(d, dict) and ("user_id" in d or "user_login" in d) for d in value["day_totals"]
    )


def unwrap(line: int, path: str, value: Any) -> list[tuple[int, str, Any]]:
    """Return a value as records: itself, or the per-user records inside its `day_totals`.

    Such a file (a 28-day report with per-user records in `day_totals`) circulates; its
    records take the report's range and ids where they do not state their own.
    """
    if not holds_user_days(value):
        return [(line, path, value)]
    shared = {k: value[k] for k in _SHARED if k in value}
    return [
        (line, f"{path}.day_totals[{i}]".lstrip("."), {**shared, **d} if isinstance(d, dict) else d)
        for i, d in enumerate(value["day_totals"])
    ]


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
        if key in _DAYS or key == "user_login":
            continue  # checked below
        if not _fits(value, dtype):
            log.add(
                line,
                where,
                "bad-usage-value",
                f"expected {_type_name(dtype)}; found {json.dumps(value)[:60]}",
            )
            ok = False
        elif isinstance(dtype, pl.Int64 | pl.Float64) and not in_range(value):
            log.add(
                line,
                where,
                "value-out-of-range",
                f"expected {range_text(dtype)}; found {json.dumps(value)[:60]}",
            )
            ok = False
    for key in _DAYS:
        if record.get(key) is not None:
            ok = _check_day(record[key], line, f"{path}.{key}".lstrip("."), log) and ok
    login = record.get("user_login")
    if isinstance(login, str | int) and not isinstance(login, bool):
        ok = _check_login(str(login), line, f"{path}.user_login".lstrip("."), log) and ok
    return {k: record.get(k) for k in schema} if ok else None


def _check_day(value: Any, line: int, where: str, log: ProblemLog) -> bool:
    """Return True for a day `YYYY-MM-DD` within the supported years, else log why not."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        found = json.dumps(value)[:60]
        log.add(line, where, "bad-usage-value", f"expected a day YYYY-MM-DD; found {found}")
        return False
    try:
        day = date.fromisoformat(value)
    except ValueError:
        log.add(line, where, "bad-usage-value", f"no such day {value!r}")
        return False
    if not in_years(day):
        log.add(line, where, "date-out-of-range", f"the day {value} is outside {years_text()}")
        return False
    return True


def _check_login(login: str, line: int, where: str, log: ProblemLog) -> bool:
    """Return True for a login GitHub allows, else log why not (never echoing a huge one)."""
    limit = MAX_EMU_LOGIN if "_" in login else MAX_LOGIN
    if login and len(login) <= limit and _LOGIN.match(login):
        return True
    if not login:
        found = "an empty login"
    elif len(login) > limit:
        found = f"a login of {len(login):,} characters (at most {limit})"
    elif not login.isascii():
        found = f"{login[:60]!r}, with characters outside ASCII (a look-alike of a login?)"
    else:
        found = repr(login[:60])
    log.add(
        line,
        where,
        "bad-login",
        f"expected a GitHub login (ASCII letters, digits and single hyphens); found {found}",
    )
    return False


def range_text(dtype: pl.DataType) -> str:
    """Return the range a number field may hold, in words."""
    if isinstance(dtype, pl.Int64):
        return f"a whole number from 0 to {limits.MAX_JSON_INT:,}"
    return f"a number from 0 to {limits.MAX_CREDITS:,.0f}"


def in_range(value: Any) -> bool:
    """Return True for a number within the limits a usage-metrics field may hold."""
    if isinstance(value, int):
        return 0 <= value <= limits.MAX_JSON_INT
    return math.isfinite(value) and 0 <= value <= limits.MAX_CREDITS


def _fits(value: Any, dtype: pl.DataType) -> bool:
    if isinstance(dtype, pl.String):
        return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    if isinstance(dtype, pl.Int64):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(dtype, pl.Float64):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(dtype, pl.Boolean):
        return isinstance(value, bool)
    if isinstance(dtype, pl.Struct):  # the adoption phase: an object
        return isinstance(value, dict)
    if isinstance(dtype, pl.List):  # a breakdown: a list of objects
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    return True


def _type_name(dtype: pl.DataType) -> str:
    names = {pl.String: "a string", pl.Int64: "a whole number", pl.Float64: "a number"}
    names[pl.Boolean] = "true or false"
    return next((v for k, v in names.items() if isinstance(dtype, k)), "a list of objects")


def _whole(value: Any) -> int | None:
    """Return a whole number within range, else None (unknown)."""
    ok = isinstance(value, int) and not isinstance(value, bool) and in_range(value)
    return value if ok else None


def _clean_entries(entries: list[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    """Return a breakdown's entries: key and counts of the right types (others null)."""
    _, key = BREAKDOWNS[source]
    out = []
    for entry in entries:
        value = entry.get(key)
        item: dict[str, Any] = {key: value if isinstance(value, str) else None}
        for count in ENTRY_COUNTS:
            item[count] = _whole(entry.get(count))
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
        phase = checked.get("ai_adoption_phase")
        if phase is not None:  # (an open set: fields of other types are unknown)
            checked["ai_adoption_phase"] = {
                "phase": phase.get("phase") if isinstance(phase.get("phase"), str) else None,
                "phase_number": _whole(phase.get("phase_number")),
            }
        if checked.get("ai_credits_used") is not None:
            checked["ai_credits_used"] = float(checked["ai_credits_used"])
        rows.append(checked)
    if not rows and not log.has_errors:
        log.file("empty-file", "the file holds no usage-metrics records")
    if log.has_errors:
        return None
    return pl.DataFrame(rows, schema=source_schema())
