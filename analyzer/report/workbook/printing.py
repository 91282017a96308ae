"""How the workbook's sheets print: page size, scale, print areas and kept-together headings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.worksheet.properties import PageSetupProperties

FONT_SIZE = 11.0  # every cell's text, points
MIN_PRINT_PT = 8.0  # smallest printed text: a sheet is fitted to the page width only above it
SPLIT_SCALE = 75  # print scale of sheets too wide to fit: 8.25 pt text
MARGIN_IN = 0.4  # left and right page margins, inches


def _printable_px(landscape: bool) -> float:
    """Return the printable width in pixels (96 dpi) on Letter or A4, whichever is narrower."""
    page = 11.0 if landscape else 8.27  # Letter landscape, A4 portrait (inches)
    return (page - 2 * MARGIN_IN) * 96


def column_px(width: float) -> float:
    """Return a column's width in pixels at 96 dpi (Calibri 11: 7 px a character, 5 padding)."""
    return width * 7 + 5


def set_print(
    ws: Any, widths: Sequence[float], titles: tuple[str | None, str | None], footer: str
) -> None:
    """Set how a sheet prints: landscape, repeated headers, readable text, page footer.

    A sheet fits one page wide when its text stays at 8 pt or more; a wider one prints at
    75% (8.25 pt), its columns split over pages across then down, the login column repeated.
    """
    setup = ws.page_setup
    setup.orientation = "landscape"
    ws.page_margins.left = ws.page_margins.right = MARGIN_IN
    scale = _printable_px(True) / max(sum(column_px(w) for w in widths), 1.0)
    if scale * FONT_SIZE >= MIN_PRINT_PT:
        setup.fitToWidth, setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        setup.scale = SPLIT_SCALE
        setup.pageOrder = "overThenDown"
    rows, cols = titles
    if rows:
        ws.print_title_rows = rows
    if cols:
        ws.print_title_cols = cols
    ws.oddFooter.left.text = footer.replace("&", "&&")
    ws.oddFooter.center.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"


def print_columns(ws: Any, last: str, last_row: int) -> None:
    """Print only a sheet's columns A to `last` (its first row on every page), one page wide."""
    ws.print_area = f"A1:{last}{max(last_row, 1)}"
    ws.print_title_cols = None
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.page_setup.scale = None
    ws.page_setup.pageOrder = None
    ws.page_setup.orientation = "portrait"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


ROW_PT = 15.0  # the default row height, points
PAGE_SHORT_IN, PAGE_LONG_IN = 8.27, 11.0  # the shorter side of A4, the longer of Letter
MARGIN_TB_IN = 1.0  # top and bottom page margins (openpyxl's default), inches


def print_scale(ws: Any) -> float:
    """Return the scale a sheet prints at: its fixed scale, or what fitting one page wide takes."""
    setup = ws.page_setup
    if setup.scale:
        return float(setup.scale) / 100
    widths = [d.width or 8.43 for d in ws.column_dimensions.values()]
    landscape = setup.orientation == "landscape"
    return min(1.0, _printable_px(landscape) / max(sum(column_px(w) for w in widths), 1.0))


def fit_one_page(ws: Any) -> None:
    """Print a sheet on exactly one portrait page (the Summary)."""
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = 1
    ws.page_setup.scale = None
    ws.page_setup.pageOrder = None
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = None
