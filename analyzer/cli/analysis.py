"""Commands that answer questions about the history: status, diff, reclaim, history."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from analyzer.cli.options import (
    AT,
    CONTEXT,
    now_utc,
    plural,
    say,
    scope_option,
    settings_options,
    store_option,
)
from analyzer.times import DISPLAY_FORMAT, iso

if TYPE_CHECKING:
    import polars as pl

    from analyzer.model import Settings
    from analyzer.store.folder import Store


def _money(value: float, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def _open_store(store_dir: Path) -> Store:
    from analyzer.store.folder import Store

    return Store(store_dir)


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@click.option("--at", type=AT, default=None, help="Use the snapshot at or before this time.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@settings_options
def status(
    store_dir: Path,
    scope: str | None,
    at: datetime | None,
    as_json: bool,
    settings: Settings,
) -> None:
    """Show a snapshot's seats by state, costs and data-quality findings.

    Example: copilot-seats status --scope octo-demo
    """
    from analyzer.answers.queries import get_status, status_json
    from analyzer.answers.usage_queries import engagement_lines

    result = get_status(_open_store(store_dir), scope, settings, at, now_utc())
    if as_json:
        click.echo(json.dumps(status_json(result), indent=2))
        return
    s = result.summary
    rows = [
        ("Scope", s.scope),
        ("Snapshot", f"{iso(s.as_of)}  ({result.snapshot.source_name})"),
        ("Seats", f"{s.seats:,}"),
        *[
            (label, f"{s.states[key]:,}")
            for key, label in (
                ("active", "  active"),
                ("stale", "  stale"),
                ("never_active", "  never active"),
                ("new", "  new"),
            )
        ],
        ("Pending cancellation", f"{s.pending_cancellation:,}"),
        (
            "Reclaim candidates",
            f"{s.reclaim_candidates:,}  ({_money(s.reclaimable_monthly_cost, s.currency)} a month)",
        ),
        (
            "Check first",
            f"{s.check_first:,}  ({_money(s.check_first_monthly_cost, s.currency)} a month;"
            " idle but signed in recently)",
        ),
        ("Monthly cost", _money(s.monthly_cost, s.currency)),
        ("Idle monthly cost", _money(s.idle_monthly_cost, s.currency)),
        ("Thresholds", f"stale after {s.stale_days} days, grace {s.grace_days} days"),
    ]
    for label, value in rows:
        click.echo(f"{label:<22}{value}")
    for line in engagement_lines(result.engagement, s.currency):
        click.echo(line)
    for finding in result.findings:
        click.echo(f"{finding.severity}: {finding.message} [{finding.code}]")
    say(
        f"{s.scope}: {plural(s.seats, 'seat')}, {s.states['active']:,} active, "
        f"{plural(s.reclaim_candidates, 'reclaim candidate')}"
    )


def _write_csv(rows: list[dict[str, Any]], columns: list[str]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    sys.stdout.write(out.getvalue())


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

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    result = get_diff(_open_store(store_dir), scope, settings, at_from, at_to)
    body = diff_json(result)
    if as_json:
        click.echo(json.dumps(body, indent=2))
    elif as_csv:
        rows = [
            {"change": "added", "login": r["login"], "to_state": r["state"]}
            for r in result.added.to_dicts()
        ]
        rows += [
            {"change": "removed", "login": r["login"], "from_state": r["state"]}
            for r in result.removed.to_dicts()
        ]
        rows += result.transitions.to_dicts()
        _write_csv(rows, ["change", "login", "from_state", "to_state"])
    else:
        click.echo(f"{result.scope}: {body['from']} -> {body['to']}")
        click.echo(f"added   ({len(body['added']):,}): {_some(body['added'])}")
        click.echo(f"removed ({len(body['removed']):,}): {_some(body['removed'])}")
        for key, count in body["transitions"].items():
            click.echo(f"  {key:<28}{count:>6,}")
        for move in body["moves"][:SHOWN]:
            click.echo(
                f"  moved {move['login']}: {move['field']} "
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


def _reclaim_rows(candidates: pl.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = candidates.with_columns(
        login=candidates["display_login"]
    ).to_dicts()
    for row in rows:
        for key in ("idle_since", "first_seen", "last_activity", "last_authenticated"):
            if key in row:
                row[key] = iso(row[key]) if row[key] is not None else None
    return rows


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@click.option("--at", type=AT, default=None, help="Use the snapshot at or before this time.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "api"]),
    default="table",
    show_default=True,
    help="api: the body of GitHub's remove-seats call, per org.",
)
@settings_options
def reclaim(
    store_dir: Path,
    scope: str | None,
    at: datetime | None,
    fmt: str,
    settings: Settings,
) -> None:
    """List the seats worth reclaiming (stale or never active), costliest first.

    Example: copilot-seats reclaim --scope octo-demo --format csv > reclaim.csv
    """
    from analyzer.answers.queries import api_bodies, get_reclaim
    from analyzer.answers.usage_queries import engagement_json, engagement_lines

    result = get_reclaim(_open_store(store_dir), scope, settings, at)
    rows = _reclaim_rows(result.candidates)
    s = result.summary
    if fmt == "json":
        body: dict[str, Any] = {
            "scope": s.scope,
            "as_of": iso(s.as_of),
            "candidates": rows,
            "monthly_cost": round(s.reclaimable_monthly_cost, 2),
            "currency": s.currency,
            "check_first": _reclaim_rows(result.check_first),
            "check_first_monthly_cost": round(s.check_first_monthly_cost, 2),
            "follow_through": result.follow_through.as_json() if result.follow_through else None,
            "engagement": engagement_json(result.engagement),
        }
        click.echo(json.dumps(body, indent=2))
    elif fmt == "csv":
        _write_csv(rows, [c for c in result.candidates.columns if c != "display_login"])
    elif fmt == "api":
        for org, usernames in api_bodies(result).items():
            click.echo(f"# DELETE /orgs/{org}/copilot/billing/selected_users")
            click.echo(json.dumps(usernames))
    else:
        click.echo(
            f"{'LOGIN':<24}{'REASON':<14}{'IDLE':>6}  {'LAST ACTIVITY':<21}"
            f"{'COST':>10}  TEAM / ORGS"
        )
        for row in rows:
            idle = "-" if row["idle_days"] is None else str(row["idle_days"])
            click.echo(
                f"{row['login']:<24}{row['reason']:<14}{idle:>6}  "
                f"{row['last_activity'] or 'never':<21}{row['monthly_cost']:>10.2f}  "
                f"{row['team'] or row['orgs'] or ''}"
            )
        if len(result.check_first):
            click.echo(
                f"check first ({len(result.check_first):,}): signed in recently, no activity "
                "reported; Copilot telemetry may be off, so ask before removing:"
            )
            for row in _reclaim_rows(result.check_first):
                why = f"signed in {row['signed_in_days']} days ago"
                if row.get("usage_days"):  # usage-metrics records show the seat at work
                    why = f"used Copilot on {row['usage_days']} of the last 28 days"
                click.echo(f"  {row['login']:<22}{why}, {row['reason'].replace('_', ' ')}")
        if result.follow_through is not None:
            click.echo(result.follow_through.describe())
        for line in engagement_lines(result.engagement, s.currency):
            click.echo(line.strip())
    say(
        f"{plural(len(rows), 'reclaim candidate')} worth "
        f"{_money(s.reclaimable_monthly_cost, s.currency)} a month"
    )


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
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
    from analyzer.answers.queries import get_history

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    table = get_history(_open_store(store_dir), scope, settings)
    rows = table.with_columns(table["as_of"].dt.strftime(DISPLAY_FORMAT)).to_dicts()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    elif as_csv:
        _write_csv(rows, table.columns)
    else:
        click.echo(
            f"{'AS OF (UTC)':<21}{'SEATS':>7}{'ACTIVE':>8}{'STALE':>7}{'NEVER':>7}"
            f"{'NEW':>5}{'PEND':>6}{'ADDED':>7}{'REMOVED':>8}{'COST':>12}{'IDLE COST':>12}"
            + ("  ENGAGED D/W/O/N" if "tier_daily" in table.columns else "")
        )
        for r in rows:
            click.echo(
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


COMMANDS = [status, diff, reclaim, history]
