"""The backtest in the report: computed once, laid out by the page and the workbook."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import openpyxl
import pytest

from analyzer.answers.report_data import build_report_data
from analyzer.model import ReportData, Settings
from analyzer.report.page.html import render_html
from analyzer.report.workbook.book import write_workbook
from analyzer.timeline.quality import FROZEN_DAYS
from tests.backtest_fixture import DAY, EXPECTED, SAVED, T2, history
from tests.helpers import Seat, make_store, ts
from tests.report.test_excel_recalc import SOFFICE, recalculate

NOW = ts("2026-03-02T00:00:00")


def _data(tmp: Path, snapshots: int, settings: Settings | None = None) -> ReportData:
    store = make_store(tmp, "acme", history()[:snapshots])
    return build_report_data(store, "acme", None, settings or Settings(stale_days=45), NOW)


def _page_rows(data: ReportData) -> list[list[str]]:
    tree = lxml.html.document_fromstring(render_html(data))
    rows = tree.xpath("//*[@id='reclaim']//*[@id='backtest']//table/tbody/tr")
    return [[" ".join(td.text_content().split()) for td in tr.xpath("./td")] for tr in rows]


def test_report_data_replays_30_60_90_and_the_configured_threshold(tmp_path: Path) -> None:
    """ReportData.backtest holds 30, 45 (configured), 60 and 90 over the report's snapshots."""
    bt = _data(tmp_path, 3).backtest
    assert bt is not None and bt.needed == 0
    assert [row.stale_days for row in bt.rows] == [30, 45, 60, 90]
    counts = {r.stale_days: [(s.candidates, s.came_back, s.removed, s.stayed_idle)
                             for s in r.steps] for r in bt.rows}  # fmt: skip
    assert {d: counts[d] for d in (30, 60, 90)} == EXPECTED


def test_the_page_carries_the_table_in_the_reclaim_section(tmp_path: Path) -> None:
    """The Reclaim section has one row per threshold with the replayed counts and cost."""
    rows = _page_rows(_data(tmp_path, 3))
    assert [row[0] for row in rows] == ["30 days", "45 days (configured)", "60 days", "90 days"]
    assert rows[0][:7] == ["30 days", "2", "10", "2", "20%", "3", "5"]
    assert rows[0][7] == f"{SAVED[30]:,.2f} USD"
    assert rows[3][:7] == ["90 days", "2", "5", "1", "20%", "1", "3"]


def test_with_two_snapshots_one_line_says_how_many_more(tmp_path: Path) -> None:
    """Before three snapshots the page and workbook say one more is needed, with no table."""
    data = _data(tmp_path, 2)
    assert data.backtest is not None and data.backtest.needed == 1
    tree = lxml.html.document_fromstring(render_html(data))
    block = " ".join(tree.xpath("//*[@id='backtest']")[0].text_content().split())
    assert "The history holds 2 snapshots: 1 more snapshot needed" in block
    assert not tree.xpath("//*[@id='backtest']//table")
    path = tmp_path / "book.xlsx"
    write_workbook(data, path)
    ws = openpyxl.load_workbook(path)["Reclaim"]
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(t.startswith("The history holds 2 snapshots: 1 more needed") for t in texts)
    assert "BacktestTable" not in ws.tables


def test_the_workbook_reclaim_sheet_carries_the_table(tmp_path: Path) -> None:
    """The Reclaim sheet's BacktestTable: counts as values, the saved cost a price formula."""
    data = _data(tmp_path, 3)
    path = tmp_path / "book.xlsx"
    write_workbook(data, path)
    ws = openpyxl.load_workbook(path)["Reclaim"]
    ref = ws.tables["BacktestTable"].ref
    rows = [list(r) for r in ws[ref]]
    header = [c.value for c in rows[0]]
    assert header[:7] == ["Stale after (days)", "Snapshots judged", "Candidates", "Came back",
                          "Came back share", "Removed", "Stayed idle"]  # fmt: skip
    values = {r[0].value: [c.value for c in r] for r in rows[1:]}
    assert sorted(values) == [30, 45, 60, 90]
    assert values[30][1:7] == [2, 10, 2, pytest.approx(0.2), 3, 5]
    business = header.index("Idle seat-months: business")
    assert values[30][business] == pytest.approx(SAVED[30] / 19)
    saved = values[30][header.index("Idle cost saved")]
    assert saved.startswith("=") and "Price_business" in saved
    cached = openpyxl.load_workbook(path, data_only=True)["Reclaim"]
    row = rows[1][header.index("Idle cost saved")].row
    column = rows[1][header.index("Idle cost saved")].column
    assert cached.cell(row, column).value == pytest.approx(SAVED[30])


def test_frozen_activity_is_a_caution_and_a_notice_at_the_top(tmp_path: Path) -> None:
    """A last snapshot with no activity for weeks: a finding naming the day, a page notice."""
    last = T2 - 25 * DAY
    seats = [Seat(f"u{i}", last - i * DAY) for i in range(12)]
    store = make_store(tmp_path, "acme", [(T2 - 40 * DAY, seats), (T2, seats)])
    data = build_report_data(store, "acme", None, Settings(), NOW)
    found = [f for f in data.findings if f.code == "frozen-activity"]
    assert len(found) == 1 and f"after {last:%Y-%m-%d}" in found[0].message
    tree = lxml.html.document_fromstring(render_html(data))
    notice = tree.xpath("//main/*[@id='frozen-activity']")
    assert len(notice) == 1
    text = " ".join(notice[0].text_content().split())
    assert text.startswith("Reclaim figures from this snapshot may be overstated.")
    assert f"{last:%Y-%m-%d}" in text


def test_no_notice_when_activity_is_fresh(tmp_path: Path) -> None:
    """Twelve seats, the latest active FROZEN_DAYS before the report: no finding, no notice."""
    last = T2 - FROZEN_DAYS * DAY
    seats = [Seat(f"u{i}", last - i * DAY) for i in range(12)]
    store = make_store(tmp_path, "acme", [(T2 - 40 * DAY, seats), (T2, seats)])
    data = build_report_data(store, "acme", None, Settings(), NOW)
    assert not [f for f in data.findings if f.code == "frozen-activity"]
    tree = lxml.html.document_fromstring(render_html(data))
    assert not tree.xpath("//*[@id='frozen-activity']")


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice or libreoffice) not on PATH")
def test_the_saved_cost_formula_recomputes_to_the_library_figure(tmp_path: Path) -> None:
    """LibreOffice recomputes each threshold's Idle cost saved to the library's saved cost."""
    data = _data(tmp_path, 3)
    path = tmp_path / "book.xlsx"
    write_workbook(data, path)
    computed = recalculate(path, tmp_path)["Reclaim"]
    written = openpyxl.load_workbook(path)["Reclaim"]
    rows = list(written[written.tables["BacktestTable"].ref])
    header = [c.value for c in rows[0]]
    at = header.index("Idle cost saved")
    found = {r[0].value: computed.cell(r[at].row, r[at].column).value for r in rows[1:]}
    for days in (30, 60, 90):
        assert found[days] == pytest.approx(SAVED[days], abs=0.005)
