"""Commands that answer questions about the history: status, diff, history (reclaim: reclaim.py)."""

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
    now_utc,
    one_format,
    open_store,
    plural,
    say,
    scope_option,
    settings_options,
    store_option,
    write_csv,
)
from analyzer.times import iso

if TYPE_CHECKING:
    from analyzer.answers.figures import SnapshotFigures
    from analyzer.model import Settings


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@click.option("--at", type=AT, default=None, help="Use the snapshot at or before this time.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object (several scopes: `scopes`)."
)
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row per scope.")
@settings_options
def status(
    store_dir: Path,
    scope: str | None,
    at: datetime | None,
    as_json: bool,
    as_csv: bool,
    settings: Settings,
) -> None:
    """Show a snapshot's seats by state, costs and data-quality findings.

    Without --scope, a store of several orgs/enterprises shows one row per scope.

    Example: copilot-seats status --scope octo-demo
    """
    from analyzer.answers.figures import STATUS_CSV_COLUMNS, status_json, status_row
    from analyzer.answers.queries import (
        get_status,
        get_statuses,
        scopes_left_out,
        statuses_json,
    )
    from analyzer.answers.scope import scope_names

    fmt = one_format("json" if as_json else None, "csv" if as_csv else None)
    store = open_store(store_dir)
    several = scope is None and len(scope_names(store)) > 1
    results = (
        get_statuses(store, settings, at, now_utc())
        if several
        else [get_status(store, scope, settings, at, now_utc())]
    )
    left_out = scopes_left_out(store, at) if several else []
    if fmt == "json":
        bodies = [status_json(r) for r in results]
        whole = statuses_json(at, bodies, left_out) if several else bodies[0]
        click.echo(json.dumps(whole, indent=2))
    elif fmt == "csv":
        write_csv([status_row(r) for r in results], STATUS_CSV_COLUMNS)
    elif several:
        _print_scopes(results)
    else:
        _print_status(results[0])
    for note in left_out:  # only with --at
        say(f"left out: {note}, outside --at {iso(at) if at else ''}")
    if several:
        say(
            f"{plural(len(results), 'scope')}: "
            f"{plural(sum(r.summary.seats for r in results), 'seat')}, "
            f"{plural(sum(r.summary.reclaim_candidates for r in results), 'reclaim candidate')}"
        )
    else:
        s = results[0].summary
        say(
            f"{s.scope}: {plural(s.seats, 'seat')}, {s.states['active']:,} active, "
            f"{plural(s.reclaim_candidates, 'reclaim candidate')}"
        )


def _print_status(result: SnapshotFigures) -> None:
    from analyzer.model import state_label  # not paid by --help

    s = result.summary
    first = result.first_snapshot
    states = [(f"  {lower_first(state_label(key, first))}", key) for key in s.states]
    rows = [
        ("Scope", s.scope),
        ("Snapshot", f"{iso(s.as_of)}  ({result.snapshot.source_name})"),
        ("Seats", f"{s.seats:,}"),
        *[(label, f"{s.states[key]:,}") for label, key in states],
        ("Pending cancellation", f"{s.pending_cancellation:,}"),
        (
            "Reclaim candidates",
            f"{s.reclaim_candidates:,}  (potential savings "
            f"{money(s.reclaimable_monthly_cost, s.currency)} a month, "
            "from the next billing cycle)",
        ),
        (
            "Check first",
            f"{s.check_first:,}  ({money(s.check_first_monthly_cost, s.currency)} a month;"
            " idle but signed in recently: ask before removing)",
        ),
        ("Monthly cost", money(s.monthly_cost, s.currency)),
        ("Idle monthly cost", money(s.idle_monthly_cost, s.currency)),
        ("Thresholds", f"stale after {s.stale_days} days, grace {s.grace_days} days"),
    ]
    width = max(22, *(len(label) + 2 for label, _ in rows))
    for label, value in rows:
        echo_line(f"{label:<{width}}{value}")
    if first:
        echo_line(
            f"History starts here: {iso(s.as_of)[:10]} is the first snapshot of {s.scope}, so a "
            "seat without activity cannot be told from one idle for more than 90 days."
        )
        echo_line(
            "To backfill, ingest older seat-report downloads, or a saved API seat list "
            "with --as-of TIME."
        )
    from analyzer.answers.evidence import engagement_lines

    for line in engagement_lines(result.engagement, s.currency):
        echo_line(line)
    for finding in result.findings:
        echo_line(f"{finding.severity}: {finding.message} [{finding.code}]")


def _print_scopes(results: list[SnapshotFigures]) -> None:
    from analyzer.model import state_label  # not paid by --help

    echo_line(
        f"{'SCOPE':<21}{'AS OF (UTC)':<22}{'SEATS':>6}{'ACTIVE':>8}{'STALE':>7}{'NEVER':>7}"
        f"{'NEW':>5}{'PEND':>6}{'RECLAIM':>9}{'CHECK':>7}{'COST':>12}{'SAVINGS':>12}"
    )
    for r in results:
        s = r.summary
        never = f"{s.states['never_active']:,}" + ("*" if r.first_snapshot else "")
        echo_line(
            f"{s.scope:<21}{iso(s.as_of):<22}{s.seats:>6,}{s.states['active']:>8,}"
            f"{s.states['stale']:>7,}{never:>7}{s.states['new']:>5,}"
            f"{s.pending_cancellation:>6,}{s.reclaim_candidates:>9,}{s.check_first:>7,}"
            f"{s.monthly_cost:>12,.2f}{s.reclaimable_monthly_cost:>12,.2f}"
        )
    currency = results[0].summary.currency
    echo_line(
        f"costs in {currency} a month; SAVINGS: potential, from the next billing cycle; "
        "CHECK: check first (idle but signed in recently)"
    )
    if any(r.first_snapshot for r in results):
        echo_line(
            f"* first snapshot of the scope: {lower_first(state_label('never_active', True))}, "
            "not necessarily never used"
        )
    click.echo("--scope S shows one scope's details and data-quality findings")


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@click.option(
    "--from",
    "at_from",
    type=AT,
    default=None,
    help="Older snapshot: the one at or before this time (default: the one before --to).",
)
@click.option(
    "--to",
    "at_to",
    type=AT,
    default=None,
    help="Newer snapshot: the one at or before this time (default: the latest).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row per changed seat.")
@settings_options
def diff(
    store_dir: Path,
    scope: str | None,
    at_from: datetime | None,
    at_to: datetime | None,
    as_json: bool,
    as_csv: bool,
    settings: Settings,
) -> None:
    """Show seats added and removed, state changes and team/org moves between two snapshots.

    Example: copilot-seats diff --scope octo-demo --json
    """
    from analyzer.answers.queries import diff_json, get_diff
    from analyzer.model import comparison_label  # not paid by --help

    fmt = one_format("json" if as_json else None, "csv" if as_csv else None)
    result = get_diff(open_store(store_dir), scope, settings, at_from, at_to)
    body = diff_json(result)
    if fmt == "json":
        click.echo(json.dumps(body, indent=2))
    elif fmt == "csv":
        rows = [{"change": "added", **r, "to_state": r["state"]} for r in result.added.to_dicts()]
        rows += [
            {"change": "removed", **r, "from_state": r["state"]} for r in result.removed.to_dicts()
        ]
        rows += result.transitions.to_dicts()
        write_csv(rows, ["change", "login", "display_login", "from_state", "to_state"])
    else:
        older, newer = sorted((result.from_as_of, result.to_as_of))
        echo_line(
            f"{result.scope}: {body['from']} -> {body['to']} ({comparison_label(newer, older)})"
        )
        echo_line(f"added   ({len(body['added']):,}): {_some(body['added'])}")
        echo_line(f"removed ({len(body['removed']):,}): {_some(body['removed'])}")
        for key, count in body["transitions"].items():
            echo_line(f"  {key:<28}{count:>6,}")
        for move in body["moves"][:SHOWN]:
            echo_line(
                f"  moved {move['display_login']}: {move['field']} "
                f"{move['before'] or '-'} -> {move['after'] or '-'}"
            )
    changed = len(result.transitions)
    say(
        f"{plural(len(body['added']), 'seat')} added, {len(body['removed']):,} removed, "
        f"{plural(changed, 'state change')}"
    )


SHOWN = 20  # logins listed in human output; --json and --csv list all


def _some(logins: list[str]) -> str:
    more = f" ... and {len(logins) - SHOWN:,} more (--json or --csv lists all)"
    return (", ".join(logins[:SHOWN]) or "-") + (more if len(logins) > SHOWN else "")


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: scope, rows.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@settings_options
def history(
    store_dir: Path,
    scope: str | None,
    as_json: bool,
    as_csv: bool,
    settings: Settings,
) -> None:
    """Show one row per snapshot: seats, states, churn, costs and the surface mix.

    Example: copilot-seats history --scope octo-demo --csv > history.csv
    """
    from analyzer.answers.queries import get_history, history_json
    from analyzer.answers.scope import scope_snapshots

    fmt = one_format("json" if as_json else None, "csv" if as_csv else None)
    store = open_store(store_dir)
    table = get_history(store, scope, settings)
    body = history_json(scope_snapshots(store, scope)[0], table, settings.currency)
    rows: list[dict[str, Any]] = body["rows"]
    if fmt == "json":
        click.echo(json.dumps(body, indent=2))
    elif fmt == "csv":
        write_csv(rows, table.columns)
    else:
        echo_line(
            f"{'AS OF (UTC)':<21}{'SEATS':>7}{'ACTIVE':>8}{'STALE':>7}{'NEVER':>7}"
            f"{'NEW':>5}{'PEND':>6}{'ADDED':>7}{'REMOVED':>8}{'COST':>12}{'IDLE COST':>12}"
            + ("  ENGAGED D/W/O/N" if "tier_daily" in table.columns else "")
        )
        for r in rows:
            echo_line(
                f"{r['as_of']:<21}{r['seats']:>7,}{r['active']:>8,}{r['stale']:>7,}"
                f"{r['never_active']:>7,}{r['new']:>5,}{r['pending_cancellation']:>6,}"
                f"{r['added']:>7,}{r['removed']:>8,}{r['monthly_cost']:>12,.2f}"
                f"{r['idle_monthly_cost']:>12,.2f}"
                + (f"  {_tiers(r)}" if "tier_daily" in r else "")
            )
    say(plural(len(rows), "snapshot"))


def _tiers(row: dict[str, Any]) -> str:
    """Return `120/80/30/40` (daily/weekly/occasional/none), or `unknown`."""
    values = [row[f"tier_{t}"] for t in ("daily", "weekly", "occasional", "none")]
    return "unknown" if values[0] is None else "/".join(f"{v:,}" for v in values)


COMMANDS = [status, diff, history]
