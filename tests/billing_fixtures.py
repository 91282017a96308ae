"""Build small billing files for tests in GitHub's own form (BOM, CRLF, every value quoted)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from analyzer.answers.ingest import ingest_files
from analyzer.billing_schema import (
    AI_USAGE_HEADER,
    PREMIUM_REQUEST_HEADER,
    USAGE_DETAILED_HEADER,
    USAGE_SUMMARIZED_HEADER,
)
from analyzer.store.folder import Store

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


# -- Premium request reports as real exports show them (billing-report-format.md, section 2) --
# Written by hand from the format description: requests until 2026-03-10, then ai-units;
# under/over-quota pairs of one key told apart only by exceeds_quota; rows without a user
# (code review billed to the organization, quota 0). The download stops on 2026-03-25.
FULL_PREMIUM_HEADER = list(PREMIUM_REQUEST_HEADER)
TOKEN_HEADER = [
    *PREMIUM_REQUEST_HEADER[:-2],
    "total_input_tokens",
    "total_output_tokens",
    "total_cache_creation_tokens",
    "total_cache_read_tokens",
]
NET = FULL_PREMIUM_HEADER.index("net_amount")
QUANTITY = FULL_PREMIUM_HEADER.index("quantity")
UNIT = FULL_PREMIUM_HEADER.index("unit_type")
USER = FULL_PREMIUM_HEADER.index("username")


def premium_row(
    day: str,
    login: str,
    sku: str,
    model: str,
    quantity: str,
    gross: str,
    discount: str,
    net: str,
    over: bool,
    quota: str,
    cost_center: str = "eng",
) -> list[str]:
    """Return one premium request report row (the unit and price follow from the SKU)."""
    unit, price = ("ai-units", "0.01") if sku.endswith("_ai_unit") else ("requests", "0.04")
    return [day, login, "copilot", sku, model, quantity, unit, price, gross, discount, net,
            "True" if over else "False", quota, "acme", cost_center, "0", "0"]  # fmt: skip


MARCH_PREMIUM: list[list[str]] = [
    premium_row("2026-03-02", "alice", "copilot_premium_request", "Claude Sonnet 4.6",
                "150", "6", "6", "0", False, "300"),
    premium_row("2026-03-02", "bob", "coding_agent_premium_request", "Coding Agent model",
                "40", "1.6", "1.6", "0", False, "1000"),
    # alice crosses her quota on the 9th: one key, two rows
    premium_row("2026-03-09", "alice", "copilot_premium_request", "Claude Sonnet 4.6",
                "150", "6", "6", "0", False, "300"),
    premium_row("2026-03-09", "alice", "copilot_premium_request", "Claude Sonnet 4.6",
                "12.5", "0.5", "0", "0.5", True, "300"),
    premium_row("2026-03-10", "", "copilot_premium_request", "Code Review model",
                "3", "0.12", "0", "0.12", True, "0", ""),
    # from the 11th, ai-units
    premium_row("2026-03-11", "alice", "copilot_ai_unit", "Auto: GPT-5.3-Codex",
                "1234.5", "12.345", "0", "12.345", True, "300"),
    premium_row("2026-03-12", "bob", "spark_ai_unit", "Spark model",
                "800", "8", "8", "0", False, "1000"),
    premium_row("2026-03-12", "bob", "spark_ai_unit", "Spark model",
                "250.25", "2.5025", "0", "2.5025", True, "1000"),
    premium_row("2026-03-18", "", "copilot_ai_unit", "Code Review model",
                "90", "0.9", "0", "0.9", True, "0", ""),
    premium_row("2026-03-25", "bob", "coding_agent_ai_unit", "Coding Agent model",
                "4000", "40", "0", "40", True, "1000"),
]  # fmt: skip
# An earlier download of the same month: its first half, the same rows exactly.
MARCH_FIRST_HALF = [r for r in MARCH_PREMIUM if r[0] <= "2026-03-12"]


def column_sum(rows: list[list[str]], column: int, unit: str | None = None) -> float:
    """Sum one column of fixture rows in plain Python (optionally rows of one unit only)."""
    return sum(float(r[column]) for r in rows if unit is None or r[UNIT] == unit)
