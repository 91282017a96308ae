"""Reading usage-metrics files: shapes, problems as records, the legacy API refused."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from analyzer.reading.dispatch import read_file, recognise_file, sniff_file
from analyzer.reading.interface import USAGE
from analyzer.reading.usage_metrics import AGGREGATE, USERS, read_usage
from tests.usage_fixture import LEGACY_METRICS, record

D = date(2026, 10, 5)


def usage_kind(data: bytes) -> str | None:
    """Return the usage kind the reading entry point recognises, or None for another file."""
    family, kind = recognise_file(sniff_file("x.json", data))
    return kind if family is not None and family.family == USAGE else None


def _read(text: str, name: str = "acme-users-1-day-2026-10-05.ndjson", scope: str | None = None):  # type: ignore[no-untyped-def]
    data = text.encode()
    return read_usage(name, data, hashlib.sha256(data).hexdigest(), usage_kind(data) or "", scope)


def test_ndjson_array_and_single_object_read_alike() -> None:
    """NDJSON lines, a JSON array and one object give the same day rows."""
    rec = record("mona", 7, D)
    a = _read(json.dumps(rec) + "\n")
    b = _read(json.dumps([rec]))
    c = _read(json.dumps(rec, indent=2))
    assert a.accepted and b.accepted and c.accepted
    assert a.days is not None and b.days is not None and c.days is not None
    assert a.days.equals(b.days) and a.days.equals(c.days)
    assert a.days.row(0, named=True)["interactions"] == 3


def test_scope_comes_from_option_or_file_name() -> None:
    """The scope is --scope, else the slug before -users-N-day; else no-scope."""
    text = json.dumps(record("mona", 7, D)) + "\n"
    assert _read(text).scope == "acme"
    assert _read(text, scope="Other Org").scope == "other-org"
    refused = _read(text, name="export.ndjson")
    assert not refused.accepted
    assert [p.code for p in refused.problems] == ["no-scope"]


def test_28_day_file_covers_its_whole_range() -> None:
    """A 28-day report covers every day of its range, also days nobody used Copilot."""
    window = (date(2026, 10, 1), date(2026, 10, 28))
    parsed = _read(json.dumps(record("mona", 7, D, window=window)) + "\n")
    assert len(parsed.covered) == 28 and parsed.covered[0] == window[0]


def test_bad_lines_are_problem_records_with_line_and_path() -> None:
    """A wrong type and a cut-short line are refused with (line, JSON path, code)."""
    good = json.dumps(record("mona", 7, D))
    wrong = json.dumps(record("bob", "x", D))  # type: ignore[arg-type]
    parsed = _read(f"{good}\n{wrong}\n{good[:40]}\n")
    assert not parsed.accepted
    found = {(p.line, p.column, p.code) for p in parsed.problems}
    assert (2, "user_id", "bad-usage-value") in found
    assert (3, "", "bad-json") in found


def test_absent_credits_stay_null_and_empty_breakdowns_are_fine() -> None:
    """ai_credits_used absent is null (unknown), 0 stays 0; empty breakdowns add no rows."""
    text = "".join(
        json.dumps(r) + "\n"
        for r in (
            record("a", 1, D, credits=None, breakdowns=False),
            record("b", 2, D, credits=0),
        )
    )
    parsed = _read(text)
    assert parsed.days is not None and parsed.breakdowns is not None
    credits = dict(zip(parsed.days["login"], parsed.days["credits"], strict=True))
    assert credits == {"a": None, "b": 0.0}
    assert set(parsed.breakdowns["user_id"]) == {2}


def test_repeated_user_day_in_one_file_warns_and_keeps_one() -> None:
    """A (user_id, day) twice in one file is kept once with a warning."""
    line = json.dumps(record("a", 1, D)) + "\n"
    parsed = _read(line + line)
    assert parsed.accepted and parsed.days is not None and parsed.days.height == 1
    assert [p.code for p in parsed.problems] == ["duplicate-usage-record"]


def test_aggregate_28_day_report_gives_active_user_counts() -> None:
    """An aggregate report's day_totals become one row per day with the active-user counts."""
    body = {
        "report_start_day": "2026-10-01",
        "report_end_day": "2026-10-02",
        "enterprise_id": "1",
        "day_totals": [
            {"day": "2026-10-01", "daily_active_users": 5, "monthly_active_users": 9},
            {"day": "2026-10-02", "daily_active_users": 6},
        ],
    }
    parsed = _read(json.dumps(body), name="acme-enterprise-28-day-2026-10-02.json")
    assert parsed.kind == AGGREGATE and parsed.accepted and parsed.aggregate is not None
    assert parsed.aggregate["daily_active_users"].to_list() == [5, 6]


@pytest.mark.parametrize(
    ("count", "code"),
    [
        (2**80, "value-out-of-range"),
        (2**53, "value-out-of-range"),
        (-1, "value-out-of-range"),
        (1.5, "bad-usage-value"),
        (True, "bad-usage-value"),
        ("12", "bad-usage-value"),
    ],
)
def test_an_aggregate_count_out_of_range_is_refused_with_its_place(
    count: object, code: str
) -> None:
    """A day's active-user count must be a whole number from 0 to 2**53 - 1, as every count
    of a per-user record: a 25-digit or a negative number is out of range, a fraction, a
    boolean or text the wrong type; each is a problem naming the field, never a crash."""
    body = {
        "report_start_day": "2026-10-01",
        "report_end_day": "2026-10-02",
        "organization_id": "1",
        "day_totals": [
            {"day": "2026-10-01", "daily_active_users": 5},
            {"day": "2026-10-02", "daily_active_users": count},
        ],
    }
    parsed = _read(json.dumps(body), name="acme-organization-28-day-2026-10-02.json")
    assert not parsed.accepted
    errors = [p for p in parsed.problems if p.severity == "error"]
    assert [(p.column, p.code) for p in errors] == [("day_totals[1].daily_active_users", code)]
    if code == "value-out-of-range":
        assert f"from 0 to 9,007,199,254,740,991; found {count}" in errors[0].message


def test_legacy_metrics_api_is_refused_by_name() -> None:
    """The retired Metrics API JSON is no usage-metrics report and the seat reader names it."""
    data = json.dumps(LEGACY_METRICS).encode()
    assert usage_kind(data) is None
    parsed = read_file("metrics.json", data)
    assert not parsed.accepted
    assert "retired Copilot Metrics API" in parsed.problems[0].message


def test_usage_kind_recognises_users_files() -> None:
    """Per-user NDJSON is recognised as the users kind; a seat CSV is not usage data."""
    assert usage_kind((json.dumps(record("a", 1, D)) + "\n").encode()) == USERS
    assert usage_kind(b"Login,Status\nmona,Active\n") is None
