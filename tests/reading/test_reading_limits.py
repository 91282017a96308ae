"""No input crashes the reader: size bounds, deep JSON, implausible times, bad names, caps."""

from __future__ import annotations

import json
import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.reading import limits
from analyzer.reading.reader import ParsedReport, ReadHints, read_report
from tests.helpers import Seat, activity_csv, csv_text, ts

T = ts("2026-03-28T06:54:33")
NOW = ts("2026-04-01T00:00:00")
NAME = "acme-seat-activity-1774680873.csv"
HINTS = ReadHints(scope="acme", as_of=T, now=NOW)


def read(name: str, text: str | bytes, hints: ReadHints | None = None) -> ParsedReport:
    """Read text or bytes as if dropped under `name`."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_report(name, data, hints)


def codes(parsed: ParsedReport) -> list[tuple[int, str, str]]:
    """Return the (line, column, code) of every error."""
    return [(p.line, p.column, p.code) for p in parsed.errors]


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_refused_quickly(depth: int) -> None:
    """JSON nested far deeper than a seats list is refused with a code, not a RecursionError."""
    start = time.perf_counter()
    parsed = read("acme-seats.json", "[" * depth + "]" * depth, HINTS)
    assert codes(parsed) == [(1, "", "json-too-deep")]
    assert time.perf_counter() - start < 2


def test_deep_value_inside_a_seat_is_no_login() -> None:
    """A nested value where a login belongs is an empty login, not a crash."""
    seat = {"created_at": "2026-01-01T00:00:00Z", "assignee": {"login": [[[["x"]]]]}}
    parsed = read("acme-seats.json", json.dumps({"seats": [seat]}), HINTS)
    assert codes(parsed) == [(1, "seats[0].assignee.login", "empty-login")]


@pytest.mark.parametrize(
    ("report_time", "column_line"),
    [
        ("0001-01-01T00:00:00+01:00", (2, "Report Time")),
        ("2020-12-31T23:59:59Z", (2, "Report Time")),
        ("2026-04-02T00:00:01Z", (2, "Report Time")),
        ("9999-12-31T23:59:59-01:00", (2, "Report Time")),
    ],
)
def test_implausible_report_time_is_refused_with_its_line(
    report_time: str, column_line: tuple[int, str]
) -> None:
    """A Report Time before 2021 or over a day after now is refused; no OverflowError."""
    text = activity_csv(T, [Seat("ann")]).replace("2026-03-28T06:54:33Z", report_time)
    line, column = column_line
    assert codes(read(NAME, text, ReadHints(now=NOW))) == [(line, column, "implausible-time")]


def test_future_check_needs_the_callers_clock() -> None:
    """Without `now` the reader cannot tell the future and accepts a late time."""
    text = activity_csv(ts("2030-01-01T00:00:00"), [Seat("ann")])
    assert read(NAME, text).accepted
    assert codes(read(NAME, text, ReadHints(now=NOW))) == [(2, "Report Time", "implausible-time")]


@pytest.mark.parametrize(
    ("name", "hints"),
    [
        ("acme-seat-activity-1500000000.csv", ReadHints()),
        ("report.csv", ReadHints(scope="acme", as_of=ts("2019-01-01T00:00:00"))),
        ("report.csv", ReadHints(scope="acme", mtime=ts("2031-01-01T00:00:00"), now=NOW)),
    ],
    ids=["file-name", "as-of", "mtime"],
)
def test_implausible_time_from_name_option_or_mtime_is_refused(name: str, hints: ReadHints) -> None:
    """Snapshot times from the name, --as-of or the mtime get the same plausibility check."""
    text = csv_text(
        ["Login", "Status", "Team", "Last Usage Date", "Last Editor Used"],
        [["ann", "Active", "t", "2025-10-01", "x"]],
    )
    assert "implausible-time" in [c for _, _, c in codes(read(name, text, hints))]


def test_impossible_cell_time_is_refused_at_its_cell() -> None:
    """A seat time in year 1 or 9999 is refused at its line and column."""
    text = activity_csv(T, [Seat("ann"), Seat("bob", ts("2026-03-01T00:00:00"))]).replace(
        "2026-03-01T00:00:00Z", "0001-01-01T00:00:00+01:00"
    )
    assert codes(read(NAME, text)) == [(3, "Last Activity At", "implausible-time")]


def test_a_first_line_over_the_limit_is_refused_from_its_first_bytes() -> None:
    """A first line over 131,072 characters is refused at line 1."""
    text = "Login," + "x" * limits.MAX_LINE_CHARS + "\nann,1\n"
    assert codes(read(NAME, text, HINTS)) == [(1, "", "line-too-long")]


def test_a_huge_one_line_file_is_refused_in_bounded_memory() -> None:
    """A 64 MB file of one line is refused without decoding or copying it whole."""
    data = b"a" * (64 << 20)
    tracemalloc.start()
    try:
        start = time.perf_counter()
        parsed = read_report(NAME, data, HINTS)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert codes(parsed) == [(1, "", "line-too-long")]
    assert peak < 8 << 20 and elapsed < 1


def test_a_file_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes beyond the supported file size are refused before anything is parsed."""
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    text = activity_csv(T, [Seat(f"u{i}") for i in range(10)])
    assert codes(read(NAME, text)) == [(0, "", "file-too-large")]


def test_a_header_with_too_many_columns_is_refused() -> None:
    """A header of more than 1,000 columns is refused at line 1."""
    text = ",".join(f"c{i}" for i in range(1_001)) + "\n" + "," * 1_000 + "\n"
    assert codes(read(NAME, text, HINTS)) == [(1, "", "too-many-columns")]


def test_a_million_columns_is_refused_quickly() -> None:
    """A million-column header is refused fast (by its line length) in bounded memory."""
    text = "," * 1_000_000 + "\n"
    start = time.perf_counter()
    assert codes(read(NAME, text, HINTS)) == [(1, "", "line-too-long")]
    assert time.perf_counter() - start < 1


def test_a_field_over_the_cell_limit_is_refused_with_its_line() -> None:
    """A cell longer than 4,096 characters is refused at its line and column."""
    long = "v" * (limits.MAX_CELL_CHARS + 1)
    text = activity_csv(T, [Seat("ann"), Seat("bob")]).replace(
        "ann,None,None,None", f"ann,None,None,{long}"
    )
    assert codes(read(NAME, text)) == [(2, "Last Surface Used", "field-too-long")]


def test_a_field_past_the_csv_module_limit_is_refused() -> None:
    """An unclosed quote swallowing the file is refused, not raised by the csv module."""
    text = activity_csv(T, [Seat("ann")]) + '2026-03-28T06:54:33Z,"bob' + "x" * 140_000 + "\n"
    parsed = read(NAME, text)
    assert not parsed.accepted
    assert {c for _, _, c in codes(parsed)} <= {"field-too-long", "malformed-csv", "bad-row-width"}


def test_too_many_rows_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """More seat rows than supported are refused with too-many-rows (CSV and JSON)."""
    monkeypatch.setattr(limits, "MAX_ROWS", 3)
    text = activity_csv(T, [Seat(f"u{i}") for i in range(4)])
    assert codes(read(NAME, text)) == [(0, "", "too-many-rows")]
    seat = {"created_at": "2026-01-01T00:00:00Z", "assignee": {"login": "a"}}
    page = json.dumps({"seats": [seat] * 4})
    assert codes(read("acme-seats.json", page, HINTS)) == [(0, "", "too-many-rows")]
    many_lines = activity_csv(T, [Seat("a")]) + "\n" * 20
    assert codes(read(NAME, many_lines)) == [(0, "", "too-many-rows")]


@pytest.mark.parametrize(
    ("login", "ok"),
    [
        ("mona", True),
        ("mona-lisa", True),
        ("a" * 39, True),
        ("mona_acme", True),
        ("mona-lisa_acme", True),
        ("-mona", False),
        ("mona-", False),
        ("mo--na", False),
        ("a" * 40, False),
        ("josé", False),
        ("mona lisa", False),
        ("_mona", False),
    ],
)
def test_logins_follow_githubs_rules(login: str, ok: bool) -> None:
    """Logins are alphanumerics and single hyphens (<= 39), EMU `_shortcode` suffixes allowed."""
    text = activity_csv(T, [Seat("ann"), Seat(login)])
    expected = [] if ok else [(3, "Login", "bad-login")]
    assert codes(read(NAME, text)) == expected


def test_bad_login_in_json_is_refused_at_its_path() -> None:
    """A bad API login is refused at the seat's JSON path."""
    seat = {"created_at": "2026-01-01T00:00:00Z", "assignee": {"login": "bad login"}}
    parsed = read("acme-seats.json", json.dumps({"seats": [seat]}), HINTS)
    assert codes(parsed) == [(1, "seats[0].assignee.login", "bad-login")]


@pytest.mark.parametrize("org", ["web app", "-web", "x" * 40, "wéb"])
def test_bad_organization_is_refused_with_its_line(org: str) -> None:
    """Organization names must be letters, digits and hyphens, at most 39 characters."""
    text = activity_csv(T, [Seat("ann", org="web"), Seat("bob", org=org)], enterprise=True)
    assert codes(read(NAME, text)) == [(3, "Organization", "bad-organization")]


def test_bad_organization_in_enterprise_usage_report() -> None:
    """Each org of an enterprise usage report's Organizations cell is checked."""
    text = csv_text(
        ["Login", "Organizations", "Status", "Last Usage", "Last Editor Used"],
        [["ann", "web, da ta", "Active", "2025-10-01", "x"]],
    )
    parsed = read("globex-seat-usage-1759472076.csv", text)
    assert codes(parsed) == [(2, "Organizations", "bad-organization")]


@pytest.mark.parametrize("scope", ["é", "..", "///", "日本", ""])
def test_scope_that_slugifies_to_nothing_is_refused(scope: str) -> None:
    """A --scope with no ASCII letter or digit is a clear refusal, not an AssertionError."""
    parsed = read("report.csv", activity_csv(T, [Seat("ann")]), ReadHints(scope=scope))
    assert codes(parsed) == [(0, "", "bad-scope")]


def test_repeated_problems_are_capped_with_an_exact_count() -> None:
    """Past 20 records of one code, one '... and N more' record keeps the count exact."""
    seats = [Seat(f"u{i}", ts("2026-03-01T00:00:00")) for i in range(50)]
    text = activity_csv(T, seats).replace("2026-03-01T00:00:00Z", "soon")
    parsed = read(NAME, text)
    errors = parsed.errors
    assert len(errors) == 21
    assert [p.line for p in errors[:20]] == list(range(2, 22))
    assert (errors[20].line, errors[20].code) == (22, "bad-timestamp")
    assert errors[20].message.startswith("... and 30 more")
    assert "50 in all" in errors[20].message


def test_capped_row_problems_from_many_rows_stay_fast() -> None:
    """A hundred thousand bad rows give 21 records quickly."""
    seats = [Seat(f"u{i}", ts("2026-03-01T00:00:00")) for i in range(100_000)]
    text = activity_csv(T, seats).replace("2026-03-01T00:00:00Z", "soon")
    start = time.perf_counter()
    parsed = read(NAME, text)
    assert len(parsed.errors) == 21 and time.perf_counter() - start < 5


def deep_json() -> st.SearchStrategy[bytes]:
    """Return JSON nested to a random depth, sometimes around seat-shaped objects."""
    return st.integers(min_value=1, max_value=5_000).map(
        lambda d: ('{"seats":' + "[" * d + "{}" + "]" * d + "}").encode()
    )


def csv_shapes() -> st.SearchStrategy[bytes]:
    """Return CSV text of random shape under a seat-report-like or random header."""
    cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
    header = st.one_of(
        st.just("Report Time,Login,Last Authenticated At,Last Activity At,Last Surface Used"),
        st.just("Login,Status,Team,Last Usage Date,Last Editor Used"),
        st.just("login,created_at,last_activity_at,plan_type,organization"),
        st.lists(cell, min_size=1, max_size=6).map(",".join),
    )
    rows = st.lists(st.lists(cell, max_size=7).map(",".join), max_size=6)
    return st.tuples(header, rows).map(lambda hr: "\n".join([hr[0], *hr[1]]).encode())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=400), csv_shapes(), deep_json()))
def test_no_input_raises(data: bytes) -> None:
    """Random bytes, CSV shapes and deep JSON always give a ParsedReport, never an exception."""
    for name in ("acme-seat-activity-1774680873.csv", "acme-seats.json", "report.csv"):
        parsed = read_report(name, data, ReadHints(scope="acme", now=NOW))
        assert isinstance(parsed, ParsedReport)
        assert parsed.accepted == (parsed.seats is not None and not parsed.errors)
