"""The `copilot-seats` command line: thin commands over the library (heavy imports inside)."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from analyzer import __version__
from analyzer.cli.options import CONTEXT, printable
from analyzer.errors import AnalyzerError

# Each command and the module defining it: a command's module is imported only when that
# command runs (or help lists it), so `ingest` does not pay for the report modules' imports.
COMMAND_MODULES = {
    "ingest": "analyzer.cli.ingest",
    "snapshots": "analyzer.cli.ingest",
    "rebuild": "analyzer.cli.ingest",
    "status": "analyzer.cli.analysis",
    "diff": "analyzer.cli.analysis",
    "reclaim": "analyzer.cli.reclaim",
    "backtest": "analyzer.cli.backtest",
    "history": "analyzer.cli.analysis",
    "report": "analyzer.cli.report",
    "monthly": "analyzer.cli.report",
    "verify": "analyzer.cli.store",
    "forget": "analyzer.cli.store",
    "usage": "analyzer.cli.usage",
    "bill": "analyzer.cli.bill",
    "billing-files": "analyzer.cli.bill",
    "export": "analyzer.cli.export",
    "forecast": "analyzer.cli.forecast",
    "whatif": "analyzer.cli.forecast",
}


class Group(click.Group):
    """A group that loads commands on demand and turns user errors into `Error: ...`, exit 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMAND_MODULES:
            return None
        module = importlib.import_module(COMMAND_MODULES[cmd_name])
        commands: list[click.Command] = module.COMMANDS
        return next(c for c in commands if c.name == cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AnalyzerError as exc:
            click.echo(f"Error: {printable(str(exc))}", err=True)
            ctx.exit(1)
        except BrokenPipeError:  # the reader went away (`| head`): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(1)
        except OSError as exc:  # the file system said no (permissions, space, a file in the way)
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(printable(f"Error: {where}{exc.strerror or exc}"), err=True)
            ctx.exit(1)


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="copilot-seats")
def main() -> None:
    """Keep a history of GitHub Copilot seat reports and bills; find idle seats and costs.

    Drop what you download from GitHub into a folder: seat reports (CSV) and API seat
    lists (JSON), billing files (usage, premium request and AI usage reports, the licence
    report) and usage-metrics exports (NDJSON). Then run `copilot-seats monthly FOLDER` for
    each org's HTML report and Excel workbook. Everything runs offline on this machine.
    """
    # Every query here runs on frames already in memory, a snapshot at a time: polars'
    # in-memory engine does them with a tenth less work than its default streaming one
    # (bench/README.md). A user's own POLARS_ENGINE_AFFINITY still wins.
    os.environ.setdefault("POLARS_ENGINE_AFFINITY", "in-memory")
