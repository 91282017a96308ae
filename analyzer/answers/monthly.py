"""The monthly job as one use case: ingest an inbox, then write each scope's page and workbook."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from analyzer.answers.ingest import ingest_paths
from analyzer.errors import AnalyzerError
from analyzer.model import ReportData, Settings, SnapshotSummary
from analyzer.store.folder import Store
from analyzer.store.ingest import FileOutcome as FileOutcome  # what the CLI prints


@dataclass(frozen=True)
class ReportFiles:
    """The files written for one scope and month, and the figures they show."""

    scope: str
    month: str
    summary: SnapshotSummary
    html: Path | None
    xlsx: Path | None
    billed: str = "no billing files"  # the month's total billed, or why it is unknown


@dataclass(frozen=True)
class MonthlyResult:
    """What a monthly run did: every file's outcome, the reports written, the scopes that failed."""

    outcomes: list[FileOutcome]
    written: list[ReportFiles]
    failures: list[tuple[str, str]]  # (scope, message)

    @property
    def refused(self) -> bool:
        """Return True when a file was refused or a scope's report could not be written."""
        return bool(self.failures) or any(o.status == "refused" for o in self.outcomes)


@dataclass
class Progress:
    """Callbacks a caller may pass to watch a long run; each is optional."""

    on_files: Callable[[int], None] | None = None  # how many files will be read
    on_file: Callable[[FileOutcome], None] | None = None  # one file was read
    on_ingested: Callable[[list[FileOutcome]], None] | None = None  # every file was read
    on_scopes: Callable[[int], None] | None = None  # how many reports will be written
    on_scope: Callable[[str], None] | None = None  # one scope's report is being written
    on_wait: Callable[[], None] | None = None  # waiting for another writer's lock


def write_reports(data: ReportData, html: Path | None, xlsx: Path | None) -> ReportFiles:
    """Write the page and/or the workbook of one computed report.

    Both at once: the page in a second thread while the workbook is written. The page is
    Python (templates, chart JSON) and the workbook mostly polars and zlib, which let go of
    the interpreter, so the two overlap instead of queueing.
    """
    # Both writers are imported here, before the page thread starts, when both are written:
    # openpyxl imports numpy, which plotly imports lazily while it writes the page's chart
    # JSON, and two threads importing numpy at once can see it half initialised (seen once).
    if html is not None:
        from analyzer.report.page.html import write_html
    if xlsx is not None:
        from analyzer.report.workbook.book import write_workbook

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="page") as pool:
        page = pool.submit(write_html, data, html) if html is not None else None
        if xlsx is not None:
            write_workbook(data, xlsx)  # its error first: the page is waited for on the way
        if page is not None:
            page.result()
    return ReportFiles(data.scope, data.month, data.current, html, xlsx, billed_text(data))


def billed_text(data: ReportData) -> str:
    """Say the month's total billed for the summary line, or why it is unknown."""
    bill = data.bill
    if bill is None:
        return f"no billing files for {data.month}"
    if bill.total_billed is None:
        return f"total billed unknown ({bill.unknown.get('total_billed', 'no usage report')})"
    return f"total billed {bill.total_billed:,.2f} {bill.currency}"


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
    from analyzer.answers.report_data import build_report_data

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


def run_monthly(
    store: Store,
    inbox: Path,
    *,
    out_dir: Path,
    settings: Settings,
    now: datetime,
    month: str | None = None,
    scope: str | None = None,
    as_of: datetime | None = None,
    recursive: bool = False,
    anonymous: bool = False,
    progress: Progress | None = None,
) -> MonthlyResult:
    """Ingest every new file of the inbox, then write the month's reports of every scope.

    A refused file never stops the others, nor the reports. Raises AnalyzerError when
    neither the inbox nor the store holds any seat report.
    """
    progress = progress or Progress()
    everything = ingest_paths(
        store,
        [inbox],
        now=now,
        as_of=as_of,
        scope=scope,
        recursive=recursive,
        settings=settings,
        on_files=progress.on_files,
        on_file=progress.on_file,
        on_wait=progress.on_wait,
    )
    if progress.on_ingested:
        progress.on_ingested(everything)
    scopes = [scope.lower()] if scope else store.scopes()
    if not scopes:
        raise AnalyzerError(f"no seat reports in {inbox} or in the store {store.root}")
    if progress.on_scopes:
        progress.on_scopes(len(scopes))
    written, failures = report_scopes(
        store,
        scopes,
        out_dir=out_dir,
        month=month,
        settings=settings,
        now=now,
        anonymous=anonymous,
        on_scope=progress.on_scope,
    )
    return MonthlyResult(everything, written, failures)
