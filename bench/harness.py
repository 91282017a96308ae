"""Measure whole commands as fresh child processes and render the results table."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

MIB = 1024 * 1024
GIB_IN_MIB = 1024.0


@dataclass(frozen=True)
class Measurement:
    """The median wall time and the peak resident memory of `runs` runs of one command."""

    seconds: float
    peak_mib: float
    runs: int
    exit_codes: tuple[int, ...]
    stderr_tail: str

    @property
    def ok(self) -> bool:
        """Whether every run exited with status 0."""
        return not any(self.exit_codes)


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    name: str
    seconds: float | None
    peak_mib: float | None
    target: str
    ok: bool
    note: str = ""


def measure(
    cmd: Sequence[str | os.PathLike[str]],
    runs: int,
    *,
    setup: Callable[[], None] | None = None,
    cwd: Path | None = None,
) -> Measurement:
    """Run `cmd` `runs` times, each in a fresh process after an untimed `setup()`.

    Before each run the disk is given everything written so far (`os.sync()`, untimed): a
    command that flushes its own files durably then waits for its own writes only, not for
    a generated data set or an earlier run's store still on its way to the disk.

    The peak memory is the child's own `ru_maxrss` from `os.wait4` (KiB on Linux), the
    largest over the runs. Linux folds the parent's resident size at spawn time into the
    child's `ru_maxrss`, so the process calling this must stay small (do not import polars).
    """
    seconds: list[float] = []
    peaks: list[int] = []
    codes: list[int] = []
    tail = ""
    for _ in range(runs):
        if setup is not None:
            setup()
        os.sync()
        with tempfile.TemporaryFile() as err:
            started = time.perf_counter()
            proc = subprocess.Popen(
                [os.fspath(part) for part in cmd],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                cwd=cwd,
            )
            _, status, usage = os.wait4(proc.pid, 0)
            seconds.append(time.perf_counter() - started)
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait
            peaks.append(usage.ru_maxrss)
            codes.append(proc.returncode)
            if proc.returncode:
                err.seek(0)
                tail = err.read().decode(errors="replace").strip()[-300:]
    return Measurement(
        statistics.median(seconds), max(peaks) * 1024 / MIB, runs, tuple(codes), tail
    )


def judge(
    name: str,
    result: Measurement,
    *,
    max_seconds: float | None = None,
    max_mib: float | None = None,
    extra: tuple[str, bool] | None = None,
    note: str = "",
) -> Row:
    """Return the row for `result` checked against a time limit, a memory limit and `extra`."""
    checks: list[tuple[str, str, bool]] = []  # (target, what was missed, met)
    if max_seconds is not None:
        checks.append((f"<= {max_seconds:g} s", "time", result.seconds <= max_seconds))
    if max_mib is not None:
        checks.append((f"< {max_mib / GIB_IN_MIB:g} GiB", "memory", result.peak_mib < max_mib))
    if extra is not None:
        checks.append((extra[0], extra[0], extra[1]))
    missed = [label for _, label, met in checks if not met]
    notes = [f"{result.runs} run{'s' * (result.runs > 1)}"]
    if missed:
        notes.append("missed: " + ", ".join(missed))
    if not result.ok:
        notes.append(f"exit {max(result.exit_codes)}: {result.stderr_tail!r}")
    if note:
        notes.append(note)
    target = ", ".join(t for t, _, _ in checks)
    return Row(
        name, result.seconds, result.peak_mib, target, result.ok and not missed, "; ".join(notes)
    )


def machine() -> dict[str, str]:
    """Describe the machine and the versions the numbers were measured with."""
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kib = next((int(line.split()[1]) for line in meminfo if line.startswith("MemTotal")), 0)
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "?")
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "memory": f"{total_kib / 1024 / 1024:.1f} GiB",
        "cpu": model,
        "python": platform.python_version(),
        "packages": ", ".join(f"{p} {_version(p)}" for p in ("polars", "plotly", "openpyxl")),
        "load average at start (1, 5, 15 min)": load_average(),
    }


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages, a hint of noise from other processes."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _version(package: str) -> str:
    """Return an installed package's version without importing it."""
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _cells(row: Row) -> list[str]:
    """Format one row's cells."""
    return [
        row.name,
        "-" if row.seconds is None else f"{row.seconds:.3f}",
        "-" if row.peak_mib is None else f"{row.peak_mib:.0f}",
        row.target,
        "PASS" if row.ok else "FAIL",
        row.note,
    ]


HEADER = ["benchmark", "median s", "peak MiB", "target", "result", "notes"]


def text_table(rows: Sequence[Row]) -> str:
    """Render the rows as an aligned plain-text table."""
    lines = [HEADER, *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False))
        + "  "
        + line[-1]
        for line in lines
    )


def markdown(rows: Sequence[Row], info: dict[str, str], mode: str) -> str:
    """Render the rows and the machine description as a Markdown document."""
    failed = sum(not row.ok for row in rows)
    lines = [
        "# Benchmark results",
        "",
        f"Produced by `python bench/run.py` ({mode}); "
        + ("all targets met." if not failed else f"{failed} row(s) FAIL."),
        "",
        *(f"- {key}: {value}" for key, value in info.items()),
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join(["---", "---:", "---:", "---", "---", "---"]) + "|",
        *("| " + " | ".join(c.replace("|", "\\|") for c in _cells(row)) + " |" for row in rows),
        "",
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class Pair:
    """Two commands measured in turn, A B A B ..., and the ratio A/B of each pair."""

    a: Measurement
    b: Measurement
    ratios: tuple[float, ...]

    @property
    def ratio(self) -> float:
        """Return the median of the pairwise time ratios A/B."""
        return statistics.median(self.ratios)


def measure_pair(
    cmd_a: Sequence[str | os.PathLike[str]],
    cmd_b: Sequence[str | os.PathLike[str]],
    runs: int,
    *,
    setup_a: Callable[[], None] | None = None,
    setup_b: Callable[[], None] | None = None,
    cwd: Path | None = None,
) -> Pair:
    """Measure A and B alternately, so a drift in the machine's speed hits both alike."""
    a_runs: list[Measurement] = []
    b_runs: list[Measurement] = []
    for _ in range(runs):
        a_runs.append(measure(cmd_a, 1, setup=setup_a, cwd=cwd))
        b_runs.append(measure(cmd_b, 1, setup=setup_b, cwd=cwd))
    ratios = tuple(a.seconds / b.seconds for a, b in zip(a_runs, b_runs, strict=True))
    return Pair(_merge(a_runs), _merge(b_runs), ratios)


def _merge(runs: list[Measurement]) -> Measurement:
    """Return one Measurement of several single runs (median time, largest peak)."""
    return Measurement(
        statistics.median(m.seconds for m in runs),
        max(m.peak_mib for m in runs),
        len(runs),
        tuple(code for m in runs for code in m.exit_codes),
        next((m.stderr_tail for m in runs if m.stderr_tail), ""),
    )
