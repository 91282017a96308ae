"""Estimates over the AI-credit pool: next month's cost (`forecast`) and budgets (`whatif`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from analyzer.cli.options import (
    CONTEXT,
    echo_line,
    month_option,
    open_store,
    plural,
    say,
    scope_option,
    settings_options,
    store_option,
)

if TYPE_CHECKING:
    from analyzer.model import Settings


def _money(value: float | None, currency: str) -> str:
    return "unknown" if value is None else f"{value:,.2f} {currency}"


def _number(value: float | None) -> str:
    return "unknown" if value is None else f"{value:,.0f}"


def _forecast_lines(body: dict[str, Any]) -> list[str]:
    c = body["currency"]
    seats = ", ".join(f"{n:,} {plan}" for plan, n in body["seats_by_plan"].items())
    rows = [
        (
            "Month",
            f"{body['month']} (estimate{', after the reclaim' if body['after_reclaim'] else ''})",
        ),
        (
            "Seats",
            f"{body['seats']:,} ({seats or 'none'}), seat history of {body['seats_as_of'][:10]}",
        ),
        ("Seat cost", _money(body["seat_cost"], c)),
        ("Credits expected", _number(body["credits_expected"])),
        ("Credit pool", _number(body["credit_pool"])),
        ("Credit overage", _number(body["credit_overage"])),
        ("Overage cost", _money(body["credit_overage_cost"], c)),
        ("Total", _money(body["total"], c)),
    ]
    if body["low"] and body["high"]:
        low, high = body["low"], body["high"]
        rows.append(
            (
                "Range",
                f"{_money(low['total'], c)} ({low['base_month']}) to "
                f"{_money(high['total'], c)} ({high['base_month']})",
            )
        )
    rows.append(
        (
            "Reclaim saving",
            f"{_money(body['reclaim_gross_monthly_saving'], c)} gross, "
            f"{_money(body['reclaim_net_monthly_saving'], c)} net of new overage",
        )
    )
    lines = [f"{label:<18}{value}" for label, value in rows]
    lines.append(f"method: {body['method']}")
    mtd = body["month_to_date"]
    if mtd:
        runs_out = mtd["pool_runs_out"] or "not this month"
        lines.append(
            f"{mtd['month']} to {mtd['covered_through']} ({mtd['days_covered']} of "
            f"{mtd['days_in_month']} days): {_number(mtd['credits_so_far'])} credits, projected "
            f"{_number(mtd['credits_projected'])} ({_number(mtd['low'])} to "
            f"{_number(mtd['high'])}) by month end; pool runs out: {runs_out}; projected "
            f"overage cost {_money(mtd['credit_overage_cost'], c)} ({mtd['method']})"
        )
    if body["pool_line"]:
        lines.append(body["pool_line"])
    if body["cohorts"]:
        lines.append(f"who spends: {body['cohorts']['headline']}")
    fair = body["pool_fairness"]
    if fair:
        lines += [
            f"  {d['to_cost_center']} draws {d['credits']:,.0f} credits on the allowance of "
            f"{d['from_cost_center']}"
            for d in fair["draws"][:10]
        ]
    lines += [f"note: {n}" for n in body["notes"]]
    return lines


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@month_option("Month to forecast YYYY-MM (default: the one after the latest AI usage report).")
@click.option(
    "--after-reclaim", is_flag=True, help="Leave out the reclaim candidates' seats and credits."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@settings_options
def forecast(
    store_dir: Path,
    scope: str | None,
    month: str | None,
    after_reclaim: bool,
    as_json: bool,
    settings: Settings,
) -> None:
    """Estimate next month's cost: seats, expected AI credits, the pool and its overage.

    Example: copilot-seats forecast --scope octo-demo --after-reclaim
    """
    from analyzer.answers.forecast import build_forecast
    from analyzer.answers.forecast_json import forecast_json

    body = forecast_json(
        build_forecast(open_store(store_dir), scope, month, after_reclaim, settings)
    )
    if as_json:
        click.echo(json.dumps(body, indent=2))
    else:
        for line in _forecast_lines(body):
            echo_line(line)
    say(
        f"{body['scope']} {body['month']}: estimated total "
        f"{_money(body['total'], body['currency'])}, {plural(body['seats'], 'seat')}"
    )


def _whatif_lines(body: dict[str, Any]) -> list[str]:
    c = body["currency"]
    account = body["account_budget_credits"]
    lines = [
        f"{'Month':<18}{body['month']} (estimate; reports to {body['covered_through']})",
        f"{'User budget':<18}{_number(body['user_budget_credits'])} credits a user",
        f"{'Account budget':<18}"
        + ("none" if account is None else f"{_number(account)} credits of paid overage"),
        f"{'Users capped':<18}{body['users_capped']:,}",
        f"{'Credits stopped':<18}{_number(body['credits_stopped'])} "
        f"({_money(body['cost_stopped'], c)})",
        f"{'Overage avoided':<18}{_money(body['overage_avoided'], c)}",
        f"{'Account blocked':<18}{body['account_blocked_on'] or 'never'}",
        f"method: {body['method']}",
    ]
    lines += [
        f"  {u['login']:<24}{u['credits_used']:>12,.0f} credits, budget hit {u['budget_hit_on']}"
        for u in body["users"]
        if u["budget_hit_on"]
    ][:20]
    lines += [
        f"  cost centre {cc['cost_center']}: {cc['users_capped']:,} of {cc['users']:,} users "
        f"capped, {cc['credits_stopped']:,.0f} credits stopped"
        for cc in body["cost_centers"]
    ]
    return lines


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@click.option(
    "--user-budget", type=click.FloatRange(min=0), required=True, help="Monthly budget per user."
)
@click.option(
    "--account-budget",
    type=click.FloatRange(min=0),
    default=None,
    help="Account budget on paid overage (after the pool).",
)
@click.option(
    "--unit",
    type=click.Choice(["credits", "usd"]),
    default="credits",
    show_default=True,
    help="Unit of the user budget (the account budget is in money).",
)
@month_option("Month to replay YYYY-MM (default: the latest AI usage report's).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@settings_options
def whatif(
    store_dir: Path,
    scope: str | None,
    user_budget: float,
    account_budget: float | None,
    unit: str,
    month: str | None,
    as_json: bool,
    settings: Settings,
) -> None:
    """Replay a month's AI credits against per-user and account budgets: what they would stop.

    Example: copilot-seats whatif --scope octo-demo --user-budget 3000 --account-budget 50
    """
    from analyzer.answers.forecast_json import whatif_json
    from analyzer.answers.whatif import build_whatif

    result = build_whatif(
        open_store(store_dir), scope, month, user_budget, account_budget, unit, settings
    )
    body = whatif_json(result)
    if as_json:
        click.echo(json.dumps(body, indent=2))
    else:
        for line in _whatif_lines(body):
            echo_line(line)
    say(
        f"{body['scope']} {body['month']}: {plural(body['users_capped'], 'user')} capped, "
        f"{_number(body['credits_stopped'])} credits stopped (estimate)"
    )


COMMANDS = [forecast, whatif]
