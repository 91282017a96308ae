"""A three-snapshot history whose backtest is computed by hand (see HISTORY's docstring)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.helpers import Seat, ts

DAY = timedelta(days=1)
T0 = ts("2026-01-01T00:00:00")
T1 = ts("2026-02-01T00:00:00")  # 31 days later
T2 = ts("2026-03-01T00:00:00")  # 28 days later


def history() -> list[tuple[datetime, list[Seat]]]:
    """Return the snapshots of acme; every seat is a 19 USD business seat.

    T0: ann active; bob idle 40 days; cy idle 45; dee idle 70; gus idle 100; eve never active;
    fay never active, signed in 10 days before; hal never active, signed in 45 days before.
    Candidates at 30 days: bob, cy, dee, eve, gus, hal (fay signed in recently); at 60: dee,
    eve, gus (hal signed in within 60 days); at 90: eve, gus.
    T1: bob active again (came back), cy and hal gone (removed), the rest unchanged; ian new.
    Candidates at 30: dee, eve, fay (her sign-in now 41 days old), gus; at 60 and 90: dee,
    eve, gus.
    T2: dee active again (came back), eve gone (removed), fay and gus still idle.
    """
    return [
        (
            T0,
            [
                Seat("ann", T0 - DAY),
                Seat("bob", T0 - 40 * DAY),
                Seat("cy", T0 - 45 * DAY),
                Seat("dee", T0 - 70 * DAY),
                Seat("eve"),
                Seat("fay", auth=T0 - 10 * DAY),
                Seat("gus", T0 - 100 * DAY),
                Seat("hal", auth=T0 - 45 * DAY),
            ],
        ),
        (
            T1,
            [
                Seat("ann", T1 - DAY),
                Seat("bob", T1 - 2 * DAY),
                Seat("dee", T0 - 70 * DAY),
                Seat("eve"),
                Seat("fay", auth=T0 - 10 * DAY),
                Seat("gus", T0 - 100 * DAY),
                Seat("ian"),
            ],
        ),
        (
            T2,
            [
                Seat("ann", T2 - DAY),
                Seat("bob", T2 - 3 * DAY),
                Seat("dee", T1 + 5 * DAY),
                Seat("fay", auth=T0 - 10 * DAY),
                Seat("gus", T0 - 100 * DAY),
                Seat("ian", T1 + 3 * DAY),
            ],
        ),
    ]


MONTH = 365.25 / 12
# (candidates, came back, removed, stayed idle) per judged snapshot, by threshold.
EXPECTED: dict[int, list[tuple[int, int, int, int]]] = {
    30: [(6, 1, 2, 3), (4, 1, 1, 2)],
    60: [(3, 0, 0, 3), (3, 1, 1, 1)],
    90: [(2, 0, 0, 2), (3, 1, 1, 1)],
}
# The idle seats' cost until the next snapshot: seats x 19 USD x months between.
SAVED: dict[int, float] = {
    30: 3 * 19 * 31 / MONTH + 2 * 19 * 28 / MONTH,
    60: 3 * 19 * 31 / MONTH + 1 * 19 * 28 / MONTH,
    90: 2 * 19 * 31 / MONTH + 1 * 19 * 28 / MONTH,
}
