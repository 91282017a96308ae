"""Render worksheet rows as SpreadsheetML, vectorized in polars, and splice them into sheets."""

# Why not openpyxl's cells: it spends about 8 microseconds of Python per cell (binding the
# value, then streaming it through lxml), 18 s for the 2.1 million cells of a 100,000-seat
# workbook. Here a frame becomes `<row>` XML in a few polars expressions; openpyxl still
# writes everything else (styles, tables, charts, names, views, column widths), and
# `SplicingZip` puts the rows into each sheet's empty `<sheetData>` as openpyxl stores it.
#
# Cells carry no optional attributes: no `r` (cells are written left to right, a missing
# value as an empty `<c/>`), no `t="n"`. A formula cell carries its computed value in `<v>`,
# so readers that do not calculate (openpyxl's data_only, previews, pandas) see numbers.

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import IO, TYPE_CHECKING, Any, Literal
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import polars as pl

if TYPE_CHECKING:
    from _typeshed import SizedBuffer

# How a column's values look. Text becomes an inline or shared string; a formula is only
# ever a column's `formula` template or a `trusted` column built by this package.
Kind = Literal["text", "number", "bool", "count", "money", "datetime", "date", "percent"]

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
EMPTY_CELL = "<c/>"
# Deflate level of every part. On the 100,000-seat benchmark (measured in one session):
# level 1 wrote 6.5 MB, level 2 6.1 MB, level 3 5.6 MB (zlib's fast strategy still), level 4
# 5.6 MB (its slow one), level 6 4.7 MB for 12 % more time.
COMPRESS_LEVEL = 3
# Zip entry time of every part, so the same data gives the same bytes (DOS time starts 1980).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# A part larger than this (uncompressed) is written with zip64 sizes; zip's own limit is 4 GiB.
_ZIP64_FROM = 1 << 31


@dataclass(frozen=True)
class Look:
    """How a cell looks: what its value is, bold, quote-prefixed text, wrapped, font colour."""

    kind: Kind
    bold: bool = False
    quote: bool = False
    wrap: bool = False
    color: str | None = None  # "#rrggbb"


# Return the style id of a look: registered with openpyxl by the caller.
StyleIds = Callable[[Look], int]
# Register texts as shared strings and return their indexes.
SharedStrings = Callable[[list[str]], list[int]]


def _xml_text(expr: pl.Expr) -> pl.Expr:
    """Escape text for XML element content; a CR becomes a reference, which parsers keep."""
    return expr.str.replace_many(["&", "<", ">", "\r"], ["&amp;", "&lt;", "&gt;", "&#13;"])


def xml_text(text: str) -> str:
    """Escape text for XML element content, as `_xml_text` does."""
    for char, ref in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
        text = text.replace(char, ref)
    return text


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Return text XML can carry and Excel can hold: no control characters, at most 32,767."""
    return expr.cast(pl.String).str.replace_all(ILLEGAL_XML, "\ufffd").str.slice(0, MAX_TEXT)


def clean(text: str) -> str:
    """Return `text` as `clean_text` would."""
    return re.sub(ILLEGAL_XML, "\ufffd", text)[:MAX_TEXT]


def _serial(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Return dates and date-times as Excel serial day numbers (UTC wall time)."""
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            expr = expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return (expr - pl.lit(_EXCEL_EPOCH)).dt.total_microseconds() / _DAY_US
    if dtype == pl.Date:
        return (expr - pl.lit(_EXCEL_EPOCH.date())).dt.total_days()
    return expr


def _number(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Return the `<v>` text of numbers, dates and date-times; null for NaN and inf."""
    number = _serial(expr, dtype)
    if isinstance(dtype, pl.Float32 | pl.Float64):
        number = pl.when(number.is_finite()).then(number)
    return number.cast(pl.String)


def _attr(style: int) -> str:
    """Return the style attribute of a cell, or nothing for the default style."""
    return f' s="{style}"' if style else ""


@dataclass(frozen=True)
class CellSpec:
    """What a column's cells are: the value, its dtype, how it looks, and where it comes from.

    `formula`: the value is a formula this package built; `cached` is then the expression
    of its computed value. `shared`: the column's cleaned texts and their shared-string
    indexes (low-cardinality columns). `colors`: text value -> font colour.
    """

    value: pl.Expr
    dtype: pl.DataType
    look: Look
    formula: bool = False
    cached: pl.Expr | None = None
    cached_dtype: pl.DataType | None = None
    shared: tuple[list[str], list[str]] | None = None
    colors: dict[str, str] | None = None


def cell_xml(spec: CellSpec, styles: StyleIds) -> pl.Expr:
    """Return an expression giving each row's `<c>` element, `<c/>` where the value is null."""
    look = spec.look
    if spec.formula:
        parts = [
            pl.lit(f"<c{_attr(styles(look))}><f>"),
            _xml_text(spec.value.str.strip_prefix("=")),
            pl.lit("</f>"),
        ]
        if spec.cached is not None:
            value = _number(spec.cached, spec.cached_dtype or pl.Float64())
            parts.append(pl.concat_str([pl.lit("<v>"), value, pl.lit("</v>")]).fill_null(""))
        return pl.concat_str([*parts, pl.lit("</c>")]).fill_null(EMPTY_CELL)
    if look.kind == "text":
        return _text_xml(spec, styles)
    if look.kind == "bool":
        parts = [
            pl.lit(f'<c{_attr(styles(look))} t="b"><v>'),
            spec.value.cast(pl.Int8).cast(pl.String),
            pl.lit("</v></c>"),
        ]
    else:
        parts = [
            pl.lit(f"<c{_attr(styles(look))}><v>"),
            _number(spec.value, spec.dtype),
            pl.lit("</v></c>"),
        ]
    return pl.concat_str(parts).fill_null(EMPTY_CELL)


def shared_texts(frame: pl.DataFrame, source: str, strings: SharedStrings) -> tuple[
    list[str], list[str]
]:  # fmt: skip
    """Register a column's distinct cleaned texts as shared strings; return texts, indexes."""
    values = frame.select(clean_text(pl.col(source)).unique().drop_nulls().sort())
    texts = values.to_series().to_list()
    return texts, [str(i) for i in strings(texts)]


def _text_xml(spec: CellSpec, styles: StyleIds) -> pl.Expr:
    """Return the `<c>` expression of a text column: shared or inline, quoted when risky."""
    text = clean_text(spec.value)
    look = spec.look
    plain = pl.lit(_attr(styles(look)))
    style: pl.Expr = plain
    if spec.colors:
        keys = list(spec.colors)
        attrs = [_attr(styles(Look(**{**look.__dict__, "color": spec.colors[k]}))) for k in keys]
        style = text.replace_strict(keys, attrs, default=plain, return_dtype=pl.String)
    quoted = pl.lit(_attr(styles(Look(**{**look.__dict__, "quote": True}))))
    style = pl.when(text.str.contains(_FORMULA_LEAD)).then(quoted).otherwise(style)
    if spec.shared:
        texts, indexes = spec.shared
        index = text.replace_strict(texts, indexes, return_dtype=pl.String)
        parts = [pl.lit("<c"), style, pl.lit(' t="s"><v>'), index, pl.lit("</v></c>")]
    else:
        space = pl.when(text.str.contains(r"^\s|\s$"))
        parts = [
            pl.lit("<c"),
            style,
            pl.lit(' t="inlineStr"><is>'),
            space.then(pl.lit('<t xml:space="preserve">')).otherwise(pl.lit("<t>")),
            _xml_text(text),
            pl.lit("</t></is></c>"),
        ]
    return pl.concat_str(parts).fill_null(EMPTY_CELL)


def _number_text(value: Any) -> str | None:
    """Return the `<v>` text of one number, date or date-time; None for NaN, inf or None."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(int(value))
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        value = (value - _EXCEL_EPOCH) // timedelta(microseconds=1) / _DAY_US
    elif isinstance(value, date):
        value = (value - _EXCEL_EPOCH.date()).days
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return repr(value) if isinstance(value, float) else str(value)


def loose_cell(
    value: Any, look: Look, styles: StyleIds, *, formula: bool = False, cached: Any = None
) -> str:
    """Return the `<c>` element of one loose value (a label, a fact, a formula)."""
    if value is None:
        return EMPTY_CELL
    attr = _attr(styles(look))
    if formula:
        text = _number_text(cached)
        v = f"<v>{text}</v>" if text is not None else ""
        return f"<c{attr}><f>{xml_text(str(value).removeprefix('='))}</f>{v}</c>"
    if look.kind == "text":
        text = clean(str(value))
        if re.match(_FORMULA_LEAD, text):
            attr = _attr(styles(Look(**{**look.__dict__, "quote": True})))
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c{attr} t="inlineStr"><is><t{space}>{xml_text(text)}</t></is></c>'
    if look.kind == "bool":
        return f'<c{attr} t="b"><v>{int(bool(value))}</v></c>'
    number = _number_text(value)
    return f"<c{attr}><v>{number}</v></c>" if number is not None else EMPTY_CELL


def row_xml(number: int, cells: list[str], height: float | None = None) -> str:
    """Return one `<row>` of rendered cells, trailing empty cells dropped."""
    while cells and cells[-1] == EMPTY_CELL:
        cells.pop()
    if not cells:
        return ""
    ht = f' ht="{height:g}" customHeight="1"' if height else ""
    return f'<row r="{number}"{ht}>{"".join(cells)}</row>'


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
        exprs = cells(row)
        xml = part.select(
            pl.concat_str(
                [pl.lit('<row r="'), row, pl.lit('">'), *exprs, pl.lit("</row>")]
            ).str.join("")
        ).item()
        out.write(xml.encode())


def _info(name: str) -> ZipInfo:
    """Return the zip entry of a part: fixed time and mode, deflated at COMPRESS_LEVEL."""
    info = ZipInfo(name, ZIP_TIME)
    info.compress_type = ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    # ZipFile.open(info, "w") reads the level from the entry (`_compresslevel` up to 3.12,
    # `compress_level` from 3.13, which keeps the old name as an alias).
    setattr(info, "_compresslevel", COMPRESS_LEVEL)  # noqa: B010
    return info


class SplicingZip(ZipFile):
    """A zip that, as openpyxl stores each sheet, fills its empty sheetData with our rows.

    Every part gets a fixed time and compression level, so the same workbook is the same
    bytes; `extra` parts (name -> bytes) are added, and `patch` rewrites parts openpyxl
    writes (name -> function of their bytes), e.g. to declare the shared strings.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        rows: dict[str, IO[bytes]],
        patch: dict[str, Callable[[bytes], bytes]] | None = None,
    ) -> None:
        super().__init__(path, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=COMPRESS_LEVEL)
        self._rows = dict(rows)
        self._patch = dict(patch or {})

    def writestr(
        self,
        zinfo_or_arcname: str | ZipInfo,
        data: str | SizedBuffer,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        """Store a part with the fixed entry time, patched when asked."""
        name = zinfo_or_arcname if isinstance(zinfo_or_arcname, str) else zinfo_or_arcname.filename
        raw = data.encode() if isinstance(data, str) else bytes(data)
        if name in self._patch:
            raw = self._patch.pop(name)(raw)
        super().writestr(_info(name), raw, compresslevel=COMPRESS_LEVEL)

    def write(
        self,
        filename: str | os.PathLike[str],
        arcname: str | os.PathLike[str] | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        """Store a file; a sheet with rows to splice gets them inside its sheetData."""
        name = os.fspath(arcname if arcname is not None else filename)
        with open(filename, "rb") as handle:
            sheet = handle.read()
        rows = self._rows.pop(name, None)
        if rows is None:
            self.writestr(name, sheet)
            return
        for empty in _EMPTY_SHEET_DATA:
            head, found, tail = sheet.partition(empty)
            if found:
                break
        else:
            raise RuntimeError(f"openpyxl wrote {name} without an empty sheetData")
        size = rows.seek(0, os.SEEK_END) + len(sheet)
        rows.seek(0)
        with self.open(_info(name), "w", force_zip64=size >= _ZIP64_FROM) as out:
            out.write(head + b"<sheetData>")
            shutil.copyfileobj(rows, out, 1 << 20)
            out.write(b"</sheetData>" + tail)

    def check_spliced(self) -> None:
        """Raise if a sheet's rows were never stored (openpyxl changed how it saves)."""
        if self._rows or self._patch:
            raise RuntimeError(f"parts {sorted(self._rows) + sorted(self._patch)} not written")
