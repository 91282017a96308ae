"""Read the aggregate usage-metrics reports: one day object, or a 28-day object of days."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import polars as pl

from analyzer.reading.problems import ProblemLog
from analyzer.reading.usage_records import in_range, range_text
from analyzer.reading.usage_schema import ACTIVE_USERS, aggregate_columns
from analyzer.times import in_years, years_text


def aggregate_table(data: bytes, log: ProblemLog) -> tuple[pl.DataFrame | None, str]:
    """Return the active-user counts per day (None when unusable) and the report's level."""
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        log.file("bad-json", f"the aggregate report is not valid JSON: {exc}")
        return None, ""
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
        if isinstance(obj, dict) and ("user_id" in obj or "user_login" in obj):
            log.add(
                1,
                where,
                "bad-usage-record",
                "a per-user record inside an aggregate report: its users would be lost as "
                "aggregate days; save the per-user records one per line (users-28-day)",
            )
            continue
        day = obj.get("day") if isinstance(obj, dict) else None
        try:
            parsed_day = date.fromisoformat(day) if isinstance(day, str) else None
        except ValueError:
            parsed_day = None
        if parsed_day is None:
            log.add(1, f"{where}.day", "bad-usage-value", "expected a day YYYY-MM-DD")
            continue
        if not in_years(parsed_day):
            log.add(
                1, f"{where}.day", "date-out-of-range", f"the day {day} is outside {years_text()}"
            )
            continue
        assert isinstance(obj, dict)
        row: dict[str, Any] = {"day": parsed_day}
        for key in ACTIVE_USERS:
            count = obj.get(key)
            if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
                log.add(1, f"{where}.{key}", "bad-usage-value", "expected a whole number")
                count = None
            elif count is not None and not in_range(count):  # (as in a per-user record)
                found = f"expected {range_text(pl.Int64())}; found {json.dumps(count)[:60]}"
                log.add(1, f"{where}.{key}", "value-out-of-range", found)
                count = None
            row[key] = count
        rows.append(row)
    if not rows and not log.has_errors:
        log.file("empty-file", "the aggregate report holds no days")
    if log.has_errors:
        return None, ""
    table = pl.DataFrame(rows, schema=aggregate_columns()).unique("day", keep="last").sort("day")
    level = "organization" if "organization_id" in str(data[:4096]) else "enterprise"
    return table, level
