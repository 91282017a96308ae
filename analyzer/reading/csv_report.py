"""Read GitHub's seat report CSVs (usage and activity, org and enterprise) into seat rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import polars as pl

from analyzer.reading import api_csv, limits, recognise, sniff
from analyzer.reading.names import bad_logins, bad_orgs
from analyzer.reading.problems import ProblemLog
from analyzer.reading.timestamps import SLASHED, day_order, maybe_slashed, parse_times
from analyzer.schema import FORMAT_API_CSV, constant

# The literal "nothing" values GitHub writes, per column (compared case-insensitively).
_NONE_LITERALS = ("none", "no activity", "")
_NO_TEAM = ("no team", "")
_NO_ORGS = ("no organizations", "")


@dataclass(frozen=True)
class CsvSeats:
    """Seat rows of one CSV in canonical columns, before scope and time are attached."""

    format: str
    seats: pl.DataFrame  # canonical columns except scope and snapshot_at, plus "line"
    report_time: pl.Series | None  # parsed Report Time per row (activity reports)
    report_time_minutes: bool  # Report Time had no seconds (a spreadsheet re-save)
    time_column: str = "Report Time"  # the report time's header, for problem records


def _read_table(source: sniff.Text, sep: str) -> pl.DataFrame:
    """Parse every field as text (polars checks the bytes are UTF-8)."""
    return pl.read_csv(
        source.utf8,
        separator=sep,
        infer_schema=False,
        has_header=True,
        quote_char='"',
        truncate_ragged_lines=False,
    )


def records(text: str, sep: str, log: ProblemLog) -> list[tuple[int, int]] | None:
    """Return (1-based first line, field count) of each data record; blank lines are none.

    None (logged) when a field is longer than the csv module reads, which no seat report has.
    """
    found: list[tuple[int, int]] = []
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    end = 0
    try:
        for index, row in enumerate(reader):
            start = end + 1
            end = reader.line_num
            if index and row:
                found.append((start, len(row)))
    except csv.Error as exc:
        if "field larger" in str(exc):
            log.add(
                end + 1,
                "",
                "field-too-long",
                f"a field runs past {csv.field_size_limit():,} characters (an unclosed "
                f"quote?); seat report fields have at most {limits.MAX_CELL_CHARS:,}: "
                "download the report again",
            )
        else:
            log.add(end + 1, "", "malformed-csv", _malformed(exc))
        return None
    return found


def _malformed(exc: csv.Error) -> str:
    return (
        f"the file is not valid CSV ({exc}); it may be damaged or re-saved oddly: "
        "download the report again"
    )


def _bad_widths(found: list[tuple[int, int]] | None, header: list[str], log: ProblemLog) -> bool:
    """Log every record whose field count is not the header's; return True if there was one.

    A spreadsheet's trailing separators leave empty names at the header's end: a record with
    or without those fields is fine.
    """
    if found is None:  # (already logged)
        return True
    width = core = len(header)
    while core > 1 and not header[core - 1].strip():
        core -= 1
    bad = [(line, count) for line, count in found if count not in (width, core)]
    for line, count in bad:
        log.add(
            line,
            "",
            "bad-row-width",
            f"expected {width} fields, found {count}; the file may be cut short or damaged: "
            "download it again",
        )
    return bool(bad)


def _with_lines(
    table: pl.DataFrame, source: sniff.Text, sep: str, header: list[str], log: ProblemLog
) -> pl.DataFrame | None:
    """Add each seat row's file line, drop blank lines; None when a record has too few fields.

    polars fills the missing fields of a short record (a download cut short) with nulls, so
    widths are checked here: by counting separators when no field is quoted, else record by
    record.
    """
    blank = pl.all_horizontal(pl.exclude("line").is_null())
    if b'"' not in source.utf8:
        # No quoted field, so no record spans lines: row i (blank ones too) is on line i + 2,
        # and every full record holds as many separators as the header.
        table = table.with_row_index("line", offset=2).filter(~blank)
        if source.utf8.count(sep.encode()) == (len(header) - 1) * (table.height + 1):
            return table.with_columns(pl.col("line").cast(pl.Int64))
        found = records(source.text, sep, log)
    else:
        # A blank line is no seat (polars reads it as a row of nulls; the csv module skips it).
        table = table.filter(~blank)
        found = records(source.text, sep, log)
        lines = [line for line, _ in found or []]
        if table.height != len(lines):
            lines = list(range(2, table.height + 2))
        table = table.with_columns(pl.Series("line", lines))
    if _bad_widths(found, header, log):
        return None
    return table.with_columns(pl.col("line").cast(pl.Int64))


def _blank(col: str, literals: tuple[str, ...]) -> pl.Expr:
    """Return the column as text with GitHub's "nothing" literals turned into null."""
    value = pl.col(col).str.strip_chars()
    # The spellings a file can have (None, none, NONE, N/A...); cheaper than lower-casing.
    spellings = {
        v for word in literals for v in (word, word.upper(), word.title(), word.capitalize())
    }
    blank = value.is_in(sorted(spellings))
    return pl.when(blank).then(None).otherwise(value).alias(col)


def _refuse_header(header: list[str], log: ProblemLog) -> None:
    """Log why a header is no seat report: another export, missing columns, or unknown."""
    foreign = recognise.recognise_csv(header)
    if foreign:
        log.file("not-a-seat-report", foreign.message())
        return
    closest, missing = sniff.closest_format(header)
    found = ", ".join(h.strip() for h in header) or "(empty)"
    if len(missing) < len(sniff.HEADERS[closest]) - 1:
        for col in missing:
            log.add(
                1,
                col.title(),
                "missing-column",
                f"the {closest} report needs a column '{col.title()}'; the header has: {found}",
            )
        return
    log.add(
        1,
        "",
        "unknown-header",
        f"the header is not a Copilot seat report's; found: "
        f"{found[:200]}; expected e.g. Report Time,Login,Last Authenticated At,"
        "Last Activity At,Last Surface Used",
    )


def _long_fields(table: pl.DataFrame, labels: dict[str, str], log: ProblemLog) -> bool:
    """Log every cell longer than a seat report ever has; return True if there was one."""
    cols = [c for c in table.columns if c != "line"]
    if not cols:
        return False
    longest = table.select(pl.col(cols).str.len_chars().max()).row(0)
    found = False
    for col, length in zip(cols, longest, strict=True):
        if length is not None and length > limits.MAX_CELL_CHARS:
            found = True
            log.rows(
                table["line"],
                table[col].str.len_chars() > limits.MAX_CELL_CHARS,
                labels.get(col, col),
                "field-too-long",
                f"expected at most {limits.MAX_CELL_CHARS:,} characters in a field; found "
                "a longer one: check the file is a Copilot seat report",
            )
    return found


def read_csv_seats(source: sniff.Text, log: ProblemLog) -> CsvSeats | None:
    """Parse a decoded CSV; log every problem; return None when it is no seat report."""
    header_line = source.first_line()
    sep = sniff.detect_separator(header_line)
    try:  # (strict: a name like `""Report Time` is read one way here and another by polars)
        header = next(csv.reader([header_line], delimiter=sep, strict=True), [])
    except csv.Error as exc:  # e.g. a lone carriage return or a stray quote in the header
        log.add(1, "", "malformed-csv", _malformed(exc))
        return None
    if len(header) > limits.MAX_COLUMNS:
        log.add(
            1,
            "",
            "too-many-columns",
            f"the header has {len(header):,} columns; a seat report has under 10 (at most "
            f"{limits.MAX_COLUMNS:,} are read): check it is a Copilot seat report",
        )
        return None
    fmt = sniff.recognise_header(header)
    if fmt is None and not recognise.recognise_csv(header) and api_csv.is_api_csv(header):
        fmt = FORMAT_API_CSV
    if fmt is None:
        _refuse_header(header, log)
        return None
    try:
        table = _read_table(source, sep)
    except pl.exceptions.PolarsError:
        # Bytes that are not UTF-8 raise UnicodeDecodeError here, for the caller to report.
        if not _bad_widths(records(source.text, sep, log), header, log):
            log.file("malformed-csv", "the file is not valid CSV (unbalanced quotes?)")
        return None
    if fmt != FORMAT_API_CSV:
        for name in sniff.extra_columns(header, fmt):
            log.add(
                1,
                name,
                "unknown-column",
                f"the column {name!r} is not part of the {fmt} report; it is ignored",
                severity="warning",
            )
    labels = {sniff.normalize_header(c): c.strip() for c in table.columns}
    if fmt == FORMAT_API_CSV:
        labels = {c: c.strip() for c in table.columns}
    else:
        table = table.rename({c: sniff.normalize_header(c) for c in table.columns})
    lined = _with_lines(table, source, sep, header, log)
    if lined is None or _long_fields(lined, labels, log):
        return None
    if lined.height == 0:
        log.add(
            1, "", "no-seats", "the file has a header but no seat rows; download the report again"
        )
        return None
    if lined.height > limits.MAX_ROWS:
        limits.too_many_rows(log, lined.height)
        return None
    if fmt == FORMAT_API_CSV:
        seats, times, label, minutes = api_csv.read_api_csv(lined, labels, fmt, log)
        return CsvSeats(fmt, seats, times, minutes, label or "Report Time")
    if fmt.startswith("activity"):
        return _activity(lined, fmt, log)
    return _usage(lined, fmt, log)


def _check_logins(table: pl.DataFrame, log: ProblemLog, column: str) -> pl.DataFrame:
    login = table["login"].str.strip_chars()
    empty = login.is_null() | (login == "")
    log.rows(table["line"], empty, column, "empty-login", "the login is empty")
    log.rows(
        table["line"],
        bad_logins(login),
        column,
        "bad-login",
        "expected a GitHub login (letters, digits and single hyphens, at most 39 "
        "characters); found {value}",
        values=login,
    )
    return table.with_columns(
        pl.Series("display_login", login), login.str.to_lowercase().alias("login")
    )


def _check_orgs(seats: pl.DataFrame, column: str, log: ProblemLog) -> None:
    org = seats["organization"]
    log.rows(
        seats["line"],
        bad_orgs(org),
        column,
        "bad-organization",
        "expected an organization login (letters, digits and hyphens, at most 39 "
        "characters); found {value}",
        values=org,
    )


def _times(
    table: pl.DataFrame, col: str, label: str, order: str | None, log: ProblemLog
) -> tuple[pl.Series, pl.Series]:
    parsed = parse_times(table[col], order=order)
    raw = table[col]
    failed = parsed.failed
    if order is None and bool(failed.any()):
        # Undecidable slashed dates are reported once, as ambiguous-date.
        failed = failed & ~raw.str.contains(r"^\d{1,2}[/.]\d{1,2}[/.]\d{4}").fill_null(False)
    log.rows(
        table["line"],
        failed,
        label,
        "bad-timestamp",
        "expected a UTC timestamp like 2026-03-28T06:54:33Z, a date, or None; found {value}",
        values=raw,
    )
    log.rows(
        table["line"],
        limits.out_of_range(parsed.values),
        label,
        "implausible-time",
        "expected a time between 2008 and 2100; found {value}",
        values=raw,
    )
    return parsed.values, parsed.day_only


def _date_order(table: pl.DataFrame, cols: list[str], log: ProblemLog) -> str | None:
    candidates = [maybe_slashed(table[c]) for c in cols]
    order = day_order(candidates)
    if order is None:
        for col, values in zip(cols, candidates, strict=True):
            slashed = values.filter(values.str.contains(SLASHED))
            if slashed.len():
                log.file(
                    "ambiguous-date",
                    f"the column '{col.title()}' holds dates like {slashed[0]!r} re-saved by a "
                    "spreadsheet, and no value tells day from month; use the original "
                    "download from GitHub",
                )
                break
    return order


def _activity(table: pl.DataFrame, fmt: str, log: ProblemLog) -> CsvSeats:
    table = table.with_columns(
        _blank("last activity at", _NONE_LITERALS),
        _blank("last authenticated at", _NONE_LITERALS),
        _blank("last surface used", ("none", "")),
    )
    order = _date_order(table, ["report time", "last activity at", "last authenticated at"], log)
    table = _check_logins(table, log, "Login")
    report = parse_times(table["report time"], order=order)
    log.rows(
        table["line"],
        report.failed | table["report time"].is_null(),
        "Report Time",
        "bad-timestamp",
        "expected the report time like 2026-03-28T06:54:33Z; found {value}",
        values=table["report time"],
    )
    activity, activity_day = _times(table, "last activity at", "Last Activity At", order, log)
    auth, _ = _times(table, "last authenticated at", "Last Authenticated At", order, log)
    seats = pl.DataFrame(
        {
            "login": table["login"],
            "display_login": table["display_login"],
            "organization": (
                table.select(_blank("organization", ("",)))["organization"]
                if fmt == "activity-enterprise"
                else constant(None, table.height, pl.String)
            ),
            "team": constant(None, table.height, pl.String),
            "plan": constant(None, table.height, pl.String),
            "last_activity_at": activity,
            "last_activity_day": activity_day,
            "last_authenticated_at": auth,
            "surface": table["last surface used"],
            "pending_cancellation_date": constant(None, table.height, pl.Date),
            "pending_cancellation": constant(False, table.height, pl.Boolean),
            "created_at": constant(None, table.height, pl.Datetime("us", "UTC")),
            "source_format": constant(fmt, table.height, pl.String),
            "line": table["line"],
        }
    )
    if fmt == "activity-enterprise":
        _check_orgs(seats, "Organization", log)
    return CsvSeats(fmt, seats, report.values, report.minute_only)


def _usage(table: pl.DataFrame, fmt: str, log: ProblemLog) -> CsvSeats:
    usage_col = "last usage date" if fmt == "usage-org" else "last usage"
    table = table.with_columns(
        _blank(usage_col, _NONE_LITERALS), _blank("last editor used", _NONE_LITERALS)
    )
    order = _date_order(table, [usage_col], log)
    table = _check_logins(table, log, "Login")
    label = "Last Usage Date" if fmt == "usage-org" else "Last Usage"
    activity, activity_day = _times(table, usage_col, label, order, log)
    status = table["status"].fill_null("").str.strip_chars()
    pending_text = status.str.extract(r"(?i)^pending cancellation\s+(.+)$", 1)
    pending_date = parse_times(pending_text, order=order)
    ok_status = (status.str.to_lowercase() == "active") | (
        pending_text.is_not_null() & ~pending_date.failed
    )
    log.rows(
        table["line"],
        ~ok_status,
        "Status",
        "bad-status",
        "expected 'Active' or 'Pending cancellation YYYY-MM-DD'; found {value}",
        values=status,
    )
    team = (
        table.select(_blank("team", _NO_TEAM))["team"]
        if fmt == "usage-org"
        else constant(None, table.height, pl.String)
    )
    orgs = (
        table.select(_blank("organizations", _NO_ORGS))["organizations"]
        if fmt == "usage-enterprise"
        else constant(None, table.height, pl.String)
    )
    seats = pl.DataFrame(
        {
            "login": table["login"],
            "display_login": table["display_login"],
            "organization": orgs.str.split(",").list.eval(pl.element().str.strip_chars()),
            "team": team,
            "plan": constant(None, table.height, pl.String),
            "last_activity_at": activity,
            "last_activity_day": activity_day,
            "last_authenticated_at": constant(None, table.height, pl.Datetime("us", "UTC")),
            "surface": table["last editor used"],
            "pending_cancellation_date": pending_date.values.dt.date(),
            "pending_cancellation": pending_text.is_not_null(),
            "created_at": constant(None, table.height, pl.Datetime("us", "UTC")),
            "source_format": constant(fmt, table.height, pl.String),
            "line": table["line"],
        }
    )
    # One row per (user, org): an enterprise usage report joins a user's orgs in one cell.
    seats = seats.explode("organization")
    if fmt == "usage-enterprise":
        _check_orgs(seats, "Organizations", log)
    return CsvSeats(fmt, seats, None, False)
