"""The canonical billing tables (usage, AI usage, licences): kinds, keys and SKUs, named once."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

# The billing file kinds this version reads (the ids `analyzer.reading.recognise` uses).
KIND_DETAILED = "metered-usage-detailed"
KIND_SUMMARIZED = "metered-usage-summarized"
KIND_PREMIUM = "premium-request-report"
KIND_PREMIUM_LEGACY = "premium-request-legacy"
KIND_AI = "ai-usage-report"
KIND_LICENSE = "enterprise-license-report"
BILLING_KINDS: tuple[str, ...] = (
    KIND_DETAILED,
    KIND_SUMMARIZED,
    KIND_PREMIUM,
    KIND_PREMIUM_LEGACY,
    KIND_AI,
    KIND_LICENSE,
)
# Which table each kind fills.
TABLE_OF_KIND: dict[str, str] = {
    KIND_DETAILED: "usage",
    KIND_SUMMARIZED: "usage",
    KIND_PREMIUM: "ai",
    KIND_PREMIUM_LEGACY: "ai",
    KIND_AI: "ai",
    KIND_LICENSE: "license",
}
KIND_LABELS: dict[str, str] = {
    KIND_DETAILED: "usage report (detailed)",
    KIND_SUMMARIZED: "usage report (summarized)",
    KIND_PREMIUM: "premium request report",
    KIND_PREMIUM_LEGACY: "premium request report (legacy)",
    KIND_AI: "AI usage report",
    KIND_LICENSE: "enterprise license report",
}

COPILOT_PRODUCT = "copilot"
# Seat SKUs and the plan each bills; Enterprise wins over Business for one user.
SEAT_SKUS: dict[str, str] = {
    "copilot_for_business": "business",
    "copilot_business": "business",
    "copilot_enterprise": "enterprise",
    "copilot_standalone": "business",
}
CREDIT_SKUS: tuple[str, ...] = ("copilot_ai_credit", "copilot_ai_credits")
CREDIT_UNIT = "ai-credits"
REQUEST_UNIT = "requests"
AI_UNIT = "ai-units"
# AI credits replaced premium requests on this day (UTC): the one spelling of that date.
CREDITS_FROM = "2026-06-01"


def in_credits_era(month: str) -> bool:
    """Return whether a `YYYY-MM` month was billed in AI credits (else premium requests)."""
    return f"{month}-01" >= CREDITS_FROM


# The SKU table: every SKU family, whether it is Copilot, and what it bills. Ingest (the
# "not Copilot" count) and `bill` (seats, premium, credits) read it and nothing else.
# (family, SKU pattern, what it is). A SKU matching no pattern is Copilot only when its
# `product` is `copilot` (family "copilot-other"); any other product is "other".
FAMILY_SEAT = "seat"
FAMILY_PREMIUM = "premium-request"
FAMILY_AI_UNIT = "ai-unit"
FAMILY_CREDIT = "ai-credit"
FAMILY_COPILOT_OTHER = "copilot-other"
FAMILY_OTHER = "other"
SKU_TABLE: tuple[tuple[str, str, str], ...] = (
    (
        FAMILY_SEAT,
        r"copilot_(for_business|business|enterprise|standalone)",
        "a licence, user-months",
    ),
    (FAMILY_PREMIUM, r"[a-z_]+_premium_requests?", "premium requests (until 2026-05-31)"),
    (FAMILY_AI_UNIT, r"[a-z_]+_ai_units?", "premium use priced in ai-units (March-May 2026)"),
    (FAMILY_CREDIT, r"[a-z_]+_ai_credits?", "AI credits (from 2026-06-01)"),
)
# The feature a usage SKU bills, by its prefix (Copilot, the coding or cloud agent, Spark,
# code review); every one of them is Copilot.
SKU_FEATURES: tuple[tuple[str, str], ...] = (
    ("copilot_code_review", "code review"),
    ("code_review", "code review"),
    ("coding_agent", "coding agent"),
    ("cloud_agent", "coding agent"),
    ("spark", "spark"),
    ("copilot", "copilot"),
)
# The families whose rows are premium use (the month's premium cost is the net of all of them).
PREMIUM_FAMILIES: tuple[str, ...] = (FAMILY_PREMIUM, FAMILY_AI_UNIT)
NOT_COPILOT: tuple[str, ...] = (FAMILY_OTHER,)


def sku_table_markdown() -> str:
    """Return the SKU table as docs/bill.md shows it (a test keeps the two equal)."""
    rows = ["| family | SKUs (pattern) | Copilot | what it bills |", "|---|---|---|---|"]
    rows += [f"| `{f}` | `{p.replace('|', chr(92) + '|')}` | yes | {w} |" for f, p, w in SKU_TABLE]
    rows.append(
        f"| `{FAMILY_COPILOT_OTHER}` | any other SKU of product `copilot` | yes | counted "
        "in the total billed |"
    )
    rows.append(f"| `{FAMILY_OTHER}` | any SKU of another product | no | left out, counted |")
    features = ", ".join(f"`{p}_*` {f}" for p, f in SKU_FEATURES)
    return (
        "\n".join(rows)
        + "\n\nA premium, ai-unit or credit SKU is Copilot when it starts with a feature "
        + f"prefix: {features}.\n"
    )


def sku_family(product: str | None, sku: str | None) -> str:
    """Return the family of one SKU (SKU_TABLE); "other" for a product that is not Copilot."""
    name = (sku or "").strip().lower()
    for family, pattern, _ in SKU_TABLE:
        if re.fullmatch(pattern, name) and (
            family == FAMILY_SEAT or name.startswith(tuple(p for p, _ in SKU_FEATURES))
        ):
            return family
    return (
        FAMILY_COPILOT_OTHER if (product or "").strip().lower() == COPILOT_PRODUCT else FAMILY_OTHER
    )


def sku_feature(sku: str | None) -> str | None:
    """Return the feature a SKU bills (copilot, coding agent, spark, code review), if any."""
    name = (sku or "").strip().lower()
    return next((feature for prefix, feature in SKU_FEATURES if name.startswith(prefix)), None)


def family_mask(frame: pl.DataFrame, *families: str) -> pl.Expr:
    """Return whether each row's SKU family (SKU_TABLE) is one of `families`.

    The table is applied once per distinct SKU of the frame and the rows are matched with
    `is_in`, so a categorical column of millions of rows is never copied as text.
    """
    import polars as pl

    skus = [s for s in frame["sku"].unique().cast(pl.String).to_list() if s is not None]
    named = {sku: sku_family(COPILOT_PRODUCT, sku) for sku in skus}
    sku = pl.col("sku")
    # (a SKU of no pattern is Copilot or not by its product: decided below, per row)
    mask = sku.is_in([s for s, f in named.items() if f in families and f != FAMILY_COPILOT_OTHER])
    if FAMILY_COPILOT_OTHER in families or FAMILY_OTHER in families:
        unnamed = ~sku.is_in([s for s, f in named.items() if f != FAMILY_COPILOT_OTHER])
        copilot = (
            (pl.col("product") == COPILOT_PRODUCT).fill_null(False)
            if "product" in frame.columns
            else pl.lit(True)
        )
        if FAMILY_COPILOT_OTHER in families:
            mask = mask | (unnamed & copilot)
        if FAMILY_OTHER in families:
            mask = mask | (unnamed & ~copilot)
    return mask.fill_null(False)


COPILOT_FAMILIES: tuple[str, ...] = (
    FAMILY_SEAT,
    FAMILY_PREMIUM,
    FAMILY_AI_UNIT,
    FAMILY_CREDIT,
    FAMILY_COPILOT_OTHER,
)


# (column, dtype, meaning). Money is USD; amounts are as GitHub wrote them.
USAGE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("date", "date", "the UTC day the usage is for"),
    ("product", "str", "GitHub product, e.g. copilot, actions"),
    ("sku", "str", "what was used, e.g. copilot_for_business, copilot_ai_credit"),
    ("quantity", "float", "units used (user-months for seats, credits for AI credits)"),
    ("unit_type", "str", "unit of quantity, e.g. user-months, ai-credits"),
    ("price", "float", "applied cost per unit"),
    ("gross_amount", "float", "quantity x price"),
    ("discount_amount", "float", "discount (included usage)"),
    ("net_amount", "float", "what GitHub bills: gross - discount"),
    ("login", "str", "lower-case username (detailed report only)"),
    ("organization", "str", "the org the usage is billed to"),
    ("repository", "str", "repository, when the usage has one"),
    ("workflow_path", "str", "Actions workflow (detailed report only)"),
    ("cost_center", "str", "GitHub cost center name"),
)
AI_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("date", "date", "the UTC day of the usage"),
    ("at", "utc", "the request's time (legacy premium report only)"),
    ("login", "str", "lower-case username"),
    ("product", "str", "copilot"),
    ("sku", "str", "e.g. copilot_premium_request, coding_agent_ai_credit"),
    ("model", "str", "the model's display name"),
    ("quantity", "float", "requests (x multiplier) or AI credits"),
    ("unit_type", "str", "requests or ai-credits"),
    ("price", "float", "applied cost per unit; null in the legacy report"),
    ("gross_amount", "float", "quantity x price; null in the legacy report"),
    ("discount_amount", "float", "included in the quota or pool"),
    ("net_amount", "float", "what GitHub bills; null in the legacy report"),
    ("exceeds_quota", "bool", "premium report: over the user's quota"),
    ("total_monthly_quota", "float", "the user's quota; null for unlimited or unknown"),
    ("organization", "str", "the org the usage is billed to"),
    ("repository", "str", "repository, when the usage has one"),
    ("cost_center", "str", "GitHub cost center name"),
    ("aic_quantity", "float", "premium report: the same usage in AI credits"),
    ("aic_gross_amount", "float", "premium report: its price in AI credits"),
    ("input_tokens", "float", "token variant / AI report: input tokens"),
    ("output_tokens", "float", "token variant / AI report: output tokens"),
    ("cache_creation_tokens", "float", "token variant / AI report: cache writes, in tokens"),
    ("cache_read_tokens", "float", "token variant / AI report: cache reads, in tokens"),
)
LICENSE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("login", "str", "lower-case GitHub login"),
    ("display_login", "str", "the login as the file spelled it"),
    ("name", "str", "profile name"),
    ("saml_name", "str", "SAML name id"),
    ("cost_center", "str", "GitHub cost center"),
    ("license_type", "str", "e.g. Enterprise"),
    ("member_roles", "str", "org roles, e.g. 'acme:Owner, acme-eng:Member'"),
    ("enterprise_roles", "str", "enterprise roles"),
    ("orgs", "str", "orgs of the member roles, ', '-joined"),
)
# Columns the store adds to every stored billing table, for engines reading the files alone
# (docs/store-schema.md); the answers never read them. A dated table gets its file's period,
# a licence report its time. Billing files name no scope (`organization` says whose row it is).
PERIOD_COLUMNS: tuple[str, str] = ("period_start", "period_end")  # date: first, last day
LICENSE_TIME = "report_time"  # UTC: when GitHub made the licence report; null when unknown
TABLE_COLUMNS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "usage": USAGE_COLUMNS,
    "ai": AI_COLUMNS,
    "license": LICENSE_COLUMNS,
}

# GitHub sums the premium request and AI usage reports per day, user, SKU, model, org, cost
# centre and, until 2026-05-31, `exceeds_quota`: a user crossing the quota on a day has two rows
# of one day, SKU and model, told apart by it. Every such column is part of the key.
_AI_KEY = (
    "date",
    "at",
    "login",
    "sku",
    "model",
    "exceeds_quota",
    "organization",
    "repository",
    "cost_center",
)
# The key of one row per kind: two downloads holding the same key describe the same usage.
# Identical figures are one row; different figures for one key are a conflict.
KEYS: dict[str, tuple[str, ...]] = {
    KIND_DETAILED: (
        "date",
        "product",
        "sku",
        "login",
        "organization",
        "repository",
        "workflow_path",
        "cost_center",
    ),
    KIND_SUMMARIZED: ("date", "product", "sku", "organization", "repository", "cost_center"),
    KIND_PREMIUM: _AI_KEY,
    KIND_PREMIUM_LEGACY: _AI_KEY,
    KIND_AI: _AI_KEY,
    KIND_LICENSE: ("login",),
}
# Kinds whose rows are compared with each other for duplicates and conflicts.
FAMILY: dict[str, str] = {
    KIND_DETAILED: KIND_DETAILED,
    KIND_SUMMARIZED: KIND_SUMMARIZED,
    KIND_PREMIUM: "ai",
    KIND_PREMIUM_LEGACY: "ai",
    KIND_AI: "ai",
    KIND_LICENSE: KIND_LICENSE,
}
FIGURES: tuple[str, ...] = ("quantity", "net_amount")


def table_schema(table: str) -> dict[str, pl.DataType]:
    """Return the canonical columns of one billing table, in order, with polars dtypes."""
    import polars as pl

    dtypes: dict[str, pl.DataType] = {
        "str": pl.String(),
        "float": pl.Float64(),
        "date": pl.Date(),
        "bool": pl.Boolean(),
        "utc": pl.Datetime("us", "UTC"),
    }
    return {name: dtypes[kind] for name, kind, _ in TABLE_COLUMNS[table]}


# The headers of GitHub's own billing CSVs (shared/docs/billing-report-format.md), in GitHub's
# order. The readers match columns by name; demo data, test fixtures and benchmarks write
# files with these headers in GitHub's dialect (`github_csv`).
USAGE_DETAILED_HEADER: tuple[str, ...] = (
    "date",
    "product",
    "sku",
    "quantity",
    "unit_type",
    "applied_cost_per_quantity",
    "gross_amount",
    "discount_amount",
    "net_amount",
    "username",
    "organization",
    "repository",
    "workflow_path",
    "cost_center_name",
)
USAGE_SUMMARIZED_HEADER: tuple[str, ...] = tuple(
    h for h in USAGE_DETAILED_HEADER if h not in ("username", "workflow_path")
)
_USAGE_BY_USER: tuple[str, ...] = (
    "date",
    "username",
    "product",
    "sku",
    "model",
    "quantity",
    "unit_type",
    "applied_cost_per_quantity",
    "gross_amount",
    "discount_amount",
    "net_amount",
)
AI_USAGE_HEADER: tuple[str, ...] = (
    *_USAGE_BY_USER,
    "total_monthly_quota",
    "organization",
    "repository",
    "cost_center_name",
    "aic_quantity",
    "aic_gross_amount",
)
PREMIUM_REQUEST_HEADER: tuple[str, ...] = (
    *_USAGE_BY_USER,
    "exceeds_quota",
    "total_monthly_quota",
    "organization",
    "cost_center_name",
    "aic_quantity",
    "aic_gross_amount",
)


def github_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Return a billing CSV as GitHub writes it: UTF-8 BOM, CRLF, every value quoted."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
