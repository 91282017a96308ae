"""Render worksheet rows as SpreadsheetML, vectorized in polars, and splice them into sheets."""

# Why not openpyxl's cells: it spends about 8 microseconds of Python per cell (binding the
# value, then streaming it through lxml), 18 s for the 2.1 million cells of a 100,000-seat
# workbook. Here a frame becomes `<row>` XML in a few polars expressions (about 2.5 s for the
# whole workbook); openpyxl still writes everything else (styles, tables, charts, names,
# views, column widths), and `SplicingZip` puts the rows into each sheet's empty
# `<sheetData>` as openpyxl stores it.

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import datetime
from typing import IO, Literal
from zipfile import ZIP_DEFLATED, ZipFile

import polars as pl

# How a column's values look. Text always becomes an inline string; a formula is only ever
# a column's `formula` template or a `trusted` column built by this package.
Kind = Literal["text", "number", "bool", "count", "money", "datetime", "date"]

# Text starting with = + - @ tab or CR runs as a formula in Excel or LibreOffice once a user
# edits the cell or it travels as CSV; "#" also covers error literals such as "#N/A". Such
# text gets Excel's quote prefix, which keeps it text when edited.
_FORMULA_LEAD = "^[=+\\-@\\t\\r#]"
# Characters XML 1.0 cannot carry: replaced by U+FFFD so a reader sees something was there.
ILLEGAL_XML = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]"
MAX_TEXT = 32_767  # Excel's limit for one cell
_EXCEL_EPOCH = datetime(1899, 12, 30)
_DAY_US = 86_400_000_000
_CHUNK_ROWS = 5_000  # rows rendered per polars pass, to bound memory
_EMPTY_SHEET_DATA = (b"<sheetData></sheetData>", b"<sheetData/>", b"<sheetData />")

# Return the style id of (kind, bold, quote prefix): registered with openpyxl by the caller.
StyleIds = Callable[[Kind, bool, bool], int]


def _xml_text(expr: pl.Expr) -> pl.Expr:
    """Escape text for XML element content; a CR becomes a reference, which parsers keep."""
    return expr.str.replace_many(["&", "<", ">", "\r"], ["&amp;", "&lt;", "&gt;", "&#13;"])


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Return text XML can carry and Excel can hold: no control characters, at most 32,767."""
    return expr.cast(pl.String).str.replace_all(ILLEGAL_XML, "\ufffd").str.slice(0, MAX_TEXT)


def _serial(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Return dates and date-times as Excel serial day numbers (UTC wall time)."""
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            expr = expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return (expr - pl.lit(_EXCEL_EPOCH)).dt.total_microseconds() / _DAY_US
    if dtype == pl.Date:
        return (expr - pl.lit(_EXCEL_EPOCH.date())).dt.total_days()
    return expr


def _attr(style: int) -> str:
    """Return the style attribute of a cell, or nothing for the default style."""
    return f' s="{style}"' if style else ""


def cell_xml(
    ref: pl.Expr,
    value: pl.Expr,
    dtype: pl.DataType,
    kind: Kind,
    *,
    formula: bool,
    bold: bool,
    styles: StyleIds,
) -> pl.Expr:
    """Return an expression giving each row's `<c>` element, or "" where the value is null.

    `ref` is the cell reference ("A2"); `value` the column; with `formula`, the column holds
    formulas ("=SUM(...)") that this package built from cell references.
    """
    open_ = pl.lit('<c r="')
    if formula:
        parts = [
            open_,
            ref,
            pl.lit(f'"{_attr(styles(kind, bold, False))}><f>'),
            _xml_text(value.str.strip_prefix("=")),
            pl.lit("</f><v></v></c>"),
        ]
    elif kind == "text":
        text = clean_text(value)
        quoted = pl.lit(f'"{_attr(styles(kind, bold, True))} t="inlineStr"><is>')
        plain = pl.lit(f'"{_attr(styles(kind, bold, False))} t="inlineStr"><is>')
        space = pl.when(text.str.contains(r"^\s|\s$"))
        parts = [
            open_,
            ref,
            pl.when(text.str.contains(_FORMULA_LEAD)).then(quoted).otherwise(plain),
            space.then(pl.lit('<t xml:space="preserve">')).otherwise(pl.lit("<t>")),
            _xml_text(text),
            pl.lit("</t></is></c>"),
        ]
    elif kind == "bool":
        parts = [
            open_,
            ref,
            pl.lit(f'"{_attr(styles(kind, bold, False))} t="b"><v>'),
            value.cast(pl.Int8).cast(pl.String),
            pl.lit("</v></c>"),
        ]
    else:
        number = _serial(value, dtype)
        if isinstance(dtype, pl.Float32 | pl.Float64):
            number = pl.when(number.is_finite()).then(number)  # NaN and inf: no cell
        parts = [
            open_,
            ref,
            pl.lit(f'"{_attr(styles(kind, bold, False))} t="n"><v>'),
            number.cast(pl.String),
            pl.lit("</v></c>"),
        ]
    return pl.concat_str(parts).fill_null("")


def render_rows(
    frame: pl.DataFrame, cells: Callable[[pl.Expr], list[pl.Expr]], first_row: int, out: IO[bytes]
) -> None:
    """Write `frame` as `<row>` elements numbered from `first_row` to `out`.

    `cells` receives the row-number expression (as text) and returns one `<c>` expression
    per column, in column order.
    """
    frame = frame.rechunk()  # slicing a frame of many small chunks is slow and costly
    for start in range(0, frame.height, _CHUNK_ROWS):
        part = frame.slice(start, _CHUNK_ROWS)
        row = pl.int_range(first_row + start, first_row + start + pl.len()).cast(pl.String)
        xml = part.select(
            pl.concat_str(
                [pl.lit('<row r="'), row, pl.lit('">'), *cells(row), pl.lit("</row>")]
            ).str.join("")
        ).item()
        out.write(xml.encode())


class SplicingZip(ZipFile):
    """A zip that, as openpyxl stores each sheet, fills its empty sheetData with our rows."""

    def __init__(self, path: str | os.PathLike[str], rows: dict[str, IO[bytes]]) -> None:
        super().__init__(path, "w", ZIP_DEFLATED, allowZip64=True)
        self._rows = dict(rows)

    def write(
        self,
        filename: str | os.PathLike[str],
        arcname: str | os.PathLike[str] | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        """Store a file; a sheet with rows to splice gets them inside its sheetData."""
        name = os.fspath(arcname) if arcname is not None else None
        rows = self._rows.pop(name, None) if name is not None else None
        if name is None or rows is None:
            super().write(filename, arcname, compress_type, compresslevel)
            return
        with open(filename, "rb") as handle:
            sheet = handle.read()
        for empty in _EMPTY_SHEET_DATA:
            head, found, tail = sheet.partition(empty)
            if found:
                break
        else:
            raise RuntimeError(f"openpyxl wrote {arcname} without an empty sheetData")
        with self.open(name, "w") as out:
            out.write(head + b"<sheetData>")
            rows.seek(0)
            shutil.copyfileobj(rows, out, 1 << 20)
            out.write(b"</sheetData>" + tail)

    def check_spliced(self) -> None:
        """Raise if a sheet's rows were never stored (openpyxl changed how it saves)."""
        if self._rows:
            raise RuntimeError(f"rows of {sorted(self._rows)} were not written")
