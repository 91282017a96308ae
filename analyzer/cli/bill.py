"""Commands over GitHub's billing files: the month's bill (`bill`) and the files held."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analyzer.billing_schema import in_credits_era
from analyzer.cli.options import (
    CONTEXT,
    echo_line,
    month_option,
    plural,
    say,
    scope_option,
    settings_options,
    store_option,
    write_csv,
)

if TYPE_CHECKING:
    from analyzer.model import BillData, Settings


def _money(value: float | None, currency: str, unknown: str) -> str:
    return unknown if value is None else f"{value:,.2f} {currency}"


def _number(value: float | None, unknown: str) -> str:
    return unknown if value is None else f"{value:,.2f}"


def _clock_rows(data: BillData) -> list[tuple[str, str]]:
    """Return the seat cycle's and the calendar month's spans (none when both start on the 1st)."""
    clocks = data.clocks
    if clocks is None:
        return []
    return [
        ("Seat cycle", f"{clocks.seat_from} to {clocks.seat_to} (day {clocks.billing_day})"),
        ("Calendar month", f"{clocks.credit_from} to {clocks.credit_to} (AI-credit pool)"),
    ]


def _text_lines(data: BillData) -> list[str]:
    from analyzer.model import CALENDAR_MONTH, SEAT_CYCLE

    c, unknown = data.currency, data.unknown

    def seat(label: str) -> str:
        return data.clocked(label, SEAT_CYCLE)

    def month(label: str) -> str:
        return data.clocked(label, CALENDAR_MONTH)

    def why(figure: str) -> str:
        return f"unknown: {unknown.get(figure, 'no file covers it')}"

    usage_to = f" ({data.coverage('usage')})" if data.coverage("usage") else ""
    ai_to = f" ({data.coverage('ai')})" if data.coverage("ai") else ""
    expected = _money(data.seat_cost_expected, c, why("seat_cost_expected"))
    if (
        data.seat_cost_expected is not None
        and data.seat_cost_expected_low is not None
        and abs(data.seat_cost_expected - data.seat_cost_expected_low) >= 0.005
    ):
        expected = f"{data.seat_cost_expected_low:,.2f} to {expected}"
    rows = [
        ("Scope", data.scope),
        ("Month", data.month),
        *_clock_rows(data),
        (
            seat("Seats billed"),
            _money(data.seat_cost_billed, c, why("seat_cost_billed")) + usage_to,
        ),
        (seat("Seats expected"), expected),
    ]
    credit_rows = "premium_requests" in unknown and "credits_used" not in unknown
    if credit_rows or in_credits_era(data.month):
        rows += [
            (month("AI credits used"), _number(data.credits_used, why("credits_used")) + ai_to),
            (month("Credit pool"), _number(data.credit_pool, why("credit_pool"))),
            (month("Credit overage"), _number(data.credit_overage, why("credit_overage"))),
            (
                month("Overage cost"),
                _money(data.credit_overage_cost, c, why("credit_overage_cost")),
            ),
            (
                month("AI credits billed"),
                _money(data.credit_cost_billed, c, why("credit_cost_billed")),
            ),
        ]
    else:
        rows += [
            (
                month("Premium requests"),
                _number(data.premium_requests, why("premium_requests")) + ai_to,
            ),
            (month("Premium ai-units"), _number(data.premium_ai_units, why("premium_ai_units"))),
            (
                month("Premium cost"),
                _money(data.premium_request_cost, c, why("premium_request_cost")),
            ),
        ]
    rows.append(
        (month("Total billed"), _money(data.total_billed, c, why("total_billed")) + usage_to)
    )
    width = max(20, *(len(label) + 2 for label, _ in rows))
    lines = [f"{label:<{width}}{value}" for label, value in rows]
    if data.clocks:
        lines.append(data.clocks.note())
    lines.append(data.reconciliation())
    lines += [f"  {e.login:<24}{e.kind:<20}{e.detail}" for e in data.exceptions]
    if data.other_rows:
        lines.append(
            f"not Copilot: {plural(data.other_rows, 'usage row')} of other products "
            f"({data.other_net:,.2f} {c}) left out"
        )
    lines += [f"note: {n}" for n in data.notes]
    return lines


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@month_option("Month YYYY-MM (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row per person.")
@settings_options
def bill(
    store_dir: Path,
    scope: str | None,
    month: str | None,
    as_json: bool,
    as_csv: bool,
    settings: Settings,
) -> None:
    """Show the month's Copilot bill: seats billed against the seat history, AI credits, pool.

    Example: copilot-seats bill --scope octo-demo --month 2026-10
    """
    from analyzer.answers.bill import bill_json
    from analyzer.answers.bill_report import bill_of_store

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    data = bill_of_store(store_dir, scope, month, settings)
    if as_json:
        click.echo(json.dumps(bill_json(data), indent=2))
    elif as_csv:
        write_csv(data.people.to_dicts(), data.people.columns)  # cells safe for a spreadsheet
    else:
        for line in _text_lines(data):
            echo_line(line)
    say(
        f"{data.scope} {data.month}: total billed "
        f"{_money(data.total_billed, data.currency, 'unknown')}, "
        f"{plural(len(data.exceptions), 'exception')}"
    )


@click.command("billing-files", context_settings=CONTEXT)
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: store, files.")
def billing_files_command(store_dir: Path, as_json: bool) -> None:
    """List the billing files the store holds: kind, period, rows, source.

    Example: copilot-seats billing-files --json
    """
    from analyzer.answers.bill_report import billing_file_rows

    files = billing_file_rows(store_dir)
    if as_json:
        keys = ("kind", "first_day", "last_day", "rows", "copilot_rows", "source", "sha256", "id")
        listed = [{k: f[k] for k in keys} for f in files]
        click.echo(json.dumps({"store": str(store_dir), "files": listed}, indent=2))
    else:
        if files:
            echo_line(f"{'KIND':<34}{'PERIOD':<24}{'ROWS':>10}  {'SHA256':<14}SOURCE")
        for f in files:
            echo_line(
                f"{f['label']:<34}{f['period']:<24}{f['rows']:>10,}  "
                f"{f['sha256'][:12]:<14}{f['source']}"
            )
    say(f"{plural(len(files), 'billing file')} in {store_dir}")


COMMANDS = [bill, billing_files_command]
