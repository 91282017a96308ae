"""Idle-age buckets follow the state thresholds, so their totals equal the state counts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import pytest

from analyzer.model import Settings, idle_bucket_spec
from analyzer.timeline.figures import idle_buckets, summarize
from tests.helpers import Seat, memory_timeline, ts

T0 = ts("2026-03-28T06:54:33")
DAY = timedelta(days=1)


def _totals(rows: Iterable[tuple[Any, ...]]) -> dict[str, int]:
    """Return seats per state from (bucket, state, seats) rows."""
    totals: dict[str, int] = {}
    for _, state, n in rows:
        totals[state] = totals.get(state, 0) + n
    return totals


def test_a_seat_idle_30_whole_days_and_some_hours_is_counted_stale() -> None:
    """30 days and 5 hours idle is stale, so it sits in the first stale bucket, not in 8-30."""
    tl = memory_timeline(
        "acme",
        [
            (T0 - 40 * DAY, [Seat("old", T0 - 100 * DAY)]),
            (
                T0,
                [
                    Seat("ann", T0 - 30 * DAY),  # exactly 30 x 24 h: active
                    Seat("bob", T0 - 30 * DAY - timedelta(hours=5)),  # stale, 30 whole days
                    Seat("cy", T0 - 75 * DAY),
                    Seat("dee", None),  # new: its run began after the first snapshot
                    Seat("old", None),  # activity known from the earlier snapshot
                ],
            ),
        ],
    )
    frame = idle_buckets(tl)
    counts = {b: n for b, _, n in frame.iter_rows()}
    assert counts == {
        "0-7": 0,
        "8-30": 1,
        "over 30 to 60": 1,
        "61-90": 1,
        "over 90": 1,
        "never": 0,
        "new": 1,
    }
    assert _totals(frame.iter_rows()) == summarize(tl).states


@pytest.mark.parametrize("stale_days", [3, 7, 14, 30, 60, 90, 120])
def test_bucket_spec_never_straddles_a_state(stale_days: int) -> None:
    """Active buckets end at the threshold; stale ones start above it; every state has one."""
    spec = idle_bucket_spec(stale_days)
    assert {state for _, state, _ in spec} == {"active", "stale", "never_active", "new"}
    active_highs = [high for _, state, high in spec if state == "active"]
    assert active_highs[-1] == stale_days
    stale_highs = [high for _, state, high in spec if state == "stale"]
    assert all(high is None or high > stale_days for high in stale_highs)
    assert len({label for label, _, _ in spec}) == len(spec)


def test_idle_bucket_totals_equal_the_state_counts_with_a_14_day_threshold() -> None:
    """With stale after 14 days the buckets move with it and still add up to the cards."""
    settings = Settings(stale_days=14)
    seats = [Seat(f"u{i}", T0 - i * 5 * DAY) for i in range(30)] + [Seat("none", None)]
    tl = memory_timeline("acme", [(T0, seats)], settings)
    frame = idle_buckets(tl)
    assert frame["bucket"].to_list()[:3] == ["0-7", "8-14", "over 14 to 60"]
    assert _totals(frame.iter_rows()) == summarize(tl).states
