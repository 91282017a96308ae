"""The billing readers: kinds by header, GitHub's quirks, problems as (line, column, code)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from analyzer.billing_schema import (
    KIND_AI,
    KIND_DETAILED,
    KIND_LICENSE,
    KIND_PREMIUM,
    KIND_PREMIUM_LEGACY,
    KIND_SUMMARIZED,
    github_csv,
    table_schema,
)
from analyzer.reading.billing import billing_kind, read_billing
from tests.billing_fixtures import (
    AI_HEADER,
    PREMIUM_HEADER,
    SUMMARIZED_HEADER,
    USAGE_HEADER,
    ai_row,
    seat_rows,
)

LICENCE = (
    b"GitHub com login,GitHub com name,License type,GitHub com member roles,"
    b"GitHub com enterprise roles,GitHub com saml name,GitHub com cost center,"
    b"Total user accounts\n"
    b'Mona,Mona Lisa,Enterprise,"acme:Owner, acme-eng:Member",,mona@acme.test,platform,1\n'
    b",,Enterprise,,,,,1\n"
)
LEGACY = (
    b"Timestamp,User,Model,Requests Used,Exceeds Monthly Quota,Total Monthly Quota\n"
    b"2025-11-03T10:15:00Z,mona,GPT-5,2,false,Unlimited\n"
    b"2025-11-04T08:00:00Z,hubot,GPT-5,1.5,TRUE,300\n"
)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (github_csv(USAGE_HEADER, []), KIND_DETAILED),
        (github_csv(SUMMARIZED_HEADER, []), KIND_SUMMARIZED),
        (github_csv(AI_HEADER, []), KIND_AI),
        (github_csv(PREMIUM_HEADER, []), KIND_PREMIUM),
        (LEGACY, KIND_PREMIUM_LEGACY),
        (LICENCE, KIND_LICENSE),
        (b"Login,Status,Team,Last Usage Date,Last Editor Used\n", None),
        (b"\x89PNG\r\n\x1a\n", None),
    ],
)
def test_kind_is_recognised_by_header(data: bytes, kind: str | None) -> None:
    """Each billing file is known by its header; seat reports and pictures are not billing."""
    assert billing_kind(data) == kind


def test_detailed_report_with_github_quirks_reads_canonically() -> None:
    """BOM, CRLF, quoting, exponents, M/D/YY dates and empty cells become canonical rows."""
    rows = seat_rows("Mona", "acme", "2026-09")[:1]
    rows.append(
        ["9/3/26", "copilot", "copilot_ai_credit", "9.4086E-05", "ai-credits", "0.01", "0", "0",
         "0", "", "acme", "", "", ""]
    )  # fmt: skip
    parsed = read_billing("usageReport_1_ab.csv", github_csv(USAGE_HEADER, rows), KIND_DETAILED)
    assert parsed.accepted, parsed.problems
    assert parsed.rows is not None
    frame = parsed.rows
    assert frame.drop("line").schema == pl.Schema(table_schema("usage"))
    assert frame["date"].to_list() == [date(2026, 9, 1), date(2026, 9, 3)]
    assert frame["quantity"][1] == pytest.approx(9.4086e-05)
    assert frame["login"].to_list() == ["mona", None]
    assert frame["repository"].to_list() == [None, None]


def test_bad_cells_are_problems_with_line_and_column() -> None:
    """A bad number, a bad date and an empty sku are each reported at their line."""
    rows = seat_rows("mona", "acme", "2026-09")[:3]
    rows[0][3] = "lots"
    rows[1][0] = "2026-13-45"
    rows[2][2] = ""
    parsed = read_billing("u.csv", github_csv(USAGE_HEADER, rows), KIND_DETAILED)
    assert not parsed.accepted
    found = sorted((p.line, p.column, p.code) for p in parsed.problems)
    assert found == [
        (2, "quantity", "bad-number"),
        (3, "date", "bad-billing-date"),
        (4, "sku", "empty-value"),
    ]


def test_missing_column_is_named() -> None:
    """A detailed report without net_amount is refused with missing-column on line 1."""
    header = [h for h in USAGE_HEADER if h != "net_amount"]
    parsed = read_billing("u.csv", github_csv(header, []), KIND_DETAILED)
    assert [(p.line, p.code) for p in parsed.problems] == [(1, "missing-column")]


def test_ai_report_keeps_pre_and_post_june_rows() -> None:
    """One AI usage file with May and June rows reads both, each with its own date."""
    data = github_csv(AI_HEADER, [ai_row("2026-05-31", "a", 10), ai_row("2026-06-01", "a", 5)])
    parsed = read_billing("ai.csv", data, KIND_AI)
    assert parsed.rows is not None
    assert parsed.rows["date"].dt.month().to_list() == [5, 6]


def test_premium_booleans_are_case_insensitive() -> None:
    """`True` and `FALSE` are booleans; `maybe` is a bad-boolean problem."""
    base = ["2026-03-09", "luna", "copilot", "copilot_premium_request", "Code Review model",
            "2", "requests", "0.04", "0.08", "0", "0.08"]  # fmt: skip
    rows = [
        [*base, "True", "1000", "acme", ""],
        [*base, "FALSE", "1000", "acme", ""],
        [*base, "maybe", "1000", "acme", ""],
    ]
    parsed = read_billing("p.csv", github_csv(PREMIUM_HEADER, rows), KIND_PREMIUM)
    assert [(p.line, p.code) for p in parsed.problems] == [(4, "bad-boolean")]
    ok = read_billing("p.csv", github_csv(PREMIUM_HEADER, rows[:2]), KIND_PREMIUM)
    assert ok.rows is not None
    assert ok.rows["exceeds_quota"].to_list() == [True, False]


def test_legacy_premium_report_has_times_and_no_amounts() -> None:
    """The 6-column legacy report gives dated requests, unlimited quota as null, no money."""
    parsed = read_billing("legacy.csv", LEGACY, KIND_PREMIUM_LEGACY)
    assert parsed.accepted, parsed.problems
    assert parsed.rows is not None
    assert parsed.rows["date"].to_list() == [date(2025, 11, 3), date(2025, 11, 4)]
    assert parsed.rows["total_monthly_quota"].to_list() == [None, 300.0]
    assert parsed.rows["net_amount"].null_count() == 2


def test_licence_report_maps_logins_orgs_and_cost_centers() -> None:
    """The licence report gives login -> name, cost center, SAML name, orgs; GHES-only skipped."""
    parsed = read_billing("export-acme-1793750400.csv", LICENCE, KIND_LICENSE)
    assert parsed.rows is not None
    row = parsed.rows.row(0, named=True)
    assert parsed.rows.height == 1
    assert (row["login"], row["cost_center"], row["saml_name"], row["orgs"]) == (
        "mona",
        "platform",
        "mona@acme.test",
        "acme, acme-eng",
    )
    assert parsed.as_of is not None and parsed.as_of.year == 2026


@pytest.mark.parametrize(
    "sample",
    [
        "usageReport_1_5f0e8c2d9a4b47e1b3c6d8f0a2e4c6b8.csv",
        "aiUsageReport_1_9c1d3e5f7a9b4c2d8e0f1a3b5c7d9e1f.csv",
        "premiumRequestUsageReport_1_2b4d6f8a0c2e4a6c8e0a2c4e6a8c0e2a.csv",
        "export-octo-demo-1793750400.csv",
    ],
)
def test_a_stray_quote_in_the_header_is_malformed_csv_on_line_1(sample: str) -> None:
    """A first header name the csv module and polars read apart (`""date`) is refused on
    line 1 with what to do, never with polars' own words."""
    from analyzer.reading.dispatch import read_file
    from tests.paths import SAMPLES

    parsed = read_file(sample, b'""' + (SAMPLES / sample).read_bytes())
    assert [(p.line, p.code) for p in parsed.errors] == [(1, "malformed-csv")]
    assert "download the report again" in parsed.errors[0].message
    assert "column" in parsed.errors[0].message and "valid columns" not in parsed.errors[0].message
