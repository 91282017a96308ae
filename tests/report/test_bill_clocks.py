"""The page's Spend section and the workbook's Bill sheet name the two clocks when they differ."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import lxml.html
import pytest
from openpyxl import load_workbook

from analyzer.answers.bill_clocks import bill_clocks
from analyzer.model import ReportData
from analyzer.report.page import html
from tests.bill_report_fixture import with_bill
from tests.report.test_excel import write

SENTENCE = (
    "Two clocks: seats are billed on the account's cycle from day 15 (seat cycle 2026-10-15 "
    "to 2026-11-14), while the AI-credit pool resets on the 1st of each calendar month "
    "(calendar month 2026-10-01 to 2026-10-31)."
)


def _report(day: int) -> ReportData:
    """Return the October 2026 report fixture whose bill has the seat cycle from `day`."""
    data = with_bill()
    assert data.bill is not None
    bill = dataclasses.replace(data.bill, clocks=bill_clocks(data.bill.month, day))
    return dataclasses.replace(data, bill=bill)


def _labels(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """Return each Spend figure's label by key."""
    return {
        card.get("data-spend"): " ".join(card.find_class("kpi-label")[0].text_content().split())
        for card in tree.xpath("//*[@data-spend]")
    }


def test_page_names_both_clocks_when_the_cycle_starts_on_the_15th() -> None:
    """Day 15: the Spend section says so and every figure's label names its clock."""
    tree = lxml.html.document_fromstring(html.render_html(_report(15)))
    clocks = tree.xpath("//section[@id='spend']//*[@id='spend-clocks']")
    assert len(clocks) == 1
    assert " ".join(clocks[0].text_content().split()).startswith(SENTENCE)
    assert _labels(tree) == {
        "total_billed": "Total billed (calendar month)",
        "seat_cost_billed": "Seat charges (seat cycle)",
        "credit_cost_billed": "AI credits billed (calendar month)",
        "credits_used": "AI credits used (calendar month)",
        "credit_overage_cost": "Credit overage (calendar month)",
    }


def test_page_says_nothing_of_clocks_on_the_first() -> None:
    """Day 1: no clocks line and the labels as they were."""
    tree = lxml.html.document_fromstring(html.render_html(_report(1)))
    assert not tree.xpath("//*[@id='spend-clocks']")
    labels = _labels(tree)
    assert labels["seat_cost_billed"] == "Seat charges"
    assert labels["credits_used"] == "AI credits used"
    assert "Two clocks" not in tree.text_content()


@pytest.mark.parametrize("day", [1, 15])
def test_bill_sheet_names_the_clocks_only_when_they_differ(tmp_path: Path, day: int) -> None:
    """The Bill sheet: the clocks line and clock labels with day 15, neither with the 1st."""
    wb = load_workbook(write(tmp_path, _report(day)))
    labels = [str(r[0]) for r in wb["Bill"].iter_rows(values_only=True) if r and r[0]]
    noted = [t for t in labels if t.startswith("Two clocks: ")]
    if day == 1:
        assert not noted
        assert "Seat charges billed" in labels and "AI credits used" in labels
        assert not [t for t in labels if "(seat cycle)" in t or "(calendar month)" in t]
        return
    assert len(noted) == 1 and noted[0].startswith(SENTENCE)
    assert labels.index(noted[0]) < labels.index("Seat charges billed (seat cycle)")
    for label in (
        "Seat charges the seat history predicts (most) (seat cycle)",
        "Seat charges the seat history predicts (least) (seat cycle)",
        "AI credits used (calendar month)",
        "Credit pool (calendar month)",
        "Credit overage (credits beyond the pool) (calendar month)",
        "Overage cost (calendar month)",
        "AI credits billed (usage report) (calendar month)",
        "Total billed (every Copilot charge, net) (calendar month)",
    ):
        assert label in labels
