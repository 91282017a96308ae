"""`export --focus FILE`: the scope's Copilot charges as a FOCUS 1.0 CSV for FinOps tools."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from analyzer.cli.options import (
    CONTEXT,
    csv_text,
    echo_line,
    month_option,
    open_store,
    plural,
    say,
    scope_option,
    settings_options,
    store_option,
)
from analyzer.fsutil import write_bytes_atomic

if TYPE_CHECKING:
    from analyzer.model import Settings


@click.command(context_settings=CONTEXT)
@click.option(
    "--focus",
    "focus_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Write the FOCUS 1.0 CSV here.",
)
@store_option
@scope_option
@month_option("Month YYYY-MM (default: the latest month billing files cover).")
@month_option("First month YYYY-MM of a range (with --to).", "--from", "first")
@month_option("Last month YYYY-MM of a range (with --from).", "--to", "last")
@click.option("--pseudonymize", is_flag=True, help="Replace logins with stable short hashes.")
@settings_options
def export(
    focus_path: Path,
    store_dir: Path,
    scope: str | None,
    month: str | None,
    first: str | None,
    last: str | None,
    pseudonymize: bool,
    settings: Settings,
) -> None:
    """Write what GitHub billed for Copilot as a FOCUS 1.0 CSV (FinOps Open Cost and Usage).

    One row per seat per charge period, one per user (or organization), day, SKU and model
    for AI credits and premium requests; BilledCost sums to `bill`'s total billed.

    Example: copilot-seats export --focus octo-2026-10.csv --scope octo-demo --month 2026-10
    """
    from analyzer.answers.export import FOCUS_COLUMNS, build_focus_export, focus_records

    if month is not None and (first is not None or last is not None):
        raise click.UsageError("choose --month or --from/--to")
    if (first is None) != (last is None):
        raise click.UsageError("give both --from and --to")
    data = build_focus_export(
        open_store(store_dir), scope, (month, first, last), settings, anonymous=pseudonymize
    )
    text = csv_text(focus_records(data), list(FOCUS_COLUMNS))
    write_bytes_atomic(focus_path, text.encode("utf-8"))
    for m in data.months:
        echo_line(
            f"{data.scope} {m.month}: {plural(m.rows, 'row')}, billed "
            f"{m.billed:,.2f} {data.currency} (bill: {m.total_billed:,.2f}); usage from "
            f"{m.usage_source}",
            err=True,
        )
        if m.note:
            echo_line(f"note: {m.note}", err=True)
    total = sum(m.billed for m in data.months)
    say(
        f"{data.scope}: {plural(data.rows.height, 'FOCUS row')} over "
        f"{plural(len(data.months), 'month')}, billed {total:,.2f} {data.currency} "
        f"-> {focus_path}"
    )


COMMANDS = [export]
