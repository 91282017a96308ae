"""How the page writes times, amounts, changes and counts."""

from __future__ import annotations

from datetime import UTC, date, datetime
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
    """Format an amount with its currency code and two decimals."""
    sign = MINUS if value < 0 else ""
    return f"{sign}{currency} {abs(value):,.2f}"


def fmt_delta(diff: float, currency: str | None = None) -> str:
    """Format a change as +n / −n (±0 for none), with the currency for amounts."""
    sign = "+" if diff > 0 else MINUS if diff < 0 else "\u00b1"
    amount = f"{currency} {abs(diff):,.2f}" if currency else f"{abs(int(diff)):,}"
    return sign + amount


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
