"""Read the REST API's Copilot seats JSON as `gh api` saves it, in each of its shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from analyzer.reading import limits, recognise
from analyzer.reading.names import bad_logins, bad_orgs
from analyzer.reading.problems import ProblemLog
from analyzer.reading.timestamps import parse_times
from analyzer.schema import FORMAT_API_SEATS, constant

TIME_FIELDS = ("created_at", "last_activity_at", "last_authenticated_at")
# The raw fields every API-shaped input is turned into before it becomes seat rows.
RAW_FIELDS = ("login", "organization", "team", "plan", "surface", "pending", *TIME_FIELDS)
# Top-level keys a script may write for when it fetched the seats (the file's own time).
FILE_TIME_KEYS = (
    "retrieved_at",
    "fetched_at",
    "generated_at",
    "exported_at",
    "downloaded_at",
    "report_time",
    "snapshot_at",
    "as_of",
)


@dataclass(frozen=True)
class ApiSeats:
    """Seat rows of an API JSON file, and the time the file says it was fetched."""

    seats: pl.DataFrame
    file_time: str | None  # the text of the first FILE_TIME_KEYS value found
    file_time_line: int
    file_time_key: str


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
        except RecursionError:
            # The seats JSON is five levels deep; only a broken or hostile file nests this far.
            log.add(
                line,
                "",
                "json-too-deep",
                "the JSON nests arrays or objects too deeply (a seats list is five levels "
                "deep); this is no `gh api` output: save the seats again",
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
                log.add(line, "", "not-a-seat-report", recognise.describe_json(item))
                return []
    return seats


def _file_time(values: list[tuple[int, Any]]) -> tuple[str | None, int, str]:
    """Return the first top-level fetch time (text, line, key) found, if any."""
    for line, value in values:
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                continue
            for key in FILE_TIME_KEYS:
                found = item.get(key)
                if isinstance(found, str) and found.strip():
                    return found.strip()[: limits.MAX_CELL_CHARS], line, key
    return None, 0, ""


def _text(obj: Any, *keys: str) -> str | None:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj if isinstance(obj, str) and obj.strip() else None


def _team(seat: Any) -> str | None:
    return _text(seat, "assigning_team", "name") or _text(seat, "assigning_team", "slug")


def read_api_seats(text: str, log: ProblemLog) -> ApiSeats | None:
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
    if len(seats) > limits.MAX_ROWS:
        limits.too_many_rows(log, len(seats))
        return None
    rows: dict[str, list[Any]] = {k: [] for k in ("line", "path", *RAW_FIELDS)}
    for line, path, seat in seats:
        rows["line"].append(line)
        rows["path"].append(path)
        rows["login"].append(_text(seat, "assignee", "login"))
        rows["organization"].append(_text(seat, "organization", "login"))
        rows["team"].append(_team(seat))
        rows["plan"].append(_text(seat, "plan_type"))
        rows["surface"].append(_text(seat, "last_activity_editor"))
        rows["pending"].append(_text(seat, "pending_cancellation_date"))
        for key in TIME_FIELDS:
            rows[key].append(_text(seat, key))
    raw = pl.DataFrame(rows, schema={k: pl.Int64 if k == "line" else pl.String for k in rows})
    paths = raw["path"]
    json_names = {
        "login": "assignee.login",
        "organization": "organization.login",
        "team": "assigning_team.name",
        "plan": "plan_type",
        "surface": "last_activity_editor",
        "pending": "pending_cancellation_date",
    }

    def report(mask: pl.Series, field: str, code: str, template: str) -> None:
        mask = mask.fill_null(False)
        name = json_names.get(field, field)
        for line, path, value in zip(
            raw["line"].filter(mask), paths.filter(mask), raw[field].filter(mask), strict=True
        ):
            shown = "(missing)" if value is None else repr(value[:80])
            log.add(line, f"{path}.{name}", code, template.format(value=shown))

    frame = to_canonical(raw.drop("path"), FORMAT_API_SEATS, report)
    file_time, line, key = _file_time(values)
    return ApiSeats(frame, file_time, line, key)


Reporter = Callable[[pl.Series, str, str, str], None]


def to_canonical(
    raw: pl.DataFrame, fmt: str, report: Reporter, *, require_created: bool = True
) -> pl.DataFrame:
    """Turn raw API fields (text, one row per seat, with "line") into canonical seat rows.

    `report(mask, field, code, template)` logs a problem for every row of `mask`.
    """
    for field in RAW_FIELDS:
        report(
            raw[field].str.len_chars() > limits.MAX_CELL_CHARS,
            field,
            "field-too-long",
            f"expected at most {limits.MAX_CELL_CHARS:,} characters; found a longer value",
        )
    login = raw["login"].str.strip_chars()
    report(login.is_null() | (login == ""), "login", "empty-login", "the seat has no login")
    report(
        bad_logins(login),
        "login",
        "bad-login",
        "expected a GitHub login (letters, digits and single hyphens, at most 39 "
        "characters); found {value}",
    )
    org = raw["organization"].str.strip_chars()
    report(
        bad_orgs(org),
        "organization",
        "bad-organization",
        "expected an organization login (letters, digits and hyphens, at most 39 "
        "characters); found {value}",
    )
    report(
        raw["created_at"].is_null() & require_created,
        "created_at",
        "missing-field",
        "the seat has no created_at, which the API always sends",
    )
    parsed = {}
    for key in TIME_FIELDS:
        times = parse_times(raw[key])
        report(
            times.failed,
            key,
            "bad-timestamp",
            "expected an ISO-8601 timestamp such as 2026-03-28T06:54:33Z; found {value}",
        )
        report(
            limits.out_of_range(times.values),
            key,
            "implausible-time",
            "expected a time between 2008 and 2100; found {value}",
        )
        parsed[key] = times
    pending = raw["pending"].str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
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
            "organization": org,
            "team": raw["team"],
            "plan": raw["plan"].str.strip_chars().str.to_lowercase(),
            "last_activity_at": parsed["last_activity_at"].values,
            "last_activity_day": parsed["last_activity_at"].day_only,
            "last_authenticated_at": parsed["last_authenticated_at"].values,
            "surface": raw["surface"],
            "pending_cancellation_date": pending,
            "pending_cancellation": pending.is_not_null(),
            "created_at": parsed["created_at"].values,
            "source_format": constant(fmt, raw.height, pl.String),
            "line": raw["line"],
        }
    )
