"""Commands that fill and inspect the history store: ingest, snapshots, rebuild."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from analyzer.cli.feedback import Bar, print_outcomes, summarize_ingest, waiting_note
from analyzer.cli.options import (
    CONTEXT,
    TIME,
    echo_line,
    now_utc,
    one_format,
    plural,
    quiet_option,
    say,
    scope_option,
    store_option,
    write_csv,
)
from analyzer.times import iso


@click.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=False))
@store_option
@click.option(
    "--as-of",
    type=TIME,
    default=None,
    help="Snapshot time for files that carry none (no Report Time, no GitHub name).",
)
@scope_option
@click.option("-r", "--recursive", is_flag=True, help="Also read files in subfolders.")
@quiet_option
@click.option("-v", "--verbose", is_flag=True, help="List every problem of a refused file.")
def ingest(
    store_dir: Path,
    paths: tuple[Path, ...],
    as_of: datetime | None,
    scope: str | None,
    recursive: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Read seat report files (or folders of them) into the history store.

    Each file gets a line: stored, already stored, or refused with every problem as
    `file:line: message [code]`. Good files are stored even when others are refused.
    Exit status 1 when a file was refused.

    Example: copilot-seats ingest sample_reports/
    """
    from analyzer.answers.ingest import ingest_paths

    bar = Bar("Reading reports", quiet=quiet)
    try:
        outcomes = ingest_paths(
            store_dir,
            paths,
            now=now_utc(),
            as_of=as_of,
            scope=scope,
            recursive=recursive,
            on_files=bar.start,
            on_file=bar.step,
            on_wait=waiting_note(store_dir),
        )
    finally:
        bar.close()
    print_outcomes(outcomes, quiet=quiet, verbose=verbose, show_already=True)
    say(summarize_ingest(outcomes))
    if any(o.status == "refused" for o in outcomes):
        raise SystemExit(1)


@click.command(context_settings=CONTEXT)
@store_option
@scope_option
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object: store, scope, snapshots."
)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV, one row per snapshot.")
def snapshots(store_dir: Path, scope: str | None, as_json: bool, as_csv: bool) -> None:
    """List the stored snapshots: scope, time (UTC), format, seats, source file.

    With --scope, only that org's or enterprise's snapshots.

    Example: copilot-seats snapshots --scope octo-demo --json
    """
    from analyzer.answers.store import list_snapshots

    fmt = one_format("json" if as_json else None, "csv" if as_csv else None)
    infos = list_snapshots(store_dir, scope)
    rows = [
        {
            "scope": i.scope,
            "as_of": iso(i.as_of),
            "format": i.format,
            "seats": i.seats,
            "rows": i.rows,
            "source": i.source_name,
            "sha256": i.sha256,
            "id": i.id,
            "time_source": i.time_source,
        }
        for i in infos
    ]
    if fmt == "json":
        body = {"store": str(store_dir), "scope": scope, "snapshots": rows}
        click.echo(json.dumps(body, indent=2))
        return
    if fmt == "csv":
        write_csv(rows, list(rows[0]) if rows else ["scope", "as_of"])
        return
    if infos:
        echo_line(
            f"{'SCOPE':<20} {'AS OF (UTC)':<21} {'FORMAT':<25} {'SEATS':>7}  {'SHA256':<12}  SOURCE"
        )
    for i in infos:
        echo_line(
            f"{i.scope:<20} {iso(i.as_of):<21} {i.format:<25} {i.seats:>7,}  "
            f"{i.sha256[:12]}  {i.source_name}"
        )
    scopes = len({i.scope for i in infos})
    say(f"{plural(len(infos), 'snapshot')} in {plural(scopes, 'scope')} in {store_dir}")


@click.command(context_settings=CONTEXT)
@store_option
def rebuild(store_dir: Path) -> None:
    """Re-derive every table and manifest from the original files kept in the store.

    Works when a manifest is missing or damaged (never when it is newer than this version);
    forgotten files stay forgotten. A whole table whose original is missing is kept, and
    files the store did not write are moved to set-aside/; both are listed.

    Example: copilot-seats rebuild --store copilot-history
    """
    from analyzer.answers.ingest import rebuild as rebuild_store

    result = rebuild_store(store_dir, now_utc(), on_wait=waiting_note(store_dir))
    kept = {sha for sha, _ in result.kept_tables}
    for sha, why, problems in result.failures:
        then = "kept its old snapshot" if sha in kept else "it has no snapshot now"
        echo_line(f"cannot re-read original {sha[:12]}: {why}; {then}")
        for problem in problems:
            echo_line(f"    {problem.render()}")
    failed = {sha for sha, _, _ in result.failures}
    for sha, what in result.kept_tables:
        if sha not in failed:
            echo_line(
                f"kept            {what}: its original ({sha[:12]}) is missing; the table is "
                "whole and kept as it is; ingest the file again to keep its original"
            )
    if result.set_aside:
        echo_line(f"set aside       {len(result.set_aside)} files copilot-seats did not write:")
        for rel in result.set_aside:
            echo_line(f"    {rel} -> {result.aside}/{rel}")
    say(
        f"rebuilt {plural(len(result.rebuilt), 'snapshot')}"
        + (f", {len(result.failures)} originals could not be re-read" if result.failures else "")
        + (f", {len(result.kept_tables)} kept as they were" if result.kept_tables else "")
        + (f", {len(result.set_aside)} foreign files set aside" if result.set_aside else "")
    )
    if result.failures:
        raise SystemExit(1)


COMMANDS = [ingest, snapshots, rebuild]
