"""Lay polars frames out as formatted Excel tables in an openpyxl write-only workbook."""

from __future__ import annotations

import contextlib
import re
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, Literal

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.writer.excel import ExcelWriter

from analyzer.fsutil import atomic_path
from analyzer.report.excel_cells import Kind, SplicingZip, cell_xml, render_rows

Total = Literal["label", "sum"]

TABLE_STYLE = "TableStyleMedium2"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
COUNT_FORMAT = "#,##0"


def money_format(currency: str) -> str:
    """Return the number format that shows amounts in `currency`, e.g. `#,##0.00 "USD"`."""
    clean = re.sub(r'["\\\x00-\x1f]', "", currency).strip()
    return f'#,##0.00 "{clean}"' if clean else "#,##0.00"


def excel_datetime(value: datetime) -> datetime:
    """Return `value` as naive UTC, the only kind of date-time Excel stores."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


@dataclass(frozen=True)
class Column:
    """One table column: header, kind, width, and a frame column or a row formula.

    `formula` is a template in which `{r}` stands for the row number, e.g.
    `=VLOOKUP(H{r},Prices,2,FALSE)`. With `trusted`, the `source` column holds formulas
    this package built; every other string is written as text, whatever it starts with.
    """

    header: str
    kind: Kind
    width: float = 14.0
    source: str | None = None
    formula: str | None = None
    trusted: bool = False
    total: Total | None = None
    bold: bool = False


@dataclass(frozen=True)
class Styled:
    """A loose cell: a value, how it looks, and whether it is a formula built here."""

    value: Any
    kind: Kind = "text"
    bold: bool = False
    formula: bool = False


@dataclass(frozen=True)
class TableSpan:
    """Where a written table sits, so formulas elsewhere can refer to its columns."""

    sheet: str
    header_row: int
    first_row: int
    last_row: int  # the last data row; an empty table keeps one blank data row
    letters: dict[str, str]  # header -> column letter

    def column(self, header: str) -> str:
        """Return the absolute range of a column's data cells, e.g. `'Seats'!$T$2:$T$9`."""
        letter = self.letters[header]
        return f"{quote_sheetname(self.sheet)}!${letter}${self.first_row}:${letter}${self.last_row}"

    def cell(self, header: str, row: int) -> str:
        """Return the absolute address of one cell of the table, e.g. `'Summary'!$B$12`."""
        return f"{quote_sheetname(self.sheet)}!${self.letters[header]}${row}"


class Book(contextlib.AbstractContextManager["Book"]):
    """A write-only workbook whose rows are rendered here and spliced in as it is saved.

    Use it as a context manager: leaving the block removes the sheets' temporary row files.
    """

    def __init__(self, currency: str) -> None:
        self.wb = Workbook(write_only=True)
        self.money = money_format(currency)
        self.sheets: list[Sheet] = []
        self._styles: dict[tuple[Kind, bool, bool], int] = {}
        self._files = contextlib.ExitStack()

    def __exit__(self, *exc_info: object) -> None:
        """Remove the temporary row files."""
        self._files.close()

    def add_sheet(self, title: str, widths: Sequence[float], freeze: str | None = "A2") -> Sheet:
        """Add a sheet with its column widths and frozen panes (written before any row)."""
        ws = self.wb.create_sheet(title)
        for idx, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(idx)].width = width
        if freeze:
            ws.freeze_panes = freeze
        # Printed (or saved as PDF) landscape, every column on the page, as many pages down
        # as the rows need.
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        rows = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the exit stack
        sheet = Sheet(self, ws, self._files.enter_context(rows))
        self.sheets.append(sheet)
        return sheet

    def style_id(self, kind: Kind, bold: bool, quote: bool) -> int:
        """Return the id of the cell style for `kind`, registering it with openpyxl once."""
        key = (kind, bold, quote)
        if key not in self._styles:
            formats = {
                "count": COUNT_FORMAT,
                "money": self.money,
                "datetime": DATETIME_FORMAT,
                "date": DATE_FORMAT,
            }
            cell = WriteOnlyCell(self.sheets[0].ws)
            if kind in formats:
                cell.number_format = formats[kind]
            if bold:
                cell.font = Font(bold=True)
            if quote:
                # Excel's "text" mark: editing the cell keeps it text instead of running it.
                cell.quotePrefix = True
            self._styles[key] = int(cell.style_id)
        return self._styles[key]

    def define(self, name: str, ref: str) -> None:
        """Define a workbook-level name for a cell or a range."""
        self.wb.defined_names[name] = DefinedName(name, attr_text=ref)

    def save(self, path: Path) -> None:
        """Save the workbook to `path` atomically; the sheets' rows go into their sheetData."""
        rows = {
            f"xl/worksheets/sheet{idx}.xml": sheet.rows
            for idx, sheet in enumerate(self.sheets, start=1)
        }
        with atomic_path(path) as tmp, SplicingZip(tmp, rows) as archive:
            # Workbook.save() stamps `modified` with the clock; ExcelWriter keeps ours.
            ExcelWriter(self.wb, archive).save()
            archive.check_spliced()


class Sheet:
    """A worksheet being written top to bottom: its rows go to a temporary file."""

    def __init__(self, book: Book, ws: Any, rows: IO[bytes]) -> None:
        self.book = book
        self.ws = ws
        self.row = 0  # rows written so far
        self.rows = rows

    @property
    def title(self) -> str:
        """Return the sheet's name."""
        return str(self.ws.title)

    def append(self, values: Sequence[Any]) -> int:
        """Write one row of loose values or `Styled` cells and return its number."""
        self.row += 1
        placed: list[tuple[str, Column]] = []
        data: dict[str, list[Any]] = {}
        for idx, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = value if isinstance(value, Styled) else Styled(value, _kind_of(value))
            name = f"c{idx}"
            data[name] = [cell.value]
            placed.append(
                (
                    get_column_letter(idx),
                    Column("", cell.kind, source=name, trusted=cell.formula, bold=cell.bold),
                )
            )
        if placed:
            self.render(pl.DataFrame(data), placed, self.row)
        return self.row

    def render(
        self, frame: pl.DataFrame, placed: Sequence[tuple[str, Column]], first_row: int
    ) -> None:
        """Write `frame`'s rows from `first_row`, each column at its letter."""
        schema = frame.schema

        def cells(row: pl.Expr) -> list[pl.Expr]:
            """Return each column's `<c>` expression for the rows numbered by `row`."""
            out = []
            dtype: pl.DataType
            for letter, column in placed:
                if column.formula is not None:
                    value, dtype, formula = _template(column.formula, row), pl.String(), True
                elif column.source is not None:
                    value, dtype = pl.col(column.source), schema[column.source]
                    formula = column.trusted
                else:
                    raise ValueError(f"column {column.header!r} has no source and no formula")
                ref = pl.concat_str([pl.lit(letter), row])
                out.append(
                    cell_xml(
                        ref,
                        value,
                        dtype,
                        column.kind,
                        formula=formula,
                        bold=column.bold,
                        styles=self.book.style_id,
                    )
                )
            return out

        render_rows(frame, cells, first_row, self.rows)


def _kind_of(value: Any) -> Kind:
    """Return the kind a loose Python value is written as."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, str):
        return "text"
    raise TypeError(f"cannot write {type(value).__name__} to a cell")


def _template(formula: str, row: pl.Expr) -> pl.Expr:
    """Return `formula` with each `{r}` replaced by the row number."""
    parts = formula.split("{r}")
    exprs: list[pl.Expr] = [pl.lit(parts[0])]
    for part in parts[1:]:
        exprs += [row, pl.lit(part)]
    return pl.concat_str(exprs)


def letter_of(columns: Sequence[Column], header: str) -> str:
    """Return the letter of the column with `header` in a table whose first column is A."""
    return str(get_column_letter([column.header for column in columns].index(header) + 1))


def widths_of(columns: Sequence[Column]) -> list[float]:
    """Return the widths of `columns`, in order, for `Book.add_sheet`."""
    return [column.width for column in columns]


def write_table(
    sheet: Sheet, name: str, frame: pl.DataFrame, columns: Sequence[Column], *, totals: bool = False
) -> TableSpan:
    """Write `frame` as the Excel table `name` from the sheet's next row.

    The table is styled, banded and filterable; an empty frame keeps one blank data row
    (Excel repairs a table without one). With `totals`, a bold row under the table sums the
    columns marked `total="sum"` with SUBTOTAL(109, ...), which follows filters. It sits
    outside the table: sorting, filtering and pivots never take it for data, and Excel's
    own totals row is a known cause of "repaired records" when written by other tools.
    """
    header_row = sheet.append([column.header for column in columns])
    letters = {column.header: get_column_letter(idx) for idx, column in enumerate(columns, 1)}
    sheet.render(frame, [(letters[c.header], c) for c in columns], header_row + 1)
    sheet.row += max(frame.height, 1)
    span = TableSpan(sheet.title, header_row, header_row + 1, sheet.row, letters)
    ref = f"A{header_row}:{get_column_letter(len(columns))}{span.last_row}"
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
    if totals:
        sheet.append([_total_cell(column, span) for column in columns])
    return span


def _total_cell(column: Column, span: TableSpan) -> Styled | None:
    """Return a column's cell in the totals row: the label, a SUBTOTAL, or nothing."""
    if column.total == "label":
        return Styled("Total", bold=True)
    if column.total == "sum":
        letter = span.letters[column.header]
        formula = f"=SUBTOTAL(109,{letter}{span.first_row}:{letter}{span.last_row})"
        kind: Kind = "count" if column.kind in ("number", "count") else column.kind
        return Styled(formula, kind, bold=True, formula=True)
    return None
