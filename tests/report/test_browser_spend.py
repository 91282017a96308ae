"""The Spend section in a real browser: no console error or sideways scroll; tables sort, filter."""

from __future__ import annotations

from typing import Any

import pytest

from analyzer.report.page.html import write_html
from tests.bill_report_fixture import with_bill
from tests.report.test_browser import CHROMIUM, HAS_PLAYWRIGHT, SIZES, _visible_rows

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.skipif(not HAS_PLAYWRIGHT, reason="the playwright package is not installed"),
]


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory, chromium: Any) -> dict[str, Any]:
    """Open the page with a bill at each size; return what the browser saw, by size."""
    folder = tmp_path_factory.mktemp("spend")
    report = folder / "report.html"
    write_html(with_bill(), report)
    out: dict[str, Any] = {}
    for name, (width, height) in SIZES.items():
        page = chromium.new_page(viewport={"width": width, "height": height})
        errors: list[str] = []
        page.on("console", lambda m, e=errors: m.type == "error" and e.append(m.text))
        page.on("pageerror", lambda error, e=errors: e.append(str(error)))
        page.goto(report.as_uri(), wait_until="load")
        page.wait_for_selector("#chart-spend-pool .main-svg", state="attached")
        look: dict[str, Any] = {
            "errors": errors,
            "scroll_width": page.evaluate("document.documentElement.scrollWidth"),
            "charts": page.locator("#spend .js-plotly-plot").count(),
        }
        if name == "desktop":
            page.click("#spend-flagged > summary")  # the list is folded until opened
            head = "table[data-key='bill-flagged'] thead th:nth-child(4) button"
            page.click(head)
            look["sorted_up"] = [r[0] for r in _visible_rows(page, "bill-flagged")]
            page.fill(".table-tools[data-for='bill-flagged'] input", "bob")
            look["filtered"] = [r[0] for r in _visible_rows(page, "bill-flagged")]
        out[name] = look
        page.close()
    return out


@pytest.mark.parametrize("size", SIZES)
def test_spend_page_has_no_console_error_nor_sideways_scroll(
    seen: dict[str, Any], size: str
) -> None:
    """The page with a bill loads cleanly and stays within the viewport, phone included."""
    assert seen[size]["errors"] == []
    assert seen[size]["scroll_width"] <= SIZES[size][0]
    assert seen[size]["charts"] == 4


def test_spend_tables_sort_and_filter(seen: dict[str, Any]) -> None:
    """Sorting the flagged users by credits puts the fewest first; the filter keeps bob."""
    assert seen["desktop"]["sorted_up"] == ["bob", "ann"]
    assert seen["desktop"]["filtered"] == ["bob"]
