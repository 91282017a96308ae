"""Run every copilot-seats benchmark as fresh processes and print one table of results."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bill_bench import bench_bill
from forecast_bench import bench_forecast, bench_whatif
from harness import (
    GIB_IN_MIB,
    Measurement,
    Row,
    judge,
    load_average,
    machine,
    markdown,
    measure,
    measure_pair,
    text_table,
)
from history_bench import bench_huge, bench_peer, bench_scaling
from usage_bench import bench_usage

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
RESULTS = BENCH / "results.md"
PYTHON = Path(sys.executable)
CLI = PYTHON.parent / "copilot-seats"
SCOPE = "bigorg"  # the org bench/generate.py simulates
FAST_RUNS, SLOW_RUNS = 5, 3
HEAVY = frozenset({"polars", "plotly", "openpyxl"})  # must not load for --help
BASELINE = "import sys, polars as pl; pl.read_csv(sys.argv[1])"
PAGE_LIMIT = 2_000_000  # bytes of the HTML report (partial plotly.js bundle: about 1.45 MB)

Command = list[str | os.PathLike[str]]


def csv_files(folder: str) -> list[Path]:
    """Return the benchmark reports in one folder of bench/data, sorted."""
    return sorted((DATA / folder).glob("*.csv"))


def ensure_data() -> None:
    """Run bench/generate.py when any of its output is missing.

    It runs as a child process so that this process never imports polars (see `measure`).
    """
    if (len(csv_files("one")), len(csv_files("history")), len(csv_files("newmonth"))) == (1, 24, 1):
        return
    print("generating benchmark data ...", file=sys.stderr, flush=True)
    generator: Command = [PYTHON, BENCH / "generate.py", "--out", DATA]
    subprocess.run(generator, check=True, stdout=sys.stderr)


def compile_package() -> None:
    """Compile the package's bytecode, as `pip install` does for the installed package.

    An editable install has none, and with PYTHONDONTWRITEBYTECODE set (as on some CI
    machines) none is ever written: every run would then compile every module it imports,
    about 40 ms of a 0.6 s ingest here, which no installed copy pays.
    """
    package = BENCH.parent / "analyzer"
    subprocess.run([PYTHON, "-m", "compileall", "-q", package], check=True)


def reset(*folders: Path) -> None:
    """Remove folders so the next run starts without them."""
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def size_mb(path: Path) -> float:
    """Return the size of a file, or of all files under a folder, in MB."""
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


class Bench:
    """A scratch folder, the run counts, and the 24-month store built once and shared."""

    def __init__(self, work: Path, quick: bool) -> None:
        self.work = work
        self.quick = quick
        self.history: Path | None = None

    def run(
        self,
        cmd: Command,
        *,
        slow: bool = False,
        setup: Callable[[], None] | None = None,
    ) -> Measurement:
        """Measure `cmd` 1 (quick), 3 (slow) or 5 times in the scratch folder."""
        runs = 1 if self.quick else SLOW_RUNS if slow else FAST_RUNS
        return measure(cmd, runs, setup=setup, cwd=self.work)

    def history_store(self) -> Path:
        """Return a store holding the 24-month history, ingesting it (untimed) if needed."""
        if self.history is None:
            store = self.work / "history-store"
            reset(store)
            ingest = cli("ingest", "--quiet", DATA / "history", "--store", store)
            subprocess.run(ingest, check=True, cwd=self.work, stdout=subprocess.DEVNULL)
            self.history = store
        return self.history


def cli(*args: str | os.PathLike[str]) -> Command:
    """Return a copilot-seats command line."""
    return [CLI, *args]


def bench_ingest_one(bench: Bench) -> list[Row]:
    """Ingest one 100k-seat report into an empty store, against a bare polars read."""
    (report,) = csv_files("one")
    store = bench.work / "one-store"
    pair = measure_pair(  # in turn, A B A B: a drift in the machine's speed hits both alike
        cli("ingest", report, "--store", store),
        [PYTHON, "-c", BASELINE, report],
        1 if bench.quick else FAST_RUNS,
        setup_a=lambda: reset(store),
        cwd=bench.work,
    )
    result, baseline, ratio = pair.a, pair.b, pair.ratio
    within = ratio <= 2.0
    note = (
        f"ingest-one / read_csv-baseline = {ratio:.2f}x (pairs: "
        + ", ".join(f"{r:.2f}" for r in pair.ratios)
        + ")"
    )
    return [
        judge("read_csv-baseline", baseline, extra=("ingest-one <= 2x this", within), note=note),
        judge(
            "ingest-one",
            result,
            max_seconds=1.0,
            max_mib=GIB_IN_MIB,
            extra=("<= 2x read_csv-baseline", within),
            note=note,
        ),
    ]


def bench_ingest_history(bench: Bench) -> list[Row]:
    """Ingest the 24-file history folder into an empty store with one command."""
    store = bench.work / "history-store"
    cmd = cli("ingest", DATA / "history", "--store", store)
    result = bench.run(cmd, slow=True, setup=lambda: reset(store))
    bench.history = store if result.ok else None  # the last run's store serves the queries
    note = f"store {size_mb(store):.1f} MB" if result.ok else ""
    return [judge("ingest-24", result, max_seconds=15, max_mib=GIB_IN_MIB, note=note)]


def heavy_imports(cwd: Path) -> tuple[bool, list[str]]:
    """Import analyzer.cli with -X importtime; return success and the heavy modules loaded."""
    probe: Command = [PYTHON, "-X", "importtime", "-c", "import analyzer.cli"]
    proc = subprocess.run(probe, capture_output=True, text=True, check=False, cwd=cwd)
    names = (line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines())
    return proc.returncode == 0, sorted({n for n in names if n.split(".")[0] in HEAVY})


def bench_help(bench: Bench) -> list[Row]:
    """Time `copilot-seats --help` and check that the CLI module loads no heavy library."""
    result = bench.run(cli("--help"))
    imported, heavy = heavy_imports(bench.work)
    roots = sorted({name.split(".")[0] for name in heavy})
    note = f"loads {', '.join(roots)} ({len(heavy)} modules)" if heavy else "none loaded"
    target = "import analyzer.cli loads no " + "/".join(sorted(HEAVY))
    return [
        judge("help", result, max_seconds=0.15),
        Row("help-imports", None, None, target, imported and not heavy, note),
    ]


def query(*args: str, max_seconds: float = 2) -> Callable[[Bench], list[Row]]:
    """Return a benchmark of one analysis command on the 24-month store."""

    def run(bench: Bench) -> list[Row]:
        store = bench.history_store()
        result = bench.run(cli(*args, "--store", store, "--scope", SCOPE), slow=max_seconds > 2)
        return [judge(args[0], result, max_seconds=max_seconds, max_mib=GIB_IN_MIB)]

    run.__doc__ = f"`copilot-seats {' '.join(args)}` on the 24-month store."
    return run


def report(flag: str, max_seconds: float, page_limit: int | None) -> Callable[[Bench], list[Row]]:
    """Return a benchmark of `report --html` or `report --xlsx` on the 24-month store."""
    name = f"report-{flag}"

    def run(bench: Bench) -> list[Row]:
        store, output = bench.history_store(), bench.work / f"report.{flag}"
        cmd = cli("report", "--store", store, "--scope", SCOPE, f"--{flag}", output)
        result = bench.run(cmd, slow=True, setup=lambda: output.unlink(missing_ok=True))
        size = size_mb(output) if output.exists() else 0.0
        extra = None
        if page_limit is not None:
            extra = (f"page <= {page_limit / 1e6:g} MB", 0 < size * 1e6 <= page_limit)
        note = f"{flag} {size:.2f} MB"
        return [
            judge(name, result, max_seconds=max_seconds, max_mib=GIB_IN_MIB, extra=extra, note=note)
        ]

    run.__doc__ = f"`copilot-seats report --{flag}` on the 24-month store."
    return run


def bench_monthly(bench: Bench) -> list[Row]:
    """Run the monthly job: 24 stored months plus one new one in the inbox."""
    prepared, inbox = bench.history_store(), bench.work / "inbox"
    if not inbox.exists():
        inbox.mkdir()
        for source in [*csv_files("history"), *csv_files("newmonth")]:
            try:
                os.link(source, inbox / source.name)  # the job only reads its inbox
            except OSError:  # another file system
                shutil.copyfile(source, inbox / source.name)
    store, out = bench.work / "monthly-store", bench.work / "monthly-out"

    def setup() -> None:
        reset(store, out)
        shutil.copytree(prepared, store)

    result = bench.run(
        cli("monthly", inbox, "--store", store, "--out", out), slow=True, setup=setup
    )
    written = sorted(p.name for p in out.iterdir()) if out.exists() else []
    wrote_both = {Path(name).suffix for name in written} >= {".html", ".xlsx"}
    return [
        judge(
            "monthly",
            result,
            max_seconds=20,
            max_mib=1.5 * GIB_IN_MIB,
            extra=("writes .html and .xlsx", wrote_both),
            note="wrote " + (", ".join(written) or "nothing"),
        )
    ]


def peer(bench: Bench) -> list[Row]:
    """The monthly run, cold and warm, against the pandas peer (see history_bench.py)."""
    return bench_peer(bench.work, 1 if bench.quick else SLOW_RUNS)


def huge(bench: Bench) -> list[Row]:
    """The monthly run on 1,000,000 seats x 60 months (see history_bench.py); asked by name."""
    return bench_huge(bench.work, 1)


def scaling(bench: Bench) -> list[Row]:
    """status, reclaim and diff at 60 months against 12 months (see history_bench.py)."""
    return bench_scaling(bench.work, 1 if bench.quick else FAST_RUNS)


# Benchmarks that run only when named with --only (hours of data, or a separate environment).
ASKED_BY_NAME = frozenset({"huge"})
BENCHMARKS: dict[str, Callable[[Bench], list[Row]]] = {
    "ingest-one": bench_ingest_one,
    "ingest-24": bench_ingest_history,
    "help": bench_help,
    "status": query("status", "--json"),
    "diff": query("diff", "--json"),
    "reclaim": query("reclaim", "--format", "csv"),
    "history": query("history", "--json"),
    "backtest": query("backtest", "--json", "--stale-days", "30,45,60,90", max_seconds=5),
    "report-html": report("html", 5, PAGE_LIMIT),
    "report-xlsx": report("xlsx", 15, None),
    "monthly": bench_monthly,
    "peer": peer,
    "scaling": scaling,
    "huge": huge,
    "usage": lambda bench: bench_usage(bench.work, bench.quick),
    "bill": bench_bill,
    "forecast": bench_forecast,
    "whatif": bench_whatif,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one run per benchmark")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="Markdown output [bench/results.md]"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(BENCHMARKS),
        metavar="NAME",
        help="run only these (ingest-one includes read_csv-baseline, help includes "
        f"help-imports); names: {', '.join(BENCHMARKS)}",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks, print the table, write bench/results.md."""
    args = parse_args(argv)
    ensure_data()
    compile_package()
    info = machine()
    selected = [
        name
        for name in BENCHMARKS
        if (name in args.only if args.only else name not in ASKED_BY_NAME)
    ]
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="copilot-seats-bench-") as scratch:
        bench = Bench(Path(scratch), args.quick)
        for name in selected:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            rows.extend(BENCHMARKS[name](bench))
    info["load average at end"] = load_average()
    info["total bench time"] = f"{time.perf_counter() - started:.0f} s"
    runs = (
        "1 run each (--quick)"
        if args.quick
        else f"median of {FAST_RUNS} runs, {SLOW_RUNS} for slow ones"
    )
    mode = runs + (f"; only {', '.join(selected)}" if args.only else "")
    print(text_table(rows))
    args.results.write_text(markdown(rows, info, mode))
    print(f"\nwrote {args.results}", file=sys.stderr)
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
