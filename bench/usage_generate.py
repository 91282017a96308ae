"""Write a year of daily usage-metrics files: 100,000 users, 40 % active each day (~10 M records).

One `users-1-day` NDJSON file per day (`bigorg-users-1-day-YYYY-MM-DD.ndjson`), each record with
the top-level counts, the surface flags, credits, and IDE, feature and language breakdowns, as
GitHub writes them. Built column-wise with polars from hashes of the user and day, so it is
fast and the same every time. Run: python bench/usage_generate.py [--out DIR] [--users N] [--days N]
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path

import polars as pl

OUT = Path(__file__).resolve().parent / "data" / "usage"
FIRST_DAY = date(2025, 11, 1)


def _draw(seed: int, modulo: int) -> pl.Expr:
    """Return a deterministic pseudo-random integer in [0, modulo) per row."""
    return (pl.col("uid").hash(seed) % modulo).cast(pl.Int64)


def day_frame(users: int, day: date, share: float) -> pl.DataFrame:
    """Return one day's records: about `share` of the users, chosen by a per-day hash."""
    seed = day.toordinal()
    base = pl.DataFrame({"uid": pl.int_range(users, eager=True)})
    active = base.filter(_draw(seed, 1000) < int(share * 1000))
    frame = active.with_columns(
        _draw(seed + 1, 15).alias("prompts"),
        (_draw(seed + 2, 39) + 1).alias("gens"),
        _draw(seed + 3, 3).alias("ide_n"),
        _draw(seed + 4, 4).alias("lang_n"),
    ).with_columns((pl.col("gens") * 2 // 5).alias("accepts"))
    ides = pl.Series(["vscode", "jetbrains", "visualstudio"])
    langs = pl.Series(["python", "typescript", "go", "java"])
    counts = {
        "user_initiated_interaction_count": pl.col("prompts"),
        "code_generation_activity_count": pl.col("gens"),
        "code_acceptance_activity_count": pl.col("accepts"),
        "loc_added_sum": pl.col("accepts") * 4 + pl.col("prompts") * 3,
        "loc_deleted_sum": pl.col("accepts") // 2,
    }
    entry = [expr.alias(name) for name, expr in counts.items()]
    return frame.select(
        pl.lit(day.isoformat()).alias("day"),
        pl.lit("200001").alias("enterprise_id"),
        (pl.col("uid") + 1_000_000).alias("user_id"),
        pl.format("user{}", pl.col("uid").cast(pl.String).str.zfill(6)).alias("user_login"),
        *entry,
        (pl.col("gens") * 6).alias("loc_suggested_to_add_sum"),
        pl.lit(0).alias("loc_suggested_to_delete_sum"),
        (pl.col("prompts") > 0).alias("used_chat"),
        (pl.col("prompts") > 10).alias("used_agent"),
        (_draw(seed + 5, 20) == 0).alias("used_cli"),
        (pl.col("prompts") * 1.7).round(2).alias("ai_credits_used"),
        pl.concat_list(
            pl.struct(pl.col("ide_n").replace_strict(range(3), ides).alias("ide"), *entry)
        ).alias("totals_by_ide"),
        pl.concat_list(pl.struct(pl.lit("code_completion").alias("feature"), *entry)).alias(
            "totals_by_feature"
        ),
        pl.concat_list(
            pl.struct(
                pl.col("lang_n").replace_strict(range(4), langs).alias("language"),
                pl.lit("code_completion").alias("feature"),
                *entry[1:],
            )
        ).alias("totals_by_language_feature"),
    )


def main() -> None:
    """Write the files (skipping days already written)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--share", type=float, default=0.4)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for n in range(args.days):
        day = FIRST_DAY + timedelta(days=n)
        frame = day_frame(args.users, day, args.share)
        target = args.out / f"bigorg-users-1-day-{day}.ndjson"
        if not target.exists():
            frame.write_ndjson(target)


if __name__ == "__main__":
    main()
