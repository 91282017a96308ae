"""Tests of the monthly HTML page, read back as a parsed document."""

from __future__ import annotations

import dataclasses
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import plotly.offline
import polars as pl
import pytest

from analyzer.model import ReportData
from analyzer.report import html
from analyzer.report.charts import build_charts
from tests.report_fixture import XSS, make_report_data

SECTIONS = ("summary", "kpis", "charts", "reclaim", "changes", "quality", "sources", "definitions")
SCRIPT_BREAKER = "</script><script>alert(1)</script>"
Tree = lxml.html.HtmlElement


def _parse(page: str) -> Tree:
    """Parse a page into an lxml document."""
    return lxml.html.document_fromstring(page)


def _text(node: Tree) -> str:
    """Return a node's text with runs of white space collapsed."""
    return " ".join(node.text_content().split())


def _rows(tree: Tree, section: str) -> list[list[str]]:
    """Return the text of each body cell of the first table in a section."""
    rows = tree.xpath(f"//*[@id='{section}']//table[1]/tbody/tr")
    return [[_text(td) for td in tr.xpath("./td")] for tr in rows]


def _texts(tree: Tree, element_id: str, tag: str) -> list[str]:
    """Return the text of every `tag` element under the element with `element_id`."""
    return [_text(node) for node in tree.xpath(f"//*[@id='{element_id}']//{tag}")]


def _with_candidates(data: ReportData, n: int) -> ReportData:
    """Return `data` with `n` reclaim candidates (numbered logins, the frame's order kept)."""
    reclaim = data.reclaim.sample(n, with_replacement=True, seed=1).with_columns(
        display_login=pl.format("user{}", pl.int_range(n).cast(pl.String).str.zfill(6))
    )
    seats = data.seats.sample(n, with_replacement=True, seed=1)
    return dataclasses.replace(data, reclaim=reclaim, seats=seats)


@pytest.fixture(scope="module")
def page() -> str:
    """Render the fixture's page once for the read-only tests."""
    return html.render_html(make_report_data())


@pytest.fixture(scope="module")
def tree(page: str) -> Tree:
    """Parse the fixture's page once."""
    return _parse(page)


def test_every_section_has_its_stable_id(tree: Tree) -> None:
    """The page has one element per section id, in reading order."""
    found = [tree.get_element_by_id(section) for section in SECTIONS]
    assert [node.get("id") for node in found] == list(SECTIONS)


def test_header_names_scope_month_snapshots_generation_and_version(tree: Tree) -> None:
    """The header shows both snapshot times, the generation time and the version, in UTC."""
    header = _text(tree.get_element_by_id("summary"))
    assert "acme" in header and "March 2026" in header and "2026-03" in header
    assert _text(tree.get_element_by_id("current-snapshot")) == "2026-03-28 06:54 UTC"
    assert _text(tree.get_element_by_id("previous-snapshot")) == "2026-02-28 06:54 UTC"
    assert _text(tree.get_element_by_id("generated-at")) == "2026-04-02 09:00 UTC"
    assert _text(tree.get_element_by_id("tool-version")) == "copilot-seats 0.1.0"
    assert "5 Copilot seats on 2026-03-28 (+1 since last month)" in header


def test_kpis_show_the_fixture_figures_and_their_changes(tree: Tree) -> None:
    """Each card shows the current figure and the signed change against last month."""
    cards = {
        card.get("data-kpi"): (
            _text(card.find_class("kpi-value")[0]),
            _text(card.find_class("kpi-delta")[0]),
        )
        for card in tree.xpath("//*[@id='kpis']//*[@data-kpi]")
    }
    assert cards == {
        "seats": ("5", "+1"),
        "active": ("1", "\u22121"),
        "stale": ("2", "+1"),
        "never_active": ("1", "\u00b10"),
        "new": ("1", "+1"),
        "pending_cancellation": ("1", "\u00b10"),
        "monthly_cost": ("USD 115.00", "+USD 19.00"),
        "idle_monthly_cost": ("USD 77.00", "+USD 39.00"),
        "reclaim_candidates": ("2", "+1"),
    }


def test_without_previous_month_there_is_no_delta_and_no_changes() -> None:
    """A first month shows no change figures, says so in the header and the changes section."""
    data = dataclasses.replace(
        make_report_data(), previous=None, previous_snapshot=None, changes=None
    )
    tree = _parse(html.render_html(data))
    assert tree.find_class("kpi-delta") == []
    assert len(tree.xpath("//*[@data-kpi]")) == 9
    assert _text(tree.get_element_by_id("previous-snapshot")) == "no previous month"
    assert "No previous month" in _text(tree.get_element_by_id("changes"))


def test_reclaim_table_lists_the_candidates_in_order(tree: Tree) -> None:
    """The reclaim rows are the frame's rows, in its order, with text from the report."""
    rows = _rows(tree, "reclaim")
    assert [row[0] for row in rows] == ["Cy", "bob"]
    assert rows[0][:3] == ["Cy", "Never active", "never"]
    assert rows[1] == [
        "bob",
        "Stale",
        "77",
        "2026-01-10",
        "2026-01-28",
        "github.com",
        "acme",
        XSS,
        "business",
        "USD 19.00",
    ]
    assert tree.xpath("//*[@id='reclaim']//*[@class='more']") == []


def test_reclaim_table_stops_at_200_rows_and_says_how_many_more() -> None:
    """250 candidates show the first 200 and a line naming the 50 left to the workbook."""
    tree = _parse(html.render_html(_with_candidates(make_report_data(), 250)))
    rows = _rows(tree, "reclaim")
    assert len(rows) == 200
    assert [r[0] for r in rows[:2]] == ["user000000", "user000001"]
    assert rows[-1][0] == "user000199"
    (more,) = tree.xpath("//*[@id='reclaim']//*[@class='more']")
    assert _text(more) == "50 more are in the workbook."


def test_changes_section_shows_lists_matrix_and_moves(tree: Tree) -> None:
    """Added seats, the transition count matrix and moves come from the SeatDiff."""
    assert _rows(tree, "changes-added") == [["Eve", "acme", "\u2014", "New"]]
    assert "No seat was removed." in _text(tree.get_element_by_id("changes-removed"))
    matrix = {row[0]: row[1:] for row in _rows(tree, "changes-matrix")}
    assert matrix["Active"] == ["\u2014", "1", "0", "0"]
    assert _rows(tree, "changes-transitions") == [["bob", "Active", "Stale", "lapsed"]]
    assert _rows(tree, "changes-moves") == [["dee", "team", "\u2014", "sales"]]


def test_findings_sources_and_definitions_are_listed(tree: Tree) -> None:
    """Findings (most severe first), sources with a 12-hex hash, and every setting appear."""
    findings = _rows(tree, "quality")
    assert [r[:2] for r in findings] == [
        ["caution", "auth-without-activity"],
        ["info", "first-snapshot-caveat"],
    ]
    sources = _rows(tree, "sources")
    assert [r[0] for r in sources] == [
        "2026-01-28 06:54 UTC",
        "2026-02-28 06:54 UTC",
        "2026-03-28 06:54 UTC",
    ]
    assert sources[2][1:5] == [
        "current",
        "activity-org",
        "acme-seat-activity-1774680873.csv",
        "c3c3c3c3c3c3",
    ]
    terms = dict(
        zip(
            _texts(tree, "definition-list", "dt"),
            _texts(tree, "definition-list", "dd"),
            strict=True,
        )
    )
    assert terms == dict(make_report_data().definitions)
    settings = dict(
        zip(_texts(tree, "settings-list", "dt"), _texts(tree, "settings-list", "dd"), strict=True)
    )
    assert settings["Stale after"] == "30 days without known activity"
    assert settings["Grace period for new seats"] == "30 days"
    assert settings["Monthly price per seat"] == "business: USD 19.00, enterprise: USD 39.00"
    assert settings["Default plan"] == "business"
    assert settings["Currency"] == "USD"
    assert settings["Excluded logins"] == settings["Excluded login patterns"] == "none"
    assert settings["Configuration file"] == "none (built-in defaults)"


def test_pseudonymized_notice_only_when_pseudonymized(tree: Tree) -> None:
    """The notice that logins are pseudonymized shows exactly when the data says so."""
    assert tree.xpath("//*[@id='pseudonymized']") == []
    data = dataclasses.replace(make_report_data(), pseudonymized=True)
    notice = _parse(html.render_html(data)).get_element_by_id("pseudonymized")
    assert "Logins are pseudonymized" in _text(notice)


def test_hostile_text_stays_text(page: str, tree: Tree) -> None:
    """A team named like an <img> tag is shown as text and never becomes an element."""
    assert "<img" not in page
    assert tree.xpath("//img") == [] and tree.xpath("//*[@onerror]") == []
    assert XSS in [_text(td) for td in tree.xpath("//*[@id='reclaim']//td")]
    expected = 1 + len(build_charts(make_report_data()))
    assert len(tree.xpath("//script")) == page.lower().count("<script") == expected


def test_a_script_closing_name_cannot_break_out_of_a_chart() -> None:
    """A team named "</script><script>..." leaves the script count unchanged and shows as text."""
    data = make_report_data()
    team = data.breakdowns["team"].with_columns(key=pl.Series([SCRIPT_BREAKER, "s", "(u)"]))
    reclaim = data.reclaim.with_columns(team=pl.lit(SCRIPT_BREAKER))
    data = dataclasses.replace(data, breakdowns={**data.breakdowns, "team": team}, reclaim=reclaim)
    page = html.render_html(data)
    expected = 1 + len(build_charts(data))
    assert page.lower().count("<script") == expected
    assert page.lower().count("</script") == expected
    tree = _parse(page)
    assert len(tree.xpath("//script")) == expected
    assert SCRIPT_BREAKER in [_text(td) for td in tree.xpath("//*[@id='reclaim']//td")]


def test_plotly_js_is_embedded_exactly_once(page: str, tree: Tree) -> None:
    """The page carries one inline copy of plotly.js and every chart script after it."""
    js = plotly.offline.get_plotlyjs()
    assert page.count(js[:2000]) == 1
    scripts = tree.xpath("//script")
    assert scripts[0].text == js
    assert all("Plotly.newPlot" in s.text for s in scripts[1:])
    assert all(s.get("src") is None for s in scripts)


def test_nothing_is_fetched_from_the_network(tree: Tree) -> None:
    """No src/href leaves the page, no stylesheet link, no CSS url(); a CSP forbids requests."""
    for node in tree.xpath("//*[@src or @href]"):
        for attr in ("src", "href"):
            value = (node.get(attr) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (node.tag, value)
    assert [link.get("href") for link in tree.xpath("//link")] == ["data:,"]
    styles = " ".join(s.text for s in tree.xpath("//style"))
    assert "url(" not in styles and "@import" not in styles
    (csp,) = tree.xpath("//meta[@http-equiv='Content-Security-Policy']")
    assert "default-src 'none'" in csp.get("content")


def test_same_data_gives_the_same_page_apart_from_generation_time() -> None:
    """Two renders differing only in generated_at are equal once that time is removed."""
    data = make_report_data()
    later = dataclasses.replace(data, generated_at=datetime(2026, 5, 9, 17, 45, tzinfo=UTC))
    first, second = html.render_html(data), html.render_html(later)
    assert first != second
    assert first.replace("2026-04-02 09:00 UTC", "") == second.replace("2026-05-09 17:45 UTC", "")


def test_write_html_writes_the_rendered_page(tmp_path: Path) -> None:
    """write_html leaves exactly the rendered page and no temporary file."""
    data = make_report_data()
    target = tmp_path / "out" / "report.html"
    html.write_html(data, target)
    assert target.read_text(encoding="utf-8") == html.render_html(data)
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


def test_a_failing_render_leaves_no_file_and_no_temp_file(tmp_path: Path) -> None:
    """Data that cannot be rendered raises and leaves the folder as it was."""
    broken = dataclasses.replace(
        make_report_data(), history=make_report_data().history.drop("active")
    )
    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        html.write_html(broken, tmp_path / "report.html")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_render_keeps_the_previous_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When rendering fails the old page stays whole and no temporary file is left."""
    target = tmp_path / "report.html"
    target.write_text("old page", encoding="utf-8")

    def fail(data: ReportData) -> str:
        raise RuntimeError("render failed")

    monkeypatch.setattr(html, "render_html", fail)
    with pytest.raises(RuntimeError, match="render failed"):
        html.write_html(make_report_data(), target)
    assert target.read_text(encoding="utf-8") == "old page"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_page_beyond_plotly_js_stays_small(page: str) -> None:
    """Apart from plotly.js the fixture's page is a few tens of kilobytes."""
    rest = len(page.encode()) - len(plotly.offline.get_plotlyjs().encode())
    assert rest < 100_000


def test_100k_candidates_render_quickly_and_show_only_200_rows() -> None:
    """A 100,000-row reclaim frame renders in well under a second with 200 rows shown."""
    data = _with_candidates(make_report_data(), 100_000)
    html.render_html(data)  # pay plotly.js loading and template compiling once
    start = time.perf_counter()
    page = html.render_html(data)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0
    tree = _parse(page)
    assert len(_rows(tree, "reclaim")) == 200
    assert re.search(r"99,800 more are in the workbook\.", page)
