"""Time formats shared by the whole package: one display form, one exact form, one parser."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

# The form GitHub writes and every output shows (the `as_of` JSON contract): seconds, UTC.
DISPLAY_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# The longest threshold (stale or grace days) a setting may ask for: ten years.
MAX_DAYS = 3650
# Every date a file or an option may state lies within these years (docs/limits.md).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
# The same form for a file name (no colons).
NAME_FORMAT = "%Y%m%dT%H%M%SZ"


def iso(value: datetime) -> str:
    """Return a time as UTC `YYYY-MM-DDTHH:MM:SSZ` (what users see)."""
    return value.astimezone(UTC).strftime(DISPLAY_FORMAT)


def iso_exact(value: datetime) -> str:
    """Return a time as UTC ISO 8601 at its full precision (what the store keeps)."""
    value = value.astimezone(UTC)
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.strftime(DISPLAY_FORMAT)


def name_stamp(value: datetime) -> str:
    """Return a time as UTC `YYYYMMDDTHHMMSSZ`, for file names."""
    return value.astimezone(UTC).strftime(NAME_FORMAT)


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 time (`Z` or an offset; none means UTC) to an aware UTC datetime.

    Raises ValueError for anything else, and for times outside what a datetime holds once
    converted to UTC (such as `0001-01-01T00:00:00+01:00`).
    """
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"{text!r} is out of range") from exc


def in_years(value: date | datetime) -> bool:
    """Return True when a date (or a time's UTC date) lies within FIRST_DAY..LAST_DAY."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date() if value.tzinfo else value.date()
    return FIRST_DAY <= value <= LAST_DAY


def years_text() -> str:
    """Return the allowed span of dates in words, for messages."""
    return f"{FIRST_DAY.isoformat()}..{LAST_DAY.isoformat()}"


def day_runs(days: tuple[date, ...]) -> list[list[str]]:
    """Return sorted days as runs of consecutive days."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [[a.isoformat(), b.isoformat()] for a, b in runs]


def describe_days(days: Iterable[date]) -> str:
    """Return `2026-10-01..2026-10-28` style text for a set of days."""
    runs = day_runs(tuple(days))
    return ", ".join(a if a == b else f"{a}..{b}" for a, b in runs) or "no days"
