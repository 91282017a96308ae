"""Collect the problems found in one input file as records, never raising on the first."""

from __future__ import annotations

import polars as pl

from analyzer.codes import PROBLEMS
from analyzer.schema import Problem


class ProblemLog:
    """The problems of one file, in the order found."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    @property
    def has_errors(self) -> bool:
        """Return True when a problem refuses the file."""
        return any(p.severity == "error" for p in self.problems)

    def add(self, line: int, column: str, code: str, message: str, severity: str = "error") -> None:
        """Record one problem at a file line (0 for the whole file)."""
        if code not in PROBLEMS:  # a code without a meaning is a bug, not a user error
            raise KeyError(f"problem code {code!r} is not in analyzer.codes.PROBLEMS")
        self.problems.append(Problem(self.path, line, column, code, message, severity))

    def file(self, code: str, message: str, severity: str = "error") -> None:
        """Record a problem with the whole file."""
        self.add(0, "", code, message, severity)

    def rows(
        self,
        lines: pl.Series,
        mask: pl.Series,
        column: str,
        code: str,
        template: str,
        *,
        values: pl.Series | None = None,
        severity: str = "error",
    ) -> None:
        """Record a problem for every row where `mask` holds; `{value}` shows the cell."""
        mask = mask.fill_null(False)
        if not bool(mask.any()):
            return
        hits = lines.filter(mask).to_list()
        shown = values.filter(mask).to_list() if values is not None else [None] * len(hits)
        for line, value in zip(hits, shown, strict=True):
            text = "(empty)" if value is None or value == "" else repr(value)
            self.add(int(line), column, code, template.format(value=text), severity)
