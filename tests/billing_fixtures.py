"""Build small billing files for tests in GitHub's own form (BOM, CRLF, every value quoted)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from analyzer.billing_schema import (
    AI_USAGE_HEADER,
    PREMIUM_REQUEST_HEADER,
    USAGE_DETAILED_HEADER,
    USAGE_SUMMARIZED_HEADER,
)
from analyzer.store.folder import Store
from analyzer.store.ingest import ingest_files

USAGE_HEADER = list(USAGE_DETAILED_HEADER)
SUMMARIZED_HEADER = list(USAGE_SUMMARIZED_HEADER)
AI_HEADER = list(AI_USAGE_HEADER)
PREMIUM_HEADER = list(PREMIUM_REQUEST_HEADER[:-2])  # an older export, without the aic_* columns


def month_days(month: str) -> list[date]:
    """Return every day of a month `YYYY-MM`."""
    first = date.fromisoformat(f"{month}-01")
    days = []
    day = first
    while day.month == first.month:
        days.append(day)
        day += timedelta(days=1)
    return days


def seat_rows(
    login: str, org: str, month: str, first_day: int = 1, plan: str = "business"
) -> list[list[str]]:
    """Return the daily seat rows of one login billed from `first_day` to the month's end."""
    days = month_days(month)
    price = 39 if plan == "enterprise" else 19
    sku = "copilot_enterprise" if plan == "enterprise" else "copilot_for_business"
    share = 1 / len(days)
    return [
        [
            d.isoformat(),
            "copilot",
            sku,
            f"{share:.9f}",
            "user-months",
            str(price),
            f"{price * share:.9f}",
            "0",
            f"{price * share:.9f}",
            login,
            org,
            "",
            "",
            "eng",
        ]
        for d in days
        if d.day >= first_day
    ]


def ai_row(day: str, login: str, credits: float, model: str = "Claude Sonnet 4.6") -> list[str]:
    """Return one AI usage report row."""
    return [
        day,
        login,
        "copilot",
        "copilot_ai_credit",
        model,
        f"{credits}",
        "ai-credits",
        "0.01",
        f"{credits / 100}",
        f"{credits / 100}",
        "0",
        "1900",
        "acme",
        "",
        "",
        "0",
        "0",
    ]


def ingest_bytes(store: Store, folder: Path, files: dict[str, bytes]) -> list[str]:
    """Write files and ingest them; return each outcome's status."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    return [o.status for o in ingest_files(store, paths)]
