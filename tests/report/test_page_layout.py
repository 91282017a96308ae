"""The whole demo page in Chromium: its length, nothing past its card, its order, its print."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from tests.report.test_browser import CHROMIUM, HAS_PLAYWRIGHT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.skipif(not HAS_PLAYWRIGHT, reason="the playwright package is not installed"),
]

WIDTHS = {"desktop": 1400, "phone": 390}
# The whole demo page's height (px) at most, and the Spend section's share of it.
PAGE_HEIGHT = {"desktop": 5_900, "phone": 8_100}
SPEND_HEIGHT = {"desktop": 2_300, "phone": 4_200}
SECTIONS = (
    "kpis", "reclaim", "check-first", "spend", "charts", "engagement", "changes", "quality",
    "sources",
)  # fmt: skip
MAX_PRINTED_PAGES = 10

# Every element of a card (a table's scrolling box counts as one) and every chart text must
# stay inside the card's left and right edges.
_BEYOND = """
() => {
  const out = [];
  for (const card of document.querySelectorAll('.card')) {
    const box = card.getBoundingClientRect();
    if (!box.width) continue;
    for (const el of card.querySelectorAll('*')) {
      const wrap = el.parentElement && el.parentElement.closest('.table-wrap');
      if (wrap && card.contains(wrap)) continue;
      if (el.closest('.modebar-container, .hoverlayer')) continue;
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      if (r.right > box.right + 1 || r.left < box.left - 1) {
        const where = card.id || card.className;
        out.push(where + ': ' + el.tagName + ' "' + (el.textContent || '').slice(0, 20) + '"');
      }
    }
  }
  return out;
}
"""

_ALL_CHARTS_DRAWN = """
() => Array.from(document.querySelectorAll('[data-chart]')).every(d => d.querySelector('.main-svg'))
"""


@pytest.fixture(scope="module")
def demo_page(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write octo-demo's 2026-10 page from the README's demo store."""
    page = tmp_path_factory.mktemp("demo") / "page.html"
    args = ["report", "--scope", "octo-demo", "--month", "2026-10", "--html", str(page)]
    report = CliRunner().invoke(main, [*args, "--store", str(demo_store)])
    assert report.exit_code == 0, report.output
    return page


@pytest.fixture(scope="module")
def seen(demo_page: Path, chromium: Any) -> dict[str, Any]:
    """Open the demo page at each width; return heights, overflows, order and printed pages."""
    out: dict[str, Any] = {}
    for name, width in WIDTHS.items():
        page = chromium.new_page(viewport={"width": width, "height": 900})
        page.goto(demo_page.as_uri(), wait_until="load")
        page.wait_for_function(_ALL_CHARTS_DRAWN)
        out[name] = {
            "height": page.evaluate("document.documentElement.scrollHeight"),
            "spend": page.evaluate("document.getElementById('spend').offsetHeight"),
            "beyond": page.evaluate(_BEYOND),
            "order": page.evaluate(
                "(ids) => ids.map(i => document.getElementById(i))"
                ".map(e => e ? e.getBoundingClientRect().top + window.scrollY : null)",
                list(SECTIONS),
            ),
        }
        if name == "desktop":
            for paper in ("A4", "Letter"):
                pdf = page.pdf(format=paper, print_background=True)
                out[paper] = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
        page.close()
    return out


@pytest.mark.parametrize("size", WIDTHS)
def test_nothing_sticks_out_of_its_card(seen: dict[str, Any], size: str) -> None:
    """No element nor chart value label reaches past its card's edge, desktop or phone."""
    assert seen[size]["beyond"] == []


@pytest.mark.parametrize("size", WIDTHS)
def test_the_spend_section_keeps_to_its_share_of_the_page(seen: dict[str, Any], size: str) -> None:
    """The Spend section: 10 rows a long table, charts abreast, breakdowns folded."""
    assert seen[size]["spend"] <= SPEND_HEIGHT[size]


@pytest.mark.parametrize("size", WIDTHS)
def test_the_demo_page_is_at_most_half_as_long_as_before(seen: dict[str, Any], size: str) -> None:
    """The whole demo page: at most 5,900 px on a desktop and 8,100 px on a phone."""
    assert seen[size]["height"] <= PAGE_HEIGHT[size]


@pytest.mark.parametrize("size", WIDTHS)
def test_sections_come_in_reading_order(seen: dict[str, Any], size: str) -> None:
    """Headline, the action lists, the bill, charts, engagement, changes, quality, sources."""
    tops = seen[size]["order"]
    assert None not in tops, dict(zip(SECTIONS, tops, strict=True))
    assert tops == sorted(tops)


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_page_prints_in_at_most_ten_pages(seen: dict[str, Any], paper: str) -> None:
    """Printed on A4 or Letter, the demo page takes at most 10 pages."""
    assert 1 <= seen[paper] <= MAX_PRINTED_PAGES
