"""Next month's Copilot cost under the credit pool: seats, expected credits, overage (estimates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from analyzer.answers.credit_months import MonthCredits, allowances_for, month_credits
from analyzer.answers.queries import Reclaim, get_reclaim
from analyzer.answers.reclaim_net import (
    SPREAD_MONTHS,
    Outlook,
    candidate_savings,
    credit_outlook,
    pool_of,
    total_net,
)
from analyzer.answers.scope import scope_snapshots
from analyzer.metering.credits import Expectation, expected_credits, overage
from analyzer.metering.projection import Projection, project_month
from analyzer.metering.spenders import Cohorts, Fairness, cohorts, pool_fairness
from analyzer.model import Settings
from analyzer.store.folder import Store


@dataclass(frozen=True)
class Scenario:
    """Next month's credits and their cost from one base month (an estimate)."""

    expectation: Expectation
    credit_overage: float | None  # None: no pool (the premium-request era)
    credit_overage_cost: float | None
    total: float | None  # seat cost + overage cost


@dataclass(frozen=True)
class Forecast:
    """The answer to `forecast`: next month's seats, credits, pool and overage, labelled."""

    scope: str
    month: str
    currency: str
    after_reclaim: bool
    seats: int
    seats_by_plan: dict[str, int]
    seat_cost: float
    seats_as_of: datetime
    credit_pool: float | None
    credit_price: float
    expected: Scenario | None  # None: no fully covered month of credits
    low: Scenario | None
    high: Scenario | None
    month_to_date: Projection | None
    cohorts: Cohorts | None
    fairness: Fairness | None
    pool_line: str | None
    spenders: pl.DataFrame | None  # login, plan, cost_center, licensed, credits (base month)
    candidates: pl.DataFrame  # the reclaim list with net_saving and marginal_net_saving
    reclaim_gross_saving: float
    reclaim_net_saving: float | None  # None: credits unknown
    notes: tuple[str, ...]

    @property
    def method(self) -> str:
        """Return how the figures were estimated, naming the months used."""
        if self.expected is None:
            return "no estimate of credits: " + "; ".join(self.notes)
        return self.expected.expectation.method

    @property
    def months_used(self) -> tuple[str, ...]:
        """Return the base months of the expected, low and high figures (newest first)."""
        scen = [s for s in (self.expected, self.low, self.high) if s is not None]
        return tuple(sorted({s.expectation.base_month for s in scen}, reverse=True))


def _scenario(expect: Expectation, pool: float | None, seat_cost: float, price: float) -> Scenario:
    if pool is None:
        return Scenario(expect, None, None, None)
    over = overage(expect.credits, pool)
    return Scenario(expect, over, over * price, seat_cost + over * price)


def _plans(frame: pl.DataFrame) -> dict[str, int]:
    counts = frame["plan"].value_counts().sort("plan")
    return {str(r["plan"]): int(r["count"]) for r in counts.iter_rows(named=True)}


def _users(reclaim: Reclaim, base: MonthCredits) -> pl.DataFrame:
    """Return every seated or credit-using login with plan, cost centre, licence and credits."""
    seats = reclaim.seats.select(
        "login", "plan", pl.col("cost_center").alias("_seat_cc"), pl.lit(True).alias("licensed")
    )
    used = base.per_login().rename({"cost_center": "_ai_cc"})
    both = seats.join(used, on="login", how="full", coalesce=True)
    return both.select(
        "login",
        "plan",
        pl.coalesce("_seat_cc", "_ai_cc").alias("cost_center"),
        pl.col("licensed").fill_null(False),
        pl.col("credits").fill_null(0.0),
    )


def _scenarios(
    known: list[MonthCredits],
    outlook: Outlook,
    gone: list[str],
    pool: float | None,
    seat_cost: float,
    price: float,
) -> list[Scenario]:
    """Return one scenario per known month, newest first (less the users `gone`)."""
    found = []
    for m in known:
        mine = m.per_login().filter(pl.col("login").is_in(gone))["credits"].sum() if gone else 0
        e = expected_credits(m.month, max(0.0, m.credits - float(mine)), outlook.month)
        found.append(_scenario(e, pool, seat_cost, price))
    return found


def _month_to_date(
    credits: dict[str, MonthCredits], outlook: Outlook, seats: pl.DataFrame, settings: Settings
) -> Projection | None:
    """Return the projection of the latest month when the reports cover it only in part."""
    last = credits.get(outlook.latest) if outlook.latest else None
    if last is None or last.full or last.covered_through is None or last.month >= outlook.month:
        return None
    pool = pool_of(seats, last.month, settings)
    price = settings.billing.credit_price
    return project_month(last.month, last.daily(), last.covered_through, True, pool, price)


def build_forecast(
    store: Store,
    scope: str | None,
    month: str | None,
    after_reclaim: bool,
    settings: Settings,
    reclaim: Reclaim | None = None,
) -> Forecast:
    """Forecast a month (default: the month after the latest AI usage report's) from the store.

    `reclaim` is the latest snapshot's `get_reclaim` (net savings not needed) when the caller
    has it already (the monthly report): it is then not computed again.
    """
    scope, infos = scope_snapshots(store, scope)
    outlook = credit_outlook(store, month, infos[-1].as_of.strftime("%Y-%m"))
    wanted = list(outlook.full[:SPREAD_MONTHS])
    if outlook.latest and outlook.latest < outlook.month and outlook.latest not in wanted:
        wanted.append(outlook.latest)
    credits = month_credits(store, scope, wanted) if wanted else {}
    known = [credits[m] for m in outlook.full[:SPREAD_MONTHS] if credits[m].full]
    base = known[0] if known else None
    if reclaim is None:
        reclaim = get_reclaim(store, scope, settings, None, net_savings=False, follow=False)
    ahead = reclaim.seats.filter(~pl.col("pending_cancellation").fill_null(False))
    expect = expected_credits(base.month, base.credits, outlook.month) if base else None
    pool_before = pool_of(ahead, outlook.month, settings)
    candidates = candidate_savings(
        reclaim.candidates, base, expect, pool_before, settings, outlook.month
    )
    if after_reclaim:
        ahead = ahead.filter(~pl.col("reclaim").fill_null(False))
    seat_cost = float(ahead["monthly_cost"].sum())
    pool = pool_of(ahead, outlook.month, settings)
    notes = list(outlook.notes)
    if outlook.full and not known:
        notes.append(f"the AI usage reports hold no rows of {scope}: credits not forecast")
    if pool is None:
        notes.append(f"{outlook.month} is before the AI-credit pool (2026-06): no pool, no overage")
    price = settings.billing.credit_price
    gone = candidates["login"].to_list() if after_reclaim else []
    scenarios = _scenarios(known, outlook, gone, pool, seat_cost, price)
    spread = sorted(scenarios, key=lambda s: s.expectation.credits) if len(scenarios) > 1 else []
    users = _users(reclaim, base) if base else None
    return Forecast(
        scope=scope,
        month=outlook.month,
        currency=settings.currency,
        after_reclaim=after_reclaim,
        seats=ahead.height,
        seats_by_plan=_plans(ahead),
        seat_cost=seat_cost,
        seats_as_of=reclaim.summary.as_of.astimezone(UTC),
        credit_pool=pool,
        credit_price=price,
        expected=scenarios[0] if scenarios else None,
        low=spread[0] if spread else None,
        high=spread[-1] if spread else None,
        month_to_date=_month_to_date(credits, outlook, reclaim.seats, settings),
        cohorts=cohorts(users) if users is not None else None,
        fairness=(
            pool_fairness(users, allowances_for(settings.billing, base.month))
            if users is not None and base
            else None
        ),
        pool_line=_pool_line(users, base) if users is not None and base else None,
        spenders=users,
        candidates=candidates,
        reclaim_gross_saving=float(candidates["monthly_cost"].sum()),
        reclaim_net_saving=total_net(candidates),
        notes=tuple(notes),
    )


def _pool_line(users: pl.DataFrame, base: MonthCredits) -> str:
    licensed = users.filter(pl.col("licensed"))
    using = int((licensed["credits"] > 0).sum())
    return (
        f"pool from {licensed.height:,} licences, {using:,} of whose users appear in the AI usage "
        f"report of {base.month}"
    )
