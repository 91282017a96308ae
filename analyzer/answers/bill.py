"""The month's Copilot bill of a scope: what GitHub billed beside what the seat history predicts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl

from analyzer.answers.bill_people import breakdown_tables, model_table, people_table
from analyzer.answers.scope import scope_snapshots
from analyzer.billing_schema import (
    COPILOT_PRODUCT,
    CREDIT_SKUS,
    CREDIT_UNIT,
    CREDITS_FROM,
    KIND_DETAILED,
    KIND_LABELS,
    REQUEST_UNIT,
    SEAT_SKUS,
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
    "net_amount",
    "login",
    "organization",
    "cost_center",
)
# AI usage reports list no day without usage: a report may start or end this many days
# inside the month (a weekend, a holiday) and still be taken as covering it.
AI_SLACK_DAYS = 3


def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


def _uncovered(files: list[BillingFile], first: date, last: date, slack: int) -> list[date]:
    """Return the month's days no file's period covers (ends within `slack` days forgiven)."""
    covered: set[date] = set()
    for f in files:
        if f.first_day is not None and f.last_day is not None:
            covered |= _days(f.first_day, f.last_day)
    missing = sorted(_days(first, last) - covered)
    if slack and covered:
        lo, hi = min(covered), max(covered)
        inner = [d for d in missing if lo <= d <= hi]
        head = [d for d in missing if d < lo]
        tail = [d for d in missing if d > hi]
        if inner or len(head) > slack or len(tail) > slack:
            return missing
        return []
    return missing


def _span(days: list[date]) -> str:
    return days[0].isoformat() if len(days) == 1 else f"{days[0]}..{days[-1]} ({len(days)} days)"


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


def _billed_per_login(seat_rows: pl.DataFrame) -> pl.DataFrame:
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


def _exceptions(
    billed: pl.DataFrame, seats: pl.DataFrame, month: str, currency: str
) -> list[BillException]:
    """Return every login whose billed days or plan the seat history does not explain."""
    found: list[BillException] = []
    both = billed.join(seats, on="login", how="full", coalesce=True)
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
        if days and row["plan_known"] and row["billed_plan"] != row["plan"]:
            found.append(
                BillException(
                    login,
                    "plan-differs",
                    f"billed as {row['billed_plan']}, the seat report says {row['plan']}",
                )
            )
    return found


def _sum(frame: pl.DataFrame, column: str) -> float:
    return float(frame[column].sum()) if frame.height else 0.0


def build_bill(store: Store, scope: str | None, month: str | None, settings: Settings) -> BillData:
    """Compute one scope's bill for a month (default: the latest month billing files cover)."""
    scope, infos = scope_snapshots(store, scope)
    files = billing_files(store.root)
    month = month or pick_bill_month(files, infos)
    start, end, n = month_bounds(month)
    first, last = start.date(), (end - timedelta(days=1)).date()
    notes: list[str] = []
    keep = scope_rows(store, scope, infos)
    usage, usage_files = load_table(store.root, "usage", first, last, files, USAGE_READ)
    ai, ai_files = load_table(store.root, "ai", first, last, files)
    if keep is not None:
        usage, ai = usage.filter(keep), ai.filter(keep)

    usage_gap = _uncovered(usage_files, first, last, 0)
    usage_known = not usage_gap and bool(usage_files)
    if usage_known and keep is not None and usage.height == 0:
        # The files are another org's or enterprise's bill: this scope's charges are not in them.
        usage_known = False
        notes.append(
            f"the usage reports for {month} hold no rows of {scope}: its seat charges and "
            "total billed unknown (download the usage report of the billing entity that pays "
            "for it)"
        )
    elif not usage_files:
        notes.append(f"no usage report for {month}: seat charges and the total billed unknown")
    elif usage_gap:
        notes.append(
            f"the usage reports for {month} miss {_span(usage_gap)}: seat charges and the "
            "total billed unknown"
        )
    copilot = usage.filter(pl.col("product") == COPILOT_PRODUCT)
    others = usage.filter(pl.col("product") != COPILOT_PRODUCT)
    seat_rows = copilot.filter(pl.col("sku").is_in(list(SEAT_SKUS)))
    credit_rows = copilot.filter(pl.col("sku").is_in(list(CREDIT_SKUS)))
    detailed = [f for f in usage_files if f.kind == KIND_DETAILED]
    per_login = usage_known and not _uncovered(detailed, first, last, 0)
    if usage_known and not per_login:
        notes.append(
            "the per-login reconciliation needs the detailed usage report for the whole month"
        )

    seats = _seat_history(store, infos, month, settings.default_plan)
    prices = settings.prices
    price = pl.col("plan").replace_strict(prices, default=prices[settings.default_plan])
    seats = seats.with_columns(
        seat_cost_expected=price * pl.col("days_high") / n,
        seat_cost_expected_low=price * pl.col("days_low") / n,
    )
    billed = _billed_per_login(seat_rows) if per_login else None
    exceptions = _exceptions(billed, seats, month, settings.currency) if billed is not None else []

    several = keep is not None  # several scopes: a licence report must name this one
    licence, licence_file = latest_license(
        store.root, end + timedelta(days=31), files, scope if several else None
    )
    if licence is not None:
        members = set(licence["login"].to_list())
        holders = set(seats.filter(pl.col("days_low") > 0)["login"].to_list())
        if billed is not None:
            holders |= set(billed["login"].to_list())
        exceptions += [
            BillException(
                login,
                "not-in-enterprise",
                f"holds a Copilot seat but is not in the licence report "
                f"{licence_file.source_name if licence_file else ''}",
            )
            for login in sorted(holders - members)
        ]
    exceptions.sort(key=lambda e: (e.login, e.kind))

    allowances = _allowances(settings, month)
    credits_era = f"{month}-01" >= CREDITS_FROM
    ai_gap = _uncovered(ai_files, first, last, AI_SLACK_DAYS)
    ai_known = bool(ai_files) and not ai_gap
    label = "AI usage report" if credits_era else "premium request report"
    if ai_known and keep is not None and ai.height == 0:
        ai_known = False  # the files are another billing entity's: this scope's use unknown
        notes.append(f"the {label}s for {month} hold no rows of {scope}: usage unknown")
    elif not ai_files:
        what = "credits unknown" if credits_era else "premium requests unknown"
        notes.append(f"no {label} for {month}: {what}")
    elif ai_gap:
        notes.append(f"the {label}s for {month} miss {_span(ai_gap)}: usage unknown")
    credits = ai.filter(pl.col("unit_type") == CREDIT_UNIT)
    requests = ai.filter(pl.col("unit_type") == REQUEST_UNIT)

    if billed is not None:
        plans = billed["billed_plan"].value_counts()
        licences = {r["billed_plan"]: int(r["count"]) for r in plans.iter_rows(named=True)}
    else:
        held = seats.filter(pl.col("days_low") > 0)["plan"].value_counts()
        licences = {r["plan"]: int(r["count"]) for r in held.iter_rows(named=True)}
        if credits_era and seats.height:
            notes.append("the credit pool counts the seats the seat history surely holds")
    credits_used = credit_pool = overage = overage_cost = None
    if credits_era:
        if ai_known:
            credits_used = _sum(credits, "quantity")
        if billed is not None or seats.height:
            credit_pool = sum(allowances.get(p, 0.0) * c for p, c in licences.items())
        if credits_used is not None and credit_pool is not None:
            overage = max(0.0, credits_used - credit_pool)
            overage_cost = overage * settings.billing.credit_price
    else:
        notes.append(f"AI credits began on {CREDITS_FROM}: {month} was billed in premium requests")
    premium = premium_cost = None
    if not credits_era and ai_known:
        premium = _sum(requests, "quantity")
        if requests["net_amount"].null_count():
            notes.append("the legacy premium request report has no amounts: their cost unknown")
        else:
            premium_cost = _sum(requests, "net_amount")

    people = people_table(
        store,
        infos,
        month,
        settings,
        seats,
        billed,
        ai if ai_known else None,
        licence,
        overage_cost,
    )
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
        premium_requests=premium,
        premium_request_cost=premium_cost,
        total_billed=_sum(copilot, "net_amount") if usage_known else None,
        other_rows=others.height,
        other_net=_sum(others, "net_amount"),
        licences=dict(sorted(licences.items())),
        credit_price=settings.billing.credit_price,
        allowances=allowances,
        exceptions=tuple(exceptions),
        notes=tuple(notes),
        sources=tuple(
            f"{KIND_LABELS[f.kind]}: {f.source_name} ({f.period()})"
            for f in [*usage_files, *ai_files, *([licence_file] if licence_file else [])]
        ),
        people=people,
        breakdowns=breakdown_tables(people),
        models=model_table(ai if ai_known else None),
        daily=(
            credits.group_by("date")
            .agg(pl.col("quantity").sum().alias("credits_used"))
            .sort("date")
            .with_columns(cumulative=pl.col("credits_used").cum_sum())
            if ai_known
            else pl.DataFrame(
                schema={"date": pl.Date, "credits_used": pl.Float64, "cumulative": pl.Float64}
            )
        ),
    )


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


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
        "premium_request_cost": _money(data.premium_request_cost),
        "total_billed": _money(data.total_billed),
        "licences": data.licences,
        "credit_price": data.credit_price,
        "allowances": data.allowances,
        "other_products": {"rows": data.other_rows, "net_amount": _money(data.other_net)},
        "exceptions": [
            {"login": e.login, "kind": e.kind, "detail": e.detail} for e in data.exceptions
        ],
        "notes": list(data.notes),
        "sources": list(data.sources),
    }
