"""The login index of a scope's usage data: each login a user_id had, first and last day seen.

Written at ingest beside the Parquet parts (`usage/<scope>/logins.parquet`), so following a
GitHub rename needs one small file instead of a scan of every part. The usage manifest names
the parts the index was built from; an index that does not match the listed parts (a store
written before it existed, or a writer killed between the two writes) is not used, and the
parts are scanned instead.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from analyzer.reading.usage_schema import login_columns

EMPTY_ALIASES = {"user_id": pl.Int64, "login": pl.String, "last_day": pl.Date}


def index_path(scope: str) -> str:
    """Return the index's path inside the store."""
    return f"usage/{scope}/logins.parquet"


def aliases_of(days: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """Return each (user_id, lower-case login) of day rows with its first and last day."""
    return (
        days.lazy()
        .group_by("user_id", pl.col("login").str.to_lowercase())
        .agg(pl.col("day").min().alias("first_day"), pl.col("day").max().alias("last_day"))
        .collect()
        .cast(login_columns())  # type: ignore[arg-type]
    )


def merge_aliases(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Return the union of alias frames, one row per (user_id, login), sorted."""
    if not frames:
        return pl.DataFrame(schema=login_columns())
    return (
        pl.concat(frames)
        .group_by("user_id", "login")
        .agg(pl.col("first_day").min(), pl.col("last_day").max())
        .sort("user_id", "login")
    )


def read_index(path: Path) -> pl.DataFrame:
    """Return a stored index."""
    return pl.read_parquet(path)


def aliases_until(index: pl.DataFrame, end: date) -> pl.DataFrame:
    """Return (user_id, login, last_day) of the logins seen on or before `end`.

    A login's last day is clipped to `end`: exact for the latest login of a user, which is
    what a rename is resolved by, unless a user went back to an older login inside one part.
    """
    return index.filter(pl.col("first_day") <= end).select(
        "user_id",
        "login",
        pl.min_horizontal(pl.col("last_day"), pl.lit(end)).alias("last_day"),
    )
