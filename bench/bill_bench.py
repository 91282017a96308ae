"""The `bill` benchmark: ingest a 3-million-row detailed usage report, then answer `bill`.

The report (31 days x every seat of the 100,000-seat `bigorg`, written by
`generate_billing.py`) is ingested into an empty store, measured in turn with a bare
`polars.read_csv` of the same file (A B A B), so a drift in the machine's speed hits both
alike. `bill` runs on the 24-month history store with that report added.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness import GIB_IN_MIB, Row, judge, measure, measure_pair

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
PYTHON = Path(sys.executable)
CLI = PYTHON.parent / "copilot-seats"
BASELINE = "import sys, polars as pl; pl.read_csv(sys.argv[1])"
MEMORY = 1.5 * GIB_IN_MIB


def billing_report() -> Path:
    """Return the benchmark's usage report, generating it (in a child process) if missing."""
    found = sorted((DATA / "billing").glob("usageReport_*.csv"))
    if not found:
        print("generating the 3-million-row usage report ...", file=sys.stderr, flush=True)
        subprocess.run(
            [PYTHON, BENCH / "generate_billing.py", "--out", DATA], check=True, stdout=sys.stderr
        )
        found = sorted((DATA / "billing").glob("usageReport_*.csv"))
    return found[0]


def bench_bill(bench: object) -> list[Row]:
    """Ingest against read_csv (within 3x, < 1.5 GiB), then `bill --json` (within 3 s)."""
    work: Path = bench.work  # type: ignore[attr-defined]
    quick: bool = bench.quick  # type: ignore[attr-defined]
    report = billing_report()
    store = work / "bill-ingest-store"
    pair = measure_pair(
        [CLI, "ingest", report, "--store", store, "--quiet"],
        [PYTHON, "-c", BASELINE, report],
        1 if quick else 2,
        setup_a=lambda: shutil.rmtree(store, ignore_errors=True),
        cwd=work,
    )
    ratio = pair.ratio
    within = ratio <= 3.0
    note = f"ingest / read_csv = {ratio:.2f}x (pairs: {', '.join(f'{r:.2f}' for r in pair.ratios)})"
    rows = [
        judge("bill-read_csv", pair.b, extra=("bill-ingest <= 3x this", within), note=note),
        judge(
            "bill-ingest",
            pair.a,
            max_mib=MEMORY,
            extra=("<= 3x bill-read_csv", within),
            note=note,
        ),
    ]
    history = bench.history_store()  # type: ignore[attr-defined]
    bill_store = work / "bill-store"
    shutil.rmtree(bill_store, ignore_errors=True)
    shutil.copytree(history, bill_store)
    subprocess.run(
        [os.fspath(CLI), "ingest", os.fspath(report), "--store", os.fspath(bill_store), "-q"],
        check=True,
        cwd=work,
        stdout=subprocess.DEVNULL,
    )
    cmd = [CLI, "bill", "--store", bill_store, "--scope", "bigorg", "--month", "2026-10", "--json"]
    result = measure(cmd, 1 if quick else 3, cwd=work)
    rows.append(
        judge("bill", result, max_seconds=3.0, max_mib=MEMORY, note="24 months + 3.1M rows")
    )
    return rows
