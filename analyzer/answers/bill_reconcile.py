"""Reconcile each login's seat charges with the seat history: days, plan, and amount."""

from __future__ import annotations

from typing import Any

import polars as pl

from analyzer.billing_schema import SEAT_SKUS
from analyzer.model import BillException

# Billed seat amounts may differ from plan price x days seated / days in the month by this
# much before they are an exception: float noise of GitHub's daily quantities, and a daily
# share of 1/30 billed on each day of a 31-day month (+3.3 %), are not wrong bills.
AMOUNT_TOLERANCE_USD = 0.02
AMOUNT_TOLERANCE_SHARE = 0.05


def _outside(billed: float, low: float, high: float) -> bool:
    """Return whether an amount is outside low..high, beyond the tolerance."""
    slack_low = max(AMOUNT_TOLERANCE_USD, low * AMOUNT_TOLERANCE_SHARE)
    slack_high = max(AMOUNT_TOLERANCE_USD, high * AMOUNT_TOLERANCE_SHARE)
    return not low - slack_low <= billed <= high + slack_high


def _outside_expr(billed: pl.Expr, low: pl.Expr, high: pl.Expr) -> pl.Expr:
    """Return _outside as an expression."""
    share = AMOUNT_TOLERANCE_SHARE
    slack_low = pl.max_horizontal(pl.lit(AMOUNT_TOLERANCE_USD), low * share)
    slack_high = pl.max_horizontal(pl.lit(AMOUNT_TOLERANCE_USD), high * share)
    return (billed < low - slack_low) | (billed > high + slack_high)


def _amount_odd() -> pl.Expr:
    """Return whether a login's amount may differ (the few found are told by _amount_differs)."""
    billed = pl.col("seat_cost_billed")
    low = pl.col("seat_cost_expected_low").fill_null(0.0)
    high = pl.col("seat_cost_expected").fill_null(0.0)
    return (
        (pl.col("days_billed").fill_null(0) > 0)
        & (pl.col("days_high").fill_null(0) > 0)
        & (pl.col("twice_days").fill_null(0) == 0)
        & _outside_expr(billed, low, high)
    ).fill_null(False)


def _amount_differs(row: dict[str, Any], currency: str) -> str:
    """Return the amount-differs detail of one login, or "" when the amount is explained.

    Beside the days check: an amount that the days billed explain (the days differ, and the
    amount is the plan price for those days) is that exception, not this one.
    """
    billed, days = row.get("seat_cost_billed"), row.get("days_billed") or 0
    low, high = row.get("seat_cost_expected_low") or 0.0, row.get("seat_cost_expected") or 0.0
    if not days or not row.get("days_high") or billed is None or row.get("twice_days"):
        return ""  # (a seat billed twice is that exception)
    if not _outside(billed, low, high):
        return ""
    for_days = row["_price_billed"] * days / row["_month_days"]
    days_explained = not row.get("days_low") or not row["days_low"] <= days <= row["days_high"]
    if days_explained and not _outside(billed, for_days, for_days):
        return ""
    expected = f"{high:,.2f}" if abs(high - low) < 0.005 else f"{low:,.2f} to {high:,.2f}"
    centres = f"; billed to cost centre {row['_use_cc']}" if row.get("_use_cc") else ""
    return (
        f"billed {billed:,.2f} {currency} for seats, expected {expected} {currency} "
        f"({row['plan']} price x days seated / days in the month){centres}"
    )


def billed_per_login(seat_rows: pl.DataFrame) -> pl.DataFrame:
    """Return per login: days billed, plan billed, seat net, days billed more than once."""
    plan = pl.col("sku").replace_strict(SEAT_SKUS, default="business")
    per_login = seat_rows.group_by("login").agg(
        pl.col("date").n_unique().alias("days_billed"),
        pl.len().alias("_rows"),
        (plan == "enterprise").any().alias("_ent"),
        pl.col("net_amount").sum().alias("seat_cost_billed"),
        pl.col("organization").drop_nulls().first().alias("billed_org"),
        pl.col("cost_center").drop_nulls().first().alias("_use_cc"),
    )
    # Only a login with more seat rows than days can be billed twice on a day.
    doubled = seat_rows.join(
        per_login.filter(pl.col("_rows") > pl.col("days_billed")).select("login"), on="login"
    )
    twice = (
        doubled.group_by("login", "date")
        .agg(
            pl.struct("organization", "sku").n_unique().alias("seats"),
            pl.col("organization").drop_nulls().unique().sort().str.join(", ").alias("orgs"),
        )
        .filter(pl.col("seats") > 1)
        .group_by("login")
        .agg(pl.len().alias("twice_days"), pl.col("orgs").first().alias("twice_orgs"))
    )
    return (
        per_login.drop("_rows")
        .with_columns(
            pl.when(pl.col("_ent"))
            .then(pl.lit("enterprise"))
            .otherwise(pl.lit("business"))
            .alias("billed_plan")
        )
        .drop("_ent")
        .join(twice, on="login", how="left")
        .with_columns(pl.col("twice_days").fill_null(0))
    )


def seat_exceptions(
    billed: pl.DataFrame,
    seats: pl.DataFrame,
    month: str,
    currency: str,
    prices: dict[str, float],
    month_days: int,
) -> list[BillException]:
    """Return every login whose billed days, plan or amount the seat history does not explain."""
    found: list[BillException] = []
    both = billed.join(seats, on="login", how="full", coalesce=True).with_columns(
        pl.col("billed_plan")
        .replace_strict(prices, default=max(prices.values()), return_dtype=pl.Float64)
        .alias("_price_billed"),
        pl.lit(month_days).alias("_month_days"),
    )
    b_days, s_low, s_high = (
        pl.col(c).fill_null(0) for c in ("days_billed", "days_low", "days_high")
    )
    odd = (
        (pl.col("twice_days").fill_null(0) > 0)
        | ((b_days > 0) & ((b_days < s_low) | (b_days > s_high)))
        | ((s_low > 0) & (b_days == 0))
        | (
            (b_days > 0)
            & pl.col("plan_known").fill_null(False)
            & (pl.col("billed_plan") != pl.col("plan"))
        )
        | _amount_odd()
    )
    for row in both.filter(odd).sort("login").iter_rows(named=True):  # (the few odd logins)
        login, days = row["login"], row["days_billed"] or 0
        low, high = row["days_low"] or 0, row["days_high"] or 0
        if row["twice_days"]:
            found.append(
                BillException(
                    login,
                    "billed-twice",
                    f"billed more than one seat on {row['twice_days']} days "
                    f"({row['twice_orgs']}); GitHub bills one seat per user",
                )
            )
        if days and not high:
            found.append(
                BillException(
                    login,
                    "billed-not-seated",
                    f"billed for {days} days ({row['seat_cost_billed']:,.2f} {currency}), "
                    f"in no seat report of {month}",
                )
            )
        elif low and not days:
            seated = f"{low}" if low == high else f"{low} to {high}"
            found.append(
                BillException(
                    login,
                    "seated-not-billed",
                    f"in the seat report for {seated} days of {month}, not billed",
                )
            )
        elif days and not low <= days <= high:
            seated = f"{low}" if low == high else f"{low} to {high}"
            found.append(
                BillException(login, "days-differ", f"billed for {days} days, seated for {seated}")
            )
        amount = _amount_differs(row, currency)
        if amount:
            found.append(BillException(login, "amount-differs", amount))
        if days and row["plan_known"] and row["billed_plan"] != row["plan"]:
            found.append(
                BillException(
                    login,
                    "plan-differs",
                    f"billed as {row['billed_plan']}, the seat report says {row['plan']}",
                )
            )
    return found
