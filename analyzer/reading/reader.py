"""Turn one dropped file into a validated snapshot of canonical seat rows, or refuse it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from analyzer.reading import limits, sniff
from analyzer.reading.api_json import read_api_seats
from analyzer.reading.csv_report import read_csv_seats
from analyzer.reading.names import parse_api_name, parse_download_name, slugify
from analyzer.reading.problems import ProblemLog
from analyzer.reading.timestamps import parse_times
from analyzer.schema import (
    FORMAT_API_CSV,
    FORMAT_API_SEATS,
    SEAT_COLUMN_NAMES,
    Problem,
    ProblemsHeld,
    seat_schema,
)
from analyzer.times import years_text


@dataclass(frozen=True)
class ReadHints:
    """What the user or the file system says when the file itself does not."""

    as_of: datetime | None = None  # --as-of, UTC
    scope: str | None = None  # --scope
    mtime: datetime | None = None  # the file's modification time, UTC
    now: datetime | None = None  # the caller's clock, UTC: later snapshot times are refused


@dataclass(frozen=True)
class ParsedReport(ProblemsHeld):
    """One file read: its snapshot (when accepted) and every problem found."""

    name: str
    sha256: str
    problems: tuple[Problem, ...]
    format: str | None = None
    scope: str | None = None
    scope_source: str | None = None
    as_of: datetime | None = None
    time_source: str | None = None
    time_precision: str = "second"
    seats: pl.DataFrame | None = field(default=None, repr=False)

    @property
    def accepted(self) -> bool:
        """Return True when the file is a usable snapshot (warnings allowed)."""
        return self.seats is not None and not any(p.severity == "error" for p in self.problems)


@dataclass(frozen=True)
class _Body:
    """What the parsers found: seat rows and the times the file itself states."""

    seats: pl.DataFrame
    format: str
    report_time: pl.Series | None = None  # per-row report time (CSVs with such a column)
    minutes: bool = False  # the report time lost its seconds (a spreadsheet re-save)
    time_column: str = "Report Time"
    file_time: str | None = None  # a JSON file's own fetch time, as text
    file_time_line: int = 0
    file_time_key: str = ""


def _parse_body(data: bytes, log: ProblemLog) -> _Body | None:
    """Return the seat rows of any accepted file kind, or None (with problems logged)."""
    if not limits.check_size(data, log):
        return None
    if not data or data.isspace():  # (isspace stops at the first other byte; no copy)
        log.file("empty-file", "the file is empty; download the report from GitHub again")
        return None
    kind = sniff.binary_kind(data)
    if kind:
        log.file(
            "not-a-seat-report",
            f"this looks like {kind}, not a seat report CSV; "
            "download the report from GitHub's Copilot access page",
        )
        return None
    # A CSV's first line and line count are checked on the bytes, before any decoding: a
    # huge one-line file is refused in bounded memory. (Compact JSON is one line: exempt.)
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head not in (b"{", b"[") and not (
        limits.check_first_line(data, log) and limits.check_row_count(data, log)
    ):
        return None
    try:
        source = sniff.decode_text(data)
        if source.starts_like_json():
            api = read_api_seats(source.text, log)
            if api is None:
                return None
            return _Body(
                api.seats,
                FORMAT_API_SEATS,
                file_time=api.file_time,
                file_time_line=api.file_time_line,
                file_time_key=api.file_time_key,
            )
        table = read_csv_seats(source, log)
    except UnicodeDecodeError:
        line, byte = sniff.first_bad_byte(data)
        log.add(
            line,
            "",
            "not-utf8",
            f"byte 0x{byte:02X} is not UTF-8 (the file was probably "
            "re-saved in a legacy encoding); save it as 'CSV UTF-8' or download it again",
        )
        return None
    if table is None:
        return None
    return _Body(
        table.seats,
        table.format,
        table.report_time,
        table.report_time_minutes,
        table.time_column,
    )


def _report_time(
    body: _Body, hints: ReadHints, log: ProblemLog
) -> tuple[datetime | None, str | None] | None:
    """Return the time a report-time column states, or None when the file has none."""
    report_time = body.report_time
    if report_time is None or not report_time.drop_nulls().len():
        return None
    present = report_time.is_not_null()
    first = report_time.filter(present)[:1]
    first_line = int(body.seats["line"].filter(present)[0])
    # Compared as integers: a value outside Python's datetime range must not be converted.
    first_us = int(first.cast(pl.Int64)[0])
    differs = present & (report_time != first.new_from_index(0, len(report_time)))
    if bool(differs.any()):  # (the text of every value is costly; most files agree)
        log.rows(
            body.seats["line"],
            differs,
            body.time_column,
            "mixed-report-time",
            f"every row must have the same {body.time_column} as the first "
            f"({first.dt.strftime('%Y-%m-%dT%H:%M:%SZ')[0]}); found {{value}}",
            values=report_time.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    value = limits.plausible_snapshot(first_us, hints.now, first_line, body.time_column, log)
    return value, "report-time"


def _file_time(body: _Body, hints: ReadHints, log: ProblemLog) -> datetime | None:
    """Return the fetch time a JSON file states about itself, logged when unreadable."""
    if body.file_time is None:
        return None
    parsed = parse_times(pl.Series([body.file_time]))
    if bool(parsed.failed[0]) or parsed.values.null_count():
        log.add(
            body.file_time_line,
            body.file_time_key,
            "bad-timestamp",
            f"expected the file's {body.file_time_key} as an ISO-8601 time such as "
            f"2026-03-28T06:54:33Z; found {body.file_time[:80]!r} (or pass --as-of)",
        )
        return None
    micros = int(parsed.values.cast(pl.Int64)[0])
    return limits.plausible_snapshot(
        micros, hints.now, body.file_time_line, body.file_time_key, log
    )


def _snapshot_time(
    body: _Body, name: str, hints: ReadHints, log: ProblemLog
) -> tuple[datetime | None, str | None]:
    stated = _report_time(body, hints, log)
    if stated is not None:
        return stated

    def checked(value: datetime, source: str) -> tuple[datetime | None, str | None]:
        return limits.plausible_snapshot(limits.micros(value), hints.now, 0, "", log), source

    facts = parse_download_name(name)
    if facts:
        return checked(facts.time, "file-name")
    if hints.as_of:
        return checked(hints.as_of, "as-of")
    if body.file_time is not None:
        return _file_time(body, hints, log), "file-time"
    if hints.mtime:
        if not log.has_errors:
            log.file(
                "time-from-mtime",
                f"the file has no report time and its name is not GitHub's download name; "
                f"using its modification time {hints.mtime:%Y-%m-%dT%H:%M:%SZ} "
                "(pass --as-of to set it)",
                severity="warning",
            )
        return checked(hints.mtime, "mtime")
    log.file("no-time", "cannot tell when this report was made; pass --as-of")
    return None, None


def _slug(text: str, source: str, log: ProblemLog) -> tuple[str | None, str | None]:
    """Return a scope slug, or log that the name has nothing a slug can be made of."""
    slug = slugify(text)
    if slug:
        return slug, source
    log.file(
        "bad-scope",
        f"the scope {text[:80]!r} has no ASCII letter or digit, so it names no GitHub org or "
        "enterprise; pass --scope with the org or enterprise slug (e.g. --scope acme-corp)",
    )
    return None, None


def _scope(
    seats: pl.DataFrame, fmt: str, name: str, hints: ReadHints, log: ProblemLog
) -> tuple[str | None, str | None]:
    facts = parse_download_name(name)
    if facts:
        return facts.slug, "file-name"
    api = fmt in (FORMAT_API_SEATS, FORMAT_API_CSV)
    if api:
        orgs = seats["organization"].drop_nulls().unique()
        if orgs.len() == 1:
            return _slug(orgs[0], "api-organization", log)
    if hints.scope is not None:
        return _slug(hints.scope, "option", log)
    named = parse_api_name(name) if api else None
    if named:
        return named, "file-name"
    log.file(
        "no-scope",
        "cannot tell which org or enterprise this file describes: keep "
        "GitHub's file name (<slug>-seat-activity-<digits>.csv, or <org>-seats.json for "
        "saved API output) or pass --scope",
    )
    return None, None


def _merge_duplicates(seats: pl.DataFrame, log: ProblemLog, fmt: str) -> pl.DataFrame:
    """Merge rows of one login (per org) into the one with the latest activity, warning.

    A CSV's rows are cited by line; a JSON file's seats by record number (its n-th seat),
    since a whole compact JSON file is one line.
    """
    if seats["login"].n_unique() == seats.height:  # no login twice: nothing to merge
        return seats
    keys = ["login", "organization"]
    counts = seats.group_by(keys).len()
    if counts["len"].max() == 1:
        return seats
    numbered = seats.with_row_index("_record", offset=1)
    dupes = numbered.join(counts.filter(pl.col("len") > 1), on=keys, how="semi", nulls_equal=True)
    json = fmt == FORMAT_API_SEATS
    where, cited = ("in records", "_record") if json else ("on lines", "line")
    for (login, _org), group in dupes.group_by(keys, maintain_order=True):
        places = ", ".join(str(x) for x in group[cited].to_list())
        log.add(
            int(group["line"][0]),
            "assignee.login" if json else "Login",
            "duplicate-login",
            f"the login {login!r} appears {where} {places}"
            + (" (its seats in file order)" if json else "")
            + "; kept the row with the latest activity",
            severity="warning",
        )
    return (
        seats.sort(["last_activity_at", "line"], descending=[True, False], nulls_last=True)
        .unique(subset=keys, keep="first", maintain_order=True)
        .sort("line")
    )


def read_report(
    name: str, data: bytes, hints: ReadHints | None = None, sha256: str | None = None
) -> ParsedReport:
    """Read and validate one file's bytes; every problem is returned, none raised.

    `sha256` is the bytes' digest when the caller has computed it already.
    """
    hints = hints or ReadHints()
    log = ProblemLog(name)
    sha = sha256 or hashlib.sha256(data).hexdigest()
    body = _parse_body(data, log)
    if body is None:
        return ParsedReport(name, sha, log.finish())
    seats, fmt = body.seats, body.format
    as_of, time_source = _snapshot_time(body, name, hints, log)
    scope, scope_source = _scope(seats, fmt, name, hints, log)
    if log.has_errors or as_of is None or scope is None:
        return ParsedReport(name, sha, log.finish(), fmt)
    if fmt.endswith("-org"):
        seats = seats.with_columns(organization=pl.lit(scope))
    elif fmt in (FORMAT_API_SEATS, FORMAT_API_CSV):
        # The org endpoint's seats carry no organization: the file describes the scope.
        seats = seats.with_columns(pl.col("organization").fill_null(scope))
    seats = _merge_duplicates(seats, log, fmt)
    pending = "pending_cancellation_date" if fmt in (FORMAT_API_SEATS, FORMAT_API_CSV) else "Status"
    log.rows(
        seats["line"],
        limits.outside_years(seats["pending_cancellation_date"]),
        pending,
        "date-out-of-range",
        f"the pending cancellation date {{value}} is outside {years_text()}",
        values=seats["pending_cancellation_date"].cast(pl.String),
    )
    if log.has_errors:
        return ParsedReport(name, sha, log.finish(), fmt)
    schema = seat_schema()
    seats = seats.with_columns(
        scope=pl.lit(scope), snapshot_at=pl.lit(as_of).cast(schema["snapshot_at"])
    ).select([pl.col(c).cast(schema[c]) for c in SEAT_COLUMN_NAMES])
    precision = "minute" if body.minutes else "second"
    return ParsedReport(
        name,
        sha,
        log.finish(),
        fmt,
        scope,
        scope_source,
        as_of,
        time_source,
        precision,
        seats,
    )
