"""Read the REST API's Copilot seats JSON as `gh api` saves it, in each of its shapes."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from analyzer.reading import sniff
from analyzer.reading.problems import ProblemLog
from analyzer.reading.timestamps import parse_times
from analyzer.schema import FORMAT_API_SEATS, constant

_TIME_FIELDS = ("created_at", "last_activity_at", "last_authenticated_at")


def _values(text: str, log: ProblemLog) -> list[tuple[int, Any]] | None:
    """Return every top-level JSON value with its 1-based start line.

    Handles one object, objects back to back (`gh api --paginate`), an array of pages
    (`--slurp`) and one object per line (NDJSON).
    """
    decoder = json.JSONDecoder()
    values: list[tuple[int, Any]] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            return values
        line = text.count("\n", 0, pos) + 1
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            at = text.count("\n", 0, exc.pos) + 1
            log.add(
                at,
                "",
                "bad-json",
                f"the JSON is broken here: {exc.msg}; save the output of `gh api` again",
            )
            return None
        values.append((line, value))


def _seat_objects(values: list[tuple[int, Any]], log: ProblemLog) -> list[tuple[int, str, Any]]:
    """Return (line, JSON path, seat object) for every seat in the document."""
    seats: list[tuple[int, str, Any]] = []

    def take_page(line: int, prefix: str, page: dict[str, Any]) -> None:
        listed = page.get("seats")
        if not isinstance(listed, list):
            log.add(line, prefix + "seats", "bad-json-value", "expected a list of seats")
            return
        seats.extend((line, f"{prefix}seats[{i}]", seat) for i, seat in enumerate(listed))

    for line, value in values:
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            prefix = f"[{index}]." if isinstance(value, list) else ""
            if isinstance(item, dict) and "seats" in item:
                take_page(line, prefix, item)
            elif isinstance(item, dict) and "assignee" in item:
                seats.append((line, prefix.rstrip(".") or "$", item))
            else:
                what = sniff.describe_foreign_json(item)
                log.add(
                    line,
                    "",
                    "not-a-seat-report",
                    f"this is {what}; expected the output "
                    "of `gh api /orgs/ORG/copilot/billing/seats`",
                )
                return []
    return seats


def _text(obj: Any, *keys: str) -> str | None:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj if isinstance(obj, str) and obj.strip() else None


def read_api_seats(text: str, log: ProblemLog) -> pl.DataFrame | None:
    """Parse seats JSON into canonical seat rows (without scope and time), logging problems."""
    values = _values(text, log)
    if values is None:
        return None
    seats = _seat_objects(values, log)
    if log.has_errors:
        return None
    if not seats:
        log.file("no-seats", "the JSON holds no seats; save the API output again")
        return None
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "line",
            "path",
            "login",
            "organization",
            "team",
            "plan",
            "surface",
            "pending",
            *_TIME_FIELDS,
        )
    }
    for line, path, seat in seats:
        rows["line"].append(line)
        rows["path"].append(path)
        rows["login"].append(_text(seat, "assignee", "login"))
        rows["organization"].append(_text(seat, "organization", "login"))
        rows["team"].append(_text(seat, "assigning_team", "name"))
        plan = _text(seat, "plan_type")
        rows["plan"].append(plan.lower() if plan else None)
        rows["surface"].append(_text(seat, "last_activity_editor"))
        rows["pending"].append(_text(seat, "pending_cancellation_date"))
        for key in _TIME_FIELDS:
            rows[key].append(_text(seat, key))
    raw = pl.DataFrame(rows, schema={k: pl.Int64 if k == "line" else pl.String for k in rows})
    return _to_canonical(raw, log)


def _to_canonical(raw: pl.DataFrame, log: ProblemLog) -> pl.DataFrame:
    lines, paths = raw["line"], raw["path"]

    def report(mask: pl.Series, field: str, code: str, template: str) -> None:
        for line, path, value in zip(
            lines.filter(mask), paths.filter(mask), raw[field].filter(mask), strict=True
        ):
            shown = "(missing)" if value is None else repr(value)
            log.add(line, f"{path}.{field}", code, template.format(value=shown))

    login = raw["login"].str.strip_chars()
    report(login.is_null(), "login", "empty-login", "the seat has no assignee login")
    report(
        raw["created_at"].is_null(),
        "created_at",
        "missing-field",
        "the seat has no created_at, which the API always sends",
    )
    parsed = {}
    for key in _TIME_FIELDS:
        times = parse_times(raw[key])
        report(
            times.failed,
            key,
            "bad-timestamp",
            "expected an ISO-8601 timestamp such as 2026-03-28T06:54:33Z; found {value}",
        )
        parsed[key] = times
    pending = raw["pending"].str.to_date("%Y-%m-%d", strict=False)
    report(
        raw["pending"].is_not_null() & pending.is_null(),
        "pending",
        "bad-date",
        "expected pending_cancellation_date as YYYY-MM-DD; found {value}",
    )
    return pl.DataFrame(
        {
            "login": login.str.to_lowercase(),
            "display_login": login,
            "organization": raw["organization"],
            "team": raw["team"],
            "plan": raw["plan"],
            "last_activity_at": parsed["last_activity_at"].values,
            "last_activity_day": parsed["last_activity_at"].day_only,
            "last_authenticated_at": parsed["last_authenticated_at"].values,
            "surface": raw["surface"],
            "pending_cancellation_date": pending,
            "pending_cancellation": pending.is_not_null(),
            "created_at": parsed["created_at"].values,
            "source_format": constant(FORMAT_API_SEATS, raw.height, pl.String),
            "line": lines,
        }
    )
