"""Read any dropped file: sniff it once, let one family recognise and read it, never raise.

`read_file` is the one guard around a file: recognising, reading and checking all happen
inside it, and any failure (a JSON value nested too deeply, a reader bug) becomes that
file's refusal with a problem code, so a run always goes on to the next file.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import hashlib
import io
import json

from analyzer.reading import limits, recognise, sniff
from analyzer.reading.family_billing import BILLING_REPORTS, LICENCE_REPORT
from analyzer.reading.family_seats import SeatApi, SeatReport, read_seats
from analyzer.reading.family_usage import UsageMetrics
from analyzer.reading.interface import (
    BILLING,
    SEATS,
    UNKNOWN,
    USAGE,
    FileFamily,
    ParsedFile,
    Sniffed,
)
from analyzer.reading.problems import ProblemLog
from analyzer.reading.reader import ReadHints
from analyzer.schema import Problem

# Asked in this order; the first family that recognises a file reads it.
FAMILIES: tuple[FileFamily, ...] = (
    UsageMetrics(),
    *BILLING_REPORTS,
    LICENCE_REPORT,
    SeatReport(),
    SeatApi(),
)
_HEAD_BYTES = 1 << 20  # what is decoded to sniff a file (a JSON file's first value)

# Other GitHub exports this version does not read, and the download that holds the data.
_INSTEAD: dict[str, str] = {
    "token-usage-report": (
        "this version reads the premium request report instead: Billing & licensing > Usage > "
        "Premium request analytics > Get usage report"
    ),
    "usage-metrics-links": (
        "fetch the file each download link names (within the hour) and ingest those files"
    ),
    "legacy-metrics-api": (
        "that API closed on 2026-04-02: download the usage-metrics reports (users-28-day) instead"
    ),
    "legacy-usage-api": (
        "that API is retired: download the usage-metrics reports (users-28-day) instead"
    ),
    "billing-usage-json": (
        "download the same data as CSV: Billing & licensing > Usage > Get usage report"
    ),
}
_NEITHER = (
    "copilot-seats reads Copilot seat reports, billing reports and usage metrics; for seats, "
    + recognise.SEAT_REPORT
)


class TooDeep(Exception):
    """The file's first JSON value nests deeper than the decoder goes."""


def _first_value(text: str, data: bytes, utf16: bool) -> object:
    """Return a JSON text's first value: its first line, or its array's first item."""
    decoder = json.JSONDecoder()
    body = text.lstrip("\ufeff \t\r\n")
    try:
        if body.startswith("["):
            rest = body[1:].lstrip()
            return [decoder.raw_decode(rest)[0]] if rest.startswith("{") else None
        return decoder.raw_decode(body)[0]
    except ValueError:
        if len(data) <= _HEAD_BYTES:
            return None
        try:  # a pretty-printed single object may be longer than the decoded head
            return json.loads(data.decode("utf-16" if utf16 else "utf-8-sig", errors="replace"))
        except ValueError:
            return None
    except RecursionError as exc:
        raise TooDeep from exc


def sniff_file(name: str, data: bytes) -> Sniffed:
    """Return what a file is before reading it: binary or text, JSON or CSV, its header."""
    binary = sniff.binary_kind(data)
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if binary:
        return Sniffed(name, data, binary, utf16, False, (), None)
    head = data[: _HEAD_BYTES * (2 if utf16 else 1)]
    text = head.decode("utf-16" if utf16 else "utf-8-sig", errors="replace")
    is_json = text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")
    if is_json:
        return Sniffed(name, data, None, utf16, True, (), _first_value(text, data, utf16))
    end = text.find("\n")
    line = (text if end < 0 else text[:end]).rstrip("\r")[: limits.MAX_LINE_CHARS]
    sep = sniff.detect_separator(line)
    try:
        header = next(csv.reader(io.StringIO(line), delimiter=sep), [])
    except csv.Error:  # (a stray carriage return or NUL: the names as plainly split)
        header = line.split(sep)
    # (a spreadsheet re-save may keep the BOM inside the quoted first cell: not part of a name)
    names = tuple(n.replace("\ufeff", "") for n in header)
    return Sniffed(name, data, None, utf16, False, names, None)


def recognise_file(sniffed: Sniffed) -> tuple[FileFamily | None, str]:
    """Return the family that recognises the file and the kind it names (None, "" if none)."""
    for family in FAMILIES:
        kind = family.recognise(sniffed)
        if kind is not None:
            return family, kind
    return None, ""


def recognised(name: str, data: bytes) -> bool:
    """Return True when the file's head is JSON or a header some family recognises.

    Cheap: the head alone is looked at, so a long JSON document is never parsed whole.
    """
    try:
        sniffed = sniff_file(name, data[:_HEAD_BYTES])
        return sniffed.json or recognise_file(sniffed)[0] is not None
    except Exception:  # (a head no family reads: the parse says why)
        return False


def _foreign(sniffed: Sniffed) -> recognise.Foreign | None:
    """Return the other GitHub export the file is, when one is recognised."""
    if sniffed.json:
        return recognise.recognise_json(sniffed.first_value)
    return recognise.recognise_csv(list(sniffed.header)) if sniffed.header else None


def _refuse(sniffed: Sniffed, sha256: str, code: str, message: str) -> ParsedFile:
    """Return the file refused before any family read it, at its first line."""
    log = ProblemLog(sniffed.name)
    log.add(1, "", code, message)
    return ParsedFile(sniffed.name, sha256, UNKNOWN, "", log.finish())


def _read_known(sniffed: Sniffed, sha256: str, hints: ReadHints) -> ParsedFile:
    """Let the recognising family read the file; refuse what no family reads, by name."""
    family, kind = recognise_file(sniffed)
    if family is None:
        foreign = _foreign(sniffed)
        if foreign is not None:
            message = f"this is {foreign.what}"
            if foreign.kind != "api-error":  # (its words already say what to do)
                instead = _INSTEAD.get(foreign.kind, _NEITHER)
                message += f", which copilot-seats does not read; {instead}"
            return _refuse(sniffed, sha256, "not-a-seat-report", message)
        # Nothing recognised: the seat reader says what the file lacks (or takes a seat
        # report whose header only the reader's closer look accepts).
        return read_seats(sniffed, "", sha256, hints)
    if sniffed.utf16 and family.family != SEATS:
        return _refuse(
            sniffed,
            sha256,
            "not-utf8",
            f"this is {family.download}, saved as UTF-16; GitHub writes it as UTF-8: download "
            "it again (or save it as UTF-8)",
        )
    parsed = family.read(sniffed, kind, sha256, hints)
    if parsed.accepted or family.family not in (BILLING, USAGE) or not parsed.errors:
        return parsed
    return _with_download(parsed, family.download)


def _with_download(parsed: ParsedFile, download: str) -> ParsedFile:
    """Say, in a refused billing or usage file's first error, which download it resembles."""
    first = parsed.errors[0]
    told = dataclasses.replace(first, message=f"{first.message} (the file looks like {download})")
    problems = tuple(told if p is first else p for p in parsed.problems)
    return dataclasses.replace(parsed, problems=problems)


def internal_error(name: str, exc: BaseException) -> Problem:
    """Return the refusal of a file whose reading failed unexpectedly (a bug to report)."""
    what = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    message = (
        f"reading this file failed unexpectedly ({what}); the file was not stored and the "
        "run went on; please report this to the copilot-seats maintainers with the file"
    )
    return Problem(name, 0, "", "internal-error", message)


def read_file(
    name: str,
    data: bytes,
    hints: ReadHints | None = None,
    sha256: str | None = None,
) -> ParsedFile:
    """Recognise and read one file's bytes; every failure is the file's refusal, none raised."""
    hints = hints or ReadHints()
    sha = sha256 or hashlib.sha256(data).hexdigest()
    try:
        if not data or data.isspace():
            return read_seats(Sniffed(name, data, None, False, False, (), None), "", sha, hints)
        return _read_known(sniff_file(name, data), sha, hints)
    except (RecursionError, TooDeep):
        message = (
            "the JSON nests arrays or objects too deeply for any GitHub export (over about "
            "1,000 levels); this is no file GitHub wrote: download it again"
        )
        log = ProblemLog(name)
        log.add(1, "", "json-too-deep", message)
        return ParsedFile(name, sha, UNKNOWN, "", log.finish())
    except (
        Exception
    ) as exc:  # a reader bug (or no memory): this file's refusal, never the run's end
        return ParsedFile(name, sha, UNKNOWN, "", (internal_error(name, exc),))


__all__ = ["BILLING", "SEATS", "UNKNOWN", "USAGE", "ParsedFile", "ReadHints", "read_file"]
