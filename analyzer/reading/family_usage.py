"""The usage-metrics family: per-user NDJSON (users-1-day, users-28-day) and aggregate days."""

from __future__ import annotations

import re

from analyzer.reading import recognise
from analyzer.reading.interface import USAGE, ParsedFile, Sniffed
from analyzer.reading.reader import ReadHints
from analyzer.reading.usage_records import holds_user_days
from analyzer.reading.usage_schema import AGGREGATE, USAGE_KINDS, USERS

# GitHub's usage-metrics file names: <scope>-users-28-day-..., <scope>-organization-1-day-...
_NAME = re.compile(
    r"^[a-z0-9][a-z0-9-]*?-(?:(?P<users>users?)|enterprise|organization|org)-(?:1|28)-days?\b",
    re.IGNORECASE,
)


class UsageMetrics:
    """GitHub's Copilot usage-metrics reports, per user or aggregate."""

    family = USAGE
    download = (
        "GitHub's Copilot usage-metrics report (users-1-day or users-28-day, fetched from the "
        "download links of the usage-metrics API)"
    )

    def recognise(self, sniffed: Sniffed) -> str | None:
        """Return USERS or AGGREGATE by the keys of the file's first JSON value."""
        if not sniffed.json:
            return None
        foreign = recognise.recognise_json(sniffed.first_value)
        if foreign is None or foreign.kind not in USAGE_KINDS:
            # A first record too damaged to tell: GitHub's file name still says what it is.
            named = _NAME.match(sniffed.name.strip()) if sniffed.first_value is None else None
            return (USERS if named["users"] else AGGREGATE) if named else None
        first = sniffed.first_value
        first = first[0] if isinstance(first, list) and first else first
        # Per-user records inside `day_totals` are read as per-user records, never as days.
        return USERS if holds_user_days(first) else foreign.kind

    def read(self, sniffed: Sniffed, kind: str, sha256: str, hints: ReadHints) -> ParsedFile:
        """Read the per-user day records, or the aggregate days."""
        from analyzer.reading.usage_metrics import read_usage

        parsed = read_usage(sniffed.name, sniffed.data, sha256, kind, hints.scope)
        table = parsed.days if kind == USERS else parsed.aggregate
        rows = table if parsed.accepted else None
        return ParsedFile(sniffed.name, sha256, USAGE, kind, parsed.problems, rows, parsed)


__all__ = ["AGGREGATE", "USERS", "UsageMetrics"]
