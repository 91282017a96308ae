"""The `copilot-seats` command line: thin commands over the library (heavy imports inside)."""

from __future__ import annotations

from typing import Any

import click

from analyzer import __version__
from analyzer.cli_options import CONTEXT
from analyzer.errors import AnalyzerError


class Group(click.Group):
    """A group that turns user errors into `Error: ...` and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AnalyzerError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="copilot-seats")
def main() -> None:
    """Keep a history of GitHub Copilot seat reports and find idle seats and their cost.

    Drop the seat report CSVs you download from GitHub into a folder, then run
    `copilot-seats monthly FOLDER` for this month's HTML report and Excel workbook.
    Everything runs offline on this machine.
    """


def _register() -> None:
    from analyzer import cli_analysis, cli_ingest, cli_report

    for module in (cli_ingest, cli_analysis, cli_report):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
