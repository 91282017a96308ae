"""A small store for the forecast and what-if tests: four Business seats, two of them idle.

a and b use 100 credits a day each; c and d have not been active since May: the reclaim
candidates. September (30 days) and October (31 days) are fully covered.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from analyzer.billing_schema import github_csv
from analyzer.store.folder import Store
from tests.billing_fixtures import AI_HEADER, ai_row, ingest_bytes, month_days
from tests.helpers import Seat, make_store

ACTIVE = datetime(2026, 11, 2, 9, tzinfo=UTC)
IDLE = datetime(2026, 5, 1, 9, tzinfo=UTC)
TIMES = [datetime(2026, m, 3, 6, tzinfo=UTC) for m in (9, 10, 11)]


def seats(now: datetime) -> list[Seat]:
    """Return the four seats as a report made at `now` shows them."""
    recent = min(now, ACTIVE)
    return [
        Seat("a", activity=recent, auth=recent),
        Seat("b", activity=recent, auth=recent),
        Seat("c", activity=IDLE, auth=IDLE),
        Seat("d", activity=IDLE, auth=IDLE),
    ]


def month_rows(month: str, per_day: float = 100.0, through: int = 31) -> list[list[str]]:
    """Return a's and b's AI usage rows of a month up to day `through`."""
    days = [d for d in month_days(month) if d.day <= through]
    return [ai_row(d.isoformat(), who, per_day) for d in days for who in ("a", "b")]


def forecast_store(tmp: Path, extra: list[list[str]] | None = None) -> Store:
    """Return the store: three snapshots, AI usage of September and October (and `extra`)."""
    store = make_store(tmp, "acme", [(t, seats(t)) for t in TIMES])
    rows = month_rows("2026-09", 50.0) + month_rows("2026-10")
    files = {"aiUsageReport_1_a.csv": github_csv(AI_HEADER, rows)}
    if extra:
        files["aiUsageReport_1_b.csv"] = github_csv(AI_HEADER, extra)
    assert set(ingest_bytes(store, tmp / "billing", files)) == {"stored"}
    return store
