"""What the page and the workbook say about the bill: the era, why a figure is unknown, zeros."""

from __future__ import annotations

import polars as pl

from analyzer.billing_schema import in_credits_era
from analyzer.model import BillData, ReportData


def credits_era(bill: BillData) -> bool:
    """Return whether the month was billed in AI credits (from June 2026) or premium requests."""
    return in_credits_era(bill.month)


def clocks_note(bill: BillData) -> str | None:
    """Return the sentence about the two clocks, None when the seat cycle starts on the 1st."""
    return None if bill.clocks is None else bill.clocks.note()


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
        total = pl.col("seat_cost_billed") + share
        if credits_era(bill) and bill.credit_overage_cost is None:
            total = pl.lit(None, pl.Float64)  # the overage is unknown: so is each total
        out = out.with_columns(total.alias("total_cost"))
    return out


def report_seat_note(data: ReportData) -> str | None:
    """Say why the bill's seat count differs from the report snapshot's, for page and workbook."""
    if data.bill is None:
        return None
    day = data.current_snapshot.as_of.date().isoformat()
    return seat_count_note(data.bill, data.seats["login"], day)


def seat_count_note(bill: BillData, at_close: pl.Series, snapshot: str) -> str | None:
    """Say why the bill's seat count differs from the `snapshot`'s (None when they agree).

    The bill counts every login the seat history places in a seat on any day of the month
    (`days_high` > 0); the snapshot counts the seats held on its day (`at_close`, logins).
    """
    people = bill.people
    counted = people.filter(pl.col("days_high").fill_null(0) > 0)
    closing = set(at_close.to_list())
    outside = counted.filter(~pl.col("login").is_in(list(closing)))
    unplaced = outside.filter(pl.col("days_low").fill_null(0) == 0).height
    partial = outside.filter(
        (pl.col("days_low").fill_null(0) > 0) & (pl.col("days_high") < bill.days_in_month)
    ).height
    whole = outside.height - unplaced - partial
    missing = len(closing - set(counted["login"].to_list()))
    billed_only = people.filter(
        (pl.col("days_high").fill_null(0) == 0) & (pl.col("seat_cost_billed").fill_null(0) > 0)
    ).height
    org_rows = 0 if bill.org_usage is None else bill.org_usage.height
    if counted.height == len(closing) and not (outside.height or billed_only or org_rows):
        return None
    reasons = [
        (partial, "not in the snapshot held a seat for part of the month"),
        (unplaced, "not in the snapshot held a seat between two snapshots (0 to "
                   f"{bill.days_in_month} days)"),
        (whole, "not in the snapshot held a seat all month"),
        (billed_only, "billed without a seat in the seat history"),
    ]  # fmt: skip
    parts = [f"{n:,} {'login' if n == 1 else 'logins'} {why}" for n, why in reasons if n]
    if missing:
        parts.append(f"{missing:,} of the snapshot's seats are not in the month's seat history")
    if org_rows:
        parts.append(f"{org_rows:,} usage rows billed to the organization count no seat")
    return (
        f"The bill tables count {counted.height:,} seats held on some day of {bill.month}; "
        f"the {snapshot} snapshot counts {len(closing):,}: " + "; ".join(parts) + "."
    )
