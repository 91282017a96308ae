"""The `forecast` and `whatif` benchmarks: 100,000 seats with a year of daily AI credits.

The AI usage reports (`generate_credits.py`, about 4.8 million rows) are ingested, untimed,
into a copy of the 24-month history store; then `forecast --json` (December 2026, with the
month-to-date projection of 1-7 November) and `whatif --json` on October 2026 are timed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness import GIB_IN_MIB, Row, judge, measure

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
PYTHON = Path(sys.executable)
CLI = PYTHON.parent / "copilot-seats"
MEMORY = 1.5 * GIB_IN_MIB
_STORES: dict[Path, Path] = {}


def credit_reports() -> list[Path]:
    """Return the benchmark's AI usage reports, generating them (in a child process) if missing."""
    found = sorted((DATA / "credits").glob("aiUsageReport_*.csv"))
    if len(found) != 13:
        print("generating a year of daily AI credits ...", file=sys.stderr, flush=True)
        subprocess.run(
            [PYTHON, BENCH / "generate_credits.py", "--out", DATA], check=True, stdout=sys.stderr
        )
        found = sorted((DATA / "credits").glob("aiUsageReport_*.csv"))
    return found


def credit_store(bench: object) -> Path:
    """Return the history store with the year of credits ingested (built once per run)."""
    work: Path = bench.work  # type: ignore[attr-defined]
    if work not in _STORES:
        store = work / "credit-store"
        shutil.rmtree(store, ignore_errors=True)
        shutil.copytree(bench.history_store(), store)  # type: ignore[attr-defined]
        ingest = [os.fspath(CLI), "ingest", *map(os.fspath, credit_reports())]
        subprocess.run(
            [*ingest, "--store", os.fspath(store), "-q"],
            check=True,
            cwd=work,
            stdout=subprocess.DEVNULL,
        )
        _STORES[work] = store
    return _STORES[work]


def bench_forecast(bench: object) -> list[Row]:
    """`forecast --json` within 3 s."""
    store = credit_store(bench)
    cmd = [CLI, "forecast", "--store", store, "--scope", "bigorg", "--json"]
    result = measure(cmd, 1 if bench.quick else 3, cwd=bench.work)  # type: ignore[attr-defined]
    note = "100k seats, 24 months, 4.8M credit rows"
    return [judge("forecast", result, max_seconds=3.0, max_mib=MEMORY, note=note)]


def bench_whatif(bench: object) -> list[Row]:
    """`whatif --json` on October 2026 within 3 s."""
    store = credit_store(bench)
    cmd = [CLI, "whatif", "--store", store, "--scope", "bigorg", "--month", "2026-10"]
    cmd += ["--user-budget", "3000", "--account-budget", "500", "--json"]
    result = measure(cmd, 1 if bench.quick else 3, cwd=bench.work)  # type: ignore[attr-defined]
    note = "October 2026: ~400k user-days"
    return [judge("whatif", result, max_seconds=3.0, max_mib=MEMORY, note=note)]
