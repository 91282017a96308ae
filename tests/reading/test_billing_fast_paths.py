"""The billing reader's fast paths give what the cell-by-cell checks give, problems included."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from analyzer.billing_schema import KIND_DETAILED, KIND_PREMIUM, github_csv
from analyzer.reading.billing import read_billing
from analyzer.reading.billing_values import parse_days
from analyzer.reading.problems import ProblemLog
from analyzer.store.billing import billing_files
from analyzer.store.folder import Store
from tests.billing_fixtures import (
    FULL_PREMIUM_HEADER,
    MARCH_PREMIUM,
    USAGE_HEADER,
    ingest_bytes,
    seat_rows,
)


def _premium(column: str, value: str) -> list[tuple[int, str, str]]:
    rows = [list(r) for r in MARCH_PREMIUM]
    rows[2][FULL_PREMIUM_HEADER.index(column)] = value
    parsed = read_billing("p.csv", github_csv(FULL_PREMIUM_HEADER, rows), KIND_PREMIUM)
    return [(p.line, p.column, p.code) for p in parsed.errors]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("gross_amount", "-inf", [(4, "gross_amount", "not-finite")]),
        ("net_amount", "1000000000", []),
        ("net_amount", "1000000000.01", [(4, "net_amount", "amount-too-large")]),
        ("net_amount", "-1000000000.01", [(4, "net_amount", "amount-too-large")]),
        ("quantity", "1000000000000", []),
        ("quantity", "-0.5", []),
        ("gross_amount", "-0.01", [(4, "gross_amount", "negative-amount")]),
    ],
)
def test_a_column_cleared_by_its_sum_and_range_is_judged_as_cell_by_cell(
    column: str, value: str, expected: list[tuple[int, str, str]]
) -> None:
    """Limits are inclusive, -inf is not-finite only, a negative quantity passes: as per cell."""
    assert _premium(column, value) == expected


def test_one_bad_value_among_many_is_found_at_its_line() -> None:
    """A NaN in the last of 3,000 good rows is reported at that row's line, and only it."""
    rows = [r for n in range(100) for r in seat_rows(f"u{n}", "acme", "2026-09")]
    rows[-1][USAGE_HEADER.index("net_amount")] = "NaN"
    parsed = read_billing("u.csv", github_csv(USAGE_HEADER, rows), KIND_DETAILED)
    assert [(p.line, p.column, p.code) for p in parsed.errors] == [
        (len(rows) + 1, "net_amount", "not-finite")
    ]


@pytest.mark.parametrize(
    ("values", "days", "codes"),
    [
        (["2026-08-07", "2026-08-31"], [date(2026, 8, 7), date(2026, 8, 31)], []),
        ([" 2026-08-07", "2026-08-31 "], [date(2026, 8, 7), date(2026, 8, 31)], []),
        (["2026-08-07", "2019-12-31"], [date(2026, 8, 7), date(2019, 12, 31)], [3]),
        (["2026-08-07", None], [date(2026, 8, 7), None], [3]),
    ],
)
def test_days_in_githubs_form_read_as_when_read_value_by_value(
    values: list[str | None], days: list[date | None], codes: list[int]
) -> None:
    """Padded days are read; a day before 2020 or a missing one is a problem at its line."""
    log = ProblemLog("u.csv")
    parsed = parse_days(pl.Series("date", values), pl.Series([2, 3]), "date", log)
    assert parsed.to_list() == days
    assert [p.line for p in log.finish() if p.code == "bad-billing-date"] == codes


def test_an_ingested_billing_file_is_kept_byte_for_byte(tmp_path: Path) -> None:
    """The original (copied from the file read) holds the very bytes its sha256 names."""
    data = github_csv(USAGE_HEADER, seat_rows("mona", "acme", "2026-09"))
    store = Store(tmp_path / "store")
    assert ingest_bytes(store, tmp_path / "in", {"usageReport_1_ab.csv": data}) == ["stored"]
    (item,) = billing_files(store.root)
    kept = store.root / "originals" / item.sha256 / "usageReport_1_ab.csv"
    assert kept.read_bytes() == data
    assert hashlib.sha256(data).hexdigest() == item.sha256
