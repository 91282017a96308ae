"""Read CSVs that scripts write from the seats API (columns named like the API's fields)."""

from __future__ import annotations

import re

import polars as pl

from analyzer.reading.api_json import RAW_FIELDS, to_canonical
from analyzer.reading.problems import ProblemLog
from analyzer.reading.timestamps import parse_times

# Accepted spellings of each raw API field, normalised (lower-case; `_`, `.` and spaces
# alike), in order of preference.
COLUMNS: dict[str, tuple[str, ...]] = {
    "login": ("login", "assignee login", "assignee", "user login", "username", "user"),
    "organization": ("organization", "organization login", "org", "org login"),
    "team": (
        "assigning team",
        "assigning team name",
        "team",
        "team name",
        "assigning team slug",
        "team slug",
    ),
    "plan": ("plan type", "plan"),
    "surface": ("last activity editor", "editor", "last editor"),
    "pending": ("pending cancellation date",),
    "created_at": ("created at",),
    "last_activity_at": ("last activity at",),
    "last_authenticated_at": ("last authenticated at",),
}
TIME_COLUMNS = ("report time", "retrieved at", "fetched at", "generated at", "snapshot at")
# Columns only the API has: one of them (with a login and last_activity_at) marks the shape.
_API_ONLY = ("created at", "last activity editor", "plan type", "pending cancellation date")
_NOTHING = ("", "none", "null", "nil", "n/a")


def normalize(name: str) -> str:
    """Return a header name trimmed, lower-cased, with `_`, `.` and spaces alike."""
    return re.sub(r"[\s_.]+", " ", name.strip().strip('"').strip()).lower()


def is_api_csv(names: list[str]) -> bool:
    """Return True for a header in the API's field names: a login, activity and an API field."""
    present = {normalize(n) for n in names}
    has_login = any(c in present for c in COLUMNS["login"])
    return has_login and "last activity at" in present and any(c in present for c in _API_ONLY)


def _pick(present: dict[str, str], spellings: tuple[str, ...]) -> str | None:
    return next((present[s] for s in spellings if s in present), None)


def api_csv_columns(table: pl.DataFrame) -> tuple[dict[str, str | None], str | None]:
    """Return the table column of each raw field (None when absent), and the time column."""
    present: dict[str, str] = {}
    for col in table.columns:
        present.setdefault(normalize(col), col)
    fields = {field: _pick(present, spellings) for field, spellings in COLUMNS.items()}
    return fields, _pick(present, TIME_COLUMNS)


def read_api_csv(
    table: pl.DataFrame, labels: dict[str, str], fmt: str, log: ProblemLog
) -> tuple[pl.DataFrame, pl.Series | None, str, bool]:
    """Return (seat rows, parsed time column or None, its label, minutes only).

    `table` holds the header's columns as text plus "line"; `labels` maps each column to
    its header text as the file spells it.
    """
    fields, time_col = api_csv_columns(table.drop("line"))

    def text(col: str | None) -> pl.Series:
        if col is None:
            return pl.repeat(None, table.height, dtype=pl.String, eager=True)
        value = table[col].str.strip_chars()
        return pl.select(
            pl.when(value.str.to_lowercase().is_in(_NOTHING)).then(None).otherwise(value)
        ).to_series()

    raw = pl.DataFrame({"line": table["line"], **{f: text(fields[f]) for f in RAW_FIELDS}})

    def report(mask: pl.Series, field: str, code: str, template: str) -> None:
        column = labels.get(fields[field] or "", field)
        log.rows(raw["line"], mask, column, code, template, values=raw[field])

    # A script may leave created_at out; only the API JSON always has it.
    seats = to_canonical(raw, fmt, report, require_created=fields["created_at"] is not None)
    if time_col is None:
        return seats, None, "", False
    label = labels.get(time_col, time_col)
    times = parse_times(text(time_col))
    log.rows(
        raw["line"],
        times.failed | table[time_col].is_null(),
        label,
        "bad-timestamp",
        "expected the time the seats were fetched, like 2026-03-28T06:54:33Z; found {value}",
        values=table[time_col],
    )
    return seats, times.values, label, times.minute_only
