"""The exceptions copilot-seats raises for problems a user can fix."""

from __future__ import annotations


class AnalyzerError(Exception):
    """A problem the user can fix; the CLI prints it as `Error: ...` and exits 1."""


class StoreError(AnalyzerError):
    """The history store cannot be read or written as asked."""


class ConfigError(AnalyzerError):
    """The configuration file or the people file is wrong."""


class SelectionError(AnalyzerError):
    """A scope, time or month asked for is not in the history."""


class OutputError(AnalyzerError):
    """A page, workbook or other output file cannot be written where asked."""
