"""The monthly run end to end: inbox in, one page and one workbook per scope out."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

import lxml.html
import openpyxl
import pytest
from click.testing import CliRunner, Result
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from analyzer.cli import main
from tests.paths import ROOT

SAMPLES = ROOT / "sample_reports"


class KpiParser(HTMLParser):
    """Collect the KPI cards' values by key."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._key: str | None = None
        self._in_value = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("data-kpi"):
            self._key = found["data-kpi"]
        self._in_value = "kpi-value" in (found.get("class") or "")

    def handle_data(self, data: str) -> None:
        if self._in_value and self._key:
            self.values[self._key] = data
            self._in_value = False
            self._key = None  # a later card without data-kpi (the forecast's) is not this one


def page_figures(path: Path) -> dict[str, float]:
    """Return the KPI figures shown on a report page."""
    parser = KpiParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return {k: float(re.sub(r"[^0-9.\-]", "", v)) for k, v in parser.values.items()}


def workbook_states(path: Path) -> dict[str, int]:
    """Count the Seats sheet's rows by state."""
    sheet = openpyxl.load_workbook(path, read_only=True)["Seats"]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).lower() for h in next(rows)]
    column = header.index("state")
    counts: dict[str, int] = {}
    for row in rows:
        if row[0] is None or str(row[0]).lower() == "total":
            continue
        key = str(row[column]).lower().replace(" ", "_")
        counts[key] = counts.get(key, 0) + 1
    return counts


def check_outputs_agree(out: Path, status: dict[str, object]) -> None:
    """Assert the page and the workbook show the figures `status --json` gives."""
    scope, as_of = status["scope"], date.fromisoformat(str(status["as_of"])[:10])
    # The latest snapshot, taken in the first days of a month, stands for the month before.
    month = (as_of.replace(day=1) - timedelta(days=1) if as_of.day <= 7 else as_of).strftime(
        "%Y-%m"
    )
    html, xlsx = out / f"{scope}-{month}.html", out / f"{scope}-{month}.xlsx"
    assert html.is_file() and xlsx.is_file()
    shown = page_figures(html)
    states = status["states"]
    assert isinstance(states, dict)
    assert shown["seats"] == status["seats"]
    assert {k: shown[k] for k in states} == states
    assert shown["monthly_cost"] == status["monthly_cost"]
    assert shown["idle_monthly_cost"] == status["idle_monthly_cost"]
    assert shown["reclaim_candidates"] == status["reclaim_candidates"]
    counted = workbook_states(xlsx)
    assert {k: counted.get(k, 0) for k in states} == states


@dataclass(frozen=True)
class DemoRun:
    """One `monthly sample_reports/` run, as the README's quick start does it."""

    root: Path  # the folder it ran in: copilot-history/ and copilot-reports/ are there
    result: Result


@pytest.fixture
def demo(demo_run: tuple[Path, Result]) -> DemoRun:
    """The demo, run once per test process (tests/conftest.py), for the tests that read it or
    continue from a copy of it."""
    return DemoRun(*demo_run)


def copy_of(demo: DemoRun, tmp_path: Path, *names: str) -> None:
    """Copy these folders of the demo run (its store, its reports) into tmp_path."""
    for name in names:
        shutil.copytree(demo.root / name, tmp_path / name, symlinks=True)


def test_monthly_on_sample_reports(
    demo: DemoRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo: exit 0, a page and a workbook per scope, one summary line per scope."""
    result = demo.result
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if " -> " in line]
    assert [line.split(" ")[0] for line in lines] == ["globex-ent", "octo-demo"]
    copy_of(demo, tmp_path, "copilot-history")
    monkeypatch.chdir(tmp_path)
    for scope in ("globex-ent", "octo-demo"):
        status = json.loads(CliRunner().invoke(main, ["status", "--json", "--scope", scope]).stdout)
        check_outputs_agree(demo.root / "copilot-reports", status)


def _xml_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.endswith(".xml")}


def test_second_run_changes_nothing_but_generation_time(
    demo: DemoRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Running monthly again leaves the store alone and rewrites the same reports."""
    assert demo.result.exit_code == 0
    copy_of(demo, tmp_path, "copilot-history", "copilot-reports")
    monkeypatch.chdir(tmp_path)
    manifest = (tmp_path / "copilot-history" / "manifest.json").read_bytes()
    out = tmp_path / "copilot-reports"
    page = (out / "octo-demo-2026-10.html").read_text()
    book = _xml_parts(out / "octo-demo-2026-10.xlsx")
    again = CliRunner().invoke(main, ["monthly", str(SAMPLES)])
    assert again.exit_code == 0
    assert "31 files: 0 stored, 31 already stored, 0 refused" in again.stderr
    assert (tmp_path / "copilot-history" / "manifest.json").read_bytes() == manifest
    scrub = re.compile(r'<dd id="generated-at">[^<]*</dd>')
    assert scrub.sub("", (out / "octo-demo-2026-10.html").read_text()) == scrub.sub("", page)
    assert _xml_parts(out / "octo-demo-2026-10.xlsx") == book


def test_the_demo_inbox_gives_the_closed_month_its_bill_and_engagement(
    demo: DemoRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The billing and usage files sit in the demo inbox: October's page shows both."""
    assert "31 files: 30 stored, 1 already stored, 0 refused" in demo.result.stderr
    copy_of(demo, tmp_path, "copilot-history")
    monkeypatch.chdir(tmp_path)
    args = ["monthly", str(SAMPLES), "--scope", "octo-demo", "--month", "2026-10", "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    page = (tmp_path / "copilot-reports" / "octo-demo-2026-10.html").read_text(encoding="utf-8")
    tree = lxml.html.document_fromstring(page)
    assert "6,957.68" in tree.get_element_by_id("spend-reconciliation").text_content()
    assert tree.get_element_by_id("engagement").tag == "section"


def inbox_of(tmp_path: Path, *samples: str) -> Path:
    """Return a new inbox folder holding copies of these files of sample_reports/."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in samples:
        shutil.copy(SAMPLES / name, inbox)
    return inbox


def test_refused_file_exits_1_after_writing_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong file in the inbox is reported and left in place; reports are still written."""
    monkeypatch.chdir(tmp_path)
    inbox = inbox_of(
        tmp_path,
        "octo-demo-seat-activity-1791014710.csv",
        "octo-demo-seat-activity-1793716484.csv",
        "bad/picture-renamed.csv",
    )
    (inbox / "octo-demo-seat-activity-1793999999.csv.crdownload").write_text("Rep")
    result = CliRunner().invoke(main, ["monthly", str(inbox), "--out", "out"])
    assert result.exit_code == 1
    assert "picture-renamed.csv: this looks like a PNG picture" in result.stdout
    assert "still being downloaded" in result.stdout
    assert (inbox / "picture-renamed.csv").is_file()
    assert (tmp_path / "out" / "octo-demo-2026-10.html").is_file()
    assert (tmp_path / "out" / "octo-demo-2026-10.xlsx").is_file()


def test_an_output_folder_blocked_by_a_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file where the output folder should be: one `Error:` line, exit 1, no traceback."""
    monkeypatch.chdir(tmp_path)
    inbox = inbox_of(tmp_path, "octo-demo-seat-activity-1793716484.csv")
    (tmp_path / "blocked").write_text("a file, not a folder")
    runner = CliRunner()
    for args in (
        ["monthly", str(inbox), "--out", "blocked/out", "--quiet"],
        ["report", "--xlsx", "blocked/seats.xlsx"],
        ["report", "--html", "blocked/seats.html"],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        assert isinstance(result.exception, SystemExit), args
        assert "Error: cannot write " in result.stderr, args
        assert "a file is in the way of its folder" in result.stderr, args
    assert (tmp_path / "blocked").read_text() == "a file, not a folder"


def test_month_option_and_missing_month(
    demo: DemoRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--month picks that month; a month without a snapshot lists the months there are."""
    copy_of(demo, tmp_path, "copilot-history")  # the inbox is stored: only the page is new
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    ok = runner.invoke(
        main, ["monthly", str(SAMPLES), "--scope", "octo-demo", "--month", "2026-03"]
    )
    assert ok.exit_code == 0
    assert (tmp_path / "copilot-reports" / "octo-demo-2026-03.html").is_file()
    missing = runner.invoke(
        main, ["report", "--scope", "octo-demo", "--month", "2024-01", "--html", "x.html"]
    )
    assert missing.exit_code == 1
    # The first snapshot (2025-06-03) also stands for the close of 2025-05.
    assert "no snapshot of octo-demo in 2024-01; months with snapshots: 2025-05, 2025-06" in (
        missing.stderr
    )
    assert runner.invoke(main, ["report", "--month", "2026-13", "--html", "x"]).exit_code == 2


def test_pseudonymized_report_hides_logins(
    demo: DemoRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--pseudonymize leaves no login of the store on the page."""
    copy_of(demo, tmp_path, "copilot-history")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(
        main, ["report", "--scope", "octo-demo", "--html", "p.html", "--pseudonymize"]
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "p.html").read_text()
    reclaim = json.loads(
        runner.invoke(main, ["reclaim", "--scope", "octo-demo", "--format", "json"]).stdout
    )
    logins = [c["login"] for c in reclaim["candidates"]]
    assert logins and not [x for x in logins if f">{x}<" in page]
    assert "user-" in page


def link_requirements(dist_info: Path, site: Path) -> list[str]:
    """Link into `site` every distribution `dist_info` requires, and theirs; return the names.

    The links point at this environment's installed copies: what `pip install .` would unpack
    again, at versions pip already found satisfying the requirements. Only the declared
    requirements (extras left out) are linked, so a missing declaration still fails the run.
    """
    linked: list[str] = []
    todo = list(metadata.PathDistribution(dist_info).requires or [])
    while todo:
        requirement = Requirement(todo.pop())
        name = canonicalize_name(requirement.name)
        if name in linked or not (
            requirement.marker is None or requirement.marker.evaluate({"extra": ""})
        ):
            continue
        linked.append(name)
        dist = metadata.distribution(name)
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops - {"__pycache__"}:
            if not (site / top).exists():
                (site / top).symlink_to(Path(str(dist.locate_file(top))))
        todo += dist.requires or []
    return linked


@pytest.mark.slow
def test_readme_commands_in_a_fresh_venv(tmp_path: Path) -> None:
    """The README's install-and-run works in a new venv without the test extra."""
    env_dir = tmp_path / "venv"
    # No pip of its own: bootstrapping one costs a quarter of the test. This pip builds and
    # installs the package into the new environment (`--python`) exactly as its own
    # `pip install .` would; the declared requirements are linked rather than unpacked again
    # (unpacking 270 MB was two thirds of the test).
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    pip = [sys.executable, "-m", "pip", "--python", str(bin_dir / "python")]
    subprocess.run(
        [*pip, "install", "-q", "--no-deps", str(ROOT)],
        check=True,
        env=env,
        cwd=tmp_path,
        timeout=900,
    )
    (site,) = env_dir.glob("lib/python*/site-packages")  # lib64 is a link to lib
    (dist_info,) = site.glob("copilot_seats-*.dist-info")
    assert {"polars", "click", "openpyxl"} <= set(link_requirements(dist_info, site))
    work = tmp_path / "work"
    work.mkdir()
    tool = str(bin_dir / "copilot-seats")
    done = subprocess.run(
        [tool, "monthly", str(SAMPLES)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    statuses = json.loads(  # one call: a store of several scopes lists one object per scope
        subprocess.run(
            [tool, "status", "--json"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )["scopes"]
    assert [s["scope"] for s in statuses] == ["globex-ent", "octo-demo"]
    for status in statuses:
        check_outputs_agree(work / "copilot-reports", status)
    installed = {  # what `pip freeze` lists, read from the environment's own records
        p.name.split("-")[0].lower() for p in env_dir.glob("lib*/python*/site-packages/*.dist-info")
    }
    assert "polars" in installed and "copilot_seats" in installed
    assert "pytest" not in installed and "hypothesis" not in installed
    assert sys.executable not in tool
