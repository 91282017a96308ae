"""The month's AI use in the bill: which files cover it, premium use, plans, org-billed rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from analyzer.billing_schema import (
    AI_UNIT,
    COPILOT_FAMILIES,
    CREDIT_UNIT,
    PREMIUM_FAMILIES,
    REQUEST_UNIT,
    family_mask,
)
from analyzer.store.billing import BillingFile

# `total_monthly_quota` -> the plan it states: premium requests until 2026-05-31, AI credits
# from 2026-06-01 (shared/docs/billing-report-format.md, sections 2 and 3).
QUOTA_PLANS: dict[float, str] = {
    300.0: "business",
    1000.0: "enterprise",
    1900.0: "business",
    3900.0: "enterprise",
}
NO_USER = "billed to the organization (no user)"
# The columns of the AI use the bill reads, from the premium / AI usage reports or from the
# metered usage report's premium rows.
USE_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "login": pl.String(),
    "sku": pl.String(),
    "model": pl.String(),
    "quantity": pl.Float64(),
    "unit_type": pl.String(),
    "net_amount": pl.Float64(),
    "total_monthly_quota": pl.Float64(),
    "organization": pl.String(),
    "cost_center": pl.String(),
}


@dataclass(frozen=True)
class Coverage:
    """How a table's files cover the month: whole, to a day, with a gap, or not at all."""

    status: str  # whole / partial / gap / none
    through: date | None = None  # partial: the last day covered
    missing: tuple[date, ...] = ()  # gap: the days no file covers

    @property
    def known(self) -> bool:
        """Return whether the month's figures (whole or to `through`) can be told."""
        return self.status in ("whole", "partial")


def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


def coverage(files: list[BillingFile], first: date, last: date, slack: int) -> Coverage:
    """Return how the files' periods cover first..last (starts and ends within `slack` forgiven).

    Files that stop before the month's end (a download on the 25th) give the month to their
    last day; a gap inside, or a start later than `slack` days, leaves the month unknown.
    """
    covered: set[date] = set()
    for f in files:
        if f.first_day is not None and f.last_day is not None:
            covered |= _days(f.first_day, f.last_day)
    covered &= _days(first, last)
    if not covered:
        return Coverage("none")
    lo, hi = min(covered), max(covered)
    inner = sorted(_days(lo, hi) - covered)
    head = (lo - first).days
    if inner or head > slack:
        return Coverage("gap", missing=tuple(sorted(_days(first, last) - covered)))
    if (last - hi).days > slack:
        return Coverage("partial", through=hi)
    return Coverage("whole")


def span(days: tuple[date, ...]) -> str:
    """Return `2026-03-02` or `2026-03-02..2026-03-05 (4 days)`."""
    return days[0].isoformat() if len(days) == 1 else f"{days[0]}..{days[-1]} ({len(days)} days)"


def use_rows(frame: pl.DataFrame, premium_only: bool) -> pl.DataFrame:
    """Return Copilot AI use in USE_SCHEMA: every Copilot row, or only premium-family rows."""
    if frame.is_empty():
        return pl.DataFrame(schema=USE_SCHEMA)
    keep = family_mask(frame, *(PREMIUM_FAMILIES if premium_only else COPILOT_FAMILIES))
    return frame.filter(keep).select(
        [
            (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in USE_SCHEMA.items()
        ]
    )


def use_sums() -> list[pl.Expr]:
    """Return AI credits, premium requests, ai-units and premium cost of a group of use rows."""
    quantity, unit = pl.col("quantity"), pl.col("unit_type")
    return [
        quantity.filter(unit == CREDIT_UNIT).sum().alias("credits_used"),
        quantity.filter(unit == REQUEST_UNIT).sum().alias("premium_requests"),
        quantity.filter(unit == AI_UNIT).sum().alias("premium_ai_units"),
        # (the legacy report has no amounts: its cost is unknown, never 0)
        pl.when(pl.col("net_amount").is_null().any())
        .then(None)
        .otherwise(pl.col("net_amount").sum())
        .alias("premium_request_cost"),
    ]


def quota_plans(use: pl.DataFrame) -> pl.DataFrame:
    """Return login -> the plan its `total_monthly_quota` states (largest quota of the month)."""
    return (
        use.filter(pl.col("login").is_not_null() & pl.col("total_monthly_quota").is_not_null())
        .group_by("login")
        .agg(pl.col("total_monthly_quota").max())
        .with_columns(
            pl.col("total_monthly_quota")
            .replace_strict(QUOTA_PLANS, default=None, return_dtype=pl.String)
            .alias("quota_plan")
        )
        .filter(pl.col("quota_plan").is_not_null())
        .select("login", "quota_plan")
    )


def org_usage(use: pl.DataFrame) -> pl.DataFrame:
    """Return the use billed to the organization, without a user, per org and cost centre."""
    return (
        use.filter(pl.col("login").is_null())
        .group_by("organization", "cost_center")
        .agg(
            pl.len().cast(pl.Int64).alias("rows"),
            *use_sums(),
            pl.col("net_amount").sum().alias("net_amount"),
        )
        .sort("organization", "cost_center", nulls_last=True)
    )
