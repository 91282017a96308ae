"""Recognise GitHub's other exports by header or shape, and say what to download instead.

Headers come from the shared format notes where they give one. The organization members
export, the GHAS active committers CSV and the secret-scanning export are recognised by
distinctive column names whose exact spelling is a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

SEAT_REPORT = (
    "download the seat report instead: Organization (or Enterprise) settings > Copilot > "
    "Access > 'Get report', or save `gh api /orgs/ORG/copilot/billing/seats`"
)


@dataclass(frozen=True)
class Foreign:
    """A file that is some other GitHub export: which kind, and what to tell the user."""

    kind: str  # stable id, e.g. "premium-request-report"
    what: str  # what the file is, in words

    def message(self) -> str:
        """Return the refusal: what the file is and what to download instead."""
        return f"this is {self.what}, not a Copilot seat report; {SEAT_REPORT}"


def _norm(name: str) -> str:
    return re.sub(r"[\s_.]+", " ", name.strip().strip('"').strip()).lower()


_Rule = tuple[str, str, Callable[[set[str]], bool]]

_CSV_RULES: tuple[_Rule, ...] = (
    (
        "token-usage-report",
        "GitHub's Copilot token usage report (total_input_tokens, ...)",
        lambda h: {"total input tokens", "total output tokens"} <= h,
    ),
    (
        "premium-request-report",
        "GitHub's premium request usage report (date, username, model, exceeds_quota, ...)",
        lambda h: (
            {"model", "exceeds quota"} <= h or {"requests used", "exceeds monthly quota"} <= h
        ),
    ),
    (
        "ai-usage-report",
        "GitHub's AI usage (AI credit) report (date, username, model, quantity, ...)",
        lambda h: (
            {"date", "model", "quantity"} <= h
            and bool({"aic quantity", "total monthly quota", "username"} & h)
        ),
    ),
    (
        "metered-usage-detailed",
        "GitHub's billing usage report, detailed (the metered usage report with username "
        "and workflow_path)",
        lambda h: (
            {"date", "product", "sku", "quantity"} <= h and bool({"username", "workflow path"} & h)
        ),
    ),
    (
        "metered-usage-summarized",
        "GitHub's billing usage report, summarized (date, product, sku, quantity, ...)",
        lambda h: {"product", "sku", "quantity"} <= h and bool({"date", "usage at"} & h),
    ),
    (
        "enterprise-license-report",
        "GitHub's enterprise license report (export-<enterprise>-<number>.csv from "
        "Billing & licensing > Licensing)",
        lambda h: (
            "github com login" in h
            or {"license type", "total user accounts"} <= h
            or (any(n.startswith("github com ") for n in h) and "license type" in h)
        ),
    ),
    (
        "dormant-users-report",
        "GitHub's dormant users report",
        lambda h: "dormant" in h or "dormant?" in h,
    ),
    (
        "ghas-active-committers",
        "GitHub Advanced Security's active committers report",
        lambda h: bool({"last pushed date", "last pushed email", "organization / repository"} & h),
    ),
    (
        "secret-scanning-export",
        "GitHub's secret risk assessment export (secret scanning: Name, Slug, Secret Count, ...)",
        lambda h: (
            (
                bool({"secret type", "secret type display name", "secret"} & h)
                and bool({"repository", "repository name", "alert number", "state", "location"} & h)
            )
            or ("secret count" in h and bool({"slug", "push protected", "repository count"} & h))
        ),
    ),
    (
        "org-members-export",
        "GitHub's organization members export (created_at, id, login, role, ...)",
        lambda h: (
            bool({"login", "username", "user"} & h)
            and "role" in h
            and bool(
                {"two factor authentication", "2fa", "two factor", "saml name id", "teams", "name"}
                & h
                or {"created at", "id"} <= h
            )
            and "last activity at" not in h
        ),
    ),
)


def recognise_csv(names: list[str]) -> Foreign | None:
    """Return which other GitHub CSV export this header belongs to, or None."""
    present = {_norm(n) for n in names} - {""}
    for kind, what, test in _CSV_RULES:
        if test(present):
            return Foreign(kind, what)
    return None


def recognise_json(obj: object) -> Foreign | None:
    """Return which other GitHub JSON this value (one top-level item) is, or None."""
    if isinstance(obj, list):
        return recognise_json(obj[0]) if obj and isinstance(obj[0], dict) else None
    if not isinstance(obj, dict):
        return None
    keys = set(obj)
    if "download_links" in keys:
        return Foreign(
            "usage-metrics-links",
            "the usage-metrics API's answer with download links, not a report",
        )
    if "user_login" in keys or ("user_id" in keys and "day" in keys):
        return Foreign("usage-metrics-users", "Copilot usage metrics per user (NDJSON)")
    if "day_totals" in keys or "daily_active_users" in keys or "monthly_active_users" in keys:
        return Foreign("usage-metrics-aggregate", "aggregate Copilot usage metrics")
    if (
        "date" in keys and any(k.startswith("copilot_") for k in keys)
    ) or "total_engaged_users" in keys:
        return Foreign("legacy-metrics-api", "the retired Copilot Metrics API's JSON")
    if "day" in keys and "total_suggestions_count" in keys:
        return Foreign("legacy-usage-api", "the retired Copilot usage API's JSON")
    if "day" in keys and ("totals_by_ide" in keys or "totals_by_feature" in keys):
        return Foreign("usage-metrics-users", "Copilot usage metrics per user (NDJSON)")
    if "usageItems" in keys or "usage_items" in keys:
        return Foreign("billing-usage-json", "the billing usage API's JSON (usageItems)")
    if "seat_breakdown" in keys:
        return Foreign("copilot-billing-summary", "the Copilot billing summary (seat_breakdown)")
    if isinstance(obj.get("message"), str) and "seats" not in keys:
        return Foreign(
            "api-error",
            f"an error GitHub's API returned ({obj['message'][:80]!r}): check the org or "
            "enterprise name and that the token may read Copilot billing",
        )
    return None


def describe_json(obj: object) -> str:
    """Return the refusal message for a JSON value that holds no Copilot seats."""
    foreign = recognise_json(obj)
    if foreign:
        return foreign.message()
    what = f"JSON with keys {sorted(obj)[:6]}" if isinstance(obj, dict) else "a JSON value"
    return f"this is {what}; expected the output of `gh api /orgs/ORG/copilot/billing/seats`"
