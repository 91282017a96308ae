"""Print the finance workbook to PDF with LibreOffice and check what a reader of paper sees."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.report.test_excel import SEAT_HEADERS, write

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice or libreoffice) not on PATH"),
    pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) not on PATH"),
]


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Return the text of every printed page, grouped by the sheet its footer names."""
    assert SOFFICE is not None and PDFTOTEXT is not None
    work = tmp_path_factory.mktemp("print")
    path = write(work)
    subprocess.run(
        [SOFFICE, "--headless", "--norestore",
         f"-env:UserInstallation={(work / 'lo-profile').as_uri()}",
         "--convert-to", "pdf", "--outdir", str(work), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(path.with_suffix(".pdf")), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    by_sheet: dict[str, list[str]] = {}
    for page in text.split("\f"):
        found = re.search(r"acme, 2026-03\s+(.+?)\s+Page \d+ of \d+", page)
        if found:
            by_sheet.setdefault(found.group(1).strip(), []).append(page)
    return by_sheet


def test_summary_prints_on_one_page(pages: dict[str, list[str]]) -> None:
    """Pin the Summary to exactly one printed page, with its last figure on it."""
    assert len(pages["Summary"]) == 1
    assert "Monthly cost stopped by the removals" in pages["Summary"][0]


def test_seats_print_the_reader_columns_on_one_page_wide(pages: dict[str, list[str]]) -> None:
    """Seats prints only the reader's columns, one page wide, every header word printed."""
    seats = pages["Seats"]
    assert len(seats) == 1  # five seats, six columns: one page, not one per column band
    words = set(" ".join(seats).split())
    for header in SEAT_HEADERS[:6]:  # login, name, state, idle days, signed in, cost
        for word in header.split():
            assert word in words, header
    for header in SEAT_HEADERS[6:]:
        assert header not in " ".join(seats), header


def test_every_sheet_prints_with_a_footer(pages: dict[str, list[str]]) -> None:
    """Pin a footer (scope, month, sheet, page number) on every sheet's pages."""
    assert {"Summary", "Seats", "Reclaim", "Trend", "By team", "Sources"} <= set(pages)
