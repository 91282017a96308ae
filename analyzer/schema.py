"""The canonical seat table and the problem record shared by readers, store and tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl
    from polars._typing import PolarsDataType

# Source formats a snapshot can come from (the `source_format` column).
FORMAT_USAGE_ORG = "usage-org"
FORMAT_USAGE_ENTERPRISE = "usage-enterprise"
FORMAT_USAGE_COPILOT_ENTERPRISE = "usage-copilot-enterprise"
FORMAT_ACTIVITY_ORG = "activity-org"
FORMAT_ACTIVITY_ENTERPRISE = "activity-enterprise"
FORMAT_API_SEATS = "api-seats"
FORMAT_API_CSV = "api-seats-csv"  # a CSV a script wrote from the seats API


# The canonical seat table, named once: (column, dtype, meaning). One row per seat row of
# the source file (an enterprise activity report has one row per user and org). Every
# timestamp is UTC; `last_activity_day` marks a value that came as a date only (it means
# 00:00 UTC that day and keeps day precision for display).
SEAT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("scope", "str", "org or enterprise slug the snapshot describes"),
    ("snapshot_at", "utc", "when GitHub produced the report"),
    ("login", "str", "lower-case key; GitHub logins are case-insensitive"),
    ("display_login", "str", "the login as the file spelled it"),
    ("organization", "str", "org owning this seat row; null when unknown"),
    ("team", "str", "team that granted the seat; null for none or unknown"),
    ("plan", "str", "business / enterprise / unknown (API only), else null"),
    ("last_activity_at", "utc", "last Copilot activity; null for none"),
    ("last_activity_day", "bool", "last_activity_at came as a date only"),
    ("last_authenticated_at", "utc", "last authentication; null for none"),
    ("surface", "str", "raw last surface / editor string; null for none"),
    ("pending_cancellation_date", "date", "the day the seat leaves, when pending"),
    ("pending_cancellation", "bool", "the seat is pending cancellation"),
    ("created_at", "utc", "when the seat was last granted (API seats only)"),
    ("source_format", "str", "which kind of file the row came from"),
)
SEAT_COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _, _ in SEAT_COLUMNS)


def seat_schema() -> dict[str, pl.DataType]:
    """Return the canonical seat columns, in order, with their polars dtypes."""
    import polars as pl

    dtypes: dict[str, pl.DataType] = {
        "str": pl.String(),
        "utc": pl.Datetime("us", "UTC"),
        "bool": pl.Boolean(),
        "date": pl.Date(),
    }
    return {name: dtypes[kind] for name, kind, _ in SEAT_COLUMNS}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or worth a warning) in an input file, kept as data."""

    path: str
    line: int  # 1-based file line, the header being line 1; 0 for the whole file
    column: str  # column name (CSV) or JSON path; "" for the whole file
    code: str  # stable kebab-case code, e.g. "bad-timestamp"
    message: str
    severity: str = "error"  # "error" refuses the file; "warning" is printed only

    def render(self) -> str:
        """Return the `file:line: message [code]` form users see."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message} [{self.code}]"


class ProblemsHeld:
    """The errors and warnings of a record that holds `problems` (a file read, an outcome)."""

    problems: tuple[Problem, ...]

    @property
    def errors(self) -> list[Problem]:
        """Return the problems that refuse the file."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Return the problems that are only worth saying."""
        return [p for p in self.problems if p.severity != "error"]


def constant(value: Any, length: int, dtype: PolarsDataType) -> pl.Series:
    """Return a column of `length` copies of one value (built natively, not from a list).

    One value repeated by index: a twentieth of the time `pl.repeat` takes (no query to
    plan), which counts where a small file is read (ten such columns a seat report).
    """
    import polars as pl

    return pl.Series("literal", [value], dtype=dtype).new_from_index(0, length)
