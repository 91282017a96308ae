"""Breakdowns group names that differ only by case, so no seat is counted twice."""

from __future__ import annotations

import polars as pl

from analyzer.model import UNMAPPED
from analyzer.timeline.seats import breakdown


def _seats(teams: list[str | None]) -> pl.DataFrame:
    """Return a seat frame of one business seat per team value, every other one stale."""
    n = len(teams)
    return pl.DataFrame(
        {
            "team": teams,
            "state": ["active", "stale"] * (n // 2) + ["active"] * (n % 2),
            "pending_cancellation": [False] * n,
            "reclaim": [False, True] * (n // 2) + [False] * (n % 2),
            "monthly_cost": [19.0] * n,
        },
        schema_overrides={"team": pl.String},
    )


def test_case_variants_are_one_row_with_the_most_common_spelling() -> None:
    """Pin `QA`/`qa`/`Qa` as one row named `qa` (the most common), totals unchanged."""
    seats = _seats(["QA", "qa", "qa", "Qa", "Platform", "PLATFORM", None])
    table = breakdown(seats, "team")
    assert table["key"].to_list() == ["PLATFORM", "qa", UNMAPPED]
    assert table["seats"].to_list() == [2, 4, 1]
    assert table["seats"].sum() == seats.height
    assert table["monthly_cost"].sum() == seats["monthly_cost"].sum()
    assert table["key"].str.to_lowercase().n_unique() == table.height
