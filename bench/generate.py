"""Write deterministic benchmark seat reports: one big report, a 24-month history, a new month."""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for sample_reports.generate

from sample_reports.generate import (
    ACTIVITY_ORG_HEADER,
    BARE_SURFACES,
    IDE_FAMILIES,
    NONE,
    RETENTION,
    TIMESTAMP_FORMAT,
    UNSPECIFIED_SURFACE,
    report_file_name,
    surface_for,
)

REPO = Path(__file__).resolve().parents[1]
SLUG = "bigorg"
# The new month is always 2026-11 and the history the months before it (24: 2024-11 .. 2026-10),
# so every report time is in the past and passes the reader's plausibility check.
NEW_MONTH = (2026, 11)
WARMUP_MONTHS = 3
CHURN = 0.02  # share of seats leaving (and as many joining) each month
NEVER, QUIET, DORMANT, REGULAR = range(4)  # seat kinds
KIND_WEIGHTS = (8, 2, 10, 80)  # never used, auth without activity, goes dormant, regular
PREFIXES = ("dev", "Dev-", "USER", "eng-", "Octo", "x")
POOL = 16  # surface variants per IDE family and month


@dataclass
class Population:
    """Seat columns indexed by seat id; `alive` lists the ids holding a seat now."""

    logins: list[str] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    rate: list[float] = field(default_factory=list)
    family: list[str] = field(default_factory=list)
    dormant_from: list[int] = field(default_factory=list)
    since: list[int] = field(default_factory=list)
    activity: list[int | None] = field(default_factory=list)
    surface: list[str | None] = field(default_factory=list)
    auth: list[int | None] = field(default_factory=list)
    alive: list[int] = field(default_factory=list)


def month_times(count: int, rng: random.Random) -> list[datetime]:
    """Return `count` monthly report times from the warm-up on: the 3rd, varying time, UTC.

    The last of them falls in NEW_MONTH.
    """
    first = NEW_MONTH[0] * 12 + NEW_MONTH[1] - 1 - (count - 1)
    times = []
    for offset in range(-WARMUP_MONTHS - 1, count):
        index = first + offset
        hms = (rng.randint(4, 20), rng.randint(0, 59), rng.randint(0, 59))
        times.append(datetime(index // 12, index % 12 + 1, 3, *hms, tzinfo=UTC))
    return times


def add_seats(pop: Population, rng: random.Random, count: int, month: int, span: range) -> None:
    """Seat `count` new users, granted at epoch seconds drawn from `span`."""
    families = rng.choices([f for f, _ in IDE_FAMILIES], [w for _, w in IDE_FAMILIES], k=count)
    kinds = rng.choices(range(4), KIND_WEIGHTS, k=count)
    start = len(pop.logins)
    for offset, (family, kind) in enumerate(zip(families, kinds, strict=True)):
        seat = start + offset
        pop.logins.append(f"{PREFIXES[seat % len(PREFIXES)]}{seat:06d}")
        pop.kind.append(kind)
        pop.rate.append(rng.uniform(0.5, 0.98))
        pop.family.append(family)
        pop.dormant_from.append(month + rng.randint(1, 20) if kind == DORMANT else 10**6)
        pop.since.append(rng.randrange(span.start, span.stop))
        pop.activity.append(None)
        pop.surface.append(None)
        pop.auth.append(None)
        pop.alive.append(seat)


def surface_picker(month: int, rng: random.Random) -> tuple[dict[str, list[str]], list[str]]:
    """Return this month's IDE surface variants per family and a weighted bare-token list."""
    pools = {f: [surface_for(f, month - 7, rng) for _ in range(POOL)] for f, _ in IDE_FAMILIES}
    bare = [name for name, weight in BARE_SURFACES for _ in range(weight)]
    return pools, [*bare, *[UNSPECIFIED_SURFACE] * 4]


def advance(pop: Population, rng: random.Random, month: int, prev: int, now: int) -> None:
    """Move every seated user's activity and authentication through (prev, now]."""
    pools, bare = surface_picker(month, rng)
    rnd, randrange = rng.random, rng.randrange
    for seat in pop.alive:
        kind, start = pop.kind[seat], max(prev, pop.since[seat]) + 1
        if kind == NEVER or start >= now:
            continue
        if kind == QUIET:
            if rnd() < 0.9:
                pop.auth[seat] = now - randrange(1, 864_000)
            continue
        if kind == DORMANT and month >= pop.dormant_from[seat]:
            continue
        if rnd() < pop.rate[seat]:
            at = randrange(start, now)
            pop.activity[seat] = at
            pool = pools[pop.family[seat]]
            pop.surface[seat] = (
                pool[randrange(POOL)] if rnd() < 0.72 else bare[randrange(len(bare))]
            )
            pop.auth[seat] = max(start, at - randrange(0, 36_000))
        elif rnd() < 0.3:
            pop.auth[seat] = randrange(start, now)


def churn(pop: Population, rng: random.Random, month: int, prev: int, now: int) -> None:
    """Remove about 2% of seats, favouring idle ones, and seat as many newcomers."""
    count = round(len(pop.alive) * CHURN)
    idle_before = now - int(RETENTION.total_seconds())
    weights = [3.0 if (pop.activity[s] or 0) < idle_before else 1.0 for s in pop.alive]
    leaving = set(rng.choices(pop.alive, weights, k=count))
    pop.alive = [seat for seat in pop.alive if seat not in leaving]
    add_seats(pop, rng, len(leaving), month, range(prev + 1, now))


def month_frame(pop: Population, now: datetime) -> pl.DataFrame:
    """Return this month's activity report as a frame, with GitHub's 90-day rule applied."""
    alive = pop.alive
    frame = pl.DataFrame(
        {
            "login": [pop.logins[s] for s in alive],
            "auth": [pop.auth[s] for s in alive],
            "activity": [pop.activity[s] for s in alive],
            "surface": [pop.surface[s] for s in alive],
        },
        schema={"login": pl.String, "auth": pl.Int64, "activity": pl.Int64, "surface": pl.String},
    )
    cutoff = int((now - RETENTION).timestamp())
    shown = pl.col("activity") >= cutoff
    report_time, login, auth, activity, surface = ACTIVITY_ORG_HEADER
    return frame.sort(pl.col("login").str.to_lowercase()).select(
        pl.lit(now.strftime(TIMESTAMP_FORMAT)).alias(report_time),
        pl.col("login").alias(login),
        pl.from_epoch("auth", "s").alias(auth),
        pl.from_epoch(pl.when(shown).then(pl.col("activity")), "s").alias(activity),
        pl.when(shown).then(pl.col("surface")).alias(surface),
    )


def write_report(frame: pl.DataFrame, folder: Path, now: datetime) -> Path:
    """Write one activity report named as GitHub names the download."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / report_file_name(SLUG, "activity", now)
    frame.write_csv(path, datetime_format=TIMESTAMP_FORMAT, null_value=NONE)
    return path


def simulate(seats: int, months: int, seed: int) -> list[tuple[datetime, pl.DataFrame]]:
    """Simulate `months` monthly activity reports of a `seats`-seat org."""
    rng = random.Random(seed)
    times = month_times(months, rng)
    epochs = [int(t.timestamp()) for t in times]
    pop = Population()
    # Seats are granted from 2023-01-02 on (or a year before a longer history starts).
    origin = min(int(datetime(2023, 1, 2, tzinfo=UTC).timestamp()), epochs[0] - 365 * 86_400)
    add_seats(pop, rng, seats, -WARMUP_MONTHS, range(origin, epochs[0]))
    reports = []
    for index in range(1, len(times)):
        month = index - 1 - WARMUP_MONTHS
        if month > -WARMUP_MONTHS:
            churn(pop, rng, month, epochs[index - 1], epochs[index])
        advance(pop, rng, month, epochs[index - 1], epochs[index])
        if month >= 0:
            reports.append((times[index], month_frame(pop, times[index])))
    return reports


def generate(out: Path, seats: int = 100_000, months: int = 24, seed: int = 2024) -> list[Path]:
    """Write one/, history/ and newmonth/ under `out` and return the files written."""
    for folder in ("one", "history", "newmonth"):
        shutil.rmtree(out / folder, ignore_errors=True)
    reports = simulate(seats, months + 1, seed)
    *history, (new_time, new_frame) = reports
    paths = [write_report(frame, out / "history", when) for when, frame in history]
    one = out / "one" / paths[-1].name
    one.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(paths[-1], one)
    return [one, *paths, write_report(new_frame, out / "newmonth", new_time)]


def main(argv: list[str] | None = None) -> int:
    """Parse options, write the benchmark data and print what was written."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "data")
    parser.add_argument("--seats", type=int, default=100_000, help="seats per report")
    parser.add_argument("--months", type=int, default=24, help="months of history")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    paths = generate(args.out, args.seats, args.months, args.seed)
    for path in paths:
        print(f"{path.relative_to(args.out)}  {path.stat().st_size / 1e6:.1f} MB")
    total = sum(path.stat().st_size for path in paths) / 1e6
    elapsed = time.perf_counter() - started
    print(f"wrote {len(paths)} files, {total:.0f} MB, under {args.out} in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
