"""Benchmarks of how answers scale with the history held, and of the monthly run vs the peer.

The peer is the pandas + openpyxl + plotly script in `../shared/bench/peer_pandas.py`, run in a
virtual environment of its own (`bench/data/peer-venv`, made on first use) on the reports of
`../shared/bench/gen_history.py` (24 months x 100,000 seats). Ratios are measured in one run,
the two commands in turn (A B A B ...), so a drift in the machine's speed hits both alike.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from harness import GIB_IN_MIB, Pair, Row, judge, measure, measure_pair

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
SHARED = BENCH.parent.parent / "shared" / "bench"
PEER_DATA = DATA / "peer-history"
PEER_VENV = DATA / "peer-venv"
LONG_HISTORY = DATA / "history60"
PYTHON = Path(sys.executable)
CLI = PYTHON.parent / "copilot-seats"
SCOPE = "bigorg"

Runner = Callable[..., Pair]


def _run(cmd: list[str | os.PathLike[str]], cwd: Path | None = None) -> None:
    subprocess.run([os.fspath(c) for c in cmd], check=True, cwd=cwd, stdout=sys.stderr)


def ensure_peer() -> Path:
    """Make the peer's reports and virtual environment when missing; return its python."""
    if len(list(PEER_DATA.glob("*.csv"))) != 24:
        print("generating the peer's 24 x 100k reports ...", file=sys.stderr, flush=True)
        shutil.rmtree(PEER_DATA, ignore_errors=True)
        _run([PYTHON, SHARED / "gen_history.py", PEER_DATA, "--months", "24", "--seats", "100000"])
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print("making the peer's virtual environment ...", file=sys.stderr, flush=True)
        _run([PYTHON, "-m", "venv", PEER_VENV])
        _run([python, "-m", "pip", "install", "-q", "pandas", "openpyxl", "plotly"])
    return python


def ensure_long_history() -> list[Path]:
    """Make 60 monthly reports of the benchmark org when missing; return them, oldest first."""
    files = sorted((LONG_HISTORY / "history").glob("*.csv"))
    if len(files) != 60:
        print("generating a 60-month history ...", file=sys.stderr, flush=True)
        shutil.rmtree(LONG_HISTORY, ignore_errors=True)
        _run([PYTHON, BENCH / "generate.py", "--out", LONG_HISTORY, "--months", "60"])
        files = sorted((LONG_HISTORY / "history").glob("*.csv"))
    return files


def _store_of(work: Path, name: str, files: list[Path]) -> Path:
    """Ingest `files` into a new store under `work` (untimed); return it."""
    store = work / name
    if not (store / "manifest.json").exists():
        shutil.rmtree(store, ignore_errors=True)
        _run([CLI, "ingest", "--quiet", *files, "--store", store], cwd=work)
    return store


def bench_peer(work: Path, runs: int) -> list[Row]:
    """The monthly run, cold (empty store) and warm (store holds the months), vs the peer."""
    python = ensure_peer()
    out_peer, out_ours = work / "peer-out", work / "peer-ours-out"
    peer = [python, SHARED / "peer_pandas.py", PEER_DATA, out_peer]
    cold_store = work / "peer-cold-store"
    cold = [CLI, "monthly", PEER_DATA, "--store", cold_store, "--out", out_ours, "--quiet"]
    warm_store = _store_of(work, "peer-warm-store", sorted(PEER_DATA.glob("*.csv")))
    warm = [CLI, "monthly", PEER_DATA, "--store", warm_store, "--out", out_ours, "--quiet"]

    def fresh() -> None:
        shutil.rmtree(cold_store, ignore_errors=True)
        shutil.rmtree(out_ours, ignore_errors=True)

    cold_pair = measure_pair(cold, peer, runs, setup_a=fresh, cwd=work)
    warm_pair = measure_pair(warm, peer, runs, cwd=work)
    rows = [
        judge("peer-pandas", cold_pair.b, note="pandas + openpyxl + plotly, 24 x 100k"),
    ]
    for name, pair, limit in (("monthly-cold", cold_pair, 0.5), ("monthly-warm", warm_pair, 0.2)):
        rows.append(
            judge(
                name,
                pair.a,
                max_mib=1.5 * GIB_IN_MIB,
                extra=(f"<= {limit:g}x peer-pandas", pair.ratio <= limit),
                note=f"{name} / peer-pandas = {pair.ratio:.2f}x (pairs: "
                + ", ".join(f"{r:.2f}" for r in pair.ratios)
                + ")",
            )
        )
    return rows


def bench_scaling(work: Path, runs: int) -> list[Row]:
    """status, reclaim and diff of the latest month at 60 months held vs 12 months held."""
    files = ensure_long_history()
    short = _store_of(work, "store-12", files[-12:])
    long = _store_of(work, "store-60", files)
    rows: list[Row] = []
    for args in (("status", "--json"), ("reclaim", "--format", "csv"), ("diff", "--json")):

        def cmd(store: Path, args: tuple[str, ...] = args) -> list[str | os.PathLike[str]]:
            return [CLI, *args, "--store", store, "--scope", SCOPE]

        pair = measure_pair(cmd(long), cmd(short), runs, cwd=work)
        memory = pair.a.peak_mib / pair.b.peak_mib
        met = pair.ratio <= 1.3 and memory <= 1.3
        rows.append(
            judge(
                f"{args[0]}-60-vs-12",
                pair.a,
                extra=("time and memory <= 1.3x of 12 months", met),
                note=f"time {pair.ratio:.2f}x ({pair.b.seconds:.2f} s at 12 months), "
                f"memory {memory:.2f}x ({pair.b.peak_mib:.0f} MiB at 12 months)",
            )
        )
    return rows


HUGE = DATA / "huge"


def bench_huge(work: Path, runs: int) -> list[Row]:
    """The monthly run on 1,000,000 seats x 60 months held, with one new month in the inbox.

    Generating (about 6 GB of reports) and ingesting the 60 months take long and are not
    timed; only the monthly run with the new month is measured, for its peak memory.
    """
    history = sorted((HUGE / "history").glob("*.csv"))
    if len(history) != 60 or not list((HUGE / "newmonth").glob("*.csv")):
        print("generating 60 months of a 1,000,000-seat org ...", file=sys.stderr, flush=True)
        _run([PYTHON, BENCH / "generate.py", "--out", HUGE, "--months", "60", "--seats", "1000000"])
        history = sorted((HUGE / "history").glob("*.csv"))
    prepared = _store_of(work, "huge-store", history)
    inbox = work / "huge-inbox"
    inbox.mkdir(exist_ok=True)
    for source in (HUGE / "newmonth").glob("*.csv"):
        target = inbox / source.name
        if not target.exists():
            os.link(source, target)
    store, out = work / "huge-monthly-store", work / "huge-out"

    def fresh() -> None:
        shutil.rmtree(store, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(prepared, store)

    cmd = [CLI, "monthly", inbox, "--store", store, "--out", out, "--quiet"]
    result = measure(cmd, runs, setup=fresh, cwd=work)
    return [
        judge(
            "monthly-1m-x60",
            result,
            max_mib=4 * GIB_IN_MIB,
            note="1,000,000 seats, 60 months held, one new month ingested and reported",
        )
    ]
