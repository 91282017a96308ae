"""Reading every seat report format into canonical seat rows, and refusing wrong files."""

from __future__ import annotations

import codecs
import json
from datetime import UTC, date, datetime

import polars as pl
import pytest

from analyzer.reading.reader import ReadHints, read_report
from analyzer.schema import SEAT_COLUMN_NAMES, seat_schema
from tests.helpers import Seat, activity_csv, csv_text, ts
from tests.paths import SAMPLES

T = ts("2026-03-28T06:54:33")
HINTS = ReadHints(scope="acme", as_of=T)


def read(name: str, text: str | bytes, hints: ReadHints | None = None):  # type: ignore[no-untyped-def]
    """Read text or bytes as if dropped under `name`."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_report(name, data, hints)


def codes(parsed) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    """Return the (line, column, code) of every error."""
    return [(p.line, p.column, p.code) for p in parsed.errors]


def test_activity_org_report_is_canonical() -> None:
    """An org activity report becomes canonical rows: UTC, lower-case keys, scope from name."""
    text = activity_csv(
        T, [Seat("Alice", ts("2026-03-27T10:00:00"), ts("2026-03-27T11:00:00")), Seat("bob")]
    )
    parsed = read("acme-seat-activity-1774680873.csv", text)
    assert parsed.accepted and parsed.format == "activity-org"
    assert (parsed.scope, parsed.scope_source, parsed.time_source) == (
        "acme",
        "file-name",
        "report-time",
    )
    assert parsed.as_of == T
    seats = parsed.seats
    assert seats is not None
    assert seats.columns == list(SEAT_COLUMN_NAMES)
    assert dict(seats.schema) == seat_schema()
    assert seats["login"].to_list() == ["alice", "bob"]
    assert seats["display_login"].to_list() == ["Alice", "bob"]
    assert seats["organization"].to_list() == ["acme", "acme"]
    assert seats["last_activity_at"].to_list() == [ts("2026-03-27T10:00:00"), None]
    assert seats["surface"].to_list() == ["vscode/1.104.1/copilot-chat/0.31.2", None]


def test_enterprise_activity_keeps_one_row_per_org() -> None:
    """An enterprise activity report keeps every (user, org) row."""
    rows = [
        Seat("ann", ts("2026-03-01T00:00:00"), org="web"),
        Seat("Ann", ts("2026-03-20T00:00:00"), org="data"),
        Seat("bo", org="web"),
    ]
    parsed = read("globex-seat-activity-1774680873.csv", activity_csv(T, rows, enterprise=True))
    assert parsed.accepted and parsed.format == "activity-enterprise"
    assert parsed.seats is not None
    assert parsed.seats.select("login", "organization").rows() == [
        ("ann", "web"),
        ("ann", "data"),
        ("bo", "web"),
    ]


def test_usage_org_report_with_pending_and_teams() -> None:
    """The old org usage report: date-only activity, team with a comma, pending cancellation."""
    text = csv_text(
        ["Login", "Status", "Team", "Last Usage Date", "Last Editor Used"],
        [
            ["Ann", "Active", "Platform, Infra", "2025-10-01", "vscode/1.1/copilot/1.2"],
            ["bob", "Pending cancellation 2025-11-01", "No team", "No activity", "No activity"],
        ],
    )
    parsed = read("octo-seat-usage-1759472076.csv", text)
    assert parsed.accepted and parsed.format == "usage-org"
    assert parsed.as_of == datetime.fromtimestamp(1759472076, UTC)
    seats = parsed.seats
    assert seats is not None
    assert seats["team"].to_list() == ["Platform, Infra", None]
    assert seats["last_activity_at"].to_list() == [ts("2025-10-01T00:00:00"), None]
    assert seats["last_activity_day"].to_list() == [True, False]
    assert seats["pending_cancellation"].to_list() == [False, True]
    assert seats["pending_cancellation_date"].to_list() == [None, date(2025, 11, 1)]


def test_usage_enterprise_report_splits_organizations() -> None:
    """The enterprise usage report's `Organizations` cell becomes one row per org."""
    text = csv_text(
        ["Login", "Organizations", "Status", "Last Usage", "Last Editor Used"],
        [
            ["ann", "web, data", "Active", "2025-10-01", "github.com"],
            ["bo", "No organizations", "Active", "No activity", "No activity"],
        ],
    )
    parsed = read("globex-seat-usage-1759472076.csv", text)
    assert parsed.accepted and parsed.format == "usage-enterprise"
    assert parsed.seats is not None
    assert parsed.seats.select("login", "organization").rows() == [
        ("ann", "web"),
        ("ann", "data"),
        ("bo", None),
    ]


def test_copilot_only_enterprise_usage_report() -> None:
    """The Copilot-only enterprise usage report (no org column) is recognised."""
    text = csv_text(
        ["Login", "Status", "Last Usage", "Last Editor Used"],
        [["ann", "Active", "2025-10-01", "github.com"]],
    )
    parsed = read("globex-seat-usage-1759472076.csv", text)
    assert parsed.accepted and parsed.format == "usage-copilot-enterprise"


def test_snake_case_headers_and_column_order_do_not_matter() -> None:
    """Headers are matched by name (snake_case, any order), never by position."""
    text = csv_text(
        ["login", "last_activity_at", "report_time", "last_surface_used", "last_authenticated_at"],
        [["ann", "2026-03-27T10:00:00Z", "2026-03-28T06:54:33Z", "github.com", "None"]],
    )
    parsed = read("acme-seat-activity-1774680873.csv", text)
    assert parsed.accepted
    assert parsed.seats is not None
    assert parsed.seats["last_activity_at"].to_list() == [ts("2026-03-27T10:00:00")]


@pytest.mark.parametrize(
    ("encoding", "sep", "newline"),
    [
        ("utf-8-sig", ",", "\r\n"),
        ("utf-16", ";", "\r\n"),
        ("utf-8", "\t", "\n"),
        ("utf-16", "\t", "\r\n"),
    ],
)
def test_spreadsheet_resaves_are_read(encoding: str, sep: str, newline: str) -> None:
    """BOMs, UTF-16, CRLF and `;` or tab separators give the same seats."""
    original = activity_csv(T, [Seat("Ann", ts("2026-03-27T10:00:00")), Seat("bob")])
    text = original.replace(",", sep).replace("\n", newline)
    data = text.encode(encoding)
    parsed = read("acme-seat-activity-1774680873.csv", data)
    plain = read("acme-seat-activity-1774680873.csv", original)
    assert parsed.accepted, parsed.problems
    assert parsed.seats is not None and plain.seats is not None
    assert parsed.seats.equals(plain.seats)


def test_resaved_us_dates_are_read_when_unambiguous() -> None:
    """Excel's `1/15/2026 12:34` dates are read when one value settles the day order."""
    text = csv_text(
        ["Report Time", "Login", "Last Authenticated At", "Last Activity At", "Last Surface Used"],
        [
            ["3/28/2026 6:54", "ann", "None", "1/15/2026 12:34", "github.com"],
            ["3/28/2026 6:54", "bob", "None", "2/3/2026 8:00", "github.com"],
        ],
    )
    parsed = read("acme-seat-activity-1774680873.csv", text)
    assert parsed.accepted, parsed.problems
    assert parsed.time_precision == "minute"
    assert parsed.seats is not None
    assert parsed.seats["last_activity_at"].to_list() == [
        ts("2026-01-15T12:34:00"),
        ts("2026-02-03T08:00:00"),
    ]


def test_api_offsets_become_utc() -> None:
    """API timestamps with offsets are converted to UTC."""
    seat = {
        "created_at": "2026-03-01T10:00:00-06:00",
        "last_activity_at": "2026-03-20T10:00:00+05:30",
        "last_authenticated_at": None,
        "last_activity_editor": "vscode/1/copilot/1",
        "plan_type": "enterprise",
        "pending_cancellation_date": "2026-04-01",
        "assignee": {"login": "Ann"},
        "assigning_team": {"name": "Core", "slug": "core"},
        "organization": {"login": "Acme"},
    }
    parsed = read("seats.json", json.dumps({"total_seats": 1, "seats": [seat]}), ReadHints(as_of=T))
    assert parsed.accepted, parsed.problems
    assert (parsed.scope, parsed.scope_source) == ("acme", "api-organization")
    row = parsed.seats.row(0, named=True) if parsed.seats is not None else {}
    assert row["created_at"] == ts("2026-03-01T16:00:00")
    assert row["last_activity_at"] == ts("2026-03-20T04:30:00")
    assert (row["plan"], row["team"], row["pending_cancellation"]) == ("enterprise", "Core", True)


@pytest.mark.parametrize(
    "name",
    [
        "initech-seats-page.json",
        "initech-seats-paginate.json",
        "initech-seats-slurp.json",
        "initech-seats.ndjson",
    ],
)
def test_every_api_shape_gives_the_same_seats(name: str) -> None:
    """One page, --paginate pages back to back, --slurp arrays and NDJSON read alike."""
    reference = read_report(
        "initech-seats-page.json", (SAMPLES / "api" / "initech-seats-page.json").read_bytes(), HINTS
    )
    parsed = read_report(name, (SAMPLES / "api" / name).read_bytes(), HINTS)
    assert parsed.accepted and parsed.format == "api-seats"
    assert parsed.seats is not None and reference.seats is not None
    assert parsed.seats.height == 25
    assert parsed.seats.sort("login").equals(reference.seats.sort("login"))


def test_mtime_is_the_last_resort_with_a_warning() -> None:
    """A file with no time of its own uses the modification time and says so."""
    mtime = ts("2026-03-01T00:00:00")
    parsed = read(
        "seats.json",
        (SAMPLES / "api" / "initech-seats-page.json").read_bytes(),
        ReadHints(mtime=mtime),
    )
    assert parsed.accepted and parsed.as_of == mtime and parsed.time_source == "mtime"
    assert [p.code for p in parsed.warnings] == ["time-from-mtime"]


def test_duplicate_login_is_merged_with_a_warning() -> None:
    """Two rows of one login keep the latest activity and warn with both lines."""
    parsed = read_report(
        "duplicate-login.csv", (SAMPLES / "bad" / "duplicate-login.csv").read_bytes(), HINTS
    )
    assert parsed.accepted
    assert [(p.line, p.code, p.severity) for p in parsed.warnings] == [
        (2, "duplicate-login", "warning")
    ]
    assert parsed.seats is not None
    assert parsed.seats["login"].to_list().count("alice") == 1


BAD = [
    ("bad-timestamp.csv", [(4, "Last Activity At", "bad-timestamp")]),
    ("empty-login.csv", [(3, "Login", "empty-login")]),
    ("missing-column.csv", [(1, "Last Activity At", "missing-column")]),
    ("mixed-report-times.csv", [(5, "Report Time", "mixed-report-time")]),
    ("unknown-status.csv", [(3, "Status", "bad-status")]),
    ("billing-usage-report.csv", [(0, "", "not-a-seat-report")]),
    ("usage-metrics.ndjson", [(1, "", "not-a-seat-report")]),
    ("empty.csv", [(0, "", "empty-file")]),
    ("header-only.csv", [(1, "", "no-seats")]),
    ("picture-renamed.csv", [(0, "", "not-a-seat-report")]),
    ("workbook-renamed.csv", [(0, "", "not-a-seat-report")]),
    ("not-utf8.csv", [(3, "", "not-utf8")]),
    ("cut-short.csv", [(5, "", "bad-row-width")]),
    ("ambiguous-dates-resaved.csv", [(0, "", "ambiguous-date")]),
]


@pytest.mark.parametrize(("name", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_sample_files_are_refused_with_line_and_code(
    name: str, expected: list[tuple[int, str, str]]
) -> None:
    """Each broken sample file is refused with the problem at its line, column and code."""
    parsed = read_report(name, (SAMPLES / "bad" / name).read_bytes(), HINTS)
    assert not parsed.accepted
    assert codes(parsed) == expected


def test_every_problem_is_listed_not_only_the_first() -> None:
    """A file with several bad rows reports each one."""
    text = (
        activity_csv(T, [Seat("a"), Seat("b"), Seat("c")])
        .replace("b,None,None", "b,None,yesterday")
        .replace("c,None,None", "c,soon,None")
    )
    parsed = read("acme-seat-activity-1774680873.csv", text)
    assert codes(parsed) == [
        (3, "Last Activity At", "bad-timestamp"),
        (4, "Last Authenticated At", "bad-timestamp"),
    ]
    assert parsed.errors[0].render() == (
        "acme-seat-activity-1774680873.csv:3: expected a UTC timestamp like "
        "2026-03-28T06:54:33Z, a date, or None; found 'yesterday' [bad-timestamp]"
    )


def test_line_numbers_count_quoted_newlines() -> None:
    """Lines are file lines: a quoted team with a newline shifts the next record's line."""
    text = csv_text(
        ["Login", "Status", "Team", "Last Usage Date", "Last Editor Used"],
        [
            ["ann", "Active", "Two\nlines", "2025-10-01", "x"],
            ["bob", "Active", "t", "2025-13-01", "x"],
        ],
    )
    parsed = read("octo-seat-usage-1759472076.csv", text)
    assert codes(parsed) == [(4, "Last Usage Date", "bad-timestamp")]


def test_ragged_rows_are_refused_with_their_lines() -> None:
    """A row with too many fields is refused at its line."""
    text = activity_csv(T, [Seat("a"), Seat("b")]) + "2026-03-28T06:54:33Z,c,None,None,None,x\n"
    parsed = read("acme-seat-activity-1774680873.csv", text)
    assert codes(parsed) == [(4, "", "bad-row-width")]


def test_file_without_scope_is_refused() -> None:
    """A renamed report with no --scope cannot be attributed and is refused."""
    parsed = read("report.csv", activity_csv(T, [Seat("a")]))
    assert codes(parsed) == [(0, "", "no-scope")]
    assert (
        read("report.csv", activity_csv(T, [Seat("a")]), ReadHints(scope="Acme Corp")).scope
        == "acme-corp"
    )


def test_unknown_header_says_what_was_found() -> None:
    """A CSV that is nothing we know names its header in the message."""
    parsed = read("x.csv", "name,age\nann,3\n", HINTS)
    assert codes(parsed) == [(1, "", "unknown-header")]
    assert "name, age" in parsed.errors[0].message


def test_utf16_bom_constant_is_what_windows_writes() -> None:
    """UTF-16 LE with BOM (Excel's 'Unicode text') is decoded."""
    data = codecs.BOM_UTF16_LE + activity_csv(T, [Seat("a")]).encode("utf-16-le")
    assert read("acme-seat-activity-1774680873.csv", data).accepted


def test_canonical_schema_is_named_once() -> None:
    """The schema constant and the stored frames agree on names and types."""
    frame = pl.DataFrame(schema=seat_schema())
    assert tuple(frame.columns) == SEAT_COLUMN_NAMES


def test_blank_lines_and_trailing_separators_are_not_seats() -> None:
    """Blank lines and a spreadsheet's trailing separator change nothing."""
    text = (
        "Report Time,Login,Last Authenticated At,Last Activity At,Last Surface Used,\n"
        "2026-03-28T06:54:33Z,ann,None,None,None,\n\n"
        "2026-03-28T06:54:33Z,bob,None,2026-03-27T00:00:00Z,github.com,\n\n"
    )
    parsed = read("acme-seat-activity-1774680873.csv", text)
    assert parsed.accepted and not parsed.problems
    assert parsed.seats is not None and parsed.seats["login"].to_list() == ["ann", "bob"]


def test_new_columns_from_github_are_tolerated_with_a_warning() -> None:
    """A column GitHub adds later is ignored with a warning, not a refusal."""
    text = (
        activity_csv(T, [Seat("ann")])
        .replace("Last Surface Used\n", "Last Surface Used,Last Feature Used\n")
        .replace("None\n", "None,chat\n")
    )
    parsed = read("acme-seat-activity-1774680873.csv", text)
    assert parsed.accepted
    assert [(p.line, p.column, p.code) for p in parsed.warnings] == [
        (1, "Last Feature Used", "unknown-column")
    ]


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-27T10:00:00",
        "2026-03-27 10:00:00 UTC",
        "2026-03-27T10:00:00.000Z",
        "2026-03-27T11:00:00+01:00",
        "2026-03-27 10:00:00",
    ],
)
def test_timestamp_spellings_without_z_are_utc(value: str) -> None:
    """ISO variants without `Z` (as other tools re-save them) are read as the same UTC time."""
    text = activity_csv(T, [Seat("ann", ts("2026-03-27T10:00:00"))]).replace(
        "2026-03-27T10:00:00Z", value
    )
    parsed = read("acme-seat-activity-1774680873.csv", text)
    assert parsed.accepted, parsed.problems
    assert parsed.seats is not None
    assert parsed.seats["last_activity_at"].to_list() == [ts("2026-03-27T10:00:00")]


def test_a_record_with_too_few_fields_is_refused_with_its_line() -> None:
    """A download cut short ends in a short record: refused, not read with nulls."""
    text = activity_csv(T, [Seat("a"), Seat("b")]) + "2026-03-28T06:54:33Z,c,None,2026-03-2"
    parsed = read("acme-seat-activity-1774680873.csv", text)
    assert codes(parsed) == [(4, "", "bad-row-width")]
    assert "cut short" in parsed.errors[0].message


def test_a_short_record_is_found_among_quoted_fields() -> None:
    """With quoted fields (which may hold separators) records are checked one by one."""
    text = csv_text(
        ["Login", "Status", "Team", "Last Usage Date", "Last Editor Used"],
        [["ann", "Active", "Platform, Infra", "2025-10-01", "x"], ["bob", "Active", "t"]],
    )
    parsed = read("octo-seat-usage-1759472076.csv", text)
    assert codes(parsed) == [(3, "", "bad-row-width")]


@pytest.mark.parametrize("first", ['""Report Time', '"Report" Time', '"Report"" Time'])
def test_a_stray_quote_in_the_header_is_malformed_csv(first: str) -> None:
    """A header name the csv module and polars would read differently (a quote that closes
    before the name ends, or never) is refused on line 1, never read with a column missing."""
    text = activity_csv(T, [Seat("ann", T)]).replace("Report Time", first, 1)
    parsed = read("acme-seat-activity-1774680873.csv", text)
    assert codes(parsed) == [(1, "", "malformed-csv")]
    assert "download the report again" in parsed.errors[0].message


@pytest.mark.parametrize("value", ["2026-03-2", "2026-3-02", "26-03-02"])
def test_a_partial_date_is_a_bad_timestamp(value: str) -> None:
    """Only a full YYYY-MM-DD date is a date."""
    text = csv_text(
        ["Login", "Status", "Team", "Last Usage Date", "Last Editor Used"],
        [["ann", "Active", "t", value, "x"]],
    )
    parsed = read("octo-seat-usage-1759472076.csv", text)
    assert codes(parsed) == [(2, "Last Usage Date", "bad-timestamp")]


def test_a_saved_api_error_is_refused_as_such() -> None:
    """`gh api` saving GitHub's error object is no seat list, and the message says why."""
    text = '{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}'
    parsed = read("seats.json", text)
    assert codes(parsed) == [(1, "", "not-a-seat-report")]
    assert "'Not Found'" in parsed.errors[0].message


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"Report Time,Lo\xe9gin,Last Authenticated At,Last Activity At,Last Surface Used\n", 1),
        (activity_csv(T, [Seat("a"), Seat("b")]).encode().replace(b"b,", b"b\xff,"), 3),
        (b'{"total_seats": 1, "seats": [{"assignee": {"login": "jos\xe9"}}]}', 1),
    ],
    ids=["header", "row", "json"],
)
def test_bytes_that_are_not_utf8_are_refused_at_their_line(data: bytes, line: int) -> None:
    """Wherever the bad byte is, the file is refused as not UTF-8, at the byte's line."""
    parsed = read("acme-seat-activity-1774680873.csv", data)
    assert codes(parsed) == [(line, "", "not-utf8")]
