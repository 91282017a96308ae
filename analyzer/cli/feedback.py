"""What the commands say while they work: a line per file, progress bars, the summary line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from analyzer.cli.options import echo_line, interactive, plural, say
from analyzer.times import iso

if TYPE_CHECKING:
    from analyzer.answers.monthly import FileOutcome

_LABELS = {"stored": "stored", "already-stored": "already stored"}


def print_outcome(outcome: FileOutcome, verbose: bool) -> None:
    """Print one file's line, its errors (the first 20 unless verbose) and its warnings."""
    info = outcome.snapshot
    label = _LABELS.get(outcome.status, outcome.status)
    detail = outcome.message
    if outcome.status == "stored" and info is not None:
        detail = f"{info.scope} at {iso(info.as_of)}, {plural(info.seats, 'seat')}, {info.format}"
    echo_line(f"{label:<15} {outcome.path}: {detail}")
    errors = [p for p in outcome.problems if p.severity == "error"]
    shown = errors if verbose else errors[:20]
    for problem in shown:
        echo_line(f"    {problem.render()}")
    if len(errors) > len(shown):
        echo_line(f"    ... and {len(errors) - len(shown)} more problems (use -v to list all)")
    for problem in outcome.warnings:
        echo_line(f"    warning: {problem.render()}")


def print_outcomes(
    outcomes: list[FileOutcome], *, quiet: bool, verbose: bool, show_already: bool
) -> None:
    """List refused files always; the others unless quiet; already-stored ones if asked."""
    for outcome in outcomes:
        listed = not quiet and (show_already or outcome.status != "already-stored")
        if outcome.status == "refused" or listed:
            print_outcome(outcome, verbose)


def summarize_ingest(outcomes: list[FileOutcome]) -> str:
    """Return the one-line summary of an ingest."""
    counts = {
        s: sum(o.status == s for o in outcomes)
        for s in ("stored", "already-stored", "refused", "skipped")
    }
    return (
        f"{plural(len(outcomes), 'file')}: {counts['stored']} stored, "
        f"{counts['already-stored']} already stored, {counts['refused']} refused"
        + (f", {counts['skipped']} skipped" if counts["skipped"] else "")
    )


def waiting_note(store_dir: Path) -> Callable[[], None]:
    """Return the callback that says a writer waits for another one's lock."""
    return lambda: say(f"Waiting for another copilot-seats process to finish with {store_dir} ...")


class Bar:
    """A progress bar on stderr, opened once its length is known; hidden when not wanted."""

    def __init__(self, label: str, *, quiet: bool, minimum: int = 2) -> None:
        self.label = label
        self.quiet = quiet
        self.minimum = minimum
        self._bar: Any = None

    def start(self, length: int) -> None:
        """Open the bar for `length` steps."""
        hidden = self.quiet or length < self.minimum or not interactive()
        self._bar = click.progressbar(length=length, label=self.label, hidden=hidden)
        self._bar.__enter__()

    def step(self, *_: object) -> None:
        """Advance by one step."""
        if self._bar is not None:
            self._bar.update(1)

    def close(self, *_: object) -> None:
        """Close the bar (a no-op when it never opened)."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
