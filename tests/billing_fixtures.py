"""Build small billing files for tests in GitHub's own form (BOM, CRLF, every value quoted)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

from analyzer.store.folder import Store
from analyzer.store.ingest import ingest_files

USAGE_HEADER = [
    "date",
    "product",
    "sku",
    "quantity",
    "unit_type",
    "applied_cost_per_quantity",
    "gross_amount",
    "discount_amount",
    "net_amount",
    "username",
    "organization",
    "repository",
    "workflow_path",
    "cost_center_name",
]
SUMMARIZED_HEADER = [h for h in USAGE_HEADER if h not in ("username", "workflow_path")]
AI_HEADER = [
    "date",
    "username",
    "product",
    "sku",
    "model",
    "quantity",
    "unit_type",
    "applied_cost_per_quantity",
    "gross_amount",
    "discount_amount",
    "net_amount",
    "total_monthly_quota",
    "organization",
    "repository",
    "cost_center_name",
    "aic_quantity",
    "aic_gross_amount",
]
PREMIUM_HEADER = [
    "date",
    "username",
    "product",
    "sku",
    "model",
    "quantity",
    "unit_type",
    "applied_cost_per_quantity",
    "gross_amount",
    "discount_amount",
    "net_amount",
    "exceeds_quota",
    "total_monthly_quota",
    "organization",
    "cost_center_name",
]


def github_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """Return a billing CSV as GitHub writes it: UTF-8 BOM, CRLF, every value quoted."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


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
