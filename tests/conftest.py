"""Test-suite wiring: the real-browser and LibreOffice tests count as slow end-to-end tests,
and start first.

Every test runs polars on the engine the command line picks (analyzer.cli.main), whether or
not a command ran before it in the same process.

In the test processes os.fsync only checks its file descriptor: flushing to the disk guards
against a power cut, which no test makes, and on a shared disk the suite's fifteen thousand
flushes cost tens of seconds. Processes the tests start (the SIGKILL trials, the fresh
environment) flush for real, and so does everything with `COPILOT_SEATS_TEST_FSYNC=1`.
A test that spies on os.fsync still sees every call.

The test processes, and every process they start, keep compiled modules (`__pycache__`)
even where the environment says not to (PYTHONDONTWRITEBYTECODE): otherwise each of them
compiles the package and the tests again.

Property tests that set no number of examples take the hypothesis profile's: `suite` (20,
no deadline) by default, `thorough` (200) with `HYPOTHESIS_PROFILE=thorough`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from click.testing import Result

os.environ.setdefault("POLARS_ENGINE_AFFINITY", "in-memory")
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # (before the xdist workers start)
sys.dont_write_bytecode = False

settings.register_profile("suite", max_examples=20, deadline=None)
settings.register_profile("thorough", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


def _fsync_checked_only(fd: int) -> None:
    """Do what os.fsync does but the flush: fail on a descriptor that is not open."""
    os.fstat(fd)


@pytest.fixture(scope="session", autouse=True)
def no_flush_to_disk() -> Iterator[None]:
    """Replace os.fsync for the whole test process (see the module's docstring)."""
    if os.environ.get("COPILOT_SEATS_TEST_FSYNC") == "1":
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fsync", _fsync_checked_only)
        yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every browser or LibreOffice test `slow` too, so `-m "not slow"` stays quick.

    Modules holding a slow test run first (each module still in one piece, so its fixtures
    are built once), so no long test is left to start at the end while the other worker idles.
    """
    for item in items:
        if item.get_closest_marker("browser") or item.get_closest_marker("libreoffice"):
            item.add_marker(pytest.mark.slow)
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)  # a stable sort


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """Run the README's quick start, `monthly sample_reports/` in a new folder (its store and
    reports where the defaults put them), once per test process; return the folder and the
    run's result.

    Read what it wrote only: a test that changes a store works on a copy (shutil.copytree).
    """
    from click.testing import CliRunner

    from analyzer.cli import main
    from tests.paths import SAMPLES

    root = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.delenv("COPILOT_SEATS_STORE", raising=False)
        result = CliRunner().invoke(main, ["monthly", str(SAMPLES)], catch_exceptions=False)
    return root, result


@pytest.fixture(scope="session")
def demo_store(demo_run: tuple[Path, Result]) -> Path:
    """Return the README's demo store (billing and usage files included): `demo_run`'s."""
    root, result = demo_run
    assert result.exit_code == 0, result.output
    return root / "copilot-history"
