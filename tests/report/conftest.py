"""Shared by the report tests: one headless chromium per test process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import CHROMIUM_ARGS


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Launch Debian's chromium once per test process; each test opens its own page or context.

    Requested only by tests marked `browser`, which skip (with their reason) before this runs
    when chromium or playwright is missing. A page or context is as fresh as a new browser for
    what the tests look at: no cookie, storage or cache is shared between contexts.
    """
    from playwright.sync_api import sync_playwright

    from tests.report.test_browser import CHROMIUM

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
