"""The Engagement section in Debian's chromium: drawn with data, absent without, no errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analyzer.report.page.html import write_html
from tests.engagement_fixture import engaged_report
from tests.report.test_browser import CHROMIUM, HAS_PLAYWRIGHT
from tests.report_fixture import make_report_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.skipif(not HAS_PLAYWRIGHT, reason="the playwright package is not installed"),
]


def _open(chromium: Any, path: Path, width: int) -> dict[str, Any]:
    """Load a page at one width; return the section's charts, errors and page width."""
    page = chromium.new_page(viewport={"width": width, "height": 900})
    try:
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_selector("#chart-states .main-svg", state="attached")
        return {
            "errors": errors,
            "section": page.locator("#engagement").count(),
            "plots": page.evaluate(
                """() => Array.from(document.querySelectorAll('#engagement [data-chart]'))
                    .map(d => [d.id, (d.data || []).length,
                               d.querySelectorAll('.main-svg').length])"""
            ),
            "rows": page.locator('table[data-key="light-use"] tbody tr').count(),
            "width": page.evaluate("document.documentElement.scrollWidth"),
        }
    finally:
        page.close()


@pytest.mark.parametrize("width", [1400, 390])
def test_engagement_section_is_drawn_with_usage_data(
    tmp_path: Path, chromium: Any, width: int
) -> None:
    """With usage data the section's charts draw, light use lists, nothing errs or overflows."""
    path = tmp_path / "page.html"
    write_html(engaged_report(), path)
    seen = _open(chromium, path, width)
    assert seen["errors"] == [] and seen["section"] == 1
    ids = {p[0] for p in seen["plots"]}
    assert ids == {"chart-engagement-tiers", "chart-days-active", "chart-features", "chart-ides"}
    assert all(traces >= 1 and svgs >= 1 for _, traces, svgs in seen["plots"])
    assert seen["rows"] == 1 and seen["width"] <= width


def test_engagement_section_is_absent_without_usage_data(tmp_path: Path, chromium: Any) -> None:
    """Without usage data the page has no Engagement section and no console error."""
    path = tmp_path / "page.html"
    write_html(make_report_data(), path)
    seen = _open(chromium, path, 1400)
    assert seen["errors"] == [] and seen["section"] == 0 and seen["plots"] == []
