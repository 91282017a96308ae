"""The sizes and times a file may have, checked before the costly work and in bounded memory."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime, timedelta

import polars as pl

from analyzer.reading.problems import ProblemLog
from analyzer.times import FIRST_DAY, LAST_DAY

MAX_FILE_BYTES = 1 << 30  # 1 GiB: far above a million seats in any format
MAX_LINE_CHARS = 131_072  # a CSV header or record line
MAX_COLUMNS = 1_000
MAX_CELL_CHARS = 4_096
MAX_ROWS = 1_000_000  # seat rows per file
MAX_USAGE_RECORDS = 10_000_000  # usage-metrics records per file (100,000 users x 28 days x 3)
MAX_RECORD_CHARS = 1_048_576  # one usage-metrics record (an NDJSON line)
MAX_JSON_INT = 2**53 - 1  # the largest whole number every JSON reader keeps exact
MAX_CREDITS = 1e9  # AI credits one user may use in a day
EARLIEST_SNAPSHOT = datetime(2021, 1, 1, tzinfo=UTC)  # Copilot did not exist before
FUTURE_SLACK = timedelta(days=1)
# Seat timestamps outside this range are no real Copilot times (and some cannot even be
# represented as Python datetimes).
EARLIEST_CELL = datetime(2008, 1, 1, tzinfo=UTC)  # GitHub's founding
LATEST_CELL = datetime(2100, 1, 1, tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(value: datetime) -> int:
    """Return a UTC datetime as microseconds since the epoch (polars' Datetime("us"))."""
    return (value - _EPOCH) // timedelta(microseconds=1)


def from_micros(value: int) -> datetime:
    """Return microseconds since the epoch as a UTC datetime (the caller checked the range)."""
    return _EPOCH + timedelta(microseconds=value)


def check_size(data: bytes, log: ProblemLog) -> bool:
    """Refuse a file larger than any seat report can be; return True when it is fine."""
    if len(data) <= MAX_FILE_BYTES:
        return True
    log.file(
        "file-too-large",
        f"the file has {len(data):,} bytes; at most {MAX_FILE_BYTES:,} are supported "
        f"(about {MAX_ROWS:,} seats): check it is a Copilot seat report",
    )
    return False


def check_first_line(data: bytes, log: ProblemLog) -> bool:
    """Refuse a text file whose first line is too long, looking only at its first bytes."""
    width = 2 if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else 4
    window = data[: (MAX_LINE_CHARS + 2) * width]
    end = window.find(b"\n")
    head = window if end < 0 else window[:end]
    encoding = "utf-16" if width == 2 else "utf-8"
    chars = len(head.decode(encoding, errors="replace").rstrip("\r\x00"))
    if chars <= MAX_LINE_CHARS:
        return True
    more = "more than " if end < 0 else ""
    log.add(
        1,
        "",
        "line-too-long",
        f"the first line has {more}{chars:,} characters; a seat report header has "
        f"under 200 (at most {MAX_LINE_CHARS:,} are read): check it is a Copilot seat report",
    )
    return False


def check_row_count(data: bytes, log: ProblemLog) -> bool:
    """Refuse quickly a text with far more lines than seats supported (blank ones included)."""
    if data.count(b"\n", 0, MAX_FILE_BYTES) <= 2 * MAX_ROWS + 2:
        return True
    too_many_rows(log, None)
    return False


def too_many_rows(log: ProblemLog, rows: int | None) -> None:
    """Log that a file has more seat rows than supported."""
    found = f"{rows:,} seat rows" if rows is not None else "more than two million lines"
    log.file(
        "too-many-rows",
        f"the file has {found}; at most {MAX_ROWS:,} per file are supported: "
        "split the report by organization",
    )


def outside_years(days: pl.Series) -> pl.Series:
    """Return a mask of the dates (or times) outside FIRST_DAY..LAST_DAY (nulls: False)."""
    day = days.cast(pl.Date) if days.dtype != pl.Date else days
    return (~day.is_between(FIRST_DAY, LAST_DAY)).fill_null(False)


def out_of_range(values: pl.Series) -> pl.Series:
    """Return a mask of the parsed seat times outside the plausible range."""
    ints = values.cast(pl.Int64)
    return (ints < micros(EARLIEST_CELL)) | (ints >= micros(LATEST_CELL))


def plausible_snapshot(
    value: int, now: datetime | None, line: int, column: str, log: ProblemLog
) -> datetime | None:
    """Return the snapshot time (microseconds) as a datetime, or log it as implausible."""
    latest = micros(now + FUTURE_SLACK) if now is not None else None
    if value >= micros(EARLIEST_SNAPSHOT) and (latest is None or value <= latest):
        return from_micros(value)
    if value < micros(EARLIEST_SNAPSHOT):
        found = "before 2021-01-01, when no Copilot seat existed"
    else:
        found = "more than a day in the future"
    # (a Python datetime holds years 1 to 9999 only; polars holds more)
    showable = (
        micros(datetime(1, 1, 2, tzinfo=UTC)) <= value <= micros(datetime(9999, 1, 1, tzinfo=UTC))
    )
    shown = from_micros(value).strftime("%Y-%m-%dT%H:%M:%SZ") if showable else "out of range"
    log.add(
        line,
        column,
        "implausible-time",
        f"the snapshot time {shown} is {found}; check the clock of whatever wrote the file, "
        "or pass --as-of with the real time",
    )
    return None
