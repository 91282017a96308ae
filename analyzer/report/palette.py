"""The report's colours, shared by the HTML page and the workbook so both read the same."""

from __future__ import annotations

from collections.abc import Mapping

from analyzer.surfaces import FAMILY_ORDER, OTHER, UNKNOWN

# One colour per seat state: cards, badges and every chart.
STATE_COLORS: dict[str, str] = {
    "active": "#1a7f37",
    "stale": "#d4a017",
    "never_active": "#cf222e",
    "new": "#0969da",
}
NEUTRAL = "#8c959f"  # no state: straddling buckets, "unknown"
OTHER_COLOR = "#afb8c1"  # the folded rest of a breakdown ("other" families)
INK = "#1f2328"
GRID = "#e6e9ed"
# Each surface family keeps one colour every month, none of them a state's colour, so green,
# amber, red and blue always mean a state. A chart shows at most MAX_FAMILIES of them.
FAMILY_COLORS: dict[str, str] = dict(
    zip(
        [f for f in FAMILY_ORDER if f not in (OTHER, UNKNOWN)],
        (
            "#6639ba",
            "#1b7c83",
            "#bf3989",
            "#953800",
            "#a475f9",
            "#3e8fb0",
            "#7c8a3b",
            "#2f3d8c",
            "#d17aa8",
            "#5c4033",
        ),
        strict=True,
    )
) | {OTHER: OTHER_COLOR, UNKNOWN: NEUTRAL}
GREYS = (OTHER, UNKNOWN)
MAX_FAMILIES = 6  # named families per chart or table; the rest are "other"


def family_color(family: str | None) -> str:
    """Return a surface family's fixed colour ("#rrggbb"); grey for other, unknown, none."""
    return FAMILY_COLORS.get(family or UNKNOWN, NEUTRAL)


def excel_color(color: str) -> str:
    """Return a "#rrggbb" colour as openpyxl writes it ("RRGGBB")."""
    return color.lstrip("#").upper()


def top_families(seats: Mapping[str, int], limit: int = MAX_FAMILIES) -> tuple[str, ...]:
    """Return the named families to show: the `limit` with most seats, in FAMILY_ORDER order.

    `seats` maps family -> seats (over whatever period the chart covers); families with no
    seats, "other" and "unknown" are never among them. Every other family folds into "other".
    """
    named = [f for f, n in seats.items() if n > 0 and f in FAMILY_COLORS and f not in GREYS]
    ranked = sorted(named, key=lambda f: (-seats[f], FAMILY_ORDER.index(f)))[:limit]
    return tuple(f for f in FAMILY_ORDER if f in ranked)


def fold_family(family: str | None, shown: tuple[str, ...]) -> str:
    """Return the family a seat is drawn as: itself when shown, unknown, or "other"."""
    if family is None or family == UNKNOWN:
        return UNKNOWN
    return family if family in shown else OTHER


# Engagement tiers: one sequential hue, darker for more days active, grey for none. Neither a
# state's colour (tiers are not states) nor used with the surface families in one chart.
TIER_COLORS: dict[str, str] = {
    "daily": "#3d1e8a",
    "weekly": "#8250df",
    "occasional": "#c8b2f5",
    "none": "#d0d7de",
}
# The Spend section (page and Bill sheet): none is a state's or a surface family's colour.
SPEND_COLORS: dict[str, str] = {
    "seats": "#0a3069",  # seat charges
    "credits": "#8250df",  # AI credits (used, billed)
    "pool": INK,  # the pool line
    "heavy": "#bc4c00",  # heavy users among the top users
}
