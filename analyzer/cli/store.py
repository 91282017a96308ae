"""Commands that look after the history store itself: verify, forget."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import click

from analyzer.cli.feedback import waiting_note
from analyzer.cli.options import CONTEXT, echo_line, plural, say, scope_option, store_option
from analyzer.times import in_years, iso, parse_iso, years_text


@click.command(context_settings=CONTEXT)
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def verify(store_dir: Path, as_json: bool) -> None:
    """Check every byte of the store: marker, manifests, tables and originals of every family.

    Each problem is printed as `path: message [code]`, its path inside the store. Exit
    status 0 when the store is whole (notes are fine), 1 otherwise; `copilot-seats
    rebuild` repairs what the kept originals can re-derive.

    Example: copilot-seats verify --store copilot-history
    """
    from analyzer.answers.store import verify as verify_store

    result = verify_store(store_dir)
    if as_json:
        body = {
            "store": str(store_dir),
            "ok": result.ok,
            "snapshots": result.snapshots,
            "originals": result.originals,
            "problems": [
                {"path": p.path, "code": p.code, "severity": p.severity, "message": p.message}
                for p in result.problems
            ],
        }
        click.echo(json.dumps(body, indent=2))
    else:
        for problem in result.problems:
            prefix = "note: " if problem.severity == "note" else ""
            echo_line(f"{prefix}{problem.render()}")
    errors = sum(p.severity == "error" for p in result.problems)
    checked = (
        f"{plural(result.snapshots, 'snapshot')} and {plural(result.originals, 'original')} "
        f"in {store_dir}"
    )
    if errors:
        say(
            f"{plural(errors, 'problem')} in {checked}; run `copilot-seats rebuild --store "
            f"{store_dir}` to re-derive what the kept originals can"
        )
        raise SystemExit(1)
    notes = len(result.problems)
    say(f"verified {checked}: no problems" + (f", {plural(notes, 'note')}" if notes else ""))


def _at_range(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[datetime, datetime] | None:
    """Return the time asked for as an inclusive range: one second, or a whole UTC day."""
    if value is None:
        return None
    try:
        start = parse_iso(value).replace(microsecond=0)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a time; use e.g. 2026-03-28 or 2026-03-28T06:54:33Z", ctx, param
        ) from None
    if not in_years(start):
        raise click.BadParameter(f"{value!r} is outside the supported dates {years_text()}")
    if len(value.strip()) == 10:  # a date: every snapshot of that day
        return start, start + timedelta(days=1, seconds=-1)
    return start, start


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@click.option(
    "--at", "at_range", callback=_at_range, default=None, help="The snapshot's time (or day)."
)
@click.option("--sha256", "sha_prefix", default=None, help="The start of its file's sha256.")
def forget(
    store_dir: Path,
    scope: str | None,
    at_range: tuple[datetime, datetime] | None,
    sha_prefix: str | None,
) -> None:
    """Remove one kept file from the store, atomically and for good.

    Choose a snapshot by --scope and --at (its time, as `snapshots` lists it), or any kept
    file (seat report, billing file, usage-metrics file) by --sha256 (a prefix of its sha256,
    any case); a choice matching several is refused. Its original moves to the store's
    attic/, so `rebuild` does not bring it back; ingesting the same file again restores it.

    Example: copilot-seats forget --scope octo-demo --at 2026-11-03T14:34:44Z
    """
    from analyzer.answers.store import forget as forget_file

    if at_range is None and sha_prefix is None:
        raise click.UsageError("say which snapshot: --scope S --at TIME, or --sha256 PREFIX")
    if sha_prefix is not None and not (4 <= len(sha_prefix) <= 64 and _is_hex(sha_prefix)):
        raise click.BadParameter("give at least 4 hex digits of the sha256", param_hint="--sha256")
    start, end = at_range if at_range else (None, None)
    result = forget_file(
        store_dir,
        scope=scope,
        start=start,
        end=end,
        sha_prefix=sha_prefix,
        on_wait=waiting_note(store_dir),
    )
    gone, info = result.forgotten, result.forgotten.snapshot
    what = (
        f"{info.scope} at {iso(info.as_of)}, {plural(info.seats, 'seat')}"
        if info is not None
        else f"the {gone.family}"
    )
    echo_line(
        f"forgot          {what} ({gone.source_name}, sha256 {gone.sha256[:12]}); original "
        f"kept in {store_dir / 'attic' / gone.sha256}"
    )
    say(
        f"1 {'snapshot' if info else gone.family} forgotten, "
        f"{plural(result.snapshots_left, 'snapshot')} left; ingest the file again to restore it"
    )


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


COMMANDS = [verify, forget]
