"""Commands that write reports: `report` (one scope) and `monthly` (the whole monthly job)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analyzer.cli.feedback import Bar, print_outcomes, summarize_ingest, waiting_note
from analyzer.cli.options import (
    CONTEXT,
    TIME,
    echo_line,
    month_option,
    now_utc,
    open_store,
    plural,
    quiet_option,
    say,
    scope_option,
    settings_options,
    store_option,
)

if TYPE_CHECKING:
    from analyzer.answers.monthly import FileOutcome, ReportFiles
    from analyzer.model import Settings


def _summary_line(files: ReportFiles) -> str:
    s = files.summary
    paths = ", ".join(str(p) for p in (files.html, files.xlsx) if p is not None)
    return (
        f"{files.scope} {files.month}: {plural(s.seats, 'seat')}, {s.states['active']:,} "
        f"active, {s.states['stale']:,} stale, {s.states['never_active']:,} never active, "
        f"cost {s.monthly_cost:,.2f} {s.currency}, idle {s.idle_monthly_cost:,.2f} "
        f"{s.currency}, {plural(s.reclaim_candidates, 'reclaim candidate')} (potential "
        f"savings {s.reclaimable_monthly_cost:,.2f} {s.currency} a month), "
        f"{s.check_first:,} check first ({s.check_first_monthly_cost:,.2f} {s.currency} a month), "
        f"{files.billed} -> {paths}"
    )


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@month_option("Report month YYYY-MM (default: the month of the latest snapshot).")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the HTML report here.",
)
@click.option(
    "--xlsx",
    "xlsx_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the Excel workbook here.",
)
@click.option(
    "--pseudonymize",
    is_flag=True,
    help="Replace logins with stable short hashes (for sharing beyond admins).",
)
@settings_options
def report(
    store_dir: Path,
    scope: str | None,
    month: str | None,
    html_path: Path | None,
    xlsx_path: Path | None,
    pseudonymize: bool,
    settings: Settings,
) -> None:
    """Write a month's HTML report and/or Excel workbook for one scope.

    Example: copilot-seats report --scope octo-demo --html octo.html --xlsx octo.xlsx
    """
    from analyzer.answers.monthly import write_reports
    from analyzer.answers.report_data import build_report_data

    if html_path is None and xlsx_path is None:
        raise click.UsageError("give --html FILE, --xlsx FILE or both")
    data = build_report_data(
        open_store(store_dir), scope, month, settings, now_utc(), anonymous=pseudonymize
    )
    files = write_reports(data, html_path, xlsx_path)
    echo_line(_summary_line(files))


@click.command(context_settings=CONTEXT)
@click.argument("inbox", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("copilot-reports"),
    show_default=True,
    help="Folder for the reports.",
)
@store_option
@month_option("Report month YYYY-MM (default: the month of the latest snapshot).")
@scope_option
@click.option("-r", "--recursive", is_flag=True, help="Also read files in subfolders of INBOX.")
@click.option(
    "--as-of",
    type=TIME,
    default=None,
    help="Snapshot time for files that carry none (no Report Time, no GitHub name).",
)
@click.option("--pseudonymize", is_flag=True, help="Replace logins with stable short hashes.")
@settings_options
@quiet_option
@click.option("-v", "--verbose", is_flag=True, help="Say what happened to every file.")
def monthly(
    inbox: Path,
    out_dir: Path,
    store_dir: Path,
    month: str | None,
    scope: str | None,
    recursive: bool,
    as_of: datetime | None,
    pseudonymize: bool,
    settings: Settings,
    quiet: bool,
    verbose: bool,
) -> None:
    """Ingest new reports from INBOX, then write each scope's report and workbook.

    Files already stored are recognised and skipped; wrong files are reported and left in
    place; downloads still in progress (*.crdownload, *.part) wait for the next run. Writes
    DIR/<scope>-<YYYY-MM>.html and .xlsx for the latest month (or --month). Exit status 1
    when a file was refused, after writing everything that could be written.

    Example: copilot-seats monthly sample_reports/ --out copilot-reports
    """
    from analyzer.answers.monthly import Progress, run_monthly

    reading = Bar("Reading reports", quiet=quiet)
    writing = Bar("Writing reports", quiet=quiet, minimum=1)

    def ingested(outcomes: list[FileOutcome]) -> None:
        reading.close()
        print_outcomes(outcomes, quiet=quiet, verbose=verbose, show_already=verbose)
        if not quiet:
            say(summarize_ingest(outcomes))

    progress = Progress(
        on_files=reading.start,
        on_file=reading.step,
        on_ingested=ingested,
        on_scopes=writing.start,
        on_scope=writing.step,
        on_wait=waiting_note(store_dir),
    )
    try:
        result = run_monthly(
            open_store(store_dir),
            inbox,
            out_dir=out_dir,
            settings=settings,
            now=now_utc(),
            month=month,
            scope=scope,
            as_of=as_of,
            recursive=recursive,
            anonymous=pseudonymize,
            progress=progress,
        )
    finally:
        reading.close()
        writing.close()
    for report_files in result.written:
        echo_line(_summary_line(report_files))
    for failed_scope, message in result.failures:
        echo_line(f"Error: {failed_scope}: {message}", err=True)
    if result.refused:
        raise SystemExit(1)


COMMANDS = [report, monthly]
