"""The month's Copilot bill of a scope: what GitHub billed beside what the seat history predicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl

from analyzer.answers.bill_clocks import bill_clocks, clocks_json
from analyzer.answers.bill_people import (
    USE_FIGURES,
    breakdown_tables,
    model_table,
    people_table,
)
from analyzer.answers.bill_reconcile import billed_per_login, seat_exceptions
from analyzer.answers.bill_usage import (
    USE_SCHEMA,
    Coverage,
    coverage,
    org_usage,
    quota_plans,
    span,
    use_rows,
)
from analyzer.answers.scope import scope_snapshots
from analyzer.billing_schema import (
    AI_UNIT,
    COPILOT_FAMILIES,
    CREDIT_UNIT,
    CREDITS_FROM,
    FAMILY_CREDIT,
    FAMILY_SEAT,
    KIND_DETAILED,
    KIND_LABELS,
    REQUEST_UNIT,
    family_mask,
)
from analyzer.errors import SelectionError
from analyzer.model import BillData, BillException, Settings, SnapshotInfo
from analyzer.store.billing import BillingFile, billing_files, latest_license, load_table
from analyzer.store.folder import Store
from analyzer.timeline.seat_days import COLUMNS, month_bounds, relevant_times, seat_days

# The usage columns the bill reads (the rest stay on disk).
USAGE_READ: tuple[str, ...] = (
    "date",
    "product",
    "sku",
    "quantity",
    "unit_type",
    "net_amount",
    "login",
    "organization",
    "cost_center",
)
# AI usage reports list no day without usage: a report may start or end this many days
# inside the month (a weekend, a holiday) and still be taken as covering it.
AI_SLACK_DAYS = 3
PLAN_FROM_SEATS = "API JSON"
PLAN_FROM_QUOTA = "billing quota"


@dataclass
class _Facts:
    """What the bill learns while it is built: notes, unknown figures, coverage."""

    notes: list[str] = field(default_factory=list)
    unknown: dict[str, str] = field(default_factory=dict)
    covered_through: dict[str, date] = field(default_factory=dict)
    use_from_usage: bool = False  # premium use read from the metered usage report's rows

    def unknown_all(self, figures: tuple[str, ...], reason: str) -> None:
        """Give each figure not yet unknown this reason."""
        for figure in figures:
            self.unknown.setdefault(figure, reason)


def pick_bill_month(files: list[BillingFile], infos: list[SnapshotInfo]) -> str:
    """Return the latest month a billing file has rows in, else the latest snapshot's month."""
    days = [f.last_day for f in files if f.last_day is not None]
    if days:
        return max(days).strftime("%Y-%m")
    if infos:
        return infos[-1].as_of.strftime("%Y-%m")
    raise SelectionError("the store holds no billing files; ingest GitHub's usage report first")


def scope_rows(store: Store, scope: str, infos: list[SnapshotInfo]) -> pl.Expr | None:
    """Return the filter for a scope's billing rows; None when the store holds one scope.

    An org scope owns the rows billed to that org; an enterprise scope, the rows of every org
    its seat reports name.
    """
    if len(store.scopes()) <= 1:
        return None
    orgs = store.scan(infos, ["organization"]).unique().collect()["organization"].drop_nulls()
    return pl.col("organization").is_in([*orgs.to_list(), scope])


def _seat_history(store: Store, infos: list[SnapshotInfo], month: str, plan: str) -> pl.DataFrame:
    times = relevant_times([i.as_of for i in infos], month)
    chosen = [i for i in infos if i.as_of in times]
    rows = store.scan(chosen, COLUMNS).collect() if chosen else pl.DataFrame()
    return seat_days(rows, month, plan)


def _allowances(settings: Settings, month: str) -> dict[str, float]:
    billing = settings.billing
    promo = f"{month}-01" < billing.promotion_until
    return dict(billing.promotion_allowances if promo else billing.allowances)


def _sum(frame: pl.DataFrame, column: str) -> float:
    return float(frame[column].sum()) if frame.height else 0.0


_USAGE_FIGURES = ("seat_cost_billed", "total_billed", "credit_cost_billed")
_AI_FIGURES = ("credits_used", *USE_FIGURES)


def _usage_cover(
    facts: _Facts, files: list[BillingFile], rows: int, scoped: bool, scope: str, month: str,
    first: date, last: date,
) -> Coverage:  # fmt: skip
    """Return how the usage reports cover the month, saying why their figures are unknown."""
    cover = coverage(files, first, last, 0)
    reason = ""
    if cover.known and scoped and rows == 0:
        cover = Coverage("none")
        reason = (
            f"the usage reports for {month} hold no rows of {scope} (download the usage "
            "report of the billing entity that pays for it)"
        )
    elif cover.status == "none":
        reason = f"no usage report for {month}"
    elif cover.status == "gap":
        reason = f"the usage reports for {month} miss {span(cover.missing)}"
    if reason:
        facts.unknown_all(_USAGE_FIGURES, reason)
        facts.notes.append(f"{reason}: seat charges and the total billed unknown")
    if cover.status == "partial" and cover.through is not None:
        facts.covered_through["usage"] = cover.through
    return cover


def _ai_use(
    facts: _Facts, ai: pl.DataFrame, files: list[BillingFile], usage: pl.DataFrame,
    usage_cover: Coverage, scoped: bool, scope: str, month: str, first: date, last: date,
) -> pl.DataFrame | None:  # fmt: skip
    """Return the month's Copilot AI use rows (USE_SCHEMA), or None when no file tells it.

    A premium request or AI usage report covering the month wins; before AI credits, the
    metered usage report's premium rows stand in for a missing premium request report
    (never both: the same use would count twice).
    """
    credits_era = f"{month}-01" >= CREDITS_FROM
    label = "AI usage report" if credits_era else "premium request report"
    cover = coverage(files, first, last, AI_SLACK_DAYS)
    use: pl.DataFrame | None = None
    reason = ""
    if cover.known and scoped and ai.height == 0:
        reason = f"the {label}s for {month} hold no rows of {scope}"
    elif cover.known:
        use = use_rows(ai, premium_only=False)
    elif cover.status == "gap":
        reason = f"the {label}s for {month} miss {span(cover.missing)}"
    else:
        reason = f"no {label} for {month}"
    if use is None and not credits_era and usage_cover.known:
        premium = use_rows(usage, premium_only=True)
        if premium.height:
            use, cover, reason = premium, usage_cover, ""
            facts.use_from_usage = True
            facts.notes.append(
                f"no premium request report covers {month}: premium use is the usage "
                "report's premium request rows (no models, no quotas)"
            )
    if reason:
        facts.unknown_all(_AI_FIGURES, reason)
        facts.notes.append(f"{reason}: {'credits' if credits_era else 'premium requests'} unknown")
    if use is not None and cover.status == "partial" and cover.through is not None:
        facts.covered_through["ai"] = cover.through
    return use


def _plans(seats: pl.DataFrame, use: pl.DataFrame | None, default: str) -> pl.DataFrame:
    """Return the seats with each plan's source: API JSON, then the billing quota, then default.

    `total_monthly_quota` of the premium request and AI usage reports states a user's plan
    (300 / 1,900 Business, 1,000 / 3,900 Enterprise); a licence report's `License type` is
    the GitHub Enterprise licence and never read as one.
    """
    quotas = quota_plans(use if use is not None else pl.DataFrame(schema=USE_SCHEMA))
    known = pl.col("plan_known").fill_null(False)
    return (
        seats.join(quotas, on="login", how="left")
        .with_columns(
            pl.when(known)
            .then(pl.lit(PLAN_FROM_SEATS))
            .when(pl.col("quota_plan").is_not_null())
            .then(pl.lit(PLAN_FROM_QUOTA))
            .otherwise(pl.lit(f"configured default ({default})"))
            .alias("plan_source"),
            pl.when(known)
            .then(pl.col("plan"))
            .otherwise(pl.coalesce("quota_plan", "plan"))
            .alias("plan"),
        )
        .drop("quota_plan")
    )


def _licence_exceptions(
    store: Store, end: Any, files: list[BillingFile], scope: str, several: bool,
    seats: pl.DataFrame, billed: pl.DataFrame | None,
) -> tuple[list[BillException], BillingFile | None, pl.DataFrame | None]:  # fmt: skip
    """Return the seat holders the newest licence report does not list."""
    licence, licence_file = latest_license(
        store.root, end + timedelta(days=31), files, scope if several else None
    )
    if licence is None:
        return [], licence_file, None
    members = set(licence["login"].to_list())
    holders = set(seats.filter(pl.col("days_low") > 0)["login"].to_list())
    if billed is not None:
        holders |= set(billed["login"].to_list())
    found = [
        BillException(
            login,
            "not-in-enterprise",
            f"holds a Copilot seat but is not in the licence report "
            f"{licence_file.source_name if licence_file else ''}",
        )
        for login in sorted(holders - members)
    ]
    return found, licence_file, licence


def _use_figures(facts: _Facts, use: pl.DataFrame | None, month: str) -> dict[str, float | None]:
    """Return credits used and premium use of the month (None where no file tells them)."""
    out: dict[str, float | None] = dict.fromkeys(_AI_FIGURES)
    if f"{month}-01" >= CREDITS_FROM:
        era = f"{month} was billed in AI credits (premium requests ended {CREDITS_FROM})"
        facts.unknown.update(dict.fromkeys(USE_FIGURES[1:], era))  # (all but credits_used)
        if use is not None:
            out["credits_used"] = _sum(use.filter(pl.col("unit_type") == CREDIT_UNIT), "quantity")
        return out
    era = f"AI credits began on {CREDITS_FROM}: {month} was billed in premium requests"
    facts.unknown["credits_used"] = era
    facts.notes.append(era)
    if use is None:
        return out
    unit = pl.col("unit_type")
    out["premium_requests"] = _sum(use.filter(unit == REQUEST_UNIT), "quantity")
    out["premium_ai_units"] = _sum(use.filter(unit == AI_UNIT), "quantity")
    if use["net_amount"].null_count():
        reason = "the legacy premium request report has no amounts"
        facts.unknown_all(("premium_request_cost",), reason)
        facts.notes.append(f"{reason}: their cost unknown")
    else:
        out["premium_request_cost"] = _sum(use, "net_amount")
    return out


def _org_note(facts: _Facts, org_use: pl.DataFrame, currency: str) -> None:
    """Name the use billed to the organization without a user (it is in the totals)."""
    if org_use.is_empty():
        return
    rows = int(org_use["rows"].sum())
    orgs = ", ".join(sorted({o for o in org_use["organization"].to_list() if o})) or "?"
    cost = org_use["net_amount"].sum()
    facts.notes.append(
        f"{rows:,} row{'s' if rows != 1 else ''} without a user billed to the organization "
        f"({orgs}; {cost:,.2f} {currency}): code review for members without a Copilot "
        "licence; in the totals and the org and cost centre tables, in no person's"
    )


def build_bill(store: Store, scope: str | None, month: str | None, settings: Settings) -> BillData:
    """Compute one scope's bill for a month (default: the latest month billing files cover)."""
    scope, infos = scope_snapshots(store, scope)
    files = billing_files(store.root)
    month = month or pick_bill_month(files, infos)
    start, end, n = month_bounds(month)
    first, last = start.date(), (end - timedelta(days=1)).date()
    facts = _Facts()
    keep = scope_rows(store, scope, infos)
    usage, usage_files = load_table(store.root, "usage", first, last, files, USAGE_READ)
    ai, ai_files = load_table(store.root, "ai", first, last, files)
    if keep is not None:
        usage, ai = usage.filter(keep), ai.filter(keep)
    scoped = keep is not None
    u_cover = _usage_cover(facts, usage_files, usage.height, scoped, scope, month, first, last)
    usage_known = u_cover.known
    is_copilot = family_mask(usage, *COPILOT_FAMILIES)
    copilot, others = usage.filter(is_copilot), usage.filter(~is_copilot)
    seat_rows = copilot.filter(family_mask(copilot, FAMILY_SEAT))
    credit_rows = copilot.filter(family_mask(copilot, FAMILY_CREDIT))
    detailed = [f for f in usage_files if f.kind == KIND_DETAILED]
    per_login = u_cover.status == "whole" and coverage(detailed, first, last, 0).status == "whole"
    if usage_known and not per_login:
        facts.notes.append(
            "the per-login reconciliation needs the detailed usage report for the whole month"
        )
    use = _ai_use(facts, ai, ai_files, usage, u_cover, scoped, scope, month, first, last)

    seats = _plans(
        _seat_history(store, infos, month, settings.default_plan), use, settings.default_plan
    )
    prices = settings.prices
    price = pl.col("plan").replace_strict(prices, default=prices[settings.default_plan])
    seats = seats.with_columns(
        seat_cost_expected=price * pl.col("days_high") / n,
        seat_cost_expected_low=price * pl.col("days_low") / n,
    )
    if not seats.height:
        facts.unknown_all(
            ("seat_cost_expected", "seat_cost_expected_low"), f"no seat report of {month}"
        )
    billed = billed_per_login(seat_rows) if per_login else None
    exceptions = (
        seat_exceptions(billed, seats, month, settings.currency, prices, n)
        if billed is not None
        else []
    )
    found, licence_file, licence = _licence_exceptions(
        store, end, files, scope, scoped, seats, billed
    )
    exceptions = sorted([*exceptions, *found], key=lambda e: (e.login, e.kind))

    allowances = _allowances(settings, month)
    credits_era = f"{month}-01" >= CREDITS_FROM
    if billed is not None:
        plans = billed["billed_plan"].value_counts()
        licences = {r["billed_plan"]: int(r["count"]) for r in plans.iter_rows(named=True)}
    else:
        held = seats.filter(pl.col("days_low") > 0)["plan"].value_counts()
        licences = {r["plan"]: int(r["count"]) for r in held.iter_rows(named=True)}
        if credits_era and seats.height:
            facts.notes.append("the credit pool counts the seats the seat history surely holds")
    figures = _use_figures(facts, use, month)
    credits_used = figures["credits_used"]
    credit_pool = overage = overage_cost = None
    if credits_era:
        if billed is not None or seats.height:
            credit_pool = sum(allowances.get(p, 0.0) * c for p, c in licences.items())
        else:
            facts.unknown["credit_pool"] = (
                f"no licence count for {month}: neither a detailed usage report nor a seat "
                "report of the month says how many licences fill the pool"
            )
        if credits_used is not None and credit_pool is not None:
            overage = max(0.0, credits_used - credit_pool)
            overage_cost = overage * settings.billing.credit_price
        reason = facts.unknown.get("credits_used") or facts.unknown.get("credit_pool", "")
        facts.unknown_all(("credit_overage", "credit_overage_cost"), reason)
    else:
        facts.unknown_all(
            ("credit_pool", "credit_overage", "credit_overage_cost"), facts.unknown["credits_used"]
        )

    people = people_table(store, infos, month, settings, seats, billed, use, licence, overage_cost)
    unknown_use = [pl.lit(None, pl.Float64).alias(c) for c in USE_FIGURES if figures[c] is None]
    # (a summarized usage report has no users at all: its rows are not billed to the org)
    orgs_known = use is not None and not facts.use_from_usage
    org_use = org_usage(use).with_columns(unknown_use) if use is not None and orgs_known else None
    people = people.with_columns(unknown_use)
    if org_use is not None:
        _org_note(facts, org_use, settings.currency)
    sources = [
        f"{KIND_LABELS[f.kind]}: {f.source_name} ({f.period()})"
        for f in [*usage_files, *ai_files, *([licence_file] if licence_file else [])]
    ]
    plan_sources = {
        str(r["plan_source"]): int(r["count"])
        for r in seats["plan_source"].value_counts().sort("plan_source").iter_rows(named=True)
    }
    if plan_sources:
        sources.append("plans: " + ", ".join(f"{c:,} from {s}" for s, c in plan_sources.items()))
    credits = use.filter(pl.col("unit_type") == CREDIT_UNIT) if use is not None else None
    return BillData(
        scope=scope,
        month=month,
        currency=settings.currency,
        seat_cost_billed=_sum(seat_rows, "net_amount") if usage_known else None,
        seat_cost_expected=_sum(seats, "seat_cost_expected") if seats.height else None,
        seat_cost_expected_low=_sum(seats, "seat_cost_expected_low") if seats.height else None,
        credits_used=credits_used,
        credit_pool=credit_pool,
        credit_overage=overage,
        credit_overage_cost=overage_cost,
        credit_cost_billed=_sum(credit_rows, "net_amount") if usage_known else None,
        premium_requests=figures["premium_requests"],
        premium_request_cost=figures["premium_request_cost"],
        total_billed=_sum(copilot, "net_amount") if usage_known else None,
        other_rows=others.height,
        other_net=_sum(others, "net_amount"),
        licences=dict(sorted(licences.items())),
        credit_price=settings.billing.credit_price,
        allowances=allowances,
        exceptions=tuple(exceptions),
        notes=tuple(facts.notes),
        sources=tuple(sources),
        people=people,
        breakdowns=breakdown_tables(people, org_use),
        models=model_table(use),
        daily=(
            credits.group_by("date")
            .agg(pl.col("quantity").sum().alias("credits_used"))
            .sort("date")
            .with_columns(cumulative=pl.col("credits_used").cum_sum())
            if credits is not None
            else pl.DataFrame(
                schema={"date": pl.Date, "credits_used": pl.Float64, "cumulative": pl.Float64}
            )
        ),
        unknown=dict(sorted(facts.unknown.items())),
        premium_ai_units=figures["premium_ai_units"],
        covered_through=facts.covered_through,
        days_in_month=n,
        plan_sources=plan_sources,
        org_usage=org_use,
        clocks=bill_clocks(month, settings.billing.billing_day),
    )


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


_MONEY = ("premium_request_cost", "net_amount")


def _amount(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def bill_json(data: BillData) -> dict[str, Any]:
    """Return the `bill --json` object (null for every figure whose file is missing)."""
    return {
        "scope": data.scope,
        "month": data.month,
        "currency": data.currency,
        "seat_cost_billed": _money(data.seat_cost_billed),
        "seat_cost_expected": _money(data.seat_cost_expected),
        "seat_cost_expected_low": _money(data.seat_cost_expected_low),
        "credits_used": _amount(data.credits_used),
        "credit_pool": _amount(data.credit_pool),
        "credit_overage": _amount(data.credit_overage),
        "credit_overage_cost": _money(data.credit_overage_cost),
        "credit_cost_billed": _money(data.credit_cost_billed),
        "premium_requests": _amount(data.premium_requests),
        "premium_ai_units": _amount(data.premium_ai_units),
        "premium_request_cost": _money(data.premium_request_cost),
        "total_billed": _money(data.total_billed),
        "licences": data.licences,
        "credit_price": data.credit_price,
        "allowances": data.allowances,
        "other_products": {"rows": data.other_rows, "net_amount": _money(data.other_net)},
        "exceptions": [
            {"login": e.login, "kind": e.kind, "detail": e.detail} for e in data.exceptions
        ],
        "covered_through": {t: d.isoformat() for t, d in sorted(data.covered_through.items())},
        "unknown": dict(data.unknown),
        "plan_sources": dict(data.plan_sources),
        "billed_to_organization": (
            [
                {
                    k: (_money(v) if k in _MONEY else _amount(v)) if isinstance(v, float) else v
                    for k, v in row.items()
                }
                for row in data.org_usage.to_dicts()
            ]
            if data.org_usage is not None
            else []
        ),
        **clocks_json(data),
        "notes": list(data.notes),
        "sources": list(data.sources),
    }
