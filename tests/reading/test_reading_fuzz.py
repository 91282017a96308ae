"""Fuzzing the reading entry point and `ingest` with damaged seat, billing and usage files."""

from __future__ import annotations

import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.cli import main
from analyzer.codes import PROBLEMS
from analyzer.reading.dispatch import read_file
from tests.paths import SAMPLES

# One small sample of each family (their first lines): (file name, bytes).
_SOURCES = (
    "octo-demo-seat-activity-1793716484.csv",
    "octo-demo-seat-usage-1759472076.csv",
    "api/initech-seats-page.json",
    "usageReport_1_5f0e8c2d9a4b47e1b3c6d8f0a2e4c6b8.csv",
    "premiumRequestUsageReport_1_2b4d6f8a0c2e4a6c8e0a2c4e6a8c0e2a.csv",
    "aiUsageReport_1_9c1d3e5f7a9b4c2d8e0f1a3b5c7d9e1f.csv",
    "export-octo-demo-1793750400.csv",
    "octo-demo-users-1-day-2026-10-01.ndjson",
    "octo-demo-organization-28-day-2026-10-31.json",
)


def _head(path: str) -> tuple[str, bytes]:
    data = (SAMPLES / path).read_bytes()
    if path.endswith(".csv") or path.endswith(".ndjson"):
        data = b"".join(data.splitlines(keepends=True)[:6])
    return Path(path).name, data


SAMPLE_FILES = tuple(_head(p) for p in _SOURCES)
# What an attacker or a spreadsheet puts into a file.
_PIECES = st.sampled_from(
    [
        b"",
        b",",
        b";",
        b'"',
        b"\n",
        b"\r",
        b"\x00",
        b"\xff\xfe",
        b"\xef\xbb\xbf",
        b"{",
        b"[",
        b"}",
        b"]",
        b'"user_id":',
        b'"day":',
        b"1180591620717411303424",
        b"-1",
        b"1e308",
        b"NaN",
        b"null",
        b"true",
        b"0001-01-01",
        b"9999-12-31",
        b"2026/8/7",
        "\u0430".encode(),
        b"=2+2",
        b"[" * 1200,
        b'{"a":' * 1200,
    ]
)


@st.composite
def damaged_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """Return a sample file with a few splices of hostile pieces or random bytes."""
    name, data = draw(st.sampled_from(SAMPLE_FILES))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 12))
        piece = draw(st.one_of(_PIECES, st.binary(max_size=12)))
        data = data[:at] + piece + data[at + cut :]
    return name, data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_files())
def test_read_file_never_raises_and_never_fails_internally(file: tuple[str, bytes]) -> None:
    """Any damaged seat, billing or usage file is read or refused with registered codes."""
    name, data = file
    parsed = read_file(name, data)
    codes = {p.code for p in parsed.problems}
    assert codes <= set(PROBLEMS)
    assert "internal-error" not in codes, [p.message for p in parsed.problems]
    assert parsed.accepted == (parsed.rows is not None and not parsed.errors)
    if not parsed.accepted:
        assert parsed.errors, "a refused file says why"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(damaged_files(), min_size=1, max_size=3))
def test_ingest_of_damaged_files_exits_cleanly(files: list[tuple[str, bytes]]) -> None:
    """`ingest` of damaged files exits 0 or 1 with one summary line, never a traceback."""
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        for i, (name, data) in enumerate(files):
            (inbox / f"{i}-{name}").write_bytes(data)
        result = CliRunner().invoke(
            main, ["ingest", str(inbox), "--store", str(Path(tmp) / "store"), "--scope", "acme"]
        )
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output and "[internal-error]" not in result.output
    assert result.output.rstrip().splitlines()[-1].startswith(f"{len(files)} file")
