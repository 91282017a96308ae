"""The one interface every file family implements (recognise, read) and what reading returns.

One module per family (`family_seats`, `family_billing`, `family_usage`) implements
`FileFamily`; `analyzer.reading.dispatch.read_file` sniffs a file once, asks each family
in turn whether it recognises the file, and calls the first that does: the kind is decided
there, once, and carried in the `ParsedFile` through ingest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from analyzer.schema import Problem, ProblemsHeld

if TYPE_CHECKING:
    import polars as pl

    from analyzer.reading.billing import ParsedBilling
    from analyzer.reading.reader import ParsedReport, ReadHints
    from analyzer.reading.usage_metrics import ParsedUsage

# The families, as `ParsedFile.family` names them.
SEATS = "seats"
BILLING = "billing"
USAGE = "usage"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Sniffed:
    """What is known of a file before any family reads it, worked out once."""

    name: str
    data: bytes
    binary: str | None  # what a binary file looks like ("a PNG picture"), else None
    utf16: bool  # text with a UTF-16 byte-order mark
    json: bool  # text that starts like JSON (an object or an array)
    header: tuple[str, ...]  # a CSV's first-line column names (empty for JSON or binary)
    first_value: object  # a JSON file's first value (first line, or first array item)


@dataclass(frozen=True)
class ParsedFile(ProblemsHeld):
    """One file read by its family: kind, canonical rows (when accepted), every problem.

    `detail` is the family's own record (`ParsedReport`, `ParsedBilling`, `ParsedUsage`)
    with what only that family's shelf needs (snapshot time, scope, coverage, tables).
    """

    name: str
    sha256: str
    family: str  # SEATS, BILLING, USAGE, or UNKNOWN (refused before any family read it)
    kind: str  # the family's kind: a seat format, a billing kind, a usage kind, or ""
    problems: tuple[Problem, ...]
    rows: pl.DataFrame | None = field(default=None, repr=False)
    detail: ParsedReport | ParsedBilling | ParsedUsage | None = field(default=None, repr=False)

    @property
    def accepted(self) -> bool:
        """Return True when the file is usable (warnings allowed)."""
        return self.rows is not None and not self.errors


class FileFamily(Protocol):
    """One family of GitHub downloads: tell its files apart, and read one."""

    family: str  # SEATS, BILLING or USAGE
    download: str  # which GitHub download it is, and where to fetch it again

    def recognise(self, sniffed: Sniffed) -> str | None:
        """Return the kind of this family the file is, or None when it is not one."""

    def read(self, sniffed: Sniffed, kind: str, sha256: str, hints: ReadHints) -> ParsedFile:
        """Read a file `recognise` named `kind`; every problem is returned, none raised."""
