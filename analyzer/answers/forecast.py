"""Next month's Copilot cost under the credit pool: seats, expected credits, overage (estimates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from analyzer.answers.credit_months import (
    MonthCredits,
    ai_files,
    allowances_for,
    latest_credit_month,
    month_credits,
    months_back,
)
from analyzer.answers.queries import Reclaim, get_reclaim
from analyzer.answers.scope import scope_snapshots
from analyzer.metering.credits import (
    Expectation,
    expected_credits,
    is_pooled,
    marginal_net_savings,
    next_month,
    overage,
    previous_month,
)
from analyzer.metering.projection import Projection, project_month
from analyzer.metering.spenders import Cohorts, Fairness, cohorts, pool_fairness
from analyzer.model import Settings
from analyzer.store.folder import Store

SPREAD_MONTHS = 3  # low and high come from the last three fully covered months


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
    return {
        str(r["plan"]): int(r["count"])
        for r in frame["plan"].value_counts().sort("plan").iter_rows(named=True)
    }


def _allowance(allowances: dict[str, float]) -> pl.Expr:
    return pl.col("plan").replace_strict(allowances, default=0.0, return_dtype=pl.Float64)


def _pool(seats: pl.DataFrame, month: str, settings: Settings) -> float | None:
    if not is_pooled(month):
        return None
    return float(
        seats.select(_allowance(allowances_for(settings.billing, month)).sum()).item() or 0.0
    )


def _candidates(
    reclaim: Reclaim,
    base: MonthCredits | None,
    expect: Expectation | None,
    pool: float | None,
    settings: Settings,
    month: str,
) -> pl.DataFrame:
    """Return the reclaim list with each candidate's expected credits and net savings."""
    table = reclaim.candidates.with_columns(
        _allowance(allowances_for(settings.billing, month)).alias("allowance")
    )
    if base is None or expect is None or pool is None:
        pooled = not is_pooled(month)  # before the pool the gross is the net, credits or not
        table = table.with_columns(pl.lit(None, pl.Float64).alias("credits"))
        if pooled:
            return marginal_net_savings(table, 0.0, 0.0, 0.0, pooled=False)
        return table.with_columns(
            pl.lit(None, pl.Float64).alias("net_saving"),
            pl.lit(None, pl.Float64).alias("marginal_net_saving"),
        )
    scale = expect.credits / expect.base_credits if expect.base_credits else 1.0
    used = base.per_login().select("login", (pl.col("credits") * scale).alias("credits"))
    table = table.join(used, on="login", how="left", maintain_order="left").with_columns(
        pl.col("credits").fill_null(0.0)
    )
    return marginal_net_savings(table, expect.credits, pool, settings.billing.credit_price)


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


def build_forecast(
    store: Store, scope: str | None, month: str | None, after_reclaim: bool, settings: Settings
) -> Forecast:
    """Forecast a month (default: the month after the latest AI usage report's) from the store."""
    scope, infos = scope_snapshots(store, scope)
    files = ai_files(store)
    latest = latest_credit_month(files) if files else None
    target = month or next_month(latest or infos[-1].as_of.strftime("%Y-%m"))
    wanted = months_back(previous_month(target), SPREAD_MONTHS + 1)
    if latest is not None and latest < target and latest not in wanted:
        wanted.append(latest)
    credits = month_credits(store, scope, wanted) if files else {}
    notes: list[str] = []
    full = [
        credits[m]
        for m in months_back(previous_month(target), SPREAD_MONTHS + 1)
        if m in credits and credits[m].full and is_pooled(m)
    ]
    if not files:
        notes.append("no AI usage report in the store: credits not forecast")
    elif not full:
        notes.append(
            f"no fully covered month of AI credits in the {SPREAD_MONTHS + 1} months before "
            f"{target}: credits not forecast"
        )

    reclaim = get_reclaim(store, scope, settings, None)
    nxt = reclaim.seats.filter(~pl.col("pending_cancellation").fill_null(False))
    base = full[0] if full else None
    pool_before = _pool(nxt, target, settings)
    expect = expected_credits(base.month, base.credits, target) if base else None
    candidates = _candidates(reclaim, base, expect, pool_before, settings, target)
    if after_reclaim:
        nxt = nxt.filter(~pl.col("reclaim").fill_null(False))
    seat_cost = float(nxt["monthly_cost"].sum())
    pool = _pool(nxt, target, settings)
    if pool is None:
        notes.append(f"{target} is before the AI-credit pool (2026-06): no pool, no overage")
    price = settings.billing.credit_price
    scenarios: list[Scenario] = []
    gone = candidates["login"].to_list() if after_reclaim else []
    for m in full[:SPREAD_MONTHS]:
        mine = m.per_login().filter(pl.col("login").is_in(gone))["credits"].sum() if gone else 0.0
        e = expected_credits(m.month, max(0.0, m.credits - float(mine)), target)
        scenarios.append(_scenario(e, pool, seat_cost, price))
    spread = scenarios if len(scenarios) > 1 else []
    by_credits = sorted(spread, key=lambda s: s.expectation.credits)
    last = credits.get(latest) if latest else None
    mtd = None
    if (
        last is not None
        and not last.full
        and last.covered_through is not None
        and latest is not None
        and latest < target
    ):
        pool_now = _pool(reclaim.seats, latest, settings)
        mtd = project_month(latest, last.daily(), last.covered_through, True, pool_now, price)
    users = _users(reclaim, base) if base else None
    net = candidates["net_saving"]
    return Forecast(
        scope=scope,
        month=target,
        currency=settings.currency,
        after_reclaim=after_reclaim,
        seats=nxt.height,
        seats_by_plan=_plans(nxt),
        seat_cost=seat_cost,
        seats_as_of=reclaim.summary.as_of.astimezone(UTC),
        credit_pool=pool,
        credit_price=price,
        expected=scenarios[0] if scenarios else None,
        low=by_credits[0] if by_credits else None,
        high=by_credits[-1] if by_credits else None,
        month_to_date=mtd,
        cohorts=cohorts(users) if users is not None else None,
        fairness=pool_fairness(users, allowances_for(settings.billing, base.month))
        if users is not None and base
        else None,
        pool_line=_pool_line(users, base) if users is not None and base else None,
        candidates=candidates,
        reclaim_gross_saving=float(candidates["monthly_cost"].sum()),
        reclaim_net_saving=_last(net),
        notes=tuple(notes),
    )


def _last(net: pl.Series) -> float | None:
    """Return the net saving of the whole list: 0 without candidates, None when unknown."""
    if not net.len():
        return 0.0
    value = net[-1]
    return None if value is None else float(value)


def _pool_line(users: pl.DataFrame, base: MonthCredits) -> str:
    licensed = users.filter(pl.col("licensed"))
    using = int((licensed["credits"] > 0).sum())
    return (
        f"pool from {licensed.height:,} licences, {using:,} of whose users appear in the AI usage "
        f"report of {base.month}"
    )
