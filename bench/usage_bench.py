"""The usage-metrics benchmark: ingest a year of daily per-user files, then the `usage` answer."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from harness import GIB_IN_MIB, Row, judge, measure

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data" / "usage"
TARGET_RATE = 200_000  # records per second


def _records() -> int:
    """Return the number of records in the generated files (one line each)."""
    return sum(sum(1 for _ in path.open("rb")) for path in DATA.glob("*.ndjson"))


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def bench_usage(work: Path, quick: bool) -> list[Row]:
    """Ingest bench/data/usage into a new store, then time `usage --json` on it."""
    if not any(DATA.glob("*.ndjson")):
        print("generating usage benchmark data ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, BENCH / "usage_generate.py"], check=True)
    records = _records()
    store = work / "usage-store"
    shutil.rmtree(store, ignore_errors=True)
    cli = [sys.executable, "-m", "analyzer"]
    ingest = measure([*cli, "ingest", "-q", "--scope", "bigorg", "--store", store, DATA], 1)
    rate = records / ingest.seconds if ingest.seconds else 0.0
    stored = _size(store / "usage") / 1e6
    note = f"{records:,} records, {rate:,.0f} records/s; stored {stored:.1f} MB"
    usage = measure(
        [*cli, "usage", "--json", "--scope", "bigorg", "--store", store], 1 if quick else 3
    )
    return [
        judge(
            "usage-ingest",
            ingest,
            max_mib=2 * GIB_IN_MIB,
            extra=(f">= {TARGET_RATE:,} records/s", rate >= TARGET_RATE),
            note=note,
        ),
        judge("usage-answer", usage, max_seconds=3.0, max_mib=2 * GIB_IN_MIB),
    ]
