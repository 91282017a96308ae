"""The page's CSV downloads hold ISO dates, plain numbers and empty unknowns, never page text."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

import lxml.html
import polars as pl
import pytest

from analyzer.report.page import html
from analyzer.report.page.tables import Cell, money, signed_in
from analyzer.report.page.text import csv_text, fmt_delta, fmt_money
from analyzer.timeline.seats import check_first_list, reclaim_list
from tests.report_fixture import make_report_data

# What a CSV cell may not hold: relative days, "never", a dash, money or thousands as shown.
PAGE_TEXT = re.compile(r"\bago\b|^today$|^never$|^unknown$|\u2014|\d,\d{3}|\bUSD\b|\bUTC\b|%$")


def _downloads(page: str) -> dict[str, list[list[str]]]:
    """Return, per table with a CSV download, what page.js writes for each body cell."""
    tree = lxml.html.document_fromstring(page)
    found: dict[str, list[list[str]]] = {}
    for table in tree.xpath("//table[@data-key]"):
        rows = []
        for tr in table.xpath("./tbody/tr"):
            cells = tr.xpath("./td")
            csv = [td.get("data-csv") for td in cells]
            rows.append([" ".join(td.text_content().split()) if v is None else v
                         for td, v in zip(cells, csv, strict=True)])  # fmt: skip
        found[table.get("data-key")] = rows
    return found


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("1,824.00 USD", "1824.00"),
        ("\u22121,824.00 USD", "-1824.00"),
        ("12,345", "12345"),
        ("37%", "0.37"),
        ("2026-07-05 10:00 UTC", "2026-07-05T10:00:00Z"),
        ("\u2014", ""),
        ("never", ""),
        ("unknown", ""),
        ("12", None),
        ("alice", None),
        ("2026-07-05", None),
    ],
)
def test_csv_text_makes_page_text_machine_readable(shown: str, expected: str | None) -> None:
    """Amounts and counts become plain numbers, times ISO UTC, unknowns empty; the rest stays."""
    assert csv_text(shown) == expected
    assert Cell(shown).csv == expected


def test_money_is_written_figure_first_and_unknown_money_is_no_zero() -> None:
    """One money form, `1,824.00 USD`; an unknown amount is a dash with an empty CSV cell."""
    assert fmt_money(1824.0, "USD") == "1,824.00 USD"
    assert fmt_money(-5.5, "EUR") == "\u22125.50 EUR"
    assert fmt_delta(19.0, "USD") == "+19.00 USD"
    assert (money(1824.0, "USD").text, money(1824.0, "USD").csv) == ("1,824.00 USD", "1824.00")
    assert (money(None, "USD").text, money(None, "USD").csv) == ("\u2014", "")


def test_signed_in_carries_the_sign_in_time_in_the_csv() -> None:
    """ "121 days ago" on the page is the sign-in time itself in the CSV; "never" is empty."""
    when = datetime(2026, 7, 5, 10, 0, tzinfo=UTC)
    cell = signed_in(121, when)
    assert (cell.text, cell.csv) == ("121 days ago", "2026-07-05T10:00:00Z")
    assert (signed_in(None).text, signed_in(None).csv) == ("never", "")


def test_every_downloadable_cell_of_the_page_is_machine_readable() -> None:
    """No CSV cell of any table holds page text; dates are ISO, sign-ins times, costs numbers."""
    data = make_report_data()
    when = datetime(2026, 3, 20, 8, 30, tzinfo=UTC)
    seats = data.seats.with_columns(
        check_first=pl.col("login") == "bob",
        reclaim=pl.col("login") == "cy",
        signed_in_days=pl.when(pl.col("login") == "bob").then(8).otherwise("signed_in_days"),
        last_authenticated=pl.when(pl.col("login") == "bob")
        .then(pl.lit(when))
        .otherwise("last_authenticated"),
    )
    data = dataclasses.replace(
        data, seats=seats, reclaim=reclaim_list(seats), check_first=check_first_list(seats)
    )
    downloads = _downloads(html.render_html(data))
    assert {"reclaim", "check-first"} <= set(downloads)
    for key, rows in downloads.items():
        for row in rows:
            for value in row:
                assert not PAGE_TEXT.search(value), (key, row)
    assert downloads["check-first"] == [
        ["bob", "2026-03-20T08:30:00Z", "Stale", "2026-01-10T00:00:00Z", "Bob Ray", "R&D", "CC-1"]
    ]
    # never active: no idle days, activity or sign-in known, so empty rather than "never"
    assert downloads["reclaim"] == [["Cy", "Never active", "", "", "", ""]]
    assert downloads["sources"][0][0] == "2026-01-28T06:54:00Z"
