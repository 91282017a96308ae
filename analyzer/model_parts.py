"""Frozen objects of the bill, the forecast and usage activity, re-exported by model.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class ForecastData:
    """Next month's estimate for the report, as `forecast` computes it (docs/forecast.md).

    Frames: users (login, credits: the base month's credits per user, most first);
    cohorts (cohort, users, credits, share, mean, median); fairness (cost_center, licences,
    contributed, consumed, balance). Every figure is an estimate named by `method`.
    """

    month: str
    method: str
    months_used: tuple[str, ...]
    seats_by_plan: dict[str, int]  # next month's seats (pending cancellations left out)
    reclaim_by_plan: dict[str, int]  # the reclaim candidates among them
    allowances: dict[str, float]  # credits per licence in `month`
    credit_price: float
    credits_expected: float | None  # None: no fully covered month of credits
    reclaim_credits: float  # the candidates' own expected credits
    pooled: bool  # `month` is in the credit-pool era
    seat_cost: float
    credit_pool: float | None
    credit_overage: float | None
    credit_overage_cost: float | None
    total: float | None
    reclaim_gross: float
    reclaim_net: float | None
    projection: pl.DataFrame | None  # the latest partly covered month: date, cumulative,
    # projected, low, high (Projection.by_day)
    projection_pool: float | None  # that month's pool
    projection_note: str | None
    users: pl.DataFrame
    cohorts: pl.DataFrame | None
    cohort_headline: str | None
    fairness: pl.DataFrame | None
    pool_line: str | None
    notes: tuple[str, ...]
    # The base month's overage cost so far, as it happened and with a user budget of
    # `budget_level` credits each (the main plan's allowance): date, actual_cost,
    # simulated_cost; None when the month's credits or pool are unknown.
    budget_daily: pl.DataFrame | None = None
    budget_level: float | None = None
    budget_month: str | None = None


@dataclass(frozen=True)
class BillException:
    """One login whose bill the seat history does not explain (kinds: analyzer.codes)."""

    login: str
    kind: str
    detail: str


# The two clocks a bill figure follows (docs/bill.md, "Two clocks").
SEAT_CYCLE = "seat cycle"
CALENDAR_MONTH = "calendar month"


@dataclass(frozen=True)
class BillClocks:
    """The two clocks of a month whose seat billing cycle does not start on the 1st.

    Seats are billed on the account's cycle (from `billing_day`); the AI-credit pool resets
    on the 1st of each calendar month. The bill's figures are all summed over the calendar
    month's days: these dates only say which clock each figure follows.
    """

    billing_day: int
    seat_from: date  # the seat cycle that starts in the bill's month
    seat_to: date
    credit_from: date  # the calendar month
    credit_to: date

    def note(self) -> str:
        """Return the one sentence every renderer shows about the two clocks."""
        return (
            f"Two clocks: seats are billed on the account's cycle from day {self.billing_day} "
            f"(seat cycle {self.seat_from.isoformat()} to {self.seat_to.isoformat()}), while "
            "the AI-credit pool resets on the 1st of each calendar month (calendar month "
            f"{self.credit_from.isoformat()} to {self.credit_to.isoformat()}). Every figure "
            "here sums the usage report's daily rows of the calendar month: the seat figures "
            '(labelled "seat cycle") are charges GitHub invoices on the seat cycle, counted '
            "here by calendar day, so they need not match one seat invoice."
        )


@dataclass(frozen=True)
class BillData:
    """The month's Copilot bill of one scope, reconciled with its seat history; computed once.

    A figure is None when the file it needs is missing or does not cover the month (`notes`
    says which); it is never a silent zero. Frames:
    - people: login, plan, orgs, primary_org, team, cost_center, state, days_billed,
      days_low, days_high, seat_cost_billed, seat_cost_expected, credits_used,
      premium_requests, overage_share, total_cost, idle_with_credits (bool), heavy (bool)
    - breakdowns: {"org" | "team" | "cost_center": frame} with key, seats, seat_cost_billed,
      seat_cost_expected, credits_used, premium_requests, overage_share, total_cost
    - models: model, credits_used, premium_requests, users (most credits first)
    - daily: date, credits_used, cumulative (credits of the month so far)
    """

    scope: str
    month: str
    currency: str
    seat_cost_billed: float | None
    seat_cost_expected: float | None  # the most the seat history allows
    seat_cost_expected_low: float | None  # the least it allows
    credits_used: float | None
    credit_pool: float | None
    credit_overage: float | None
    credit_overage_cost: float | None
    credit_cost_billed: float | None  # net of the usage report's AI credit rows
    premium_requests: float | None
    premium_request_cost: float | None
    total_billed: float | None
    other_rows: int  # usage rows of other products (not Copilot), left out
    other_net: float
    licences: dict[str, int]  # plan -> licences the pool counts
    credit_price: float
    allowances: dict[str, float]  # plan -> credits per licence this month
    exceptions: tuple[BillException, ...]
    notes: tuple[str, ...]
    sources: tuple[str, ...]  # billing files used
    people: pl.DataFrame
    breakdowns: dict[str, pl.DataFrame]
    models: pl.DataFrame
    daily: pl.DataFrame
    # figure -> why it is unknown; every renderer reads the reason here, never from the notes.
    unknown: dict[str, str] = field(default_factory=dict)
    premium_ai_units: float | None = None  # premium use priced in ai-units (March-May 2026)
    # table ("usage", "ai") -> the last day its files cover when they stop before the month's
    # end (figures are to that day); absent when the month is whole or no file covers it.
    covered_through: dict[str, date] = field(default_factory=dict)
    days_in_month: int = 31
    plan_sources: dict[str, int] = field(default_factory=dict)  # where each plan came from
    # usage billed to the organization, no user (code review for members without a licence):
    # organization, cost_center, rows, premium_requests, premium_ai_units, credits_used, cost
    org_usage: pl.DataFrame | None = None
    # the seat cycle and the calendar month, when the billing day is not the 1st (else None)
    clocks: BillClocks | None = None

    def clocked(self, label: str, clock: str) -> str:
        """Return `label` naming its clock ("Seat charges (seat cycle)") when the clocks differ.

        With the seat billing cycle on the 1st both clocks agree and the label stays as it is.
        """
        return label if self.clocks is None else f"{label} ({clock})"

    def coverage(self, table: str) -> str:
        """Return "to 2026-03-25, 25 of 31 days" when a table's files stop early, else ""."""
        through = self.covered_through.get(table)
        if through is None:
            return ""
        return f"to {through.isoformat()}, {through.day} of {self.days_in_month} days"

    def reconciliation(self) -> str:
        """Return the one-line account of billed against expected seat charges."""
        if self.seat_cost_billed is None:
            return f"seat charges billed unknown: {self.unknown.get('seat_cost_billed', '')}"
        if "usage" in self.covered_through:
            return (
                f"seat charges billed {self.seat_cost_billed:,.2f} {self.currency} "
                f"({self.coverage('usage')}); the reconciliation needs the whole month"
            )
        if self.seat_cost_expected is None:
            return f"seat charges billed {self.seat_cost_billed:,.2f} {self.currency}"
        low, high = self.seat_cost_expected_low or 0.0, self.seat_cost_expected
        expected = f"{high:,.2f}" if abs(high - low) < 0.005 else f"{low:,.2f} to {high:,.2f}"
        count = len(self.exceptions)
        return (
            f"seat charges billed {self.seat_cost_billed:,.2f} {self.currency}, the seat "
            f"history expects {expected}; "
            + (f"{count:,} exception{'s' if count != 1 else ''}" if count else "no exceptions")
        )


@dataclass(frozen=True)
class ActiveUse:
    """GitHub's dashboard figures over a usage window; each None where the export lacks it.

    - daily_active_users: the aggregate report's `daily_active_users` averaged over the
      window's days, else users with a record per covered day, averaged over those days;
    - weekly_active_users: the aggregate report's `weekly_active_users` on the window's
      last day, else users with a record in the window's last 7 days (all covered);
    - acceptance_rate: code completion's accepted / generated suggestions over the covered
      days (`code_acceptance_activity_count / code_generation_activity_count`).
    """

    daily_active_users: float | None
    weekly_active_users: int | None
    daily_from: str  # "the aggregate report" or "per-user records"; "" when unknown
    weekly_from: str
    acceptances: int | None
    generations: int | None

    @property
    def acceptance_rate(self) -> float | None:
        """Return accepted / generated code completions, None when either is unknown or 0."""
        if self.acceptances is None or not self.generations:
            return None
        return self.acceptances / self.generations
