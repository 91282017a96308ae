"""Tests of the monthly HTML page, read back as a parsed document."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import plotly.offline
import polars as pl
import pytest

import analyzer
from analyzer.model import ReportData
from analyzer.report.page import html
from analyzer.report.page.charts import build_charts
from analyzer.timeline.seats import check_first_list, reclaim_list
from tests.report_fixture import XSS, make_report_data

PACKAGE = Path(analyzer.__file__).parent

SECTIONS = (
    "summary",
    "kpis",
    "charts",
    "reclaim",
    "check-first",
    "changes",
    "quality",
    "sources",
    "definitions",
)
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
    assert "5 seats costing 115.00 USD a month on 2026-03-28; 3 idle (77.00 USD)." in header
    assert len(header) < 700  # the top reads in one glance, before the cards
    story = _text(tree.get_element_by_id("story"))
    assert (
        "acme has 5 Copilot seats on 2026-03-28, costing 115.00 USD a month: +1 seat and "
        "+19.00 USD since last month (2026-02-28)."
    ) in story


def test_the_top_says_what_to_do_first_with_its_figure_in_bold(tree: Tree) -> None:
    """At most five lines; the reclaim action first, its seats and saving in bold."""
    lines = tree.xpath("//*[@id='top-findings']/li")
    assert 1 <= len(lines) <= 5
    assert lines[0].get("data-top") == "reclaim"
    assert _text(lines[0]).startswith("Remove 2 seats: 38.00 USD a month from the next billing")
    assert [_text(b) for b in lines[0].findall("strong")] == ["2 seats", "38.00 USD a month"]


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
        "monthly_cost": ("115.00 USD", "+19.00 USD"),
        "idle_monthly_cost": ("77.00 USD", "+39.00 USD"),
        "reclaim_candidates": ("2", "+1"),
        "check_first": ("0", "\u00b10"),
    }


def test_without_previous_month_there_is_no_delta_and_no_changes() -> None:
    """A first month shows no change figures, says so in the header and the changes section."""
    data = dataclasses.replace(
        make_report_data(), previous=None, previous_snapshot=None, changes=None
    )
    tree = _parse(html.render_html(data))
    assert tree.find_class("kpi-delta") == []
    assert len(tree.xpath("//*[@data-kpi]")) == 10
    assert _text(tree.get_element_by_id("previous-snapshot")) == "no previous month"
    assert "No previous month" in _text(tree.get_element_by_id("changes"))


def test_reclaim_table_lists_the_candidates_in_order(tree: Tree) -> None:
    """The reclaim rows are the frame's rows, in its order, with people and sign-in columns."""
    headers = [_text(th) for th in tree.xpath("//*[@id='reclaim']//table[1]/thead//th")]
    assert headers == [
        "Login",
        "State",
        "Idle days",
        "Last activity",
        "Signed in",
        "Surface",
        "Name",
        "Department",
        "Cost centre",
        "Team",
    ]
    rows = _rows(tree, "reclaim")
    assert [row[0] for row in rows] == ["Cy", "bob"]
    assert rows[0][1:3] == ["Never active", "never"]
    assert rows[1] == [
        "bob",
        "Stale",
        "77",
        "2026-01-10",
        "never",
        "github.com",
        "Bob Ray",
        "R&D",
        "CC-1",
        XSS,
    ]
    (surface,) = tree.xpath("//*[@id='reclaim']//td[@title='github.com']")
    assert surface.get("data-csv") == "github.com"
    assert tree.xpath("//*[@id='reclaim']//*[@class='more']") == []


def test_constant_columns_fold_into_the_caption(tree: Tree) -> None:
    """Orgs, plan and cost, the same for every candidate, are said once in the lead."""
    lead = _text(tree.xpath("//*[@id='reclaim']/p[@class='lead']")[0])
    assert "2 seats, longest idle first." in lead
    assert "All: org acme, plan business, 19.00 USD a month each." in lead
    assert "most expensive" not in lead


def _with_check_first(data: ReportData) -> ReportData:
    """Return `data` where bob signed in 3 days ago: a check-first seat, no longer reclaim."""
    seats = data.seats.with_columns(
        check_first=pl.col("login") == "bob",
        reclaim=pl.col("login") == "cy",
        signed_in_days=pl.when(pl.col("login") == "bob")
        .then(3)
        .otherwise(pl.col("signed_in_days")),
    )
    return dataclasses.replace(
        data, seats=seats, reclaim=reclaim_list(seats), check_first=check_first_list(seats)
    )


def test_check_first_table_has_its_sentence_sign_in_and_cost() -> None:
    """Idle seats that signed in recently have their own table and the ask-first sentence."""
    tree = _parse(html.render_html(_with_check_first(make_report_data())))
    section = _text(tree.get_element_by_id("check-first"))
    assert "no activity reported: Copilot telemetry may be off; ask before removing" in section
    assert _rows(tree, "check-first") == [
        ["bob", "3 days ago", "Stale", "2026-01-10", "Bob Ray", "R&D", "CC-1"]
    ]
    assert "19.00 USD a month each" in section
    assert [r[0] for r in _rows(tree, "reclaim")] == ["Cy"]


def test_hidden_charts_say_why_and_shown_charts_carry_their_figure(tree: Tree) -> None:
    """Each chart is a plot with its JSON block, or a line with the reason it is not drawn."""
    for chart in build_charts(make_report_data()):
        if chart.shown:
            (block,) = tree.xpath(f"//script[@id='{chart.div_id}-data']")
            assert block.get("type") == "application/json"
            assert json.loads(block.text)["data"]
        else:
            assert chart.absent in _text(tree.get_element_by_id(f"{chart.div_id}-absent"))
            assert tree.xpath(f"//*[@id='{chart.div_id}']") == []


def test_first_snapshot_says_history_starts_here_and_how_to_backfill() -> None:
    """With one snapshot the story says so and names both ways to backfill."""
    data = make_report_data()
    first = dataclasses.replace(
        data,
        previous=None,
        previous_snapshot=None,
        changes=None,
        follow_through=None,
        history=data.history.tail(1),
        sources=data.sources[-1:],
    )
    story = _text(_parse(html.render_html(first)).get_element_by_id("story"))
    assert "History starts here" in story
    assert "older report downloads" in story and "--as-of" in story
    assert "since last month" not in story


def test_story_says_each_figure_once(tree: Tree) -> None:
    """The header paragraph names the seats, cost, movement, savings and follow-through once."""
    story = _text(tree.get_element_by_id("story"))
    assert story.count("38.00 USD") == 1
    assert "potential savings from the next billing cycle" in story
    assert "yearly" not in story and "a year" not in story
    assert "1 lapsed into stale" in story
    assert "Of the 1 reclaim candidates of 2026-02-28" in story
    assert "Data quality: 1 caution and 1 note" in story


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
    assert settings["Monthly price per seat"] == "business: 19.00 USD, enterprise: 39.00 USD"
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


def _scripts(data: ReportData) -> int:
    """Return how many script elements the page of `data` has: two plus one per drawn chart."""
    return 2 + sum(chart.shown for chart in build_charts(data))


def test_hostile_text_stays_text(page: str, tree: Tree) -> None:
    """A team named like an <img> tag is shown as text and never becomes an element."""
    assert "<img" not in page
    assert tree.xpath("//img") == [] and tree.xpath("//*[@onerror]") == []
    assert XSS in [_text(td) for td in tree.xpath("//*[@id='reclaim']//td")]
    expected = _scripts(make_report_data())
    assert len(tree.xpath("//script")) == page.lower().count("<script") == expected


def test_a_script_closing_name_cannot_break_out_of_a_chart() -> None:
    """A team named "</script><script>..." leaves the script count unchanged and shows as text."""
    data = make_report_data()
    team = data.breakdowns["team"].with_columns(key=pl.Series([SCRIPT_BREAKER, "s", "(u)"]))
    reclaim = data.reclaim.with_columns(team=pl.lit(SCRIPT_BREAKER))
    data = dataclasses.replace(data, breakdowns={**data.breakdowns, "team": team}, reclaim=reclaim)
    page = html.render_html(data)
    expected = _scripts(data)
    assert page.lower().count("<script") == expected
    assert page.lower().count("</script") == expected
    tree = _parse(page)
    assert len(tree.xpath("//script")) == expected
    # every candidate has that team, so it is said once, in the caption
    assert SCRIPT_BREAKER in _text(tree.xpath("//*[@id='reclaim']/p[@class='lead']")[0])
    team_json = tree.xpath("//script[@id='chart-by-team-data']")[0].text
    assert SCRIPT_BREAKER.replace("<", "&lt;").replace(">", "&gt;") in json.dumps(
        json.loads(team_json)
    )


def test_only_the_partial_plotly_bundle_and_the_page_script_run(page: str, tree: Tree) -> None:
    """Two executable scripts: the vendored partial plotly.js and the page's; both by hash."""
    bundle = (PACKAGE / "report" / "page" / "vendor" / html.PLOTLY_BUNDLE).read_text(
        encoding="utf-8"
    )
    full = plotly.offline.get_plotlyjs()
    assert full[-5000:] not in page  # not the full 4.8 MB bundle
    running = [s for s in tree.xpath("//script") if s.get("type") != "application/json"]
    assert len(running) == 2
    assert running[0].text == bundle
    assert "Plotly.newPlot" in running[1].text
    assert all(s.get("src") is None for s in tree.xpath("//script"))
    (csp,) = tree.xpath("//meta[@http-equiv='Content-Security-Policy']")
    policy = csp.get("content")
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert html.script_hash(running[0].text) in policy
    assert html.script_hash(running[1].text) in policy


def test_page_size_stays_under_2_mb(page: str) -> None:
    """The whole page, charts and plotly.js included, is well under 2 MB."""
    assert len(page.encode()) < 2_000_000


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
    bundle = (PACKAGE / "report" / "page" / "vendor" / html.PLOTLY_BUNDLE).read_bytes()
    rest = len(page.encode()) - len(bundle)
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
