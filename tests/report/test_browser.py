"""Open the monthly page from file:// in Debian's chromium, offline, and look at it."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

import pytest

from analyzer.report.charts import build_charts
from analyzer.report.html import write_html
from tests.helpers import CHROMIUM_ARGS
from tests.paths import ARTIFACTS
from tests.report_fixture import XSS, make_report_data

CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
HAS_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.skipif(not HAS_PLAYWRIGHT, reason="the playwright package is not installed"),
]


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Open the fixture's page once; return what the browser saw and the page's URL."""
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("browser")
    report = folder / "report.html"
    data = make_report_data()
    write_html(data, report)
    chart_ids = [chart.div_id for chart in build_charts(data)]
    seen: dict[str, Any] = {"url": report.as_uri(), "requests": [], "errors": [], "dialogs": []}
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(folder / "profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            context.on("request", lambda request: seen["requests"].append(request.url))
            page = context.pages[0] if context.pages else context.new_page()
            page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
            page.on("pageerror", lambda error: seen["errors"].append(str(error)))
            page.on(
                "dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss())
            )
            page.goto(seen["url"], wait_until="load")
            for chart_id in chart_ids:
                page.wait_for_selector(f"#{chart_id}.js-plotly-plot .main-svg", state="attached")
            seen["plots"] = {
                chart_id: page.locator(f"#{chart_id}.js-plotly-plot .main-svg").count()
                for chart_id in chart_ids
            }
            seen["images"] = page.locator("img").count()
            seen["team_ticks"] = page.locator("#chart-by-team .yaxislayer-above").text_content()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        finally:
            context.close()
    return seen


def test_page_loads_without_console_errors(opened: dict[str, Any]) -> None:
    """Loading the page logs no console error, throws nothing and opens no dialog."""
    assert opened["errors"] == []
    assert opened["dialogs"] == []


def test_page_requests_nothing_but_itself(opened: dict[str, Any]) -> None:
    """The only request is the page's own file:// URL (data: and blob: are allowed)."""
    others = [
        url
        for url in opened["requests"]
        if url != opened["url"] and not url.startswith(("data:", "blob:"))
    ]
    assert others == []
    assert opened["url"] in opened["requests"]


def test_every_chart_is_drawn(opened: dict[str, Any]) -> None:
    """Each chart id holds a plotly plot with its SVG drawn."""
    assert len(opened["plots"]) == 9
    assert all(count >= 1 for count in opened["plots"].values()), opened["plots"]


def test_hostile_team_is_drawn_as_text(opened: dict[str, Any]) -> None:
    """A team named like an <img> tag is an axis label's text, never an element."""
    assert opened["images"] == 0
    assert XSS in opened["team_ticks"]


def test_full_page_screenshot_is_saved(opened: dict[str, Any]) -> None:
    """The screenshot is a real PNG of some size, kept in tests/artifacts for a human."""
    shot = ARTIFACTS / "report.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000
