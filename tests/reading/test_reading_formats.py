"""Exact times, saved API output in every shape, and other GitHub exports refused by name."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analyzer.reading.reader import ParsedReport, ReadHints, read_report
from analyzer.reading.recognise import recognise_csv, recognise_json
from tests.helpers import Seat, activity_csv, ts

FIXTURES = Path(__file__).resolve().parent / "fixtures"
T = ts("2026-03-28T06:54:33")
NAME = "acme-seat-activity-1774680873.csv"


def read(name: str, text: str | bytes, hints: ReadHints | None = None) -> ParsedReport:
    """Read text or bytes as if dropped under `name`."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_report(name, data, hints)


def codes(parsed: ParsedReport) -> list[tuple[int, str, str]]:
    """Return the (line, column, code) of every error."""
    return [(p.line, p.column, p.code) for p in parsed.errors]


def us(text: str, micro: int) -> datetime:
    """Return a UTC datetime with microseconds."""
    return ts(text).replace(microsecond=micro)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-28T06:54:33Z", us("2026-03-28T06:54:33", 0)),
        ("2026-03-28T06:54:33.123456Z", us("2026-03-28T06:54:33", 123456)),
        ("2026-03-28T06:54:33.5Z", us("2026-03-28T06:54:33", 500000)),
        ("2026-03-28T06:54:33.123456789Z", us("2026-03-28T06:54:33", 123456)),
        ("2026-03-28T06:54:33+00:00", us("2026-03-28T06:54:33", 0)),
        ("2026-03-28T00:54:33.25-06:00", us("2026-03-28T06:54:33", 250000)),
        ("2026-03-28T12:24:33+05:30", us("2026-03-28T06:54:33", 0)),
    ],
)
def test_report_time_is_kept_at_the_precision_given(value: str, expected: datetime) -> None:
    """Any ISO 8601 Report Time is read exactly: fractions kept, offsets to UTC, ns cut to us."""
    text = activity_csv(T, [Seat("ann", ts("2026-03-27T10:00:00"))]).replace(
        "2026-03-28T06:54:33Z", value
    )
    parsed = read(NAME, text, ReadHints(now=T))
    assert parsed.accepted, parsed.problems
    assert parsed.as_of == expected
    assert parsed.seats is not None
    assert parsed.seats["snapshot_at"].to_list() == [expected]


def test_cell_times_keep_their_fractions() -> None:
    """Last Activity At and Last Authenticated At keep sub-second precision in UTC."""
    text = activity_csv(T, [Seat("ann", ts("2026-03-27T10:00:00"), ts("2026-03-27T09:00:00"))])
    text = text.replace("2026-03-27T10:00:00Z", "2026-03-27T10:00:00.000001Z").replace(
        "2026-03-27T09:00:00Z", "2026-03-27T04:00:00.75-05:00"
    )
    parsed = read(NAME, text)
    assert parsed.accepted and parsed.seats is not None
    row = parsed.seats.row(0, named=True)
    assert row["last_activity_at"] == us("2026-03-27T10:00:00", 1)
    assert row["last_authenticated_at"] == us("2026-03-27T09:00:00", 750000)


def test_org_endpoint_json_takes_the_org_from_the_file_name() -> None:
    """Org-endpoint seats carry no organization: the scope from `<org>-seats.json` fills it."""
    data = (FIXTURES / "octo-demo-seats.json").read_bytes()
    parsed = read_report("octo-demo-seats.json", data, ReadHints(as_of=T))
    assert parsed.accepted, parsed.problems
    assert (parsed.scope, parsed.scope_source) == ("octo-demo", "file-name")
    assert parsed.seats is not None
    assert parsed.seats["organization"].to_list() == ["octo-demo", "octo-demo"]
    assert parsed.seats["login"].to_list() == ["mona-lisa", "hubot_acme"]
    row = parsed.seats.row(0, named=True)
    assert row["created_at"] == us("2026-01-05T10:00:00", 123456)
    assert row["last_activity_at"] == us("2026-03-27T23:19:31", 500000)
    assert row["last_authenticated_at"] == ts("2026-03-27T17:30:00")


def test_org_endpoint_json_takes_the_org_from_the_scope_option() -> None:
    """With --scope the org endpoint's seats get that org, whatever the file is called."""
    data = (FIXTURES / "octo-demo-seats.json").read_bytes()
    parsed = read_report("seats.json", data, ReadHints(as_of=T, scope="Octo Demo"))
    assert parsed.accepted and parsed.seats is not None
    assert (parsed.scope, parsed.scope_source) == ("octo-demo", "option")
    assert parsed.seats["organization"].unique().to_list() == ["octo-demo"]


def test_api_named_csv_is_read_like_the_api() -> None:
    """A script's CSV in the API's field names is read, its retrieved_at the snapshot time."""
    data = (FIXTURES / "api-seats-script.csv").read_bytes()
    parsed = read_report("api-seats-script.csv", data)
    assert parsed.accepted, parsed.problems
    assert (parsed.format, parsed.scope, parsed.time_source) == (
        "api-seats-csv",
        "octo-demo",
        "report-time",
    )
    assert parsed.as_of == us("2026-03-28T06:54:33", 250000)
    assert parsed.seats is not None
    rows = parsed.seats.select(
        "login", "team", "plan", "last_activity_at", "pending_cancellation"
    ).rows()
    assert rows == [
        ("mona-lisa", "Platform", "business", us("2026-03-27T17:19:31", 123000), False),
        ("hubot", None, "business", None, True),
    ]


def test_api_named_csv_without_time_needs_as_of() -> None:
    """Without a time column an API-named CSV takes --as-of, and is refused without one."""
    text = (
        "assignee_login,created_at,last_activity_at,last_activity_editor,team\n"
        "ann,2026-01-05T10:00:00Z,2026-03-27T10:00:00Z,github.com,core\n"
    )
    assert codes(read("seats.csv", text, ReadHints(scope="acme"))) == [(0, "", "no-time")]
    parsed = read("seats.csv", text, ReadHints(scope="acme", as_of=T))
    assert parsed.accepted and parsed.time_source == "as-of"
    assert parsed.seats is not None
    assert parsed.seats["organization"].to_list() == ["acme"]
    assert parsed.seats["team"].to_list() == ["core"]


def test_api_named_csv_problems_name_the_header_column() -> None:
    """Bad values in an API-named CSV are refused at their line and header column."""
    text = (
        "login,created_at,last_activity_at,plan_type\n"
        "ann,2026-01-05T10:00:00Z,yesterday,business\n"
        "-bob,2026-01-05T10:00:00Z,,business\n"
    )
    parsed = read("acme-seats.csv", text, ReadHints(as_of=T))
    assert codes(parsed) == [(3, "login", "bad-login"), (2, "last_activity_at", "bad-timestamp")]


@pytest.mark.parametrize("key", ["retrieved_at", "fetched_at", "generated_at"])
def test_json_own_timestamp_is_the_snapshot_time(key: str) -> None:
    """A top-level fetch time in the JSON is its snapshot time; --as-of still wins."""
    page = json.loads((FIXTURES / "octo-demo-seats.json").read_text())
    page[key] = "2026-03-28T06:54:33.5Z"
    text = json.dumps(page)
    parsed = read("octo-demo-seats.json", text)
    assert parsed.accepted, parsed.problems
    assert (parsed.as_of, parsed.time_source) == (us("2026-03-28T06:54:33", 500000), "file-time")
    overridden = read("octo-demo-seats.json", text, ReadHints(as_of=T))
    assert (overridden.as_of, overridden.time_source) == (T, "as-of")


def test_json_own_timestamp_that_is_unreadable_is_refused_at_its_key() -> None:
    """A fetch time that is no time is refused at its line and key."""
    text = json.dumps(
        {
            "retrieved_at": "last tuesday",
            "seats": json.loads((FIXTURES / "octo-demo-seats.json").read_text())["seats"],
        }
    )
    assert codes(read("octo-demo-seats.json", text)) == [(1, "retrieved_at", "bad-timestamp")]


# Headers of other GitHub exports: from the shared format notes where they give one; the
# members, GHAS committers and secret-scanning headers are plausible guesses.
FOREIGN_CSV = [
    (
        "metered-usage-detailed",
        "date,product,sku,quantity,unit_type,applied_cost_per_quantity,gross_amount,"
        "discount_amount,net_amount,username,organization,repository,workflow_path,"
        "cost_center_name",
    ),
    (
        "metered-usage-summarized",
        "date,product,sku,quantity,unit_type,applied_cost_per_quantity,gross_amount,"
        "discount_amount,net_amount,organization,repository,cost_center_name",
    ),
    (
        "premium-request-report",
        "date,username,product,sku,model,quantity,unit_type,applied_cost_per_quantity,"
        "gross_amount,discount_amount,net_amount,exceeds_quota,total_monthly_quota,"
        "organization,cost_center_name,aic_quantity,aic_gross_amount",
    ),
    (
        "premium-request-report",
        "Timestamp,User,Model,Requests Used,Exceeds Monthly Quota,Total Monthly Quota",
    ),
    (
        "ai-usage-report",
        "date,username,product,sku,model,quantity,unit_type,applied_cost_per_quantity,"
        "gross_amount,discount_amount,net_amount,total_monthly_quota,organization,repository,"
        "cost_center_name,aic_quantity,aic_gross_amount",
    ),
    (
        "token-usage-report",
        "date,username,model,total_input_tokens,total_output_tokens,"
        "total_cache_creation_tokens,total_cache_read_tokens",
    ),
    (
        "enterprise-license-report",
        "GitHub com login,GitHub com name,Enterprise server user ids,GitHub com user,"
        "Enterprise server user,Visual studio subscription user,License type,"
        "GitHub com profile,GitHub com member roles,Total user accounts",
    ),
    (
        "ghas-active-committers",
        "User login,Organization / repository,Last pushed date,Last pushed email",
    ),
    (
        "secret-scanning-export",
        "repository,alert_number,secret_type,secret_type_display_name,state,created_at,html_url",
    ),
    ("org-members-export", "login,name,email,role,two_factor_authentication,saml_name_id"),
]


@pytest.mark.parametrize(("kind", "header"), FOREIGN_CSV, ids=[f[0] for f in FOREIGN_CSV])
def test_other_github_csv_exports_are_refused_by_name(kind: str, header: str) -> None:
    """Each other GitHub CSV export is named and refused with what to download instead."""
    text = header + "\n" + ",".join("x" for _ in header.split(",")) + "\n"
    foreign = recognise_csv(header.split(","))
    assert foreign is not None and foreign.kind == kind
    parsed = read("export-acme-1774680873.csv", text, ReadHints(scope="acme", as_of=T))
    assert codes(parsed) == [(0, "", "not-a-seat-report")]
    assert foreign.what in parsed.errors[0].message
    assert "Get report" in parsed.errors[0].message


def test_a_bom_and_every_value_quoted_is_still_recognised() -> None:
    """Billing CSVs come with a BOM, CRLF and every value quoted; they are still named."""
    text = (
        '\ufeff"date","product","sku","quantity","unit_type"\r\n'
        '"2026-09-02","copilot","x","1","u"\r\n'
    )
    parsed = read("usageReport_1_abc.csv", text, ReadHints(scope="acme", as_of=T))
    assert codes(parsed) == [(0, "", "not-a-seat-report")]
    assert "billing usage report" in parsed.errors[0].message


FOREIGN_JSON = [
    (
        "usage-metrics-users",
        '{"day":"2026-06-10","user_id":1,"user_login":"mona","totals_by_ide":[]}\n'
        '{"day":"2026-06-11","user_id":1,"user_login":"mona","totals_by_ide":[]}\n',
    ),
    (
        "usage-metrics-aggregate",
        '{"report_start_day":"2026-06-01","report_end_day":"2026-06-28",'
        '"enterprise_id":"1","created_at":"2026-06-30T00:00:00Z","day_totals":[]}',
    ),
    ("usage-metrics-aggregate", '{"day":"2026-06-10","daily_active_users":3}'),
    ("usage-metrics-links", '{"download_links":["https://x"],"report_day":"2026-06-10"}'),
    (
        "legacy-metrics-api",
        '[{"date":"2025-01-01","total_active_users":3,"total_engaged_users":2,'
        '"copilot_ide_code_completions":{"editors":[]}}]',
    ),
    ("billing-usage-json", '{"usageItems":[{"date":"2026-01-01","sku":"x"}]}'),
    ("copilot-billing-summary", '{"seat_breakdown":{"total":3},"plan_type":"business"}'),
]


@pytest.mark.parametrize(
    ("kind", "text"), FOREIGN_JSON, ids=[f"{f[0]}-{i}" for i, f in enumerate(FOREIGN_JSON)]
)
def test_other_github_json_is_refused_by_name(kind: str, text: str) -> None:
    """Usage metrics, the legacy metrics API and billing JSON are named and refused."""
    first = json.loads(text.splitlines()[0])
    foreign = recognise_json(first)
    assert foreign is not None and foreign.kind == kind
    parsed = read("acme-seats.json", text, ReadHints(as_of=T))
    assert codes(parsed) == [(1, "", "not-a-seat-report")]
    assert foreign.what in parsed.errors[0].message


def test_enterprise_api_organization_still_wins_over_the_name() -> None:
    """Seats that carry their organization keep it; a single org is the scope."""
    page = json.loads((FIXTURES / "octo-demo-seats.json").read_text())
    for seat in page["seats"]:
        seat["organization"] = {"login": "Acme"}
    parsed = read("octo-demo-seats.json", json.dumps(page), ReadHints(as_of=T))
    assert parsed.accepted and parsed.seats is not None
    assert (parsed.scope, parsed.scope_source) == ("acme", "api-organization")
    assert parsed.seats["organization"].to_list() == ["Acme", "Acme"]


def test_exact_time_survives_to_python_with_microseconds() -> None:
    """The snapshot time handed to the store is a UTC datetime with its microseconds."""
    parsed = read_report("api-seats-script.csv", (FIXTURES / "api-seats-script.csv").read_bytes())
    assert parsed.as_of is not None
    assert parsed.as_of.tzinfo is not None and parsed.as_of.utcoffset() is not None
    assert parsed.as_of == datetime(2026, 3, 28, 6, 54, 33, 250000, tzinfo=UTC)
