"""Collect the problems found in one input file as records, never raising on the first."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from analyzer.codes import PROBLEMS
from analyzer.schema import Problem

# Problem records kept per code and file; the rest are counted in one summary record.
PER_CODE_CAP = 20


@dataclass
class _Hidden:
    """The problems of one code beyond the cap: counted, not kept."""

    first_line: int
    last_line: int
    count: int
    severity: str


class ProblemLog:
    """The problems of one file, in the order found, at most `cap` records per code."""

    def __init__(self, path: str, cap: int = PER_CODE_CAP) -> None:
        self.path = path
        self.cap = cap
        self.problems: list[Problem] = []
        self._counts: dict[str, int] = {}
        self._hidden: dict[str, _Hidden] = {}
        self._errors = False

    @property
    def has_errors(self) -> bool:
        """Return True when a problem refuses the file (a counted-only one too)."""
        return self._errors

    def add(self, line: int, column: str, code: str, message: str, severity: str = "error") -> None:
        """Record one problem at a file line (0 for the whole file)."""
        if code not in PROBLEMS:  # a code without a meaning is a bug, not a user error
            raise KeyError(f"problem code {code!r} is not in analyzer.codes.PROBLEMS")
        self._errors = self._errors or severity == "error"
        seen = self._counts.get(code, 0)
        self._counts[code] = seen + 1
        if seen < self.cap:
            self.problems.append(Problem(self.path, line, column, code, message, severity))
        else:
            self._hide(code, line, line, 1, severity)

    def _hide(self, code: str, first: int, last: int, count: int, severity: str) -> None:
        hidden = self._hidden.get(code)
        if hidden is None:
            self._hidden[code] = _Hidden(first, last, count, severity)
        else:
            hidden.last_line = max(hidden.last_line, last)
            hidden.count += count

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
        """Record a problem for every row where `mask` holds; `{value}` shows the cell.

        Only the records under the cap are built, so a million bad rows cost no more
        than twenty.
        """
        mask = mask.fill_null(False)
        total = int(mask.sum())
        if not total:
            return
        self._errors = self._errors or severity == "error"
        hit_lines = lines.filter(mask)
        room = max(self.cap - self._counts.get(code, 0), 0)
        shown_lines = hit_lines.head(room).to_list()
        shown = (
            values.filter(mask).head(room).to_list()
            if values is not None
            else [None] * len(shown_lines)
        )
        for line, value in zip(shown_lines, shown, strict=True):
            text = "(empty)" if value is None or value == "" else repr(value)
            self.add(int(line), column, code, template.format(value=text), severity)
        rest = total - len(shown_lines)
        if rest:
            self._counts[code] = self._counts.get(code, 0) + rest
            rest_lines = hit_lines.tail(rest)
            self._hide(code, int(rest_lines.min()), int(rest_lines.max()), rest, severity)  # type: ignore[arg-type]

    def count(self, code: str) -> int:
        """Return how many problems of one code were found (kept or only counted)."""
        return self._counts.get(code, 0)

    def finish(self) -> tuple[Problem, ...]:
        """Return the kept records plus one "... and N more" record per capped code."""
        extra = [
            Problem(
                self.path,
                hidden.first_line,
                "",
                code,
                f"... and {hidden.count} more problems of this kind (lines "
                f"{hidden.first_line}-{hidden.last_line}); {self._counts[code]} in all",
                hidden.severity,
            )
            for code, hidden in self._hidden.items()
        ]
        return (*self.problems, *extra)
