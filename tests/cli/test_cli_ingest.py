"""The ingest, snapshots and rebuild commands: lines, summaries, exit codes, start-up cost."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from analyzer.cli import COMMAND_MODULES, main
from tests.helpers import Seat, ts, write_activity
from tests.paths import SAMPLES


def run(*args: str | Path) -> object:
    """Run the CLI in-process and return click's result."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_ingest_sample_reports(tmp_path: Path) -> None:
    """The demo inbox ingests cleanly: a line per file, one summary line, exit 0.

    22 seat reports (one a browser re-download), 4 billing files and 5 usage-metrics files."""
    result = run("ingest", SAMPLES, "--store", tmp_path / "s")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert sum(line.startswith("stored ") for line in lines) == 30
    assert sum(line.startswith("already stored") for line in lines) == 1
    assert result.stderr.strip() == "31 files: 30 stored, 1 already stored, 0 refused"
    stored = "\n".join(lines)
    for kind in (
        "usage report (detailed)",
        "AI usage report",
        "premium request report",
        "enterprise license report",
        "usage-metrics-users",
        "usage-metrics-aggregate",
    ):
        assert kind in stored, kind


def test_ingest_bad_files_exits_1_and_keeps_the_good(tmp_path: Path) -> None:
    """Refused files are listed with file:line: message [code]; good files are stored anyway."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(SAMPLES / "bad" / "bad-timestamp.csv", inbox / "acme-seat-activity-1.csv")
    write_activity(inbox, "acme", ts("2026-03-01T00:00:00"), [Seat("ann")])
    result = run("ingest", inbox, "--store", tmp_path / "s")
    assert result.exit_code == 1
    assert "acme-seat-activity-1.csv:4: expected a UTC timestamp" in result.stdout
    assert "[bad-timestamp]" in result.stdout
    assert result.stderr.strip() == "2 files: 1 stored, 0 already stored, 1 refused"
    listed = json.loads(run("snapshots", "--json", "--store", tmp_path / "s").stdout)
    assert [s["seats"] for s in listed["snapshots"]] == [1]


def test_partial_downloads_are_skipped(tmp_path: Path) -> None:
    """A browser download in progress is skipped, not refused."""
    inbox = tmp_path / "in"
    write_activity(inbox, "acme", ts("2026-03-01T00:00:00"), [Seat("ann")])
    (inbox / "acme-seat-activity-2.csv.crdownload").write_text("Report Ti")
    result = run("ingest", inbox, "--store", tmp_path / "s")
    assert result.exit_code == 0
    assert "skipped" in result.stdout and "still being downloaded" in result.stdout


def test_snapshots_json_lists_scope_time_format_seats(tmp_path: Path) -> None:
    """`snapshots --json` has scope, as_of (UTC Z), format and distinct seats."""
    run("ingest", SAMPLES, "--store", tmp_path / "s")
    body = json.loads(run("snapshots", "--json", "--store", tmp_path / "s").stdout)
    assert (body["store"], body["scope"]) == (str(tmp_path / "s"), None)
    rows = body["snapshots"]
    assert len(rows) == 21
    first = rows[0]
    assert {"scope", "as_of", "format", "seats"} <= set(first)
    assert first["as_of"].endswith("Z") and len(first["as_of"]) == 20
    globex = [r for r in rows if r["scope"] == "globex-ent" and r["format"].startswith("activity")]
    assert all(r["rows"] > r["seats"] for r in globex)


def test_snapshots_of_one_scope_as_json_and_csv(tmp_path: Path) -> None:
    """`snapshots --scope S` lists that scope only; --csv has the JSON's rows; both is exit 2."""
    run("ingest", SAMPLES, "--store", tmp_path / "s")
    rows = json.loads(
        run("snapshots", "--scope", "globex-ent", "--json", "--store", tmp_path / "s").stdout
    )["snapshots"]
    assert [r["scope"] for r in rows] == ["globex-ent"] * 3
    text = run("snapshots", "--scope", "globex-ent", "--csv", "--store", tmp_path / "s").stdout
    lines = text.splitlines()
    assert lines[0].startswith("scope,as_of,format,seats,rows,source,sha256")
    assert [line.split(",")[1] for line in lines[1:]] == [r["as_of"] for r in rows]
    both = run("snapshots", "--json", "--csv", "--store", tmp_path / "s")
    assert both.exit_code == 2


def test_missing_store_lists_nothing(tmp_path: Path) -> None:
    """A store that does not exist lists no snapshots and exits 0."""
    result = run("snapshots", "--json", "--store", tmp_path / "none")
    assert result.exit_code == 0 and json.loads(result.stdout)["snapshots"] == []
    assert not (tmp_path / "none").exists()


def test_store_from_environment(tmp_path: Path) -> None:
    """COPILOT_SEATS_STORE chooses the store."""
    runner = CliRunner(env={"COPILOT_SEATS_STORE": str(tmp_path / "env")})
    write_activity(tmp_path / "in", "acme", ts("2026-03-01T00:00:00"), [Seat("ann")])
    assert runner.invoke(main, ["ingest", str(tmp_path / "in")]).exit_code == 0
    assert (tmp_path / "env" / "manifest.json").is_file()


def test_rebuild_rederives_the_store(tmp_path: Path) -> None:
    """`rebuild` re-derives every snapshot and says how many."""
    run("ingest", SAMPLES, "--store", tmp_path / "s")
    result = run("rebuild", "--store", tmp_path / "s")
    assert result.exit_code == 0
    assert result.stderr.strip() == "rebuilt 21 snapshots"


def test_user_errors_are_one_line_exit_1(tmp_path: Path) -> None:
    """A status on an empty store is `Error: ...`, exit 1, no traceback."""
    result = CliRunner().invoke(main, ["status", "--store", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the store")
    assert "Traceback" not in result.output


def test_usage_errors_exit_2() -> None:
    """A wrong option is a usage error (exit 2)."""
    assert CliRunner().invoke(main, ["ingest"]).exit_code == 2
    assert CliRunner().invoke(main, ["reclaim", "--format", "pdf"]).exit_code == 2


def test_help_does_not_import_heavy_libraries() -> None:
    """`--help` loads neither polars, plotly nor openpyxl, and `-h` works."""
    code = (
        "import sys; from click.testing import CliRunner; from analyzer.cli import main; "
        "r = CliRunner().invoke(main, ['-h']); assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('polars', 'plotly', 'openpyxl') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_command_help_has_a_runnable_example() -> None:
    """Every command's help ends with an Example against sample_reports or the store."""
    names = main.list_commands(click.Context(main))
    assert names == [
        "backtest", "bill", "billing-files", "diff", "export", "forecast", "forget", "history",
        "ingest", "monthly", "rebuild", "reclaim", "report", "snapshots", "status", "usage",
        "verify", "whatif",
    ]  # fmt: skip
    for name in names:
        text = CliRunner().invoke(main, [name, "--help"]).output
        assert "Example: copilot-seats " + name in text, name


def test_the_command_map_names_every_command_of_every_module() -> None:
    """The lazily loaded commands are exactly the ones the CLI modules define."""
    defined = {
        command.name: module
        for module in sorted(set(COMMAND_MODULES.values()))
        for command in importlib.import_module(module).COMMANDS
    }
    assert defined == COMMAND_MODULES


def test_python_dash_m_works() -> None:
    """`python -m analyzer --version` prints the version."""
    out = subprocess.run(
        [sys.executable, "-m", "analyzer", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("copilot-seats, version ")


def test_a_reader_that_goes_away_stops_the_output_quietly(tmp_path: Path) -> None:
    """`copilot-seats snapshots | head -1`: no traceback and no error line when head exits."""
    assert run("ingest", SAMPLES, "--store", tmp_path / "s").exit_code == 0
    command = [sys.executable, "-m", "analyzer", "snapshots", "--store", str(tmp_path / "s")]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # nobody reads: the first write meets a broken pipe
    stderr = proc.stderr.read().decode()
    assert proc.wait() == 1
    assert "Traceback" not in stderr and "Error" not in stderr, stderr


def test_ingest_and_the_monthly_run_share_one_ingest_use_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ingest` and `monthly` both go through answers.ingest.ingest_paths, and nothing else."""
    import analyzer.answers.ingest as use_case
    import analyzer.answers.monthly as monthly

    calls: list[str] = []
    real = use_case.ingest_paths

    def spy(*args: object, **kwargs: object) -> object:
        calls.append("ingest_paths")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(use_case, "ingest_paths", spy)
    monkeypatch.setattr(monthly, "ingest_paths", spy)
    inbox = tmp_path / "in"
    write_activity(inbox, "acme", ts("2026-03-01T00:00:00"), [Seat("ann")])
    assert run("ingest", inbox, "--store", tmp_path / "s").exit_code == 0
    out = tmp_path / "out"
    assert run("monthly", inbox, "--out", out, "--store", tmp_path / "s").exit_code == 0
    assert calls == ["ingest_paths", "ingest_paths"]
