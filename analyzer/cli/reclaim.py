"""The reclaim command: the seats worth removing, the ones to ask about first, and the savings."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from analyzer.cli.options import (
    AT,
    CONTEXT,
    echo_line,
    lower_first,
    money,
    one_format,
    open_store,
    plural,
    say,
    scope_option,
    settings_options,
    store_option,
    write_csv,
)

if TYPE_CHECKING:
    from analyzer.answers.queries import Reclaim
    from analyzer.model import FollowThrough, Settings

# Reclaim-list columns `--csv` leaves out: `login` already is the login as GitHub spells it.
_NOT_IN_CSV = ("display_login",)


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@click.option("--at", type=AT, default=None, help="Use the snapshot at or before this time.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row per reclaim candidate.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "api"]),
    default="table",
    show_default=True,
    help="api: the body of GitHub's remove-seats call, per org (csv, json: as --csv, --json).",
)
@settings_options
def reclaim(
    store_dir: Path,
    scope: str | None,
    at: datetime | None,
    as_json: bool,
    as_csv: bool,
    fmt: str,
    settings: Settings,
) -> None:
    """List the seats worth reclaiming (stale or never active), costliest first.

    Seats that signed in recently but show no activity are listed apart, as "check first",
    and never in --format api.

    Example: copilot-seats reclaim --scope octo-demo --csv > reclaim.csv
    """
    from analyzer.answers.queries import api_bodies, get_reclaim, reclaim_json, reclaim_rows

    chosen = one_format(
        "json" if as_json else None, "csv" if as_csv else None, None if fmt == "table" else fmt
    )
    result = get_reclaim(open_store(store_dir), scope, settings, at)
    s = result.summary
    if chosen == "json":
        click.echo(json.dumps(reclaim_json(result), indent=2))
    elif chosen == "csv":
        columns = [c for c in result.candidates.columns if c not in _NOT_IN_CSV]
        write_csv(reclaim_rows(result.candidates), columns)
    elif chosen == "api":
        for org, usernames in api_bodies(result).items():
            echo_line(f"# DELETE /orgs/{org}/copilot/billing/selected_users")
            click.echo(json.dumps(usernames))
    else:
        _print_table(result)
    say(
        f"{plural(s.reclaim_candidates, 'reclaim candidate')}, potential savings "
        f"{money(s.reclaimable_monthly_cost, s.currency)} a month from the next billing cycle"
    )


def _print_table(result: Reclaim) -> None:
    from analyzer.answers.queries import reclaim_rows
    from analyzer.model import state_label  # not paid by --help

    first = result.first_snapshot
    rows = reclaim_rows(result.candidates)
    for row in rows:
        row["label"] = lower_first(state_label(row["reason"], first))
    width = max([14, *(len(r["label"]) + 2 for r in rows)])
    echo_line(
        f"{'LOGIN':<24}{'REASON':<{width}}{'IDLE':>6}  {'LAST ACTIVITY':<22}{'LAST SIGN-IN':<14}"
        f"{'COST':>9}  TEAM / ORGS"
    )
    for row in rows:
        idle = "-" if row["idle_days"] is None else str(row["idle_days"])
        activity = row["last_activity"] or ("none in 90 days" if first else "never")
        sign_in = (row["last_authenticated"] or "-")[:10]
        line = (
            f"{row['login']:<24}{row['label']:<{width}}{idle:>6}  {activity:<22}{sign_in:<14}"
            f"{row['monthly_cost']:>9.2f}  {row['team'] or row['orgs'] or ''}"
        )
        echo_line(line.rstrip())
    checks = reclaim_rows(result.check_first)
    if checks:
        echo_line(
            f"check first ({len(checks):,}), not reclaim candidates: signed in recently, no "
            "activity reported: Copilot telemetry may be off; ask before removing"
        )
        for row in checks:
            quiet = (
                "no activity reported"
                if row["idle_days"] is None
                else f"no activity for {plural(row['idle_days'], 'day')}"
            )
            days = row["signed_in_days"]
            why = "signed in " + (
                "within the last day" if days == 0 else f"{plural(days, 'day')} ago"
            )
            if row.get("usage_days"):  # usage-metrics records show the seat at work
                why = f"used Copilot on {row['usage_days']} of the last 28 days"
            echo_line(f"  {row['login']:<22}{why}, {quiet}{_cost(row)}")
    s = result.summary
    from analyzer.answers.evidence import engagement_lines

    for text in engagement_lines(result.engagement, s.currency):
        echo_line(text.strip())
    echo_line(
        f"potential savings: {money(s.reclaimable_monthly_cost, s.currency)} a month, from the "
        "next billing cycle (GitHub bills a removed seat to the end of its cycle, no refund)"
    )
    echo_line(_follow_through_line(s.as_of, result.follow_through))


def _cost(row: dict[str, Any]) -> str:
    return f" ({row['monthly_cost']:.2f} a month)" if row["monthly_cost"] is not None else ""


def _follow_through_line(as_of: datetime, ft: FollowThrough | None) -> str:
    """Return what became of the previous snapshot's candidates, naming that snapshot."""
    from analyzer.model import comparison_label  # not paid by --help

    if ft is None:
        return comparison_label(as_of, None)
    label = comparison_label(as_of, ft.previous_as_of)
    if not ft.candidates:
        return f"{label}: no reclaim candidates then"
    share = ft.came_back_share or 0.0
    parts = [
        f"{ft.removed:,} removed ({money(ft.removed_monthly_cost, ft.currency)} a month stopped)",
        f"{ft.still_idle:,} still idle",
        f"{ft.came_back:,} came back ({share:.0%})",
    ]
    if ft.now_check_first:
        parts.append(f"{ft.now_check_first:,} now check first")
    if ft.other:
        parts.append(f"{ft.other:,} otherwise settled (pending cancellation or excluded)")
    return f"{label}: of its {plural(ft.candidates, 'reclaim candidate')}, " + ", ".join(parts)


COMMANDS = [reclaim]
