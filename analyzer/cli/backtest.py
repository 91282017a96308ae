"""The backtest command: how each reclaim threshold would have fared on the stored history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from analyzer.cli.options import (
    CONTEXT,
    config_option,
    echo_line,
    money,
    one_format,
    open_store,
    plural,
    resolve_settings,
    say,
    scope_option,
    store_option,
    write_csv,
)
from analyzer.times import MAX_DAYS

if TYPE_CHECKING:
    from analyzer.model import Backtest, BacktestRow


class DaysList(click.ParamType):  # type: ignore[type-arg]
    """A comma-separated list of whole days, e.g. `30,45,60,90`."""

    name = "DAYS"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        parts = [p.strip() for p in str(value).split(",") if p.strip()]
        if not parts or not all(p.isdigit() and 0 <= int(p) <= MAX_DAYS for p in parts):
            self.fail(
                f"{value!r} is not a list of days; use whole days from 0 to {MAX_DAYS} "
                "separated by commas, e.g. 30,45,60,90",
                param,
                ctx,
            )
        return tuple(sorted({int(p) for p in parts}))


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@click.option(
    "--stale-days",
    "thresholds",
    type=DaysList(),
    default=None,
    help="Thresholds to replay, comma-separated [30,60,90 and the configured one].",
)
@click.option(
    "--grace-days",
    type=click.IntRange(min=0, max=MAX_DAYS),
    default=None,
    help="Days a new seat may stay unused before it counts as never active [30].",
)
@config_option
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object: scope, snapshots, rows."
)
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row per threshold and snapshot.")
def backtest(
    store_dir: Path,
    scope: str | None,
    thresholds: tuple[int, ...] | None,
    grace_days: int | None,
    config_path: Path | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Replay the reclaim rule at several thresholds on every stored snapshot but the last.

    For each threshold, the reclaim candidates of each snapshot (the rule of `reclaim`, with
    the threshold as stale days and as the sign-in window), and what became of them by the
    next snapshot: came back (activity after the snapshot), removed, or stayed idle.

    Example: copilot-seats backtest --scope octo-demo --stale-days 30,45,60,90
    """
    from analyzer.answers.backtest import (
        CSV_COLUMNS,
        backtest_csv_rows,
        backtest_json,
        get_backtest,
    )

    chosen = one_format("json" if as_json else None, "csv" if as_csv else None)
    settings = resolve_settings(config_path, grace_days=grace_days)
    result = get_backtest(open_store(store_dir), scope, settings, thresholds)
    if chosen == "json":
        click.echo(json.dumps(backtest_json(result), indent=2))
    elif chosen == "csv":
        write_csv(backtest_csv_rows(result), CSV_COLUMNS)
    else:
        _print_text(result)
    judged = result.rows[0].steps if result.rows else ()
    say(
        f"{plural(len(result.rows), 'threshold')} replayed on "
        f"{plural(len(judged), 'snapshot')} of {result.scope}"
    )


def _print_text(result: Backtest) -> None:
    if result.needed:
        echo_line(
            f"{result.scope} holds {plural(result.snapshots, 'snapshot')}: "
            f"{plural(result.needed, 'more snapshot')} needed to see what became of a "
            "snapshot's reclaim candidates"
        )
        return
    for row in result.rows:
        echo_line(_row_line(row))
    trade_off = result.trade_off()
    if trade_off:
        echo_line(trade_off[0].upper() + trade_off[1:] + ".")
    from analyzer.answers.backtest import frozen_steps  # not paid by --help

    for step in frozen_steps(result):
        day = step.frozen_since.isoformat() if step.frozen_since else ""
        echo_line(
            f"caution: no seat of the snapshot of {step.as_of:%Y-%m-%d} shows activity after "
            f"{day}: its candidates may be overstated (frozen-activity)"
        )


def _row_line(row: BacktestRow) -> str:
    """Return one threshold's line: its counts, the share back and the money."""
    candidates, back = row.total("candidates"), row.total("came_back")
    share = f" ({row.came_back_share:.0%})" if row.came_back_share is not None else ""
    saved = row.saved_cost
    money_text = (
        f"removing the idle ones saved {money(saved, row.currency)}"
        if saved is not None
        else "saving unknown (a plan without a price)"
    )
    return (
        f"{row.stale_days:>4} days: {plural(candidates, 'candidate')} in "
        f"{plural(len(row.steps), 'snapshot')}: {back:,} came back{share}, "
        f"{row.total('removed'):,} removed, {row.total('stayed_idle'):,} stayed idle; "
        f"{money_text}; {plural(back, 'person', 'people')} would have asked for their seat back"
    )


COMMANDS = [backtest]
