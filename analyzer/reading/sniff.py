"""Recognise what a dropped file is before parsing it: binary, encoding, separator, kind."""

from __future__ import annotations

import codecs
import re

# Magic numbers of files users drop by mistake, and what to tell them.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF87a", "a GIF picture"),
    (b"GIF89a", "a GIF picture"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"\x1f\x8b", "a gzip archive"),
)

# Normalised header sets (see normalize_header) of the seat reports, by source format.
HEADERS: dict[str, tuple[str, ...]] = {
    "usage-org": ("login", "status", "team", "last usage date", "last editor used"),
    "usage-enterprise": ("login", "organizations", "status", "last usage", "last editor used"),
    "usage-copilot-enterprise": ("login", "status", "last usage", "last editor used"),
    "activity-enterprise": (
        "report time",
        "login",
        "last authenticated at",
        "last activity at",
        "last surface used",
        "organization",
    ),
    "activity-org": (
        "report time",
        "login",
        "last authenticated at",
        "last activity at",
        "last surface used",
    ),
}


class Text:
    """A text file as UTF-8 bytes, decoded to `str` only where something needs the `str`.

    polars parses the bytes itself and checks they are UTF-8, so a large report that needs
    no line-by-line work is never decoded here. `text` raises UnicodeDecodeError on bytes
    that are not UTF-8.
    """

    def __init__(self, utf8: bytes, text: str | None = None) -> None:
        self.utf8 = utf8
        self._text = text

    @property
    def text(self) -> str:
        """Return the whole text (decoded once)."""
        if self._text is None:
            self._text = self.utf8.decode("utf-8")
        return self._text

    def first_line(self) -> str:
        """Return the first line, without its line break."""
        end = self.utf8.find(b"\n")
        return (self.utf8 if end < 0 else self.utf8[:end]).decode("utf-8").rstrip("\r")

    def starts_like_json(self) -> bool:
        """Return True when the text starts like JSON (an object or an array)."""
        return self.utf8[:4096].lstrip()[:1] in (b"{", b"[")


def binary_kind(data: bytes) -> str | None:
    """Return what a binary file looks like, or None when it may be text."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    head = data[:4096]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "a binary file"
    return None


def decode_text(data: bytes) -> Text:
    """Return UTF-8 (with or without BOM) or UTF-16 with BOM as Text.

    Raise UnicodeDecodeError for bad UTF-16; bad UTF-8 shows where the text is read.
    """
    if data.startswith(codecs.BOM_UTF8):
        return Text(data[3:])
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
        return Text(text.encode("utf-8"), text)
    return Text(data)


def first_bad_byte(data: bytes) -> tuple[int, int]:
    """Return (1-based line, byte value) of the first byte that is not valid UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return data.count(b"\n", 0, exc.start) + 1, data[exc.start]
    return 0, 0


def normalize_header(name: str) -> str:
    """Return a header name trimmed, lower-cased, with underscores read as spaces."""
    return re.sub(r"[\s_]+", " ", name.strip().strip('"').strip()).lower()


def detect_separator(header_line: str) -> str:
    """Return the separator of a CSV header line: comma, semicolon or tab."""
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def recognise_header(names: list[str]) -> str | None:
    """Return the seat-report format whose columns are all present (the fullest), or None.

    Columns GitHub may add later are tolerated (the caller warns about them); an empty
    name, from a trailing separator a spreadsheet added, is not a column.
    """
    present = {normalize_header(n) for n in names} - {""}
    fitting = [fmt for fmt, expected in HEADERS.items() if set(expected) <= present]
    return max(fitting, key=lambda fmt: len(HEADERS[fmt])) if fitting else None


def extra_columns(names: list[str], fmt: str) -> list[str]:
    """Return the header names a format does not know (kept out of the snapshot)."""
    known = set(HEADERS[fmt]) | {""}
    return [n.strip() for n in names if normalize_header(n) not in known]


def closest_format(names: list[str]) -> tuple[str, list[str]]:
    """Return the seat-report format these names resemble most and its missing columns."""
    present = {normalize_header(n) for n in names}
    best = max(HEADERS, key=lambda fmt: (len(present & set(HEADERS[fmt])), -len(HEADERS[fmt])))
    return best, [col for col in HEADERS[best] if col not in present]
