"""Write polars frames as formatted Excel tables into openpyxl write-only sheets."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import polars as pl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook import Workbook
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

# How a column is written. "text" comes from reports or the people file and is never
# trusted; "formula" values are formulas this module's callers built from cell references.
Kind = Literal["text", "int", "bool", "count", "money", "datetime", "date", "formula"]
Total = Literal["label", "sum"]

TABLE_STYLE = "TableStyleMedium2"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
COUNT_FORMAT = "#,##0"
# Excel and LibreOffice run a cell starting with one of these as a formula once a user edits
# it or pastes it as CSV; "#" catches error literals such as "#N/A" that openpyxl would
# otherwise write as error cells.
_FORMULA_LEADS = frozenset("=+-@\t\r#")
# Characters XML 1.0 forbids (openpyxl raises on them); replaced, not dropped, so a reader
# sees that something was there.
_ILLEGAL_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_ILLEGAL_RE = re.compile(_ILLEGAL_XML)
_EXCEL_EPOCH = datetime(1899, 12, 30)
_DAY_US = 86_400_000_000
# Row-loop codes: pass the value through, guard it as text, or set it on a styled cell.
_PLAIN, _TEXT, _STYLED = 0, 1, 2


def money_format(currency: str) -> str:
    """Return the number format that shows amounts in `currency`, e.g. `#,##0.00 "USD"`."""
    clean = re.sub(r'["\\]', "", currency).strip()
    return f'#,##0.00 "{clean}"' if clean else "#,##0.00"


@dataclass(frozen=True)
class Column:
    """One table column: header, kind, width, and a frame column or a row formula.

    `formula` is a template in which `{r}` stands for the row number, e.g.
    `=VLOOKUP(H{r},Prices,2,FALSE)`; with `kind="formula"` and a `source`, the frame column
    itself holds formulas built by the caller. `format` overrides the kind's number format.
    """

    header: str
    kind: Kind
    width: float = 14.0
    source: str | None = None
    formula: str | None = None
    format: str | None = None
    total: Total | None = None


@dataclass(frozen=True)
class TableSpan:
    """Where a written table sits, so formulas elsewhere can refer to its columns."""

    sheet: str
    header_row: int
    first_row: int
    last_row: int  # the last data row; an empty table keeps one blank data row
    letters: dict[str, str]  # header -> column letter

    def column(self, header: str) -> str:
        """Return the absolute range of a column's data cells, e.g. `Seats!$T$2:$T$9`."""
        letter = self.letters[header]
        return f"{quote_sheetname(self.sheet)}!${letter}${self.first_row}:${letter}${self.last_row}"

    def cell(self, header: str, row: int) -> str:
        """Return the absolute address of one cell of the table, e.g. `Summary!$B$12`."""
        return f"{quote_sheetname(self.sheet)}!${self.letters[header]}${row}"


@dataclass
class Sheet:
    """A write-only worksheet, the formats it uses and the number of rows written so far."""

    ws: Any  # openpyxl WriteOnlyWorksheet
    money: str
    row: int = 0
    _formats: dict[Kind, str | None] = field(init=False)

    def __post_init__(self) -> None:
        self._formats = {
            "count": COUNT_FORMAT,
            "money": self.money,
            "formula": self.money,
            "datetime": DATETIME_FORMAT,
            "date": DATE_FORMAT,
        }

    @property
    def title(self) -> str:
        """Return the sheet's name."""
        return str(self.ws.title)

    def append(self, values: Sequence[Any]) -> int:
        """Write one row and return its number."""
        self.ws.append(values)
        self.row += 1
        return self.row

    def styled(self, value: Any, kind: Kind, *, fmt: str | None = None, bold: bool = False) -> Any:
        """Return `value` as a cell with the kind's number format (text is guarded)."""
        if kind == "text":
            return self.text(value, bold=bold)
        cell = self._blank(fmt or self._formats.get(kind), bold)
        cell.value = value
        return cell

    def text(self, value: str | None, *, bold: bool = False) -> Any:
        """Return untrusted text as a value openpyxl writes as a plain string cell."""
        if value is None:
            return None
        value = clean_text(value)
        if not bold and value[:1] not in _FORMULA_LEADS:
            return value
        cell = self._blank(None, bold)
        cell.value = value
        if value[:1] in _FORMULA_LEADS:
            # openpyxl makes any "=..." string a formula: force a string cell, and set Excel's
            # quote prefix so that editing the cell keeps it text.
            cell.data_type = "s"
            cell.quotePrefix = True
        return cell

    def _blank(self, fmt: str | None, bold: bool) -> Any:
        cell = WriteOnlyCell(self.ws)
        if fmt:
            cell.number_format = fmt
        if bold:
            cell.font = Font(bold=True)
        return cell


def clean_text(value: str) -> str:
    """Return `value` with the characters XML cannot carry replaced by U+FFFD."""
    return _ILLEGAL_RE.sub("\ufffd", value)


def open_sheet(
    wb: Workbook, title: str, widths: Sequence[float], money: str, freeze: str | None = "A2"
) -> Sheet:
    """Create a write-only sheet with its column widths and frozen panes set up front."""
    ws = wb.create_sheet(title)
    # Write-only mode writes the column and pane settings before the first row.
    for idx, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = width
    if freeze:
        ws.freeze_panes = freeze
    return Sheet(ws, money)


def widths_of(columns: Sequence[Column]) -> list[float]:
    """Return the widths of `columns`, in order, for `open_sheet`."""
    return [column.width for column in columns]


def _prepare(frame: pl.DataFrame, columns: Sequence[Column], first_row: int) -> pl.DataFrame:
    """Return one frame column per table column, converted for the row loop."""
    row = pl.int_range(first_row, first_row + pl.len(), dtype=pl.Int64)
    exprs: list[pl.Expr] = []
    for idx, column in enumerate(columns):
        name = f"c{idx}"
        if column.formula is not None:
            parts = column.formula.split("{r}")
            expr = pl.format(
                "{}".join(p.replace("{", "{{").replace("}", "}}") for p in parts),
                *([row] * (len(parts) - 1)),
            )
            exprs.append(expr.alias(name))
            continue
        if column.source is None:
            raise ValueError(f"column {column.header!r} has neither a source nor a formula")
        expr = pl.col(column.source)
        dtype = frame.schema[column.source]
        if column.kind == "text":
            expr = expr.cast(pl.String).str.replace_all(_ILLEGAL_XML, "\ufffd")
        elif column.kind == "datetime" and isinstance(dtype, pl.Datetime):
            # Excel rejects time zones: write UTC wall time as a serial day number, the
            # same number openpyxl writes for a naive datetime.
            if dtype.time_zone is not None:
                expr = expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            expr = (expr - pl.lit(_EXCEL_EPOCH)).dt.total_microseconds() / _DAY_US
        elif column.kind == "date" and dtype == pl.Date:
            expr = (expr - pl.lit(_EXCEL_EPOCH.date())).dt.total_days()
        exprs.append(expr.alias(name))
    return frame.select(exprs)


def write_table(
    sheet: Sheet, name: str, frame: pl.DataFrame, columns: Sequence[Column], *, totals: bool = False
) -> TableSpan:
    """Write `frame` as the Excel table `name` starting at the sheet's next row.

    The table is styled, banded and filterable; an empty frame keeps one blank data row
    (Excel repairs a table without one). With `totals`, a bold row under the table sums the
    columns marked `total="sum"` with SUBTOTAL(109, ...) so that it follows filters; it sits
    outside the table, so sorting, filtering and pivots never take it for data.
    """
    header_row = sheet.append([column.header for column in columns])
    first_row = header_row + 1
    data = _prepare(frame, columns, first_row)
    plan: list[tuple[int, int, Any]] = []
    for idx, column in enumerate(columns):
        if column.kind == "text":
            plan.append((idx, _TEXT, None))
        elif column.kind in ("int", "bool"):
            plan.append((idx, _PLAIN, None))
        else:
            plan.append((idx, _STYLED, sheet.styled(None, column.kind, fmt=column.format)))
    append = sheet.ws.append
    text = sheet.text
    for values in data.iter_rows():
        out: list[Any] = []
        for idx, code, proto in plan:
            value = values[idx]
            if value is None or code == _PLAIN:
                out.append(value)
            elif code == _TEXT:
                out.append(value if value[:1] not in _FORMULA_LEADS else text(value))
            else:
                # One styled cell per column, reused: openpyxl streams each row as it is
                # appended, so the cell is free again for the next row.
                proto.value = value
                out.append(proto)
        append(out)
    sheet.row += data.height
    if data.height == 0:
        sheet.append([])
    last_row = sheet.row
    letters = {column.header: get_column_letter(idx) for idx, column in enumerate(columns, 1)}
    ref = f"A{header_row}:{get_column_letter(len(columns))}{last_row}"
    table = Table(
        displayName=name,
        ref=ref,
        tableColumns=[
            TableColumn(id=idx, name=column.header) for idx, column in enumerate(columns, start=1)
        ],
        autoFilter=AutoFilter(ref=ref),
        tableStyleInfo=TableStyleInfo(
            name=TABLE_STYLE,
            showRowStripes=True,
            showColumnStripes=False,
            showFirstColumn=False,
            showLastColumn=False,
        ),
    )
    with warnings.catch_warnings():
        # openpyxl warns that write-only tables need their columns listed: they are.
        warnings.simplefilter("ignore", UserWarning)
        sheet.ws.add_table(table)
    span = TableSpan(sheet.title, header_row, first_row, last_row, letters)
    if totals:
        _write_totals(sheet, columns, span)
    return span


def _write_totals(sheet: Sheet, columns: Sequence[Column], span: TableSpan) -> None:
    """Write the bold totals row under a table."""
    row: list[Any] = []
    for column in columns:
        letter = span.letters[column.header]
        if column.total == "label":
            row.append(sheet.styled("Total", "text", bold=True))
        elif column.total == "sum":
            kind: Kind = "count" if column.kind in ("int", "count") else column.kind
            formula = f"=SUBTOTAL(109,{letter}{span.first_row}:{letter}{span.last_row})"
            row.append(sheet.styled(formula, kind, fmt=column.format, bold=True))
        else:
            row.append(None)
    sheet.append(row)


def excel_datetime(value: datetime) -> datetime:
    """Return `value` as naive UTC, the only kind of date-time Excel stores."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
