"""The store's one door into analyzer.reading: every parse of an incoming or kept file.

Ingest, the read-ahead worker and rebuild call these, never a reader directly, so a change
in the readers' interface is met here once.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analyzer.reading.billing import ParsedBilling
    from analyzer.reading.reader import ParsedReport
    from analyzer.reading.usage_metrics import ParsedUsage


def seat_report(
    name: str,
    data: bytes,
    sha256: str | None,
    *,
    as_of: datetime | None,
    scope: str | None,
    mtime: datetime | None,
    now: datetime | None = None,
) -> ParsedReport:
    """Read a seat report (CSV or API export) with what the caller knows of it."""
    from analyzer.reading.reader import ReadHints, read_report

    hints = ReadHints(as_of=as_of, scope=scope, mtime=mtime, now=now)
    return read_report(name, data, hints, sha256)


def billing_kind(data: bytes) -> str | None:
    """Return the kind of a billing file by its header, None for any other file."""
    from analyzer.reading.billing import billing_kind as kind_of

    return kind_of(data)


def billing_file(name: str, data: bytes, kind: str, sha256: str, path: Path) -> ParsedBilling:
    """Read a billing file of a known kind."""
    from analyzer.reading.billing import read_billing

    return read_billing(name, data, kind, sha256, path)


def usage_file(name: str, data: bytes, sha256: str, kind: str, scope: str | None) -> ParsedUsage:
    """Read a usage-metrics export of a known kind."""
    from analyzer.reading.usage_metrics import read_usage

    return read_usage(name, data, sha256, kind, scope)
