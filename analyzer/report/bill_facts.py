"""What the page and the workbook say about the bill: the era, what is missing, known zeros."""

from __future__ import annotations

import polars as pl

from analyzer.billing_schema import in_credits_era
from analyzer.model import BillData


def credits_era(bill: BillData) -> bool:
    """Return whether the month was billed in AI credits (from June 2026) or premium requests."""
    return in_credits_era(bill.month)


def missing(bill: BillData, *labels: str) -> str:
    """Return the bill's note on a missing file of one of `labels`, or a plain statement."""
    for note in bill.notes:
        for label in labels:
            if note.startswith((f"no {label} for", f"the {label}s for", f"the {label} ")):
                return note
    return f"no {labels[0]} covers {bill.month}: unknown"


def usage_missing(bill: BillData) -> str:
    """Say why the usage report's figures (seat charges, the total) are unknown."""
    return missing(bill, "usage report")


def ai_missing(bill: BillData) -> str:
    """Say why the AI usage (credits) or the premium requests are unknown."""
    if credits_era(bill):
        return missing(bill, "AI usage report")
    return missing(bill, "premium request report", "legacy premium request report")


def pool_missing(bill: BillData) -> str:
    """Say why the credit pool is unknown."""
    return (
        f"no licence count for {bill.month}: neither a detailed usage report nor a seat "
        "report of the month says how many licences fill the pool"
    )


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
    if bill.premium_requests is not None and "premium_requests" in frame.columns:
        fills.append(pl.col("premium_requests").fill_null(0.0))
    billed = per_login_known(bill)
    if billed:
        fills += [pl.col(c).fill_null(0) for c in ("days_billed", "seat_cost_billed")
                  if c in frame.columns]  # fmt: skip
    out = frame.with_columns(fills) if fills else frame
    if billed and "total_cost" in out.columns:
        share = pl.col("overage_share").fill_null(0.0)
        out = out.with_columns((pl.col("seat_cost_billed") + share).alias("total_cost"))
    return out
