"""Billing files as real exports and spreadsheet re-saves write them: read, or refused by cell."""

from __future__ import annotations

import polars as pl
import pytest

from analyzer.billing_schema import (
    KIND_LICENSE,
    KIND_PREMIUM,
    KIND_SUMMARIZED,
    USAGE_SUMMARIZED_HEADER,
    github_csv,
)
from analyzer.reading.billing import billing_kind, read_billing
from tests.billing_fixtures import (
    FULL_PREMIUM_HEADER,
    MARCH_PREMIUM,
    NET,
    QUANTITY,
    TOKEN_HEADER,
    column_sum,
)


def _read(header: list[str], rows: list[list[str]], name: str = "premium.csv"):  # type: ignore[no-untyped-def]
    data = github_csv(header, rows)
    kind = billing_kind(data)
    assert kind is not None
    return read_billing(name, data, kind)


def test_the_march_report_reads_every_row_with_its_pairs_and_orgless_rows() -> None:
    """All ten rows are kept: under/over pairs apart, rows without a user with no login."""
    parsed = _read(FULL_PREMIUM_HEADER, MARCH_PREMIUM)
    assert parsed.kind == KIND_PREMIUM and parsed.accepted, parsed.problems
    rows = parsed.rows
    assert rows is not None and rows.height == len(MARCH_PREMIUM)
    assert rows["net_amount"].sum() == pytest.approx(column_sum(MARCH_PREMIUM, NET))
    assert rows["login"].null_count() == 2
    assert rows.filter(pl.col("date") == pl.date(2026, 3, 9))["exceeds_quota"].to_list() == [
        False,
        True,
    ]


def test_the_token_variant_is_a_premium_report_with_its_tokens_kept() -> None:
    """February 2026's token columns replace aic_*: read, the tokens stored."""
    rows = [[*r[:-2], "1200", "300", "0", "4500"] for r in MARCH_PREMIUM[:3]]
    parsed = _read(TOKEN_HEADER, rows, "Token.Usage.Report.csv")
    assert parsed.kind == KIND_PREMIUM and parsed.accepted, parsed.problems
    assert parsed.rows is not None
    assert parsed.rows["input_tokens"].to_list() == [1200.0] * 3
    assert parsed.rows["cache_read_tokens"].sum() == 3 * 4500
    assert parsed.rows["quantity"].sum() == pytest.approx(column_sum(MARCH_PREMIUM[:3], QUANTITY))


def test_a_row_repeated_exactly_counts_once_with_a_warning() -> None:
    """A copied row is dropped and named by its lines; the file is kept."""
    parsed = _read(FULL_PREMIUM_HEADER, [*MARCH_PREMIUM, MARCH_PREMIUM[5]])
    assert parsed.accepted
    assert [(p.line, p.code, p.severity) for p in parsed.problems] == [
        (7, "duplicate-billing-row", "warning")
    ]
    assert "lines 7, 12" in parsed.problems[0].message
    assert parsed.rows is not None and parsed.rows.height == len(MARCH_PREMIUM)


def test_one_key_with_two_figures_in_one_file_is_refused() -> None:
    """Two rows of one key (exceeds_quota included) with different figures refuse the file."""
    other = list(MARCH_PREMIUM[3])
    other[NET] = "0.7"
    parsed = _read(FULL_PREMIUM_HEADER, [*MARCH_PREMIUM, other])
    assert [(p.line, p.code) for p in parsed.errors] == [(5, "conflicting-billing-row")]


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("net_amount", "NaN", "not-finite"),
        ("quantity", "inf", "not-finite"),
        ("gross_amount", "-993042.94", "negative-amount"),
        ("net_amount", "1e308", "amount-too-large"),
        ("quantity", "1e30", "quantity-too-large"),
        ("net_amount", "", "empty-amount"),
        ("discount_amount", "", "empty-amount"),
    ],
)
def test_impossible_values_are_refused_by_line_and_column(
    column: str, value: str, code: str
) -> None:
    """NaN, inf, negative gross, too large, and empty amounts refuse the file at their cell."""
    rows = [list(r) for r in MARCH_PREMIUM]
    rows[4][FULL_PREMIUM_HEADER.index(column)] = value
    parsed = _read(FULL_PREMIUM_HEADER, rows)
    assert not parsed.accepted
    assert [(p.line, p.column, p.code) for p in parsed.errors] == [(6, column, code)]


def _summarized(days: list[str]) -> bytes:
    rows = [[d, "copilot", "copilot_for_business", "1", "user-months", "19", "19", "0", "19",
             "acme", "", "eng"] for d in days]  # fmt: skip
    return github_csv(USAGE_SUMMARIZED_HEADER, rows)


def test_re_saved_dates_are_read() -> None:
    """`2026/8/7` and an unambiguous `8/25/2026` are the days they name."""
    for days, expected in (
        (["2026/8/7", "2026/8/25"], ["2026-08-07", "2026-08-25"]),
        (["8/7/2026", "8/25/2026"], ["2026-08-07", "2026-08-25"]),
        (["25/8/2026", "7/8/2026"], ["2026-08-25", "2026-08-07"]),
    ):
        parsed = read_billing("u.csv", _summarized(days), KIND_SUMMARIZED)
        assert parsed.accepted, parsed.problems
        assert parsed.rows is not None
        assert [d.isoformat() for d in parsed.rows["date"]] == expected


def test_ambiguous_re_saved_dates_are_refused_never_guessed() -> None:
    """`8/7/2026` beside `9/6/2026` could be either order: refused by line."""
    parsed = read_billing("u.csv", _summarized(["8/7/2026", "9/6/2026"]), KIND_SUMMARIZED)
    assert [(p.line, p.code) for p in parsed.errors] == [
        (2, "ambiguous-date"),
        (3, "ambiguous-date"),
    ]


def test_a_bom_inside_the_quoted_first_header_cell_is_read() -> None:
    """A LibreOffice save keeping the BOM inside the quotes (`"\\ufeffdate"`) is the same file."""
    data = _summarized(["2026-08-07"]).removeprefix(b"\xef\xbb\xbf")
    data = b'"\xef\xbb\xbf' + data[1:]
    assert billing_kind(data) == KIND_SUMMARIZED
    parsed = read_billing("u.csv", data, KIND_SUMMARIZED)
    assert parsed.accepted, parsed.problems


@pytest.mark.parametrize(
    "header",
    [
        "GitHub com login,GitHub com name,License type,GitHub com member roles,Total user accounts",
        "github_com_login,github_com_name,license_type,github_com_member_roles,total_user_accounts",
        "GitHub login,GitHub name,License type,GitHub member roles",
    ],
)
def test_licence_reports_in_every_header_style_are_read(header: str) -> None:
    """Title Case, snake_case and the data-residency prefix; no cost-centre column needed."""
    body = f"{header}\nMona,Mona Lisa,Enterprise,acme:Member{',1' if 'otal' in header else ''}\n"
    data = body.encode()
    assert billing_kind(data) == KIND_LICENSE
    parsed = read_billing("export-acme-1774000000.csv", data, KIND_LICENSE)
    assert parsed.accepted, parsed.problems
    assert parsed.rows is not None
    assert parsed.rows.select("login", "orgs", "cost_center").row(0) == ("mona", "acme", None)


def test_other_products_rows_sharing_a_key_are_not_judged() -> None:
    """Two Actions rows of one key are kept: only Copilot rows are checked for repeats."""
    rows = [["2026-08-07", "actions", "actions_linux", q, "minutes", "0.008", "0.08", "0", "0.08",
             "acme", "", "eng"] for q in ("10", "12")]  # fmt: skip
    parsed = read_billing("u.csv", github_csv(USAGE_SUMMARIZED_HEADER, rows), KIND_SUMMARIZED)
    assert parsed.accepted and parsed.problems == ()
    assert parsed.rows is not None and parsed.rows.height == 2


def test_the_sku_table_decides_copilot_by_sku_then_product() -> None:
    """Known SKU families are Copilot whatever the product; an unknown SKU goes by product."""
    from analyzer.billing_schema import COPILOT_FAMILIES, FAMILY_OTHER, family_mask

    frame = pl.DataFrame(
        {
            "product": ["copilot", "spark", "copilot", "actions", "copilot"],
            "sku": ["copilot_for_business", "spark_premium_request", "copilot_new_thing",
                    "actions_linux", "coding_agent_ai_unit"],
        }
    ).cast(pl.Categorical)  # fmt: skip
    assert frame.select(family_mask(frame, *COPILOT_FAMILIES)).to_series().to_list() == [
        True, True, True, False, True,
    ]  # fmt: skip
    assert frame.select(family_mask(frame, FAMILY_OTHER)).to_series().to_list() == [
        False, False, False, True, False,
    ]  # fmt: skip
