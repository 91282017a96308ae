"""A scope's AI credits month by month, with how far the stored reports cover each month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from analyzer.answers.bill import AI_SLACK_DAYS, scope_rows
from analyzer.answers.scope import scope_snapshots
from analyzer.billing_schema import CREDIT_UNIT, TABLE_OF_KIND
from analyzer.errors import SelectionError
from analyzer.metering.credits import days_in, is_pooled, previous_month
from analyzer.model import BillingSettings
from analyzer.store.billing import BillingFile, billing_files, load_table
from analyzer.store.folder import Store

_AI_READ = ("date", "login", "quantity", "unit_type", "organization", "cost_center")


@dataclass(frozen=True)
class MonthCredits:
    """One month's AI credits as the stored AI usage reports hold them."""

    month: str
    full: bool  # every day covered (a few days at either end forgiven, as the bill does)
    covered_through: date | None  # the last day of the run covered from the 1st (None: none)
    credits: float  # of the covered days
    usage: pl.DataFrame  # login, date, credits, cost_center (one row per report row)

    def per_login(self) -> pl.DataFrame:
        """Return login, credits and the first cost centre the rows name, per login."""
        return (
            self.usage.filter(pl.col("login").is_not_null())
            .group_by("login")
            .agg(pl.col("credits").sum(), pl.col("cost_center").drop_nulls().first())
        )

    def daily(self) -> pl.DataFrame:
        """Return date and credits per day, in date order."""
        return self.usage.group_by("date").agg(pl.col("credits").sum()).sort("date")


def _month_first(month: str) -> date:
    return date.fromisoformat(f"{month}-01")


def _coverage(files: list[BillingFile], month: str) -> tuple[bool, date | None]:
    """Return whether the files cover the month, and the last day of the run from its 1st."""
    first = _month_first(month)
    last = first + timedelta(days=days_in(month) - 1)
    covered: set[date] = set()
    for f in files:
        if f.first_day is None or f.last_day is None:
            continue
        day = max(f.first_day, first)
        while day <= min(f.last_day, last):
            covered.add(day)
            day += timedelta(days=1)
    if not covered:
        return False, None
    lo, hi = min(covered), max(covered)
    run = (hi - lo).days + 1 == len(covered) and (lo - first).days <= AI_SLACK_DAYS
    if not run:
        return False, None
    return (last - hi).days <= AI_SLACK_DAYS, hi


def ai_files(store: Store) -> list[BillingFile]:
    """Return the stored AI usage (and premium request) reports."""
    return [f for f in billing_files(store.root) if TABLE_OF_KIND[f.kind] == "ai"]


def latest_credit_month(files: list[BillingFile]) -> str:
    """Return the latest month an AI usage report has rows in."""
    days = [f.last_day for f in files if f.last_day is not None]
    if not days:
        raise SelectionError(
            "the store holds no AI usage report; ingest GitHub's AI usage report (Billing > "
            "Usage > AI usage, Get usage report) first"
        )
    return max(days).strftime("%Y-%m")


def full_months(files: list[BillingFile], months: list[str]) -> list[str]:
    """Return the months (in the order given) of the pool the files cover fully."""
    return [m for m in months if is_pooled(m) and _coverage(files, m)[0]]


def month_credits(store: Store, scope: str | None, months: list[str]) -> dict[str, MonthCredits]:
    """Return each month's credits of a scope.

    Each month is read on its own: only the reports overlapping it are opened, and a month
    held by one report needs no merge of overlapping downloads.
    """
    scope, infos = scope_snapshots(store, scope)
    files = ai_files(store)
    keep = scope_rows(store, scope, infos)
    found: dict[str, MonthCredits] = {}
    for month in months:
        full, through = _coverage(files, month)
        first = _month_first(month)
        last = through or first + timedelta(days=days_in(month) - 1)
        rows, _ = load_table(store.root, "ai", first, last, files, _AI_READ)
        if keep is not None:
            rows = rows.filter(keep)
            if rows.is_empty():  # the reports are another billing entity's: this scope unknown
                full, through = False, None
        usage = rows.filter(pl.col("unit_type") == CREDIT_UNIT).select(
            "login", "date", pl.col("quantity").alias("credits"), "cost_center"
        )
        found[month] = MonthCredits(month, full, through, float(usage["credits"].sum()), usage)
    return found


def months_back(month: str, count: int) -> list[str]:
    """Return `month` and the `count - 1` months before it, newest first."""
    out = [month]
    while len(out) < count:
        out.append(previous_month(out[-1]))
    return out


def allowances_for(billing: BillingSettings, month: str) -> dict[str, float]:
    """Return each plan's credits per licence in a month (the promotion while it runs)."""
    promo = f"{month}-01" < billing.promotion_until
    return dict(billing.promotion_allowances if promo else billing.allowances)
