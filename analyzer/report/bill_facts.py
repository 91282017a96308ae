"""What the page and the workbook say about the bill: the era, why a figure is unknown, zeros."""

from __future__ import annotations

import polars as pl

from analyzer.billing_schema import in_credits_era
from analyzer.model import BillData


def credits_era(bill: BillData) -> bool:
    """Return whether the month was billed in AI credits (from June 2026) or premium requests."""
    return in_credits_era(bill.month)


def why_unknown(bill: BillData, figure: str) -> str:
    """Return why one figure of the bill is unknown, as the bill states it (never a guess)."""
    return bill.unknown.get(figure) or f"no billing file covers {figure} for {bill.month}"


def usage_missing(bill: BillData) -> str:
    """Say why the usage report's figures (seat charges, the total) are unknown."""
    return why_unknown(bill, "total_billed")


def ai_missing(bill: BillData) -> str:
    """Say why the AI usage (credits) or the premium requests are unknown."""
    return why_unknown(bill, "credits_used" if credits_era(bill) else "premium_requests")


def pool_missing(bill: BillData) -> str:
    """Say why the credit pool is unknown."""
    return why_unknown(bill, "credit_pool")


def coverage_note(bill: BillData, table: str) -> str:
    """Return " (to 2026-03-25, 25 of 31 days)" when a table's figures stop early, else ""."""
    label = bill.coverage(table)
    return f" ({label})" if label else ""


def per_login_known(bill: BillData) -> bool:
    """Return whether the detailed usage report gave each login's seat charges."""
    people = bill.people
    return bill.seat_cost_billed is not None and people["days_billed"].null_count() < people.height


def with_known_zeros(bill: BillData, frame: pl.DataFrame) -> pl.DataFrame:
    """Return `frame` (people or a breakdown) with 0 where its file is known and no row says more.

    A person absent from a report that covers the month used nothing or was billed nothing;
    a figure whose report is missing stays null, shown as unknown, never as 0.
    """
    fills: list[pl.Expr] = []
    if bill.credits_used is not None and "credits_used" in frame.columns:
        fills.append(pl.col("credits_used").fill_null(0.0))
    for figure in ("premium_requests", "premium_ai_units", "premium_request_cost"):
        if getattr(bill, figure) is not None and figure in frame.columns:
            fills.append(pl.col(figure).fill_null(0.0))
    billed = per_login_known(bill)
    if billed:
        fills += [pl.col(c).fill_null(0) for c in ("days_billed", "seat_cost_billed")
                  if c in frame.columns]  # fmt: skip
    out = frame.with_columns(fills) if fills else frame
    if billed and "total_cost" in out.columns:
        share = pl.col("overage_share").fill_null(0.0)
        out = out.with_columns((pl.col("seat_cost_billed") + share).alias("total_cost"))
    return out
