"""The monthly job: ingest an inbox, then write each scope's HTML report and workbook."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from analyzer.errors import AnalyzerError
from analyzer.model import ReportData, Settings, SnapshotSummary
from analyzer.store import Store


@dataclass(frozen=True)
class ReportFiles:
    """The files written for one scope and month, and the figures they show."""

    scope: str
    month: str
    summary: SnapshotSummary
    html: Path | None
    xlsx: Path | None


def write_reports(data: ReportData, html: Path | None, xlsx: Path | None) -> ReportFiles:
    """Write the page and/or the workbook of one computed report."""
    if html is not None:
        from analyzer.report.html import write_html

        write_html(data, html)
    if xlsx is not None:
        from analyzer.report.excel import write_workbook

        write_workbook(data, xlsx)
    return ReportFiles(data.scope, data.month, data.current, html, xlsx)


def report_scopes(
    store: Store,
    scopes: list[str],
    *,
    out_dir: Path,
    month: str | None,
    settings: Settings,
    now: datetime,
    anonymous: bool = False,
    on_scope: Callable[[str], None] | None = None,
) -> tuple[list[ReportFiles], list[tuple[str, str]]]:
    """Write `<scope>-<month>.html` and `.xlsx` per scope; return the files and the failures."""
    from analyzer.report.data import build_report_data

    written: list[ReportFiles] = []
    failures: list[tuple[str, str]] = []
    for scope in scopes:
        if on_scope:
            on_scope(scope)
        try:
            data = build_report_data(store, scope, month, settings, now, anonymous=anonymous)
        except AnalyzerError as exc:
            failures.append((scope, str(exc)))
            continue
        stem = out_dir / f"{data.scope}-{data.month}"
        written.append(write_reports(data, stem.with_suffix(".html"), stem.with_suffix(".xlsx")))
    return written, failures
