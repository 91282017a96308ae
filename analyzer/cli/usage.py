"""The `usage` command: how much each seat is really used, from usage-metrics files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from analyzer.cli.options import (
    CONTEXT,
    echo_line,
    json_with_rows,
    month_option,
    open_store,
    plural,
    say,
    scope_option,
    settings_options,
    store_option,
    write_csv,
)

if TYPE_CHECKING:
    from analyzer.model import Settings


def _cell(value: object) -> str:
    return "-" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@month_option("Month YYYY-MM (default: the latest with usage data).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object: scope, month, window, rows."
)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV, one row per seat.")
@settings_options
def usage(
    store_dir: Path,
    scope: str | None,
    month: str | None,
    as_json: bool,
    as_csv: bool,
    settings: Settings,
) -> None:
    """Show each seat's days active, features used and engagement tier in a month.

    Reads the usage-metrics files (users-28-day / users-1-day NDJSON) ingested into the
    store. Days the files do not cover are unknown, never zero use; a tier needs the whole
    28-day window covered. Ingest the files first (`copilot-seats ingest sample_reports/`).

    Example: copilot-seats usage --scope octo-demo --month 2026-10
    """
    from analyzer.answers.usage_queries import USAGE_FIELDS, get_usage, usage_head, usage_rows

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    answer = get_usage(open_store(store_dir), scope, month, settings)
    rows = usage_rows(answer)
    if as_json:
        click.echo(json_with_rows(usage_head(answer, settings.currency), "rows", rows))
    elif as_csv:
        write_csv(rows, list(USAGE_FIELDS))  # every cell made safe for a spreadsheet
    else:
        echo_line(f"{answer.scope} {answer.month}: {answer.coverage.describe()}")
        window = answer.coverage.window
        if window is not None:
            echo_line(f"tiers over the {window.describe()}")
        echo_line(
            f"{'LOGIN':<24}{'STATE':<14}{'DAYS':>5}{'CHAT':>5}{'AGENT':>6}{'CLI':>4}"
            f"{'PROMPTS':>9}{'ACCEPTS':>9}{'CREDITS':>9}  {'TIER':<11}TOP IDE"
        )
        for r in rows:
            credits = "unknown" if r["credits_used"] is None else f"{r['credits_used']:.2f}"
            echo_line(
                f"{r['login']:<24}{_cell(r['state']):<14}{_cell(r['days_active']):>5}"
                f"{_cell(r['days_chat']):>5}{_cell(r['days_agent']):>6}{_cell(r['days_cli']):>4}"
                f"{_cell(r['interactions']):>9}{_cell(r['acceptances']):>9}{credits:>9}  "
                f"{r['tier'] or 'unknown':<11}{r['top_ide'] or '-'}"
            )
        if answer.tiers is not None:
            echo_line("tiers: " + ", ".join(f"{t} {n:,}" for t, n in answer.tiers.items()))
        if answer.light_use.height:
            cost = float(answer.light_use["monthly_cost"].sum() or 0.0)
            echo_line(
                f"light use: {plural(answer.light_use.height, 'seat')} on 1-3 days "
                f"({cost:,.2f} {settings.currency} a month)"
            )
        for finding in answer.findings:
            echo_line(f"{finding.severity}: {finding.message} [{finding.code}]")
    active = sum(1 for r in rows if r["days_active"])
    say(f"{answer.scope} {answer.month}: {plural(len(rows), 'seat')}, {active:,} used Copilot")


COMMANDS = [usage]
