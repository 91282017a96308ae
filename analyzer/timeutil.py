"""Time formatting shared by every output: UTC as `YYYY-MM-DDTHH:MM:SSZ`."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(value: datetime) -> str:
    """Return a time as UTC `YYYY-MM-DDTHH:MM:SSZ`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
