"""The bill a command or a monthly report asks for, and the billing files the store holds."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from analyzer.answers.bill import build_bill, scope_rows
from analyzer.billing_schema import KIND_LABELS, TABLE_OF_KIND
from analyzer.model import BillData, BillException, Settings, SnapshotInfo
from analyzer.store.billing import BillingFile, billing_files, load_table
from analyzer.store.folder import Store

# The billing tables that carry a month's charges and usage (a licence report alone is no bill).
BILL_TABLES = ("usage", "ai")


def _months(first: date, last: date) -> set[str]:
    """Return every `YYYY-MM` from `first` to `last`."""
    months, year, month = set(), first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.add(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def billing_months(store: Store, scope: str, infos: list[SnapshotInfo]) -> tuple[str, ...]:
    """Return the months in which the store holds billing rows of `scope`, oldest first.

    With one scope in the store every billing row is its own, so the files' periods say it;
    otherwise the rows billed to the scope's orgs are looked at (two columns only).
    """
    files: list[BillingFile] = [
        f
        for f in billing_files(store.root)
        if TABLE_OF_KIND[f.kind] in BILL_TABLES and f.first_day and f.last_day
    ]
    if not files:
        return ()
    keep = scope_rows(store, scope, infos)
    months: set[str] = set()
    if keep is None:
        for f in files:
            months |= _months(f.first_day, f.last_day)  # type: ignore[arg-type]
        return tuple(sorted(months))
    for table in BILL_TABLES:
        held = [f for f in files if TABLE_OF_KIND[f.kind] == table]
        if not held:
            continue
        first = min(f.first_day for f in held if f.first_day)
        last = max(f.last_day for f in held if f.last_day)
        rows, _ = load_table(store.root, table, first, last, held, ("date", "organization"))
        found = rows.filter(keep).select(pl.col("date").dt.strftime("%Y-%m").unique())
        months |= set(found.to_series().to_list())
    return tuple(sorted(months))


def report_bill(
    store: Store, scope: str, infos: list[SnapshotInfo], month: str, settings: Settings
) -> tuple[BillData | None, tuple[str, ...]]:
    """Return the month's bill (None without billing rows of the scope) and the months held."""
    months = billing_months(store, scope, infos)
    if month not in months:
        return None, months
    return build_bill(store, scope, month, settings), months


def pseudonymize_bill(
    bill: BillData,
    mask: Callable[[pl.DataFrame], pl.DataFrame],
    alias: Callable[[str], str],
) -> BillData:
    """Return the bill with every login replaced as the report's other tables replace it."""
    return dataclasses.replace(
        bill,
        people=mask(bill.people),
        exceptions=tuple(BillException(alias(e.login), e.kind, e.detail) for e in bill.exceptions),
    )


def bill_of_store(
    store_dir: Path, scope: str | None, month: str | None, settings: Settings
) -> BillData:
    """Return the bill of a scope and month of the store in `store_dir` (`bill`)."""
    return build_bill(Store(store_dir), scope, month, settings)


def billing_file_rows(store_dir: Path) -> list[dict[str, Any]]:
    """Return the stored billing files (`billing-files`), kind then period, as plain rows."""
    return [
        {
            "kind": f.kind,
            "label": KIND_LABELS[f.kind],
            "period": f.period(),
            "first_day": f.first_day.isoformat() if f.first_day else None,
            "last_day": f.last_day.isoformat() if f.last_day else None,
            "rows": f.rows,
            "copilot_rows": f.copilot_rows,
            "source": f.source_name,
            "sha256": f.sha256,
            "id": f.id,
        }
        for f in billing_files(store_dir)
    ]
