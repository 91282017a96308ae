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
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.writer.excel import ExcelWriter

from analyzer.fsutil import atomic_path
from analyzer.report.workbook.cells import (
    EMPTY_CELL,
    CellSpec,
    Kind,
    Look,
    SplicingZip,
    cell_xml,
    loose_cell,
    render_rows,
    row_xml,
    shared_texts,
    xml_text,
)
from analyzer.report.workbook.printing import (
    FONT_SIZE,
    MARGIN_TB_IN,
    PAGE_LONG_IN,
    PAGE_SHORT_IN,
    ROW_PT,
    print_scale,
    set_print,
)

Total = Literal["label", "sum"]

TABLE_STYLE = "TableStyleMedium2"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
BOOL_FORMAT = '"TRUE";"TRUE";"FALSE"'  # LibreOffice shows booleans without it as 1 and 0
FONT_NAME = "Calibri"


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
    `cached` names the frame column holding a formula's computed value (written with it);
    `colors` maps text values to font colours.
    """

    header: str
    kind: Kind
    width: float = 14.0
    source: str | None = None
    formula: str | None = None
    trusted: bool = False
    total: Total | None = None
    bold: bool = False
    cached: str | None = None
    colors: dict[str, str] | None = None


@dataclass(frozen=True)
class Styled:
    """A loose cell: a value, how it looks, and whether it is a formula built here.

    A formula's `cached` is its computed value, written with it.
    """

    value: Any
    kind: Kind = "text"
    bold: bool = False
    formula: bool = False
    cached: Any = None
    wrap: bool = False
    color: str | None = None


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
    `footer` is printed at the bottom left of every page (scope and month).
    """

    def __init__(self, currency: str, footer: str = "") -> None:
        self.wb = Workbook(write_only=True)
        self.money = money_format(currency)
        self.footer = footer
        self.sheets: list[Sheet] = []
        self._styles: dict[Look, int] = {}
        self._strings: dict[str, int] = {}
        self._files = contextlib.ExitStack()

    def __exit__(self, *exc_info: object) -> None:
        """Remove the temporary row files."""
        self._files.close()

    def add_sheet(
        self,
        title: str,
        widths: Sequence[float],
        freeze: str | None = "A2",
        *,
        print_titles: tuple[str | None, str | None] = ("1:1", None),
    ) -> Sheet:
        """Add a sheet with its column widths, frozen panes and print setup (before any row).

        `print_titles` are the rows and columns repeated on every printed page.
        """
        ws = self.wb.create_sheet(title)
        for idx, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(idx)].width = width
        if freeze:
            ws.freeze_panes = freeze
        set_print(ws, widths, print_titles, self.footer)
        rows = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the exit stack
        sheet = Sheet(self, ws, self._files.enter_context(rows))
        self.sheets.append(sheet)
        return sheet

    def style_id(self, look: Look) -> int:
        """Return the id of the cell style of `look`, registering it with openpyxl once."""
        if look not in self._styles:
            formats = {
                "count": COUNT_FORMAT,
                "money": self.money,
                "datetime": DATETIME_FORMAT,
                "date": DATE_FORMAT,
                "percent": PERCENT_FORMAT,
                "bool": BOOL_FORMAT,
            }
            cell = WriteOnlyCell(self.sheets[0].ws)
            if look.kind in formats:
                cell.number_format = formats[look.kind]
            color = look.color.lstrip("#").upper() if look.color else None
            # One font family on every style, named (not the theme's), so every reader and
            # printer uses the same metrics (Carlito is Calibri's metric-compatible stand-in).
            cell.font = Font(name=FONT_NAME, size=FONT_SIZE, family=2, bold=look.bold, color=color)
            if look.wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if look.quote:
                # Excel's "text" mark: editing the cell keeps it text instead of running it.
                cell.quotePrefix = True
            self._styles[look] = int(cell.style_id)
        return self._styles[look]

    def shared(self, texts: list[str]) -> list[int]:
        """Return the shared-string indexes of `texts`, adding the ones not yet shared."""
        table = self._strings
        return [table.setdefault(text, len(table)) for text in texts]

    def define(self, name: str, ref: str) -> None:
        """Define a workbook-level name for a cell or a range."""
        self.wb.defined_names[name] = DefinedName(name, attr_text=ref)

    def save(self, path: Path) -> None:
        """Save the workbook to `path` atomically; the sheets' rows go into their sheetData.

        No fsync: the workbook is regenerated from the store at will, so a crash right
        after the rename costs a rerun, not data.
        """
        rows = {
            f"xl/worksheets/sheet{idx}.xml": sheet.rows
            for idx, sheet in enumerate(self.sheets, start=1)
        }
        patch = {}
        if self._strings:
            patch = {
                "xl/_rels/workbook.xml.rels": lambda xml: xml.replace(
                    b"</Relationships>", _SST_RELATIONSHIP + b"</Relationships>"
                ),
                "[Content_Types].xml": lambda xml: xml.replace(
                    b"</Types>", _SST_TYPE + b"</Types>"
                ),
            }
        with atomic_path(path, durable=False) as tmp, SplicingZip(tmp, rows, patch) as archive:
            if self._strings:
                archive.writestr("xl/sharedStrings.xml", _shared_strings_xml(self._strings))
            # Workbook.save() stamps `modified` with the clock; ExcelWriter keeps ours.
            ExcelWriter(self.wb, archive).save()
            archive.check_spliced()


_SST_RELATIONSHIP = (
    b'<Relationship Id="rIdSharedStrings" Target="/xl/sharedStrings.xml" Type="'
    b'http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
)
_SST_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


def _shared_strings_xml(strings: dict[str, int]) -> bytes:
    """Return the shared-string part of `strings` (text -> index, indexes 0..n-1)."""
    items = []
    for text in strings:  # dicts keep insertion order, which is index order
        space = ' xml:space="preserve"' if text != text.strip() else ""
        items.append(f"<si><t{space}>{xml_text(text)}</t></si>")
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        f' uniqueCount="{len(strings)}">'
    )
    return (head + "".join(items) + "</sst>").encode()


class Sheet:
    """A worksheet being written top to bottom: its rows go to a temporary file."""

    def __init__(self, book: Book, ws: Any, rows: IO[bytes]) -> None:
        self.book = book
        self.ws = ws
        self.row = 0  # rows written so far
        self.rows = rows
        self.heights: dict[int, float] = {}  # rows of other than the default height
        self.break_row = 0  # the last row before a manual page break

    def keep_with_next(self, rows: int) -> None:
        """Start a new printed page before the next row when the next `rows` would not fit.

        A heading then never stands alone at a page's foot: it prints with the first rows
        of its table. Pages are counted at the sheet's print scale on Letter or A4,
        whichever is shorter, with the default margins.
        """
        landscape = self.ws.page_setup.orientation == "landscape"
        page = (PAGE_SHORT_IN if landscape else PAGE_LONG_IN) - 2 * MARGIN_TB_IN
        scale = print_scale(self.ws)
        available = page * 72 / scale
        used = sum(self.heights.get(r, ROW_PT) for r in range(self.break_row + 1, self.row + 1))
        if self.row > self.break_row and used % available + rows * ROW_PT > available:
            self.ws.row_breaks.append(Break(id=self.row))
            self.break_row = self.row

    @property
    def title(self) -> str:
        """Return the sheet's name."""
        return str(self.ws.title)

    def append(self, values: Sequence[Any], height: float | None = None) -> int:
        """Write one row of loose values or `Styled` cells and return its number."""
        self.row += 1
        cells = []
        for value in values:
            if value is None:
                cells.append(EMPTY_CELL)
                continue
            cell = value if isinstance(value, Styled) else Styled(value, _kind_of(value))
            look = Look(cell.kind, cell.bold, wrap=cell.wrap, color=cell.color)
            cells.append(
                loose_cell(
                    cell.value, look, self.book.style_id, formula=cell.formula, cached=cell.cached
                )
            )
        if height is not None:
            self.heights[self.row] = height
        self.rows.write(row_xml(self.row, cells, height).encode())
        return self.row

    def render(self, frame: pl.DataFrame, columns: Sequence[Column], first_row: int) -> None:
        """Write `frame`'s rows from `first_row`, one column after another from A."""
        schema = frame.schema
        shared = {
            column.header: shared_texts(frame, column.source, self.book.shared)
            for column in columns
            if column.source and _low_cardinality(frame, column)
        }

        def cells(row: pl.Expr) -> list[pl.Expr]:
            """Return each column's `<c>` expression for the rows numbered by `row`."""
            out = []
            dtype: pl.DataType
            for column in columns:
                look = Look(column.kind, column.bold)
                cached = pl.col(column.cached) if column.cached else None
                cached_dtype = schema[column.cached] if column.cached else None
                if column.formula is not None:
                    value, dtype, formula = _template(column.formula, row), pl.String(), True
                elif column.source is not None:
                    value, dtype = pl.col(column.source), schema[column.source]
                    formula = column.trusted
                else:
                    raise ValueError(f"column {column.header!r} has no source and no formula")
                spec = CellSpec(
                    value, dtype, look, formula, cached, cached_dtype,
                    shared.get(column.header), column.colors,
                )  # fmt: skip
                out.append(cell_xml(spec, self.book.style_id))
            return out

        render_rows(frame, cells, first_row, self.rows)


def _low_cardinality(frame: pl.DataFrame, column: Column) -> bool:
    """Return whether a text column repeats its values enough to share them (plan, state)."""
    if column.kind != "text" or column.trusted or column.source is None or frame.height < 4:
        return False
    return bool(frame[column.source].n_unique() * 2 <= frame.height)


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


def header_height(columns: Sequence[Column]) -> float:
    """Return the height (points) of a header row whose wrapped headers all show in full."""
    lines = 1
    for column in columns:
        per_line = max(int(column.width * 0.95) - 1, 4)
        words, line, count = column.header.split(), 0, 1
        for word in words:
            if line and line + 1 + len(word) > per_line:
                count, line = count + 1, len(word)
            else:
                line += len(word) + (1 if line else 0)
        lines = max(lines, count)
    return 15.0 * lines


def write_table(
    sheet: Sheet, name: str, frame: pl.DataFrame, columns: Sequence[Column], *, totals: bool = False
) -> TableSpan:
    """Write `frame` as the Excel table `name` from the sheet's next row.

    The table is styled, banded and filterable; headers wrap, and the header row is as tall
    as the longest one needs; an empty frame keeps one blank data row (Excel repairs a
    table without one). With `totals`, a bold row under the table sums the columns marked
    `total="sum"` with SUBTOTAL(109, ...), which follows filters. It sits outside the
    table: sorting, filtering and pivots never take it for data, and Excel's own totals row
    is a known cause of "repaired records" when written by other tools.
    """
    header_row = sheet.append(
        [Styled(column.header, bold=True, wrap=True) for column in columns],
        height=header_height(columns),
    )
    letters = {column.header: get_column_letter(idx) for idx, column in enumerate(columns, 1)}
    sheet.render(frame, columns, header_row + 1)
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
        sheet.append([_total_cell(column, span, frame) for column in columns])
    return span


def _total_cell(column: Column, span: TableSpan, frame: pl.DataFrame) -> Styled | None:
    """Return a column's cell in the totals row: the label, a SUBTOTAL, or nothing."""
    if column.total == "label":
        return Styled("Total", bold=True)
    if column.total == "sum":
        letter = span.letters[column.header]
        formula = f"=SUBTOTAL(109,{letter}{span.first_row}:{letter}{span.last_row})"
        kind: Kind = "count" if column.kind in ("number", "count") else column.kind
        source = column.cached or column.source
        total = frame[source].sum() if source and frame.height else 0
        return Styled(formula, kind, bold=True, formula=True, cached=total)
    return None


def wrapped_height(text: str, width: float = 50.0) -> float | None:
    """Return the row height (points) that shows `text` wrapped in column A, None for one line."""
    lines = -(-len(text) // int(width * 0.9 - 2))
    return 15.0 * lines if lines > 1 else None
