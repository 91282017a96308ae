"""The FOCUS 1.0 export of a scope's Copilot charges, month by month, reconciled with `bill`.

Which GitHub file a row comes from (docs/focus.md):
- seat charges: always the usage report (the invoice's lines);
- AI credits and premium requests: the per-user AI usage or premium request reports when they
  cover the month and their net amounts equal the usage report's non-seat Copilot rows to the
  cent (they detail the same charges per user, day and model); otherwise the usage report's
  own rows (per user and day, or billed to the organization), so nothing is counted twice.
A month the usage reports do not cover in full is refused with the bill's reason: FOCUS's
BilledCost is what the invoice says, never an estimate from the seat history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl

from analyzer.answers.bill import USAGE_READ, build_bill, pick_bill_month, scope_rows
from analyzer.answers.report_data import login_alias
from analyzer.answers.scope import scope_snapshots
from analyzer.billing_schema import COPILOT_PRODUCT, KIND_LABELS, SEAT_SKUS
from analyzer.errors import SelectionError
from analyzer.metering.focus import (
    BILLING_CURRENCY,
    COLUMN_NAMES,
    MONEY_COLUMNS,
    QUANTITY_COLUMNS,
    FocusContext,
    charges_of,
    focus_rows,
    seat_periods,
    usage_days,
)
from analyzer.store.billing import BillingFile, billing_files, load_table
from analyzer.timeline.seat_days import month_bounds

# The export's columns in file order, for the command line's CSV writer.
FOCUS_COLUMNS: tuple[str, ...] = tuple(COLUMN_NAMES)

if TYPE_CHECKING:
    from analyzer.model import BillData, Settings, SnapshotInfo
    from analyzer.store.folder import Store

CENT = 0.005  # two totals agree to the cent when they differ by less than half of one
_USAGE_COLUMNS = (*USAGE_READ, "unit_type", "price", "gross_amount")


@dataclass(frozen=True)
class ExportMonth:
    """One month of the export: its rows' total beside the bill's, and where usage came from."""

    month: str
    rows: int
    billed: float  # the sum of the month's BilledCost
    total_billed: float  # `bill`'s total_billed for the month
    usage_source: str  # the GitHub file the month's usage rows come from
    note: str | None  # why the per-user report was not used, when it was not


@dataclass(frozen=True)
class FocusExport:
    """The FOCUS rows of a scope over one or more months (FOCUS_COLUMNS, in order)."""

    scope: str
    currency: str
    months: tuple[ExportMonth, ...]
    rows: pl.DataFrame
    pseudonymized: bool


def export_months(
    month: str | None, first: str | None, last: str | None, default: str
) -> list[str]:
    """Return the months asked for: one, a range (both ends inclusive), else `default`."""
    if month is not None:
        return [month]
    if first is None and last is None:
        return [default]
    if first is None or last is None:
        raise SelectionError("pass both --from and --to (YYYY-MM), or --month")
    if first > last:
        raise SelectionError(f"--from {first} is after --to {last}")
    months: list[str] = []
    year, number = (int(x) for x in first.split("-"))
    while f"{year:04d}-{number:02d}" <= last:
        months.append(f"{year:04d}-{number:02d}")
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return months


def _label(files: list[BillingFile]) -> str:
    kinds = sorted({KIND_LABELS[f.kind] for f in files})
    return ", ".join(kinds) or "-"


def _usage_rows(
    root: Any,
    files: list[BillingFile],
    first: date,
    last: date,
    keep: pl.Expr | None,
    bill: BillData,
    invoice_rows: pl.DataFrame,
    invoice_files: list[BillingFile],
) -> tuple[pl.DataFrame, str, str | None]:
    """Return the month's usage charges, the file they come from and why, if not the detail."""
    invoice_net = float(invoice_rows["net_amount"].sum()) if invoice_rows.height else 0.0
    fallback = (charges_of(invoice_rows), _label(invoice_files), None)
    if bill.credits_used is None and bill.premium_requests is None:
        return fallback  # the bill found no per-user report covering the month
    ai, ai_files = load_table(root, "ai", first, last, files)
    if keep is not None:
        ai = ai.filter(keep)
    ai = ai.filter(pl.col("product") == COPILOT_PRODUCT)
    if ai["net_amount"].null_count():
        note = "the per-user report has no amounts (legacy premium request report)"
        return fallback[0], fallback[1], note
    detail_net = float(ai["net_amount"].sum()) if ai.height else 0.0
    if abs(detail_net - invoice_net) >= CENT:
        note = (
            f"the per-user reports' net {detail_net:,.2f} differs from the usage report's "
            f"{invoice_net:,.2f}: usage rows taken from the usage report"
        )
        return fallback[0], fallback[1], note
    return charges_of(ai), _label(ai_files), None


def _refusal(bill: BillData) -> str:
    reasons = [n for n in bill.notes if "usage report" in n and "total billed" in n]
    reason = reasons[0] if reasons else f"the total billed for {bill.month} is unknown"
    return (
        f"cannot export {bill.scope} {bill.month}: {reason}. The FOCUS export carries what "
        "GitHub billed, never an estimate: ingest the month's usage report (Billing & "
        "licensing > Usage > Get usage report), or export another month"
    )


def _month_rows(
    store: Store,
    scope: str,
    infos: list[SnapshotInfo],
    month: str,
    settings: Settings,
    files: list[BillingFile],
) -> tuple[pl.DataFrame, ExportMonth]:
    bill = build_bill(store, scope, month, settings)
    if bill.total_billed is None:
        raise SelectionError(_refusal(bill))
    start, end, _ = month_bounds(month)
    first, last = start.date(), (end - timedelta(days=1)).date()
    keep = scope_rows(store, scope, infos)
    usage, usage_files = load_table(store.root, "usage", first, last, files, _USAGE_COLUMNS)
    if keep is not None:
        usage = usage.filter(keep)
    copilot = usage.filter(pl.col("product") == COPILOT_PRODUCT)
    is_seat = pl.col("sku").is_in(list(SEAT_SKUS))
    other, source, note = _usage_rows(
        store.root, files, first, last, keep, bill, copilot.filter(~is_seat), usage_files
    )
    rows = focus_rows(
        seat_periods(charges_of(copilot.filter(is_seat))),
        usage_days(other),
        bill.people,
        FocusContext(scope, first, end.date(), BILLING_CURRENCY),
        {"seat": _label(usage_files), "usage": source},
    )
    billed = float(rows["BilledCost"].sum()) if rows.height else 0.0
    if abs(billed - bill.total_billed) >= CENT:
        raise SelectionError(
            f"the FOCUS rows of {scope} {month} sum to {billed:,.2f}, the bill to "
            f"{bill.total_billed:,.2f}: not written (a bug; please report it)"
        )
    return rows, ExportMonth(month, rows.height, billed, bill.total_billed, source, note)


def pseudonymize_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """Return the rows with every login replaced by the report's stable short hash."""
    alias = pl.col("x_Login").map_elements(login_alias, return_dtype=pl.String)
    seat = pl.col("ResourceType").is_not_null()
    return rows.with_columns(
        x_Login=alias,
        ResourceName=pl.when(seat).then(alias),
        ResourceId=pl.when(seat).then(pl.format("{}/{}", pl.col("SubAccountId"), alias)),
    )


def build_focus_export(
    store: Store,
    scope: str | None,
    months: tuple[str | None, str | None, str | None],
    settings: Settings,
    *,
    anonymous: bool = False,
) -> FocusExport:
    """Compute the FOCUS rows of a scope for `(month, from, to)` (default: the bill's month)."""
    scope, infos = scope_snapshots(store, scope)
    files = billing_files(store.root)
    if not files:
        raise SelectionError(
            "the store holds no billing files; ingest GitHub's usage report first "
            "(Billing & licensing > Usage > Get usage report)"
        )
    chosen = export_months(*months, default=pick_bill_month(files, infos))
    frames: list[pl.DataFrame] = []
    done: list[ExportMonth] = []
    for month in chosen:
        rows, summary = _month_rows(store, scope, infos, month, settings, files)
        frames.append(rows)
        done.append(summary)
    rows = pl.concat(frames, how="vertical_relaxed").select(COLUMN_NAMES)
    if anonymous:
        rows = pseudonymize_rows(rows)
    return FocusExport(scope, BILLING_CURRENCY, tuple(done), rows, anonymous)


def _decimal(value: float | None) -> str | None:
    """Return a decimal without exponent or float noise (10 places, trailing zeros cut)."""
    if value is None:
        return None
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def focus_records(export: FocusExport) -> list[dict[str, Any]]:
    """Return the export's rows as CSV records: decimals written out, empty for null."""
    decimals = {*MONEY_COLUMNS, *QUANTITY_COLUMNS}
    records = export.rows.to_dicts()
    for record in records:
        for column in decimals:
            record[column] = _decimal(record[column])
    return records
