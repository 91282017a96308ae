"""GitHub's Copilot charges as FOCUS 1.0 rows (FinOps Open Cost and Usage Spec): pure, on frames.

The rows come from what GitHub billed, never from a prediction:
- a **seat charge** (ChargeCategory Purchase, ChargeFrequency Recurring) per seat per charge
  period: the usage report's daily seat rows of one login, org, SKU, cost centre and price,
  summed over each unbroken run of days (normally the whole month, or from the day the seat
  was added); ChargePeriodEnd is the day after the run's last day (FOCUS ends are exclusive);
- a **usage charge** (Usage, Usage-Based) per user, day, SKU and model (AI credits, premium
  requests); a row without a user is usage billed to the organization.
BilledCost is GitHub's net amount; ListCost and ContractedCost its gross amount (quantity x
the one price GitHub's files give, which is both the list and the contracted price);
EffectiveCost equals BilledCost (GitHub bills these monthly, nothing prepaid to amortise; the
included credits or requests are the discount between ListCost and BilledCost).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from analyzer.billing_schema import SEAT_SKUS

PROVIDER = "GitHub"
SERVICE_NAME = "GitHub Copilot"
SERVICE_CATEGORY = "Developer Tools"
SEAT_RESOURCE_TYPE = "Copilot seat"
# GitHub's billing files state every amount in USD, whatever currency the settings display.
BILLING_CURRENCY = "USD"

# The FOCUS 1.0 columns the export writes, in the spec's alphabetical order, then ours:
# (column, FOCUS data type, what it holds here). docs/focus.md renders this table.
FOCUS_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("AvailabilityZone", "String", "empty (GitHub names no zone)"),
    ("BilledCost", "Decimal", "GitHub's net amount: what the invoice charges"),
    ("BillingAccountId", "String", "the org or enterprise the export is for (--scope)"),
    ("BillingAccountName", "String", "the same slug"),
    ("BillingCurrency", "String", "USD: GitHub's billing files are in US dollars"),
    ("BillingPeriodEnd", "DateTime", "first instant of the next month, UTC (exclusive)"),
    ("BillingPeriodStart", "DateTime", "first instant of the month, UTC"),
    ("ChargeCategory", "String", "Purchase (a seat) or Usage (AI credits, premium requests)"),
    ("ChargeClass", "String", "empty: no row corrects an earlier period"),
    ("ChargeDescription", "String", "what was charged, at what price, in words"),
    ("ChargeFrequency", "String", "Recurring (a seat) or Usage-Based"),
    ("ChargePeriodEnd", "DateTime", "the day after the charge's last day, 00:00 UTC"),
    ("ChargePeriodStart", "DateTime", "the charge's first day, 00:00 UTC"),
    ("CommitmentDiscountCategory", "String", "empty (no commitment discounts)"),
    ("CommitmentDiscountId", "String", "empty"),
    ("CommitmentDiscountName", "String", "empty"),
    ("CommitmentDiscountStatus", "String", "empty"),
    ("CommitmentDiscountType", "String", "empty"),
    ("ConsumedQuantity", "Decimal", "usage: credits or requests used; empty for a seat"),
    ("ConsumedUnit", "String", "usage: ai-credits, requests or ai-units; empty for a seat"),
    ("ContractedCost", "Decimal", "ContractedUnitPrice x PricingQuantity (GitHub's gross)"),
    ("ContractedUnitPrice", "Decimal", "GitHub's applied price per unit"),
    ("EffectiveCost", "Decimal", "equal to BilledCost (nothing prepaid to amortise)"),
    ("InvoiceIssuer", "String", "GitHub"),
    ("ListCost", "Decimal", "ListUnitPrice x PricingQuantity (GitHub's gross)"),
    ("ListUnitPrice", "Decimal", "GitHub's applied price per unit"),
    ("PricingCategory", "String", "Standard (GitHub's published prices)"),
    ("PricingQuantity", "Decimal", "user-months (a seat), credits or requests"),
    ("PricingUnit", "String", "GitHub's unit_type: user-months, ai-credits, requests"),
    ("Provider", "String", "GitHub"),
    ("Publisher", "String", "GitHub"),
    ("RegionId", "String", "empty"),
    ("RegionName", "String", "empty"),
    ("ResourceId", "String", "a seat: <org>/<login> (the pseudonym with --pseudonymize)"),
    ("ResourceName", "String", "a seat: the login; empty for usage"),
    ("ResourceType", "String", "a seat: Copilot seat; empty for usage"),
    ("ServiceCategory", "String", "Developer Tools"),
    ("ServiceName", "String", "GitHub Copilot"),
    ("SkuId", "String", "GitHub's sku, e.g. copilot_for_business, copilot_ai_credit"),
    ("SkuPriceId", "String", "<sku>@<price>: the SKU at the price applied"),
    ("SubAccountId", "String", "the org GitHub billed the row to"),
    ("SubAccountName", "String", "the same org"),
    ("Tags", "JSON", "empty (the allocation keys are the x_ columns)"),
    ("x_Login", "String", "the user; empty for usage billed to the organization"),
    ("x_BilledTo", "String", "user, or organization for a row without a user"),
    ("x_Team", "String", "the user's team in the seat history (the bill's people table)"),
    ("x_CostCenter", "String", "GitHub's cost centre on the row, else the user's"),
    ("x_Plan", "String", "business or enterprise: the seat SKU's, else the user's plan"),
    ("x_SeatState", "String", "the state in the month's last snapshot; empty: not in it"),
    ("x_Model", "String", "usage: the model GitHub names; empty for a seat"),
    ("x_DaysBilled", "Integer", "a seat: days in the charge period; empty for usage"),
    ("x_Source", "String", "the GitHub file the row comes from"),
)
COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _, _ in FOCUS_COLUMNS)
MONEY_COLUMNS: tuple[str, ...] = (
    "BilledCost",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "ListCost",
    "ListUnitPrice",
)
QUANTITY_COLUMNS: tuple[str, ...] = ("ConsumedQuantity", "PricingQuantity")
TIME_COLUMNS: tuple[str, ...] = (
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargePeriodEnd",
    "ChargePeriodStart",
)

# The canonical billing columns a charge frame carries (usage and AI tables share them).
CHARGE_COLUMNS: tuple[str, ...] = (
    "date",
    "sku",
    "model",
    "quantity",
    "unit_type",
    "price",
    "gross_amount",
    "net_amount",
    "login",
    "organization",
    "cost_center",
)
_KEY = ("login", "organization", "sku", "cost_center", "price", "unit_type")


@dataclass(frozen=True)
class FocusContext:
    """What every row of one month shares: the billing account, the month, the currency."""

    account: str  # the scope: the org or enterprise billed
    first_day: date
    end_day: date  # the first day of the next month (exclusive)
    currency: str


def charges_of(rows: pl.DataFrame) -> pl.DataFrame:
    """Return billing rows reduced to the charge columns (a missing model column is null)."""
    if "model" not in rows.columns:
        rows = rows.with_columns(model=pl.lit(None, pl.String))
    return rows.select(CHARGE_COLUMNS)


def seat_periods(seat_rows: pl.DataFrame) -> pl.DataFrame:
    """Return one row per seat per charge period: a run of consecutive billed days.

    Rows of one key and day are summed first (a summarized report bills several seats a day
    without a login: they are the organization's row).
    """
    daily = seat_rows.group_by(*_KEY, "date").agg(
        pl.col("quantity").sum(), pl.col("gross_amount").sum(), pl.col("net_amount").sum()
    )
    gap = pl.col("date").diff().over(_KEY, order_by="date") != pl.duration(days=1)
    runs = daily.sort(*_KEY, "date", nulls_last=True).with_columns(
        _run=gap.fill_null(True).cast(pl.Int32).cum_sum().over(_KEY, order_by="date")
    )
    return (
        runs.group_by(*_KEY, "_run")
        .agg(
            pl.col("date").min().alias("first"),
            pl.col("date").max().alias("last"),
            pl.col("date").n_unique().alias("days"),
            pl.col("quantity").sum(),
            pl.col("gross_amount").sum(),
            pl.col("net_amount").sum(),
        )
        .drop("_run")
        .with_columns(model=pl.lit(None, pl.String))
    )


def usage_days(rows: pl.DataFrame) -> pl.DataFrame:
    """Return one row per user (or org), day, SKU, model, cost centre and price."""
    return (
        rows.group_by(*_KEY, "model", "date")
        .agg(pl.col("quantity").sum(), pl.col("gross_amount").sum(), pl.col("net_amount").sum())
        .with_columns(
            first=pl.col("date"),
            last=pl.col("date"),
            days=pl.lit(None, pl.UInt32),
        )
        .drop("date")
    )


def _stamp(day: pl.Expr) -> pl.Expr:
    return day.dt.strftime("%Y-%m-%dT00:00:00Z")


def _describe_seat() -> pl.Expr:
    plan = pl.col("sku").replace_strict(SEAT_SKUS, default=pl.col("sku"))
    return pl.format(
        "GitHub Copilot {} seat at {} {} per {}, {} of {} days",
        plan.str.to_titlecase(),
        pl.col("price").cast(pl.Decimal(18, 2)).cast(pl.String),
        pl.col("_currency"),
        pl.col("unit_type").str.strip_suffix("s"),
        pl.col("days"),
        pl.col("_month_days"),
    )


def _describe_usage() -> pl.Expr:
    model = pl.col("model").fill_null("no model named")
    return pl.format(
        "GitHub Copilot {} ({}) at {} {} per {}",
        pl.col("sku"),
        model,
        pl.col("price"),
        pl.col("_currency"),
        pl.col("unit_type").str.strip_suffix("s"),
    )


def focus_rows(
    seats: pl.DataFrame,
    usage: pl.DataFrame,
    people: pl.DataFrame,
    context: FocusContext,
    sources: dict[str, str],
) -> pl.DataFrame:
    """Return the FOCUS rows of one month: seat periods, then usage, in a stable order.

    `seats` comes from `seat_periods`, `usage` from `usage_days`; `people` (login, team,
    cost_center, plan, state) is the bill's people table; `sources` names the GitHub file of
    each kind ("seat", "usage").
    """
    kinds = [
        seats.with_columns(_seat=pl.lit(True), _source=pl.lit(sources.get("seat"))),
        usage.with_columns(_seat=pl.lit(False), _source=pl.lit(sources.get("usage"))),
    ]
    both = pl.concat([k.select(sorted(k.columns)) for k in kinds], how="vertical_relaxed")
    person = people.select(
        "login",
        pl.col("team").alias("_team"),
        pl.col("cost_center").alias("_person_cc"),
        pl.col("plan").alias("_person_plan"),
        pl.col("state").alias("_state"),
    )
    seat = pl.col("_seat")
    account = pl.lit(context.account)
    ctx = both.join(person, on="login", how="left").with_columns(
        _currency=pl.lit(context.currency),
        _month_days=pl.lit((context.end_day - context.first_day).days),
    )
    month_start = context.first_day.strftime("%Y-%m-%dT00:00:00Z")
    month_end = context.end_day.strftime("%Y-%m-%dT00:00:00Z")
    seat_plan = pl.col("sku").replace_strict(SEAT_SKUS, default=None, return_dtype=pl.String)
    none = pl.lit(None, pl.String)
    out = ctx.select(
        AvailabilityZone=none,
        BilledCost=pl.col("net_amount"),
        BillingAccountId=account,
        BillingAccountName=account,
        BillingCurrency=pl.col("_currency"),
        BillingPeriodEnd=pl.lit(month_end),
        BillingPeriodStart=pl.lit(month_start),
        ChargeCategory=pl.when(seat).then(pl.lit("Purchase")).otherwise(pl.lit("Usage")),
        ChargeClass=none,
        ChargeDescription=pl.when(seat).then(_describe_seat()).otherwise(_describe_usage()),
        ChargeFrequency=pl.when(seat).then(pl.lit("Recurring")).otherwise(pl.lit("Usage-Based")),
        ChargePeriodEnd=_stamp(pl.col("last") + pl.duration(days=1)),
        ChargePeriodStart=_stamp(pl.col("first")),
        CommitmentDiscountCategory=none,
        CommitmentDiscountId=none,
        CommitmentDiscountName=none,
        CommitmentDiscountStatus=none,
        CommitmentDiscountType=none,
        ConsumedQuantity=pl.when(seat).then(None).otherwise(pl.col("quantity")),
        ConsumedUnit=pl.when(seat).then(None).otherwise(pl.col("unit_type")),
        ContractedCost=pl.col("gross_amount"),
        ContractedUnitPrice=pl.col("price"),
        EffectiveCost=pl.col("net_amount"),
        InvoiceIssuer=pl.lit(PROVIDER),
        ListCost=pl.col("gross_amount"),
        ListUnitPrice=pl.col("price"),
        PricingCategory=pl.lit("Standard"),
        PricingQuantity=pl.col("quantity"),
        PricingUnit=pl.col("unit_type"),
        Provider=pl.lit(PROVIDER),
        Publisher=pl.lit(PROVIDER),
        RegionId=none,
        RegionName=none,
        ResourceId=pl.when(seat & pl.col("login").is_not_null()).then(
            pl.format("{}/{}", pl.col("organization").fill_null(context.account), "login")
        ),
        ResourceName=pl.when(seat).then(pl.col("login")),
        ResourceType=pl.when(seat & pl.col("login").is_not_null()).then(pl.lit(SEAT_RESOURCE_TYPE)),
        ServiceCategory=pl.lit(SERVICE_CATEGORY),
        ServiceName=pl.lit(SERVICE_NAME),
        SkuId=pl.col("sku"),
        SkuPriceId=pl.format("{}@{}", pl.col("sku"), pl.col("price").fill_null(0.0)),
        SubAccountId=pl.col("organization"),
        SubAccountName=pl.col("organization"),
        Tags=none,
        x_Login=pl.col("login"),
        x_BilledTo=pl.when(pl.col("login").is_null())
        .then(pl.lit("organization"))
        .otherwise(pl.lit("user")),
        x_Team=pl.col("_team"),
        x_CostCenter=pl.coalesce("cost_center", "_person_cc"),
        x_Plan=pl.coalesce(seat_plan, "_person_plan"),
        x_SeatState=pl.col("_state"),
        x_Model=pl.col("model"),
        x_DaysBilled=pl.col("days"),
        x_Source=pl.col("_source"),
    )
    order = ("ChargeCategory", "x_Login", "SubAccountId", "SkuId", "ChargePeriodStart", "x_Model")
    return out.sort(*order, nulls_last=True)
