"""What changed between two snapshots of a scope: seats added and removed, state changes, moves."""

from __future__ import annotations

import polars as pl

from analyzer.model import SeatDiff
from analyzer.timeline.build import Timeline

# The name of each state change, as admins say it; other pairs show as "from->to".
CHANGE_LABELS: dict[tuple[str, str], str] = {
    ("new", "active"): "activated",
    ("never_active", "active"): "activated",
    ("stale", "active"): "reactivated",
    ("active", "stale"): "lapsed",
    ("new", "stale"): "activated, then lapsed",
    ("never_active", "stale"): "activated, then lapsed",
    ("new", "never_active"): "went never-active",
    ("active", "never_active"): "lost its activity history",
    ("stale", "never_active"): "lost its activity history",
    ("active", "new"): "re-granted",
    ("stale", "new"): "re-granted",
    ("never_active", "new"): "re-granted",
}


def _seat_view(timeline: Timeline, k: int) -> pl.DataFrame:
    return timeline.at(k).select(
        "login",
        "display_login",
        pl.col("orgs").list.join(", ").alias("orgs"),
        "team",
        "state",
    )


def _label(from_state: pl.Expr, to_state: pl.Expr) -> pl.Expr:
    expr = pl.concat_str([from_state, pl.lit("->"), to_state])
    for (a, b), label in CHANGE_LABELS.items():
        expr = pl.when((from_state == a) & (to_state == b)).then(pl.lit(label)).otherwise(expr)
    return expr


def diff_snapshots(timeline: Timeline, k_from: int, k_to: int) -> SeatDiff:
    """Return the changes from snapshot k_from to snapshot k_to (either order)."""
    before = _seat_view(timeline, k_from)
    after = _seat_view(timeline, k_to)
    added = after.join(before, on="login", how="anti").sort("login")
    removed = before.join(after, on="login", how="anti").sort("login")
    both = before.join(after, on="login", how="inner", suffix="_to")
    transitions = (
        both.filter(pl.col("state") != pl.col("state_to"))
        .select(
            "login",
            pl.col("display_login_to").alias("display_login"),
            pl.col("state").alias("from_state"),
            pl.col("state_to").alias("to_state"),
            _label(pl.col("state"), pl.col("state_to")).alias("change"),
        )
        .sort("login")
    )
    moves = pl.concat(
        [
            both.filter(~pl.col(field).eq_missing(pl.col(f"{field}_to"))).select(
                "login",
                pl.col("display_login_to").alias("display_login"),
                pl.lit(field).alias("field"),
                pl.col(field).alias("before"),
                pl.col(f"{field}_to").alias("after"),
            )
            for field in ("orgs", "team")
        ]
    ).sort("login", "field")
    return SeatDiff(
        scope=timeline.scope,
        from_as_of=timeline.snapshots[k_from].as_of,
        to_as_of=timeline.snapshots[k_to].as_of,
        added=added,
        removed=removed,
        transitions=transitions,
        moves=moves,
    )
