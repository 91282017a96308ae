"""Tests of the page's Spend section and its charts (the month's whole bill)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import lxml.html
import polars as pl
import pytest
from openpyxl import load_workbook

from analyzer.answers.report_data import pseudonymize
from analyzer.report.bill_facts import report_seat_note, seat_count_note
from analyzer.report.page import html
from analyzer.report.page.spend_charts import models_chart, pool_chart, split_chart, users_chart
from analyzer.report.palette import SPEND_COLORS
from tests.bill_report_fixture import OVERAGE, POOL, USED, make_bill, with_bill
from tests.report.test_excel import write
from tests.report_fixture import XSS, make_report_data

Tree = lxml.html.HtmlElement


def _page(data: object) -> Tree:
    """Render and parse the page of `data`."""
    return lxml.html.document_fromstring(html.render_html(data))  # type: ignore[arg-type]


def _text(node: Tree) -> str:
    """Return a node's text with runs of white space collapsed."""
    return " ".join(node.text_content().split())


def _cards(tree: Tree) -> dict[str, tuple[str, str]]:
    """Return each Spend figure's (value, note) by key."""
    return {
        card.get("data-spend"): (
            _text(card.find_class("kpi-value")[0]),
            _text(card.find_class("kpi-note")[0]),
        )
        for card in tree.xpath("//*[@data-spend]")
    }


def _rows(tree: Tree, key: str) -> list[list[str]]:
    """Return the body rows of the table with data-key `key`."""
    rows = tree.xpath(f"//table[@data-key='{key}']/tbody/tr")
    return [[_text(td) for td in tr.xpath("./td")] for tr in rows]


@pytest.fixture(scope="module")
def tree() -> Tree:
    """Return the parsed page of the fixture with an October bill over the pool."""
    return _page(with_bill())


def test_spend_section_shows_the_figures(tree: Tree) -> None:
    """With billing data the section has the bill's figures, as billed and against the pool."""
    cards = _cards(tree)
    assert cards["total_billed"][0] == "200.00 USD"
    assert cards["seat_cost_billed"] == (
        "115.00 USD",
        "as billed; the seat history predicts 115.00 USD",
    )
    assert cards["credits_used"] == ("20,000", "174% of the pool of 11,500")
    assert cards["credit_overage_cost"][0] == "85.00 USD"
    assert tree.xpath("//nav//a[@href='#spend']")
    assert tree.xpath("//*[@id='spend-hint']") == []


def test_reconciliation_line_and_exceptions_table(tree: Tree) -> None:
    """The reconciliation is one line; its exceptions are a sortable, filterable table."""
    line = _text(tree.get_element_by_id("spend-reconciliation"))
    assert line == "seat charges billed 115.00 USD, the seat history expects 115.00; 1 exception"
    assert _rows(tree, "bill-exceptions") == [
        ["ghost", "billed-not-seated", f"billed for 31 days {XSS}"]
    ]
    assert tree.xpath("//*[@class='table-tools' and @data-for='bill-exceptions']")


def test_report_text_in_the_section_is_escaped() -> None:
    """A hostile model name or exception detail is text, never markup."""
    page = html.render_html(with_bill())
    assert XSS not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_idle_seat_with_credits_and_heavy_users_are_flagged(tree: Tree) -> None:
    """bob's idle seat used credits; ann is the heavy user; most credits first."""
    rows = _rows(tree, "bill-flagged")
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("ann", "heavy user", "12,000.0"),
        ("bob", "idle seat, uses AI credits", "6,000.0"),
    ]


def test_per_cost_centre_table_sums_the_people(tree: Tree) -> None:
    """Cost centres show seats, seat charges, credits, overage share and total."""
    rows = {r[0]: r for r in _rows(tree, "bill-by-cost-center")}
    assert rows["CC-1"][1:] == [
        "2", "38.00 USD", "38.00 USD", "18,000.0", "76.50 USD", "114.50 USD"
    ]  # fmt: skip
    assert rows["(unmapped)"][4] == "0.0"  # the AI usage report is known: cy used none


def test_story_says_the_whole_bill_once(tree: Tree) -> None:
    """The header story gains one sentence on the whole bill."""
    story = _text(tree.get_element_by_id("story"))
    assert (
        "GitHub billed 200.00 USD for Copilot in 2026-10: seats 115.00 USD and 20,000 of the "
        "pool's 11,500 AI credits used (85.00 USD billed for credits); 1 billing exception below."
    ) in story


def test_without_billing_files_one_line_says_what_to_download() -> None:
    """No bill: the section is one line naming the files to download, and no figure."""
    data = dataclasses.replace(make_report_data(), billing_months=("2026-01",))
    tree = _page(data)
    hint = _text(tree.get_element_by_id("spend-hint"))
    assert hint.startswith("No billing files for 2026-03: to see the whole Copilot bill")
    assert "Billing & licensing > Usage > Get usage report" in hint
    assert "Premium request analytics" in hint  # March 2026: before AI credits
    assert "billing rows of acme for 2026-01" in hint
    assert tree.xpath("//*[@data-spend]") == []
    assert "GitHub billed" not in _text(tree.get_element_by_id("story"))


def test_a_missing_ai_usage_report_is_said_never_zero() -> None:
    """Without the AI usage report, credits and overage say what is missing, never 0."""
    tree = _page(with_bill(credits_known=False))
    cards = _cards(tree)
    reason = "no AI usage report for 2026-10: credits unknown"
    assert cards["credits_used"] == ("unknown", reason)
    assert cards["credit_overage_cost"] == ("unknown", reason)
    absent = _text(tree.get_element_by_id("chart-spend-pool-absent"))
    assert reason in absent
    assert "unknown" in _text(tree.get_element_by_id("story"))
    table = tree.xpath("//table[@data-key='bill-by-cost-center']")[0]
    headers = [_text(th) for th in table.xpath(".//thead//th")]
    assert headers == [  # the credit columns and the totals, without data, are left out
        "Cost centre", "Seats", "Seat charges billed", "Seat charges expected"
    ]  # fmt: skip
    rows = {r[0]: r for r in _rows(tree, "bill-by-cost-center")}
    assert rows["CC-1"][2] == "38.00 USD"  # billed seat charges; no credit figure at all


def test_pool_chart_draws_cumulative_credits_against_the_pool() -> None:
    """The pool chart: credits so far by day, and the pool as a flat line over the month."""
    chart = pool_chart(make_bill())
    assert chart.figure is not None
    used, pool = chart.figure.data
    assert list(used.y) == [5_000.0, 12_000.0, USED]
    assert list(used.x) == ["2026-10-01", "2026-10-02", "2026-10-05"]
    assert list(pool.y) == [POOL, POOL] and list(pool.x) == ["2026-10-01", "2026-10-31"]
    assert {t.type for t in chart.figure.data} <= {"bar", "scatter"}


def test_split_chart_compares_seats_and_credits_only_when_both_are_billed() -> None:
    """Seats vs credits as billed: drawn with both; one line when credits cost nothing."""
    chart = split_chart(make_bill())
    assert chart.figure is not None
    assert list(chart.figure.data[0].x) == [115.0, OVERAGE * 0.01]
    none = split_chart(make_bill(credit_cost=0.0))
    assert none.figure is None
    assert none.absent == (
        "No AI credits were charged: seat charges (115.00 USD) are the whole Copilot bill."
    )


def test_top_charts_need_two_things_to_compare() -> None:
    """Top models and users are drawn from two on, most first; one model gives a sentence."""
    bill = make_bill()
    models = models_chart(bill)
    assert models.figure is not None and list(models.figure.data[0].x) == [15_000.0, 5_000.0]
    users = users_chart(bill)
    assert users.figure is not None and list(users.figure.data[0].y) == ["ann", "bob", "eve"]
    one = dataclasses.replace(bill, models=bill.models.head(1))
    assert models_chart(one).figure is None
    assert models_chart(one).absent == "Only one model was used: Claude Sonnet 4.6."
    unknown = models_chart(make_bill(credits_known=False))
    assert unknown.figure is None and "no AI usage report" in unknown.absent


def test_pseudonymized_report_masks_the_bill_logins() -> None:
    """--pseudonymize replaces the bill's logins as it replaces the seats'."""
    data = pseudonymize(with_bill())
    assert data.bill is not None
    logins = set(data.bill.people["login"].to_list()) | {e.login for e in data.bill.exceptions}
    assert all(login.startswith("user-") for login in logins)
    assert data.bill.people["login"][0] == data.seats["login"][0]


def test_captions_count_what_the_chart_draws() -> None:
    """The captions say how many bars are drawn and name the heavy users' colour."""
    bill = make_bill()
    assert models_chart(bill).note.startswith("The 2 models with most AI credits")
    users = users_chart(bill)
    assert users.note.startswith("The 3 users with most AI credits")
    assert "heavy users (the top 1 %, 1 in all) in orange" in users.note
    assert users.figure is not None
    colors = users.figure.data[0].marker.color
    assert colors[0] == SPEND_COLORS["heavy"] == "#bc4c00"  # ann, the heavy user: orange


def test_seat_counts_that_differ_say_why() -> None:
    """The bill's seat count against the snapshot's comes with one line giving the reasons."""
    people = make_bill().people.with_columns(
        days_low=pl.Series([31, 31, 10, 0, 31]), days_high=pl.Series([31, 31, 10, 31, 31])
    )
    bill = dataclasses.replace(make_bill(), people=people)
    at_close = pl.Series(["ann", "bob", "eve", "zed"])
    note = seat_count_note(bill, at_close, "2026-10-31")
    assert note == (
        "The bill tables count 5 seats held on some day of 2026-10; the 2026-10-31 snapshot "
        "counts 4: 1 login not in the snapshot held a seat for part of the month; 1 login not "
        "in the snapshot held a seat between two snapshots (0 to 31 days); 1 of the snapshot's "
        "seats are not in the month's seat history."
    )
    assert seat_count_note(bill, people["login"], "2026-10-31") is None


def test_the_seat_count_line_is_on_the_page_and_the_bill_sheet(tmp_path: Path) -> None:
    """The page's reconciliation and the Bill sheet carry the same seat-count line."""
    data = with_bill()
    people = data.bill.people.with_columns(days_high=pl.Series([31, 31, 10, 0, 31]))  # type: ignore[union-attr]
    data = dataclasses.replace(data, bill=dataclasses.replace(data.bill, people=people))  # type: ignore[type-var]
    note = report_seat_note(data)
    assert note is not None and "4 seats held" in note
    assert _text(_page(data).get_element_by_id("spend-seat-note")) == note
    book = load_workbook(write(tmp_path, data), data_only=True)
    assert note in [c.value for row in book["Bill"].iter_rows() for c in row]
