"""The seat families: GitHub's seat reports (both CSV generations) and the seats API."""

from __future__ import annotations

from analyzer.reading import api_csv, recognise, sniff
from analyzer.reading.interface import SEATS, ParsedFile, Sniffed
from analyzer.reading.reader import ReadHints

REPORT = "seat-report"
API_JSON = "seat-api-json"
API_CSV = "seat-api-csv"


def read_seats(sniffed: Sniffed, kind: str, sha256: str, hints: ReadHints) -> ParsedFile:
    """Read a seat file with the seat reader; the format it finds is the kind kept."""
    from analyzer.reading.reader import read_report

    parsed = read_report(sniffed.name, sniffed.data, hints, sha256)
    rows = parsed.seats if parsed.accepted else None
    return ParsedFile(
        sniffed.name, sha256, SEATS, parsed.format or kind, parsed.problems, rows, parsed
    )


class SeatReport:
    """GitHub's seat report CSV: the usage generation and the activity generation."""

    family = SEATS
    download = recognise.SEAT_REPORT

    def recognise(self, sniffed: Sniffed) -> str | None:
        """Return REPORT for a header holding every column of a seat report format."""
        return REPORT if sniffed.header and sniff.recognise_header(list(sniffed.header)) else None

    def read(self, sniffed: Sniffed, kind: str, sha256: str, hints: ReadHints) -> ParsedFile:
        """Read the report's seats."""
        return read_seats(sniffed, kind, sha256, hints)


class SeatApi:
    """The seats API: its JSON (`gh api ... copilot/billing/seats`) or a CSV of its fields."""

    family = SEATS
    download = recognise.SEAT_REPORT

    def recognise(self, sniffed: Sniffed) -> str | None:
        """Return API_JSON for JSON no other family claims, API_CSV for the API's columns."""
        if sniffed.json:
            return API_JSON if recognise.recognise_json(sniffed.first_value) is None else None
        header = list(sniffed.header)
        if header and not recognise.recognise_csv(header) and api_csv.is_api_csv(header):
            return API_CSV
        return None

    def read(self, sniffed: Sniffed, kind: str, sha256: str, hints: ReadHints) -> ParsedFile:
        """Read the API's seats."""
        return read_seats(sniffed, kind, sha256, hints)
