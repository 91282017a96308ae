"""Turn one dropped file into a validated snapshot of canonical seat rows, or refuse it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from analyzer.reading import sniff
from analyzer.reading.api_json import read_api_seats
from analyzer.reading.csv_report import read_csv_seats
from analyzer.reading.names import parse_download_name, slugify
from analyzer.reading.problems import ProblemLog
from analyzer.schema import FORMAT_API_SEATS, SEAT_COLUMN_NAMES, Problem, seat_schema


@dataclass(frozen=True)
class ReadHints:
    """What the user or the file system says when the file itself does not."""

    as_of: datetime | None = None  # --as-of, UTC
    scope: str | None = None  # --scope
    mtime: datetime | None = None  # the file's modification time, UTC


@dataclass(frozen=True)
class ParsedReport:
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

    @property
    def errors(self) -> list[Problem]:
        """Return the problems that refuse the file."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Return the problems that are only worth saying."""
        return [p for p in self.problems if p.severity != "error"]


def _parse_body(
    name: str, data: bytes, log: ProblemLog
) -> tuple[pl.DataFrame | None, str | None, pl.Series | None, bool]:
    """Return (seat rows, format, per-row report time, report time lost its seconds)."""
    if not data or data.isspace():  # (isspace stops at the first other byte; no copy)
        log.file("empty-file", "the file is empty; download the report from GitHub again")
        return None, None, None, False
    kind = sniff.binary_kind(data)
    if kind:
        log.file(
            "not-a-seat-report",
            f"this looks like {kind}, not a seat report CSV; "
            "download the report from GitHub's Copilot access page",
        )
        return None, None, None, False
    try:
        source = sniff.decode_text(data)
        if source.starts_like_json():
            seats = read_api_seats(source.text, log)
            return seats, FORMAT_API_SEATS, None, False
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
        return None, None, None, False
    if table is None:
        return None, None, None, False
    return table.seats, table.format, table.report_time, table.report_time_minutes


def _snapshot_time(
    report_time: pl.Series | None,
    seats: pl.DataFrame,
    name: str,
    hints: ReadHints,
    log: ProblemLog,
) -> tuple[datetime | None, str | None]:
    if report_time is not None and report_time.drop_nulls().len():
        first = report_time.drop_nulls()[0]
        differs = report_time.is_not_null() & (report_time != first)
        if bool(differs.any()):  # (the text of every value is costly; most files agree)
            log.rows(
                seats["line"],
                differs,
                "Report Time",
                "mixed-report-time",
                f"every row must have the same Report Time as the first ({first:%Y-%m-%dT%H:%M:%SZ}"
                "); found {value}",
                values=report_time.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
        return first, "report-time"
    facts = parse_download_name(name)
    if facts:
        return facts.time, "file-name"
    if hints.as_of:
        return hints.as_of, "as-of"
    if hints.mtime:
        if not log.has_errors:
            log.file(
                "time-from-mtime",
                f"the file has no report time and its name is not GitHub's download name; "
                f"using its modification time {hints.mtime:%Y-%m-%dT%H:%M:%SZ} "
                "(pass --as-of to set it)",
                severity="warning",
            )
        return hints.mtime, "mtime"
    log.file("no-time", "cannot tell when this report was made; pass --as-of")
    return None, None


def _scope(
    seats: pl.DataFrame, fmt: str, name: str, hints: ReadHints, log: ProblemLog
) -> tuple[str | None, str | None]:
    facts = parse_download_name(name)
    if facts:
        return facts.slug, "file-name"
    if fmt == FORMAT_API_SEATS:
        orgs = seats["organization"].drop_nulls().unique()
        if orgs.len() == 1:
            return slugify(orgs[0]), "api-organization"
    if hints.scope:
        return slugify(hints.scope), "option"
    log.file(
        "no-scope",
        "cannot tell which org or enterprise this file describes: keep "
        "GitHub's file name (<slug>-seat-activity-<digits>.csv) or pass --scope",
    )
    return None, None


def _merge_duplicates(seats: pl.DataFrame, log: ProblemLog) -> pl.DataFrame:
    """Merge rows of one login (per org) into the one with the latest activity, warning."""
    if seats["login"].n_unique() == seats.height:  # no login twice: nothing to merge
        return seats
    keys = ["login", "organization"]
    counts = seats.group_by(keys).len()
    if counts["len"].max() == 1:
        return seats
    dupes = seats.join(counts.filter(pl.col("len") > 1), on=keys, how="semi", nulls_equal=True)
    for (login, _org), group in dupes.group_by(keys, maintain_order=True):
        lines = ", ".join(str(x) for x in group["line"].to_list())
        log.add(
            int(group["line"][0]),
            "Login",
            "duplicate-login",
            f"the login {login!r} appears on lines {lines}; kept the row with the latest activity",
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
    seats, fmt, report_time, minutes = _parse_body(name, data, log)
    if seats is None or fmt is None:
        return ParsedReport(name, sha, tuple(log.problems))
    as_of, time_source = _snapshot_time(report_time, seats, name, hints, log)
    scope, scope_source = _scope(seats, fmt, name, hints, log)
    if log.has_errors or as_of is None or scope is None:
        return ParsedReport(name, sha, tuple(log.problems), fmt)
    if fmt.endswith("-org"):
        seats = seats.with_columns(organization=pl.lit(scope))
    seats = _merge_duplicates(seats, log)
    schema = seat_schema()
    seats = seats.with_columns(
        scope=pl.lit(scope), snapshot_at=pl.lit(as_of).cast(schema["snapshot_at"])
    ).select([pl.col(c).cast(schema[c]) for c in SEAT_COLUMN_NAMES])
    precision = "minute" if minutes else "second"
    return ParsedReport(
        name,
        sha,
        tuple(log.problems),
        fmt,
        scope,
        scope_source,
        as_of,
        time_source,
        precision,
        seats,
    )
