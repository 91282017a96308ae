"""The one reading entry point: each family recognised once, every failure a refusal."""

from __future__ import annotations

import codecs
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from analyzer.billing_schema import KIND_AI, KIND_DETAILED, KIND_LICENSE, KIND_PREMIUM
from analyzer.reading import dispatch
from analyzer.reading.dispatch import read_file, recognise_file, sniff_file
from analyzer.reading.interface import BILLING, SEATS, UNKNOWN, USAGE, ParsedFile
from analyzer.reading.problems import ProblemLog
from analyzer.reading.reader import ReadHints
from analyzer.reading.usage_aggregate import aggregate_table
from analyzer.reading.usage_metrics import ParsedUsage
from analyzer.reading.usage_schema import AGGREGATE, USERS
from tests.paths import SAMPLES

DEEP = "{" + '"a":{' * 999 + '"b":1' + "}" * 1000
USERS_NAME = "acme-users-1-day-2026-10-01.ndjson"
HINTS = ReadHints(scope="acme")


def where(parsed: ParsedFile) -> list[tuple[int, str, str]]:
    """Return the (line, column, code) of every problem."""
    return [(p.line, p.column, p.code) for p in parsed.problems]


def record(login: Any = "mona", day: Any = "2026-10-01", **more: Any) -> dict[str, Any]:
    """Return a minimal per-user usage record."""
    return {"user_id": 7, "user_login": login, "day": day, **more}


def ndjson(*records: dict[str, Any]) -> bytes:
    """Return records as NDJSON bytes."""
    return "".join(json.dumps(r) + "\n" for r in records).encode()


@pytest.mark.parametrize(
    ("path", "family", "kind"),
    [
        ("octo-demo-seat-activity-1793716484.csv", SEATS, "seat-report"),
        ("octo-demo-seat-usage-1759472076.csv", SEATS, "seat-report"),
        ("usageReport_1_5f0e8c2d9a4b47e1b3c6d8f0a2e4c6b8.csv", BILLING, KIND_DETAILED),
        (
            "premiumRequestUsageReport_1_2b4d6f8a0c2e4a6c8e0a2c4e6a8c0e2a.csv",
            BILLING,
            KIND_PREMIUM,
        ),
        ("aiUsageReport_1_9c1d3e5f7a9b4c2d8e0f1a3b5c7d9e1f.csv", BILLING, KIND_AI),
        ("export-octo-demo-1793750400.csv", BILLING, KIND_LICENSE),
        ("octo-demo-users-1-day-2026-10-01.ndjson", USAGE, USERS),
        ("octo-demo-organization-28-day-2026-10-31.json", USAGE, AGGREGATE),
    ],
)
def test_each_family_recognises_its_sample(path: str, family: str, kind: str) -> None:
    """The first family that recognises a sample file is its own, with the right kind."""
    data = (SAMPLES / path).read_bytes()
    found, found_kind = recognise_file(sniff_file(Path(path).name, data))
    assert found is not None and (found.family, found_kind) == (family, kind)


def test_the_seat_api_json_is_recognised_by_its_family() -> None:
    """A saved `gh api` seats answer is the seat API family's."""
    api = sorted((SAMPLES / "api").glob("*.json"))[0]
    found, kind = recognise_file(sniff_file(api.name, api.read_bytes()))
    assert found is not None and (found.family, kind) == (SEATS, "seat-api-json")


def test_read_file_carries_the_family_and_kind_it_read_with() -> None:
    """The parsed record says which family read the file and what kind it is."""
    data = (SAMPLES / "octo-demo-users-1-day-2026-10-01.ndjson").read_bytes()
    parsed = read_file("octo-demo-users-1-day-2026-10-01.ndjson", data)
    assert (parsed.family, parsed.kind, parsed.accepted) == (USAGE, USERS, True)
    assert isinstance(parsed.detail, ParsedUsage) and parsed.rows is parsed.detail.days


def test_a_deep_json_seat_file_is_refused_not_raised() -> None:
    """A .json seat file nested 1,000 deep is the file's json-too-deep refusal."""
    parsed = read_file("acme-seats.json", DEEP.encode())
    assert where(parsed) == [(1, "", "json-too-deep")]
    assert parsed.family == UNKNOWN and not parsed.accepted


def test_a_deep_record_in_a_usage_file_is_refused_at_its_line() -> None:
    """One usage record nested 1,000 deep refuses the file, citing its line."""
    data = ndjson(record()) + DEEP.encode() + b"\n"
    parsed = read_file(USERS_NAME, data)
    assert (parsed.family, where(parsed)) == (USAGE, [(2, "", "json-too-deep")])


def test_any_reader_failure_is_the_files_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception inside a family's reader refuses the file; nothing raises."""

    def broken(*_: object, **__: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("analyzer.reading.usage_metrics.read_usage", broken)
    parsed = read_file(USERS_NAME, ndjson(record()))
    assert where(parsed) == [(0, "", "internal-error")]
    assert "ZeroDivisionError: boom" in parsed.problems[0].message


def test_recognising_a_file_happens_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A billing header is matched against the billing kinds once per family, never again."""
    from analyzer.reading import billing

    calls: list[int] = []
    real = billing.kind_of_header

    def counted(names: list[str]) -> str | None:
        calls.append(1)
        return real(names)

    monkeypatch.setattr(billing, "kind_of_header", counted)
    path = SAMPLES / "aiUsageReport_1_9c1d3e5f7a9b4c2d8e0f1a3b5c7d9e1f.csv"
    parsed = read_file(path.name, path.read_bytes())
    assert parsed.accepted and parsed.kind == KIND_AI
    # Asked by each billing family up to the AI usage report's, none after.
    assert len(calls) == [f.kind for f in dispatch.BILLING_REPORTS].index(KIND_AI) + 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (record(user_id=2**70), [(1, "user_id", "value-out-of-range")]),
        (record(user_id=-1), [(1, "user_id", "value-out-of-range")]),
        (record(day=20261001), [(1, "day", "bad-usage-value")]),
        (record(day="0001-01-01"), [(1, "day", "date-out-of-range")]),
        (record(day="9999-12-31"), [(1, "day", "date-out-of-range")]),
        (record(report_end_day="2101-01-01"), [(1, "report_end_day", "date-out-of-range")]),
        (record(login=""), [(1, "user_login", "bad-login")]),
        (record(login="\u0430lice"), [(1, "user_login", "bad-login")]),  # Cyrillic a
        (record(login="a" * 40), [(1, "user_login", "bad-login")]),
        (record(ai_credits_used=1e300), [(1, "ai_credits_used", "value-out-of-range")]),
        (
            record(user_initiated_interaction_count=2**60),
            [(1, "user_initiated_interaction_count", "value-out-of-range")],
        ),
    ],
)
def test_usage_values_beyond_the_limits_are_refused_by_name(
    value: dict[str, Any], expected: list[tuple[int, str, str]]
) -> None:
    """Ids, counts, credits, days and logins outside their stated limits are clean refusals."""
    parsed = read_file(USERS_NAME, ndjson(value))
    assert (parsed.family, where(parsed)) == (USAGE, expected)


def test_a_ten_million_character_login_is_refused_without_echoing_it() -> None:
    """A record longer than any GitHub writes is refused by its length, at its line."""
    parsed = read_file(USERS_NAME, ndjson(record(), record(login="a" * 10_000_000)))
    assert where(parsed) == [(2, "", "line-too-long")]
    assert len(parsed.problems[0].message) < 400


def test_a_utf16_usage_file_gets_one_consistent_message() -> None:
    """A UTF-16 usage file is named as a usage-metrics report, refused as not UTF-8."""
    parsed = read_file(USERS_NAME, ndjson(record()).decode().encode("utf-16"))
    assert where(parsed) == [(1, "", "not-utf8")]
    message = parsed.problems[0].message
    assert "usage-metrics report" in message and "seat report" not in message


def test_a_utf16_billing_file_is_named_as_its_report() -> None:
    """A UTF-16 premium request report says what it is and to save it as UTF-8."""
    path = SAMPLES / "premiumRequestUsageReport_1_2b4d6f8a0c2e4a6c8e0a2c4e6a8c0e2a.csv"
    data = codecs.BOM_UTF16_LE + path.read_text(encoding="utf-8").encode("utf-16-le")
    parsed = read_file(path.name, data)
    assert where(parsed) == [(1, "", "not-utf8")]
    assert "premium request report" in parsed.problems[0].message


def test_a_refused_billing_file_says_which_download_it_resembles() -> None:
    """A usage report without its unit column names the report and the menu to fetch it."""
    text = "date,username,product,sku,quantity,net_amount\n2026-03-02,mona,copilot,x,1,0.04\n"
    parsed = read_file("usageReport_1_aa.csv", text.encode())
    assert (parsed.family, where(parsed)) == (BILLING, [(1, "unit_type", "missing-column")])
    message = parsed.errors[0].message
    assert "usage report (detailed)" in message and "Billing & licensing > Usage" in message
    assert "seat report" not in message


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ("created_at,id,login,role,type,site_admin", "organization members export"),
        (
            "Organization Name,Name,Slug,Push Protected,Generic Pattern,Secret Count,"
            "Repository Count",
            "secret risk assessment export",
        ),
    ],
)
def test_other_github_exports_are_refused_by_name(header: str, named: str) -> None:
    """The members export and the secret risk assessment export are named, not guessed at."""
    parsed = read_file("export.csv", f"{header}\nacme,1,mona,member,User,false\n".encode())
    assert where(parsed) == [(1, "", "not-a-seat-report")]
    assert named in parsed.problems[0].message


def test_duplicate_logins_of_a_json_file_cite_record_numbers() -> None:
    """Two seats of one login in a compact JSON file are cited as records 1 and 3."""
    seat = {"created_at": "2025-01-01T00:00:00Z", "last_activity_at": None}
    seats = [
        {**seat, "assignee": {"login": "mona"}},
        {**seat, "assignee": {"login": "lisa"}},
        {**seat, "assignee": {"login": "mona"}, "last_activity_at": "2025-02-01T00:00:00Z"},
    ]
    data = json.dumps({"total_seats": 3, "seats": seats}).encode()
    hints = ReadHints(as_of=datetime(2026, 1, 1, tzinfo=UTC), scope="acme")
    parsed = read_file("acme-seats.json", data, hints)
    dupes = [p for p in parsed.problems if p.code == "duplicate-login"]
    assert [(p.line, p.column, p.code) for p in dupes] == [(1, "assignee.login", "duplicate-login")]
    assert "records 1, 3" in dupes[0].message


def _day_totals_file(records: list[dict[str, Any]]) -> bytes:
    body = {"report_start_day": "2026-06-01", "report_end_day": "2026-06-28"}
    return json.dumps({**body, "organization_id": "1", "day_totals": records}).encode()


def test_per_user_records_inside_day_totals_are_read_as_users() -> None:
    """A 28-day file holding per-user records in day_totals keeps its users."""
    data = _day_totals_file([record(day="2026-06-03"), record("lisa", "2026-06-04", user_id=8)])
    parsed = read_file("acme-users-28-day-2026-06-28.json", data)
    assert (parsed.family, parsed.kind, parsed.accepted) == (USAGE, USERS, True)
    assert parsed.rows is not None and sorted(parsed.rows["login"]) == ["lisa", "mona"]
    assert isinstance(parsed.detail, ParsedUsage) and len(parsed.detail.covered) == 28


def test_usage_families_and_adoption_phase_are_kept() -> None:
    """IntelliJ is JetBrains, cloud agent is coding agent; the adoption phase is stored."""
    phase = {"phase_number": 2, "phase": "Phase 2", "version": "v1"}
    value = record(
        ai_adoption_phase=phase,
        ai_credits_used=3.5,
        totals_by_ide=[{"ide": "intellij", "user_initiated_interaction_count": 2}],
        totals_by_feature=[{"feature": "copilot_cloud_agent", "code_generation_activity_count": 1}],
    )
    parsed = read_file(USERS_NAME, ndjson(value))
    assert isinstance(parsed.detail, ParsedUsage) and parsed.detail.breakdowns is not None
    keys = dict(parsed.detail.breakdowns.select("kind", "key").iter_rows())
    assert (keys["ide"], keys["feature"]) == ("jetbrains", "copilot_coding_agent")
    assert parsed.rows is not None
    row = parsed.rows.row(0, named=True)
    assert (row["adoption_phase"], row["adoption_phase_number"], row["credits"]) == (
        "Phase 2",
        2,
        3.5,
    )


def test_the_tolerant_path_keeps_the_adoption_phase_too() -> None:
    """A file the fast path cannot take (one bad field elsewhere) reads the phase alike."""
    phase = {"phase_number": "two", "phase": "Phase 2"}
    parsed = read_file(USERS_NAME, ndjson(record(ai_adoption_phase=phase), record(user_id=9)))
    assert parsed.accepted and parsed.rows is not None
    assert parsed.rows["adoption_phase"].to_list() == ["Phase 2", None]
    assert parsed.rows["adoption_phase_number"].null_count() == 2


def test_an_aggregate_report_with_a_user_record_is_refused_by_name() -> None:
    """A per-user record among aggregate days is never stored as an aggregate day."""
    day = {"day": "2026-06-02", "daily_active_users": 3}
    data = json.dumps({"report_start_day": "2026-06-01", "day_totals": [day]}).encode()
    ok = read_file("acme-organization-28-day-2026-06-28.json", data, HINTS)
    assert (ok.kind, ok.accepted) == (AGGREGATE, True)

    log = ProblemLog("x.json")
    body = {"day_totals": [day, {"day": "2026-06-03", "user_login": "mona"}]}
    table, _ = aggregate_table(json.dumps(body).encode(), log)
    assert table is None
    assert [(p.line, p.column, p.code) for p in log.finish()] == [
        (1, "day_totals[1]", "bad-usage-record")
    ]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "acme-seats.json",
            json.dumps(
                {
                    "seats": [
                        {
                            "assignee": {"login": "mona"},
                            "created_at": "2025-01-01T00:00:00Z",
                            "pending_cancellation_date": "9999-12-31",
                        }
                    ]
                }
            ).encode(),
            [(1, "pending_cancellation_date", "date-out-of-range")],
        ),
        (
            "acme-seat-usage-1767225600.csv",
            b"Login,Status,Team,Last Usage Date,Last Editor Used\n"
            b"mona,Pending cancellation 0001-01-01,,None,None\n",
            [(2, "Status", "date-out-of-range")],
        ),
    ],
)
def test_seat_dates_outside_the_supported_years_are_refused(
    name: str, data: bytes, expected: list[tuple[int, str, str]]
) -> None:
    """A pending cancellation date in year 1 or 9999 refuses the seat file by name."""
    hints = ReadHints(as_of=datetime(2026, 1, 1, tzinfo=UTC), scope="acme")
    parsed = read_file(name, data, hints)
    assert (parsed.family, where(parsed)) == (SEATS, expected)


def test_a_legacy_premium_request_time_outside_the_years_is_refused() -> None:
    """A legacy premium request report's timestamp in 2150 is refused by line and column."""
    text = (
        "Timestamp,User,Model,Requests Used,Exceeds Monthly Quota,Total Monthly Quota\n"
        "2026-03-02T10:00:00Z,mona,gpt-5,1,False,300\n"
        "2150-03-02T10:00:00Z,lisa,gpt-5,1,False,300\n"
    )
    parsed = read_file("premium_requests.csv", text.encode())
    assert parsed.family == BILLING and not parsed.accepted
    assert (3, "at", "date-out-of-range") in where(parsed)


def test_a_bom_inside_the_quoted_first_header_cell_is_no_part_of_the_name() -> None:
    """A re-save that quotes the BOM with the first name is still recognised by its header."""
    path = SAMPLES / "premiumRequestUsageReport_1_2b4d6f8a0c2e4a6c8e0a2c4e6a8c0e2a.csv"
    text = path.read_text(encoding="utf-8")
    first, rest = text.split(",", 1)
    data = f'"\ufeff{first.strip(chr(34))}",{rest}'.encode()
    found, kind = recognise_file(sniff_file(path.name, data))
    assert found is not None and (found.family, kind) == (BILLING, KIND_PREMIUM)


def test_a_usage_file_with_a_broken_first_record_is_told_as_usage_data() -> None:
    """A users file whose first line is cut short is refused as usage data, at that line."""
    data = b'{"user_id": 7, "user_lo\n' + ndjson(record())
    parsed = read_file(USERS_NAME, data, HINTS)
    assert (parsed.family, parsed.kind, where(parsed)) == (USAGE, USERS, [(1, "", "bad-json")])
    assert "usage-metrics report" in parsed.errors[0].message
