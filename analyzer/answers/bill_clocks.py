"""The bill's two clocks: the seat billing cycle (from `billing_day`) and the calendar month."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from analyzer.model import BillClocks, BillData


def bill_clocks(month: str, billing_day: int) -> BillClocks | None:
    """Return the seat cycle starting in `month` beside the calendar month; None on the 1st."""
    if billing_day == 1:
        return None
    first = date.fromisoformat(f"{month}-01")
    following = (first + timedelta(days=32)).replace(day=1)
    return BillClocks(
        billing_day=billing_day,
        seat_from=first.replace(day=billing_day),
        seat_to=following.replace(day=billing_day) - timedelta(days=1),
        credit_from=first,
        credit_to=following - timedelta(days=1),
    )


def clocks_json(data: BillData) -> dict[str, Any]:
    """Return `bill --json`'s clock keys: `clocks` null on the 1st, else both spans and the note."""
    clocks = data.clocks
    if clocks is None:
        return {"clocks": None}
    return {
        "seat_cycle": {
            "billing_day": clocks.billing_day,
            "from": clocks.seat_from.isoformat(),
            "to": clocks.seat_to.isoformat(),
        },
        "credit_month": {
            "from": clocks.credit_from.isoformat(),
            "to": clocks.credit_to.isoformat(),
        },
        "clocks": clocks.note(),
    }
