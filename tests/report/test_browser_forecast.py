"""The Next month block in a real browser: the projection chart draws, no console error."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from analyzer.answers.report_data import build_report_data
from analyzer.model import Settings
from analyzer.report.page.html import write_html
from tests.answers.forecast_fixture import forecast_store, month_rows
from tests.billing_fixtures import ai_row
from tests.report.test_browser import CHROMIUM, HAS_PLAYWRIGHT, SIZES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.skipif(not HAS_PLAYWRIGHT, reason="the playwright package is not installed"),
]


def test_projection_chart_draws_without_error(tmp_path: Path, chromium: Any) -> None:
    """At every size the projection chart draws, with no console error or sideways scroll."""
    extra = [*month_rows("2026-11", through=9), ai_row("2026-11-10", "a", 50.0)]
    now = datetime(2026, 11, 12, tzinfo=UTC)
    data = build_report_data(forecast_store(tmp_path, extra), None, None, Settings(), now)
    report = tmp_path / "report.html"
    write_html(data, report)
    for width, height in SIZES.values():
        page = chromium.new_page(viewport={"width": width, "height": height})
        try:
            errors: list[str] = []
            page.on("console", lambda m, e=errors: m.type == "error" and e.append(m.text))
            page.on("pageerror", lambda error, e=errors: e.append(str(error)))
            page.goto(report.as_uri(), wait_until="load")
            page.wait_for_selector("#chart-forecast-month .main-svg", state="attached")
            assert errors == [], (width, errors)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, (width, scroll)
        finally:
            page.close()
