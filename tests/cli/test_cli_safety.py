"""The CLI's safety: scope slugs, CSV injection, control characters, output targets."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from analyzer.cli import main
from analyzer.cli.options import csv_safe, printable
from analyzer.errors import OutputError
from analyzer.fsutil import atomic_path, write_bytes_atomic
from tests.helpers import Seat, make_store, ts, write_activity

T = ts("2026-03-01T00:00:00")
USAGE_HEADER = "Login,Status,Team,Last Usage Date,Last Editor Used\n"


def run(*args: str | Path) -> Result:
    """Run the CLI in-process and return click's result (exceptions caught, as a user sees)."""
    return CliRunner().invoke(main, [str(a) for a in args])


def usage_store(tmp: Path, rows: str, name: str = "acme-seat-usage-1772323200.csv") -> Path:
    """Ingest one usage report with the given rows; return the store folder."""
    inbox = tmp / "in"
    inbox.mkdir(exist_ok=True)
    (inbox / name).write_text(USAGE_HEADER + rows, encoding="utf-8")
    result = run("ingest", inbox / name, "--store", tmp / "s")
    assert result.exit_code == 0, result.output
    return tmp / "s"


def usage_error(tmp_path: Path, command: str, option: str, value: str, expected: str) -> None:
    """Check `command OPTION VALUE` is exit 2 with `expected` on stderr, before any store is
    made or read, never an AssertionError."""
    extra = [tmp_path] if command in ("ingest", "monthly") else []
    result = run(command, *extra, option, value, "--store", tmp_path / "s")
    assert result.exit_code == 2, result.output
    assert option in result.stderr and expected in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("month", ["garbage", "2026-13", "2026-1", "26-01", "2026-00"])
@pytest.mark.parametrize("command", ["report", "monthly", "usage", "bill"])
def test_a_month_that_is_no_month_is_a_usage_error(
    tmp_path: Path, command: str, month: str
) -> None:
    """Every --month is checked alike."""
    usage_error(tmp_path, command, "--month", month, f"'{month}' is not a month; use YYYY-MM")


@pytest.mark.parametrize("scope", ["é", "..", "///", "日本", "-acme", "a" * 101, " "])
@pytest.mark.parametrize("command", ["status", "ingest", "report", "reclaim"])
def test_scope_that_slugs_to_nothing_is_a_usage_error(
    tmp_path: Path, command: str, scope: str
) -> None:
    """A --scope that is no slug is exit 2 naming --scope."""
    usage_error(tmp_path, command, "--scope", scope, "not an org or enterprise slug")


def test_scope_is_lower_cased(tmp_path: Path) -> None:
    """--scope ACME finds the scope acme."""
    store = make_store(tmp_path, "acme", [(T, [Seat("ann", T)])])
    result = run("status", "--scope", "ACME", "--store", store.root)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split() == ["Scope", "acme"]


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=2+2", "'\n=2+2"),
        (" \r\n @x", "' \r\n @x"),
        ("  +1", "'  +1"),
        ("a-b", "a-b"),
        ("-5", "-5"),
        ("-1.5e3", "-1.5e3"),
        ("alice", "alice"),
        (-5, -5),
        (19.0, 19.0),
        (None, None),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(cell: object, safe: object) -> None:
    """Formula-looking text gets a leading quote; numbers (negative ones too) stay numbers."""
    assert csv_safe(cell) == safe


def test_a_carriage_return_never_starts_a_row_in_a_csv(capsys: pytest.CaptureFixture[str]) -> None:
    """A CR or LF inside a field is quoted, so a spreadsheet cannot start a row at `=2+2`."""
    import csv
    import io

    from analyzer.cli.options import write_csv

    write_csv(
        [{"team": "\r=2+2", "cost": 19.0, "note": None}, {"team": 'a,"b"\nc'}],
        ["team", "cost", "note"],
    )
    out = capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows == [["team", "cost", "note"], ["'\r=2+2", "19.0", ""], ['a,"b"\nc', "", ""]]
    assert out.splitlines()[1].startswith('"')  # the field holding the CR is quoted


def test_reclaim_diff_and_history_csv_escape_formulas(tmp_path: Path) -> None:
    """Every --csv output writes formula-looking text (teams here) with a leading quote.

    Logins cannot carry a formula: the reader refuses logins GitHub would not allow.
    """
    store = usage_store(
        tmp_path,
        "ann,Active,\"=cmd|' /C calc'!A0\",None,None\n"
        "bob,Active,-team,2020-01-01T00:00:00Z,vscode\n",
    )
    later = tmp_path / "in" / "acme-seat-usage-1775001600.csv"
    later.write_text(USAGE_HEADER + "eve,Active,@evil,None,None\n", encoding="utf-8")
    assert run("ingest", later, "--store", store).exit_code == 0
    reclaim = run("reclaim", "--format", "csv", "--store", store, "--at", "2026-03-01")
    rows = list(csv.DictReader(io.StringIO(reclaim.stdout)))
    assert {r["login"] for r in rows} == {"ann", "bob"}
    assert {r["team"] for r in rows} == {"'=cmd|' /C calc'!A0", "'-team"}
    assert all(not r["idle_days"].startswith("'") for r in rows)
    diff = run("diff", "--csv", "--store", store).stdout
    assert "eve" in diff and "\n=" not in diff and "\n@" not in diff
    history = list(csv.DictReader(io.StringIO(run("history", "--csv", "--store", store).stdout)))
    assert [r["seats"] for r in history] == ["2", "1"]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("bob\x1b[31m", "bob\\x1b[31m"),
        ("a\nstored  forged.csv", "a\\nstored  forged.csv"),
        ("tab\there", "tab\\there"),
        ("cr\rx", "cr\\rx"),
        ("c1\x9bx", "c1\\x9bx"),
        ("del\x7f", "del\\x7f"),
        ("bidi\u202egnp.exe", "bidi\\u202egnp.exe"),
        ("plain é 日本", "plain é 日本"),
    ],
)
def test_control_characters_are_shown_escaped(raw: str, shown: str) -> None:
    """C0, C1, DEL and bidi overrides are escaped; other text is left alone."""
    assert printable(raw) == shown


def test_escape_sequences_in_reports_never_reach_the_terminal(tmp_path: Path) -> None:
    """Teams with ESC or newlines print escaped in status, reclaim, diff, snapshots.

    (Logins cannot carry them: the reader refuses logins GitHub would not allow.)
    """
    store = usage_store(
        tmp_path,
        'bob,Active,"t\x1b]0;pwned\x07",2020-01-01T00:00:00Z,vscode\n'
        'eve,Active,"x\nstored",None,None\n',
    )
    for args in (["reclaim"], ["status"], ["snapshots"], ["history"]):
        result = run(*args, "--store", store)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output, args
    reclaim = run("reclaim", "--store", store).stdout
    assert "t\\x1b]0;pwned\\x07" in reclaim and "x\\nstored" in reclaim
    assert not any(line.startswith("stored") for line in reclaim.splitlines())


def test_a_newline_in_a_file_name_cannot_forge_an_output_line(tmp_path: Path) -> None:
    """A refused file named with a newline prints on one line, the newline escaped."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "x\nstored          fake.csv").write_text("not a report\n")
    (inbox / "y\x1b[2J.csv").write_text("not a report\n")
    result = run("ingest", inbox, "--store", tmp_path / "s")
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    lines = result.stdout.splitlines()
    assert not any(line.startswith("stored") for line in lines), lines
    assert any("x\\nstored          fake.csv" in line for line in lines)


def test_an_output_path_with_escapes_prints_escaped(tmp_path: Path) -> None:
    """An --out folder holding ESC and a newline prints escaped in monthly's summary line."""
    store = make_store(tmp_path, "acme", [(T, [Seat("ann", T)])])
    out = tmp_path / "o\x1b[2J\nforged"
    (tmp_path / "empty-inbox").mkdir()
    result = run("monthly", tmp_path / "empty-inbox", "--store", store.root, "--out", out)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "o\\x1b[2J\\nforged" in result.output
    assert not any(line.startswith("forged") for line in result.output.splitlines())


@pytest.mark.parametrize("option", ["--html", "--xlsx"])
def test_output_to_a_fifo_is_refused_and_never_replaced(tmp_path: Path, option: str) -> None:
    """--html/--xlsx naming a FIFO is `Error:` exit 1; the FIFO stays a FIFO."""
    store = make_store(tmp_path, "acme", [(T, [Seat("ann", T)])])
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run("report", "--store", store.root, option, fifo)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: cannot write {fifo}: it is a named pipe (FIFO)")
    assert fifo.is_fifo()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pipe")] == []


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda p: p.mkdir(), "a folder"),
        (lambda p: p.symlink_to("/dev/null"), "a symbolic link"),
        (lambda p: os.mkfifo(p), "a named pipe"),
    ],
)
def test_atomic_writer_refuses_anything_but_a_regular_file(
    tmp_path: Path, make: object, kind: str
) -> None:
    """atomic_path raises OutputError for a folder, link or FIFO and leaves it as it was."""
    target = tmp_path / "out.html"
    make(target)  # type: ignore[operator]
    with pytest.raises(OutputError, match=kind):
        write_bytes_atomic(target, b"x")
    assert not target.is_file() or target.is_symlink()


def test_a_device_target_is_refused(tmp_path: Path) -> None:
    """/dev/null as an output path is refused, never replaced."""
    with pytest.raises(OutputError, match="a device"):
        write_bytes_atomic(Path("/dev/null"), b"x")
    assert Path("/dev/null").is_char_device()


def test_leftover_temporary_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    """The next write of a target removes temporaries a dead writer left beside it, only those."""
    target = tmp_path / "r.html"
    dead = tmp_path / ".r.html.999999999-0123456789abcdef.tmp"
    alive = tmp_path / f".r.html.{os.getppid()}-0123456789abcdef.tmp"
    other = tmp_path / ".other.html.999999999-0123456789abcdef.tmp"
    unrelated = tmp_path / ".r.html.keep.tmp"
    for path in (dead, alive, other, unrelated):
        path.write_text("partial")
    write_bytes_atomic(target, b"page")
    assert target.read_bytes() == b"page"
    assert not dead.exists()
    assert alive.exists() and other.exists() and unrelated.exists()


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    """An exception inside the block removes the temporary file and keeps the old target."""
    target = tmp_path / "r.html"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_monthly_out_files_that_are_not_regular_files_are_refused(tmp_path: Path) -> None:
    """A FIFO where monthly would write a page is `Error:` exit 1 and stays a FIFO."""
    inbox = tmp_path / "in"
    write_activity(inbox, "acme", T, [Seat("ann", T)])
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "acme-2026-02.html")  # a snapshot of March 1 stands for February's close
    result = run("monthly", inbox, "--out", out, "--store", tmp_path / "s", "-q")
    assert result.exit_code == 1, result.output
    assert "it is a named pipe (FIFO), not a regular file" in result.stderr
    assert (out / "acme-2026-02.html").is_fifo()
