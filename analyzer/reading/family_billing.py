"""The billing families: each billing report GitHub offers, and the enterprise licence report."""

from __future__ import annotations

import csv
import dataclasses
from typing import TYPE_CHECKING

from analyzer.billing_schema import (
    KIND_AI,
    KIND_DETAILED,
    KIND_LABELS,
    KIND_LICENSE,
    KIND_PREMIUM,
    KIND_PREMIUM_LEGACY,
    KIND_SUMMARIZED,
)
from analyzer.reading.interface import BILLING, ParsedFile, Sniffed
from analyzer.reading.limits import outside_years
from analyzer.reading.reader import ReadHints
from analyzer.schema import Problem
from analyzer.times import years_text

if TYPE_CHECKING:
    import polars as pl

_SHOWN = 20  # out-of-range dates cited per column (one is enough to refuse the file)

_USAGE_REPORT = "Billing & licensing > Usage > Get usage report"
_PREMIUM_REPORT = "Billing & licensing > Usage > Premium request analytics > Get usage report"
# Where each billing file is downloaded, in the words of GitHub's menus.
DOWNLOADS: dict[str, str] = {
    KIND_DETAILED: f"{_USAGE_REPORT} (detailed)",
    KIND_SUMMARIZED: f"{_USAGE_REPORT} (summarized)",
    KIND_PREMIUM: _PREMIUM_REPORT,
    KIND_PREMIUM_LEGACY: _PREMIUM_REPORT,
    KIND_AI: "Billing & licensing > Usage > AI usage > Get usage report",
    KIND_LICENSE: "Billing & licensing > Licensing > Download CSV report",
}


class BillingReport:
    """One of GitHub's billing CSVs (`kind`): recognised by its header, read by billing.py."""

    family = BILLING

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.download = f"GitHub's {KIND_LABELS[kind]} ({DOWNLOADS[kind]})"

    def recognise(self, sniffed: Sniffed) -> str | None:
        """Return this report's kind when the header is its header."""
        from analyzer.reading.billing import kind_of_header

        if sniffed.binary or not sniffed.header:
            return None
        return self.kind if kind_of_header(list(sniffed.header)) == self.kind else None

    def read(self, sniffed: Sniffed, kind: str, sha256: str, hints: ReadHints) -> ParsedFile:
        """Read the report's rows (the licence report's time comes from its file name)."""
        from analyzer.reading.billing import read_billing

        try:
            parsed = read_billing(sniffed.name, sniffed.data, kind, sha256)
        except csv.Error as exc:  # (a header line the csv module cannot split: a stray CR)
            problem = Problem(
                sniffed.name,
                1,
                "",
                "malformed-csv",
                f"the header line cannot be read as CSV ({exc}); download the report again",
            )
            return ParsedFile(sniffed.name, sha256, BILLING, kind, (problem,))
        if parsed.accepted and parsed.rows is not None:
            late = _dates_out_of_range(parsed.name, parsed.rows)
            if late:
                parsed = dataclasses.replace(parsed, problems=parsed.problems + late)
        rows = parsed.rows if parsed.accepted else None
        return ParsedFile(sniffed.name, sha256, BILLING, kind, parsed.problems, rows, parsed)


def _dates_out_of_range(name: str, rows: pl.DataFrame) -> tuple[Problem, ...]:
    """Return a problem for each row whose date (or time) lies outside the supported years."""
    problems: list[Problem] = []
    for column in ("date", "at"):
        if column not in rows.columns:
            continue
        outside = rows.filter(outside_years(rows[column]))
        for line, value in outside.select("line", column).head(_SHOWN).iter_rows():
            problems.append(
                Problem(
                    name,
                    int(line),
                    column,
                    "date-out-of-range",
                    f"the {column} {value} is outside {years_text()}; download the report again",
                )
            )
    return tuple(problems)


BILLING_REPORTS: tuple[BillingReport, ...] = tuple(
    BillingReport(kind)
    for kind in (KIND_DETAILED, KIND_SUMMARIZED, KIND_PREMIUM, KIND_PREMIUM_LEGACY, KIND_AI)
)
LICENCE_REPORT = BillingReport(KIND_LICENSE)
