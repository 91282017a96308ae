"""The report colours, in one place: the page and the workbook both import them."""

from __future__ import annotations

# One colour per seat state, shared by the page's cards, badges and charts and the workbook.
STATE_COLORS: dict[str, str] = {
    "active": "#1a7f37",
    "stale": "#d4a017",
    "never_active": "#cf222e",
    "new": "#0969da",
}
