"""Commands that look after the history store itself: verify, forget."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analyzer.cli.feedback import waiting_note
from analyzer.cli.options import CONTEXT, echo_line, plural, say, scope_option, store_option
from analyzer.times import in_years, iso, parse_iso, years_text

if TYPE_CHECKING:
    from analyzer.store.verify import StoreProblem


def _derived_problems(store_dir: Path) -> list[StoreProblem]:
    """Compare the kept carried states with a full recomputation from the snapshots, and
    check each kept history table against its checksum."""
    from analyzer.answers.carried import check_carried
    from analyzer.store.derived import damaged_histories
    from analyzer.store.folder import Store
    from analyzer.store.verify import StoreProblem

    codes = {p: f"derived-{p}" for p in ("missing", "damaged", "differs")}
    problems = [
        StoreProblem(
            f"derived/{m.scope}", codes[m.problem], f"the carried state of {m.snapshot.id}"
        )
        for m in check_carried(Store(store_dir))
    ]
    problems += [
        StoreProblem(
            f"derived/{scope}", "derived-damaged", f"the history rows kept under settings {key}"
        )
        for scope, key in damaged_histories(store_dir)
    ]
    return problems


@click.command(context_settings=CONTEXT)
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def verify(store_dir: Path, as_json: bool) -> None:
    """Check every byte of the store: marker, manifest, snapshot files, originals.

    Each problem is printed as `path: message [code]`, its path inside the store. Exit
    status 0 when the store is whole (notes are fine), 1 otherwise; `copilot-seats
    rebuild` repairs what the kept originals can re-derive.

    Example: copilot-seats verify --store copilot-history
    """
    from analyzer.store.verify import verify_store

    result = verify_store(store_dir)
    if result.ok and result.snapshots:  # the snapshots are whole: check what is derived
        result.problems.extend(_derived_problems(store_dir))
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
    """Remove one snapshot from the store, atomically and for good.

    Choose it by --scope and --at (its time, as `snapshots` lists it) or by --sha256 (a
    prefix of its file's sha256); a choice matching several snapshots is refused. Its
    original moves to the store's attic/, so `rebuild` does not bring it back; ingesting the
    same file again restores it.

    Example: copilot-seats forget --scope octo-demo --at 2026-11-03T14:34:44Z
    """
    from analyzer.model import SnapshotInfo
    from analyzer.store.folder import Store
    from analyzer.store.forget import forget_snapshot, select_snapshot

    if at_range is None and sha_prefix is None:
        raise click.UsageError("say which snapshot: --scope S --at TIME, or --sha256 PREFIX")
    if sha_prefix is not None and not (4 <= len(sha_prefix) <= 64 and _is_hex(sha_prefix)):
        raise click.BadParameter("give at least 4 hex digits of the sha256", param_hint="--sha256")
    start, end = at_range if at_range else (None, None)

    def choose(infos: list[SnapshotInfo]) -> SnapshotInfo:
        return select_snapshot(infos, scope=scope, start=start, end=end, sha_prefix=sha_prefix)

    store = Store(store_dir)
    info = forget_snapshot(store, choose, on_wait=waiting_note(store_dir))
    echo_line(
        f"forgot          {info.scope} at {iso(info.as_of)}, {plural(info.seats, 'seat')} "
        f"({info.source_name}, sha256 {info.sha256[:12]}); original kept in "
        f"{store_dir / 'attic' / info.sha256}"
    )
    left = len(store.snapshots())
    say(
        f"1 snapshot forgotten, {plural(left, 'snapshot')} left; "
        "ingest the file again to restore it"
    )


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


COMMANDS = [verify, forget]
