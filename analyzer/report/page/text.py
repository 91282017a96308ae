"""How the page writes times, amounts, changes and counts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

DASH = "\u2014"
MINUS = "\u2212"


def fmt_time(value: datetime | None) -> str:
    """Format a time as `YYYY-MM-DD HH:MM UTC` (a naive time is taken as UTC)."""
    if value is None:
        return DASH
    utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%d %H:%M UTC")


def fmt_local(value: datetime | None, zone: str) -> str:
    """Format a time in the display zone, with UTC beside it when the zone is not UTC."""
    if value is None or zone in ("UTC", "Etc/UTC"):
        return fmt_time(value)
    local = value.astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M %Z} ({fmt_time(value)[11:]})"


def fmt_date(value: date | datetime | None) -> str:
    """Format a date, or the UTC day of a time, as `YYYY-MM-DD`."""
    if value is None:
        return DASH
    if isinstance(value, datetime):
        return fmt_time(value)[:10]
    return value.isoformat()


def fmt_money(value: float, currency: str) -> str:
    """Format an amount with two decimals, then its currency code: `1,824.00 USD`.

    The command line and the workbook write amounts the same way: the figure first.
    """
    sign = MINUS if value < 0 else ""
    return f"{sign}{abs(value):,.2f} {currency}"


def fmt_delta(diff: float, currency: str | None = None) -> str:
    """Format a change as +n / −n (±0 for none), with the currency for amounts."""
    sign = "+" if diff > 0 else MINUS if diff < 0 else "\u00b1"
    amount = f"{abs(diff):,.2f} {currency}" if currency else f"{abs(int(diff)):,}"
    return sign + amount


# What the page writes for a value it does not know: its CSV cell is empty.
UNKNOWN_TEXTS = frozenset({"", DASH, "-", "unknown", "never", "n/a"})
_MONEY = re.compile(r"^([\u2212+-]?)([\d,]+(?:\.\d+)?) [A-Z]{3}$")
_NUMBER = re.compile(r"^([\u2212+-]?)(\d{1,3}(?:,\d{3})+(?:\.\d+)?)$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?) ?%$")
_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC$")


def csv_text(shown: str) -> str | None:
    """Return what a CSV download holds for a cell showing `shown`, or None for the text.

    Unknown values are empty; amounts and counts plain numbers (`1824.00`, no thousands
    separator or currency); shares fractions (`37%`: `0.37`); times ISO 8601 UTC
    (`2026-07-05T10:00:00Z`).
    """
    value = shown.strip()
    if value.lower() in UNKNOWN_TEXTS:
        return ""
    found = _MONEY.match(value) or _NUMBER.match(value)
    if found:
        sign = "-" if found.group(1) in ("-", MINUS) else ""
        return sign + found.group(2).replace(",", "")
    found = _PERCENT.match(value)
    if found:
        return str(Decimal(found.group(1)).scaleb(-2))
    found = _TIME.match(value)
    if found:
        return f"{found.group(1)}T{found.group(2)}:00Z"
    return None


def csv_time(value: datetime | None) -> str:
    """Return a time as ISO 8601 UTC to the second, or empty when unknown."""
    if value is None:
        return ""
    utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def count(n: int, one: str, many: str | None = None) -> str:
    """Return "1 seat" / "2 seats" with thousands separators (`many` defaults to one + "s")."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def days_ago(days: int | None) -> str:
    """Return "today", "1 day ago", "12 days ago", or "never" for no known day."""
    if days is None:
        return "never"
    if days == 0:
        return "today"
    return count(days, "day") + " ago"
