"""Open the monthly page from file:// in Debian's chromium, offline, at desktop and phone size."""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import io
import re
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from analyzer.model import ReportData
from analyzer.report.page.charts import build_charts
from analyzer.report.page.html import write_html
from tests.paths import ARTIFACTS
from tests.report_fixture import XSS, make_report_data

CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
HAS_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None
SIZES = {"desktop": (1400, 900), "phone": (390, 844)}
CANDIDATES = 30  # more than the 10 rows shown before "show all"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.skipif(not HAS_PLAYWRIGHT, reason="the playwright package is not installed"),
]


def browser_data() -> ReportData:
    """Return the fixture with 30 reclaim candidates of two prices and varied idle days."""
    data = make_report_data()
    base = data.reclaim.row(1, named=True)  # bob: stale, team named like an <img> tag
    reclaim = pl.DataFrame(
        [
            base
            | {
                "login": f"user{i:03d}",
                "display_login": f"user{i:03d}",
                "idle_days": 31 + (i * 7) % 50,
                "monthly_cost": 39.0 if i % 3 == 0 else 19.0,
            }
            for i in range(CANDIDATES)
        ],
        schema=data.reclaim.schema,
    )
    return dataclasses.replace(data, reclaim=reclaim)


def _visible_rows(page: Any, key: str) -> list[list[str]]:
    """Return the text of the table's rows the browser shows."""
    rows: list[list[str]] = page.evaluate(
        """key => Array.from(document.querySelectorAll(
            `table[data-key="${key}"] tbody tr:not([hidden])`))
            .map(r => Array.from(r.cells).map(c => c.textContent.trim()))""",
        key,
    )
    return rows


def _look(page: Any, name: str, width: int) -> dict[str, Any]:
    """Collect what a reader would check on the loaded page at one width."""
    seen: dict[str, Any] = {}
    seen["scroll_width"] = page.evaluate("document.documentElement.scrollWidth")
    seen["plots"] = page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-chart]')).map(d => [d.id,
            (d.data || []).length, d.querySelectorAll('.main-svg').length,
            d.getBoundingClientRect().height])"""
    )
    seen["absent"] = page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-absent]')).map(li =>
            [li.getAttribute('data-absent'), li.textContent.trim()])"""
    )
    seen["idle"] = page.evaluate(
        """() => { const t = document.getElementById('chart-idle-age').data[0];
            const out = {}; t.customdata.forEach((s, i) => out[s] = (out[s] || 0) + t.y[i]);
            return out; }"""
    )
    seen["cards"] = page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('[data-kpi]')).map(
            c => [c.querySelector('.kpi-label').textContent.trim(),
                  c.querySelector('.kpi-value').textContent.trim()]))"""
    )
    seen["images"] = page.locator("img").count()
    seen["team_ticks"] = page.locator("#chart-by-team .yaxislayer-above").text_content()
    seen["reclaim_first"] = _visible_rows(page, "reclaim")
    page.screenshot(path=str(ARTIFACTS / f"report-{name}.png"), full_page=True)
    if width < 600:
        return seen
    # Sorting, filtering and the CSV download, at desktop size.
    page.click("#reclaim th:nth-child(3) button.sort")  # Idle days, ascending
    seen["sorted_up"] = [int(r[2]) for r in _visible_rows(page, "reclaim")]
    page.click("#reclaim th:nth-child(3) button.sort")
    seen["sorted_down"] = [int(r[2]) for r in _visible_rows(page, "reclaim")]
    page.click('.table-tools[data-for="reclaim"] .show-all')
    seen["all_rows"] = len(_visible_rows(page, "reclaim"))
    page.fill('.table-tools[data-for="reclaim"] input', "user01")
    seen["filtered"] = _visible_rows(page, "reclaim")
    with page.expect_download() as download:
        page.click('.table-tools[data-for="reclaim"] a.csv')
    seen["csv"] = Path(download.value.path()).read_text(encoding="utf-8")
    seen["csv_name"] = download.value.suggested_filename
    # Print: A4 width, every chart fits its box and the page does not scroll sideways.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1000})
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.wait_for_timeout(300)
    seen["print_overflow"] = page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-chart]')).filter(d =>
            d.querySelector('.main-svg').getBoundingClientRect().width >
            d.closest('figure').getBoundingClientRect().width + 1).map(d => d.id)"""
    )
    seen["print_width"] = page.evaluate("document.documentElement.scrollWidth")
    page.pdf(path=str(ARTIFACTS / "report-print.pdf"), format="A4")
    return seen


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory, chromium: Any) -> dict[str, Any]:
    """Open the page at each size, each in a new context; return what it saw, by size name."""
    folder = tmp_path_factory.mktemp("browser")
    report = folder / "report.html"
    write_html(browser_data(), report)
    url = report.as_uri()
    ARTIFACTS.mkdir(exist_ok=True)
    seen: dict[str, Any] = {"url": url}
    for name, (width, height) in SIZES.items():
        requests: list[str] = []
        errors: list[str] = []
        dialogs: list[str] = []
        context = chromium.new_context(
            viewport={"width": width, "height": height}, accept_downloads=True
        )
        try:
            context.on("request", lambda request, r=requests: r.append(request.url))
            page = context.new_page()
            page.on("console", lambda m, e=errors: m.type == "error" and e.append(m.text))
            page.on("pageerror", lambda error, e=errors: e.append(str(error)))
            page.on("dialog", lambda d, log=dialogs: (log.append(d.message), d.dismiss()))
            page.goto(url, wait_until="load")
            page.wait_for_selector("#chart-states .main-svg", state="attached")
            seen[name] = _look(page, name, width)
            seen[name] |= {"requests": requests, "errors": errors, "dialogs": dialogs}
        finally:
            context.close()
    return seen


@pytest.mark.parametrize("size", SIZES)
def test_page_loads_without_console_errors_or_requests(opened: dict[str, Any], size: str) -> None:
    """No console error, no dialog, and no request but the page's own file."""
    seen = opened[size]
    assert seen["errors"] == [] and seen["dialogs"] == []
    others = [u for u in seen["requests"] if u != opened["url"] and not u.startswith("blob:")]
    assert others == []


@pytest.mark.parametrize("size", SIZES)
def test_page_never_scrolls_sideways(opened: dict[str, Any], size: str) -> None:
    """The document is no wider than the viewport; wide tables scroll in their own box."""
    assert opened[size]["scroll_width"] <= SIZES[size][0]


@pytest.mark.parametrize("size", SIZES)
def test_shown_charts_have_data_and_hidden_ones_their_sentence(
    opened: dict[str, Any], size: str
) -> None:
    """Every drawn chart has traces, an SVG and 240 px or more; each hidden one says why."""
    built = build_charts(browser_data())
    plots = {p[0]: p[1:] for p in opened[size]["plots"]}
    assert set(plots) == {c.div_id for c in built if c.shown}
    for div_id, (traces, svgs, height) in plots.items():
        assert traces >= 1 and svgs >= 1 and height >= 240, div_id
    absent = dict(opened[size]["absent"])
    assert {k: v for k, v in absent.items()} == {
        c.div_id: f"{c.title}: {c.absent}" for c in built if not c.shown
    }


def test_idle_age_totals_equal_the_cards(opened: dict[str, Any]) -> None:
    """The drawn idle-age bars add up, state by state, to the state cards."""
    seen = opened["desktop"]
    cards = seen["cards"]
    assert seen["idle"] == {
        label: int(cards[label.upper()] if label.upper() in cards else cards[label])
        for label in seen["idle"]
    }


def test_long_reclaim_list_shows_10_rows_until_show_all(opened: dict[str, Any]) -> None:
    """The first 10 candidates show; "show all" reveals the other 20."""
    assert len(opened["desktop"]["reclaim_first"]) == 10
    assert len(opened["phone"]["reclaim_first"]) == 10
    assert opened["desktop"]["all_rows"] == CANDIDATES


def test_sorting_a_column_reorders_the_rows(opened: dict[str, Any]) -> None:
    """Clicking Idle days sorts ascending, clicking again descending."""
    seen = opened["desktop"]
    assert seen["sorted_up"] == sorted(seen["sorted_up"])
    assert seen["sorted_down"] == sorted(seen["sorted_down"], reverse=True)
    assert seen["sorted_up"] != seen["sorted_down"]


def test_filter_hides_rows_and_csv_has_the_visible_rows(opened: dict[str, Any]) -> None:
    """Filtering on "user01" leaves ten rows; the CSV holds those rows, ISO times, numbers."""
    seen = opened["desktop"]
    shown = seen["filtered"]
    assert sorted(r[0] for r in shown) == [f"user01{i}" for i in range(10)]
    table = list(csv.reader(io.StringIO(seen["csv"])))
    assert table[0][:5] == ["Login", "State", "Idle days", "Last activity", "Signed in"]
    assert [row[0] for row in table[1:]] == [r[0] for r in shown]
    assert table[0][-1] == "Cost"  # two prices: the cost column stays
    assert {row[-1] for row in table[1:]} <= {"19.00", "39.00"}  # plain numbers
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|", row[3]) for row in table[1:])
    assert seen["csv_name"] == "acme-2026-03-reclaim.csv"


def test_hostile_team_is_drawn_as_text(opened: dict[str, Any]) -> None:
    """A team named like an <img> tag is an axis label's text, never an element."""
    assert opened["desktop"]["images"] == 0
    assert XSS in opened["desktop"]["team_ticks"]


def test_print_fits_charts_to_the_page(opened: dict[str, Any]) -> None:
    """At A4 width in print media no chart is wider than its box and nothing scrolls."""
    seen = opened["desktop"]
    assert seen["print_overflow"] == []
    assert seen["print_width"] <= 718
    assert (ARTIFACTS / "report-print.pdf").read_bytes()[:4] == b"%PDF"


@pytest.mark.parametrize("size", SIZES)
def test_screenshots_are_saved(opened: dict[str, Any], size: str) -> None:
    """A full-page PNG per width is kept in tests/artifacts for a person to look at."""
    shot = ARTIFACTS / f"report-{size}.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000
