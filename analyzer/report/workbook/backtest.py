"""The Reclaim sheet's backtest: how each threshold would have fared on the history."""

from __future__ import annotations

import polars as pl

from analyzer.model import ReportData
from analyzer.report.workbook.summary import price_name
from analyzer.report.workbook.tables import Column, Sheet, Styled, letter_of, write_table

TITLE = "How each threshold would have fared"
_COUNTS = (
    ("Snapshots judged", "snapshots"),
    ("Candidates", "candidates"),
    ("Came back", "came_back"),
)
_REST = (("Removed", "removed"), ("Stayed idle", "stayed_idle"))


def _idle_header(plan: str) -> str:
    return f"Idle seat-months: {plan}"


def _frame(data: ReportData, plans: list[str]) -> pl.DataFrame:
    """Return one row per threshold: counts, idle seat-months per plan, the saved cost."""
    assert data.backtest is not None
    rows = []
    for row in data.backtest.rows:
        months = row.idle_months()
        rows.append(
            {
                "stale_days": row.stale_days,
                "snapshots": len(row.steps),
                **{n: row.total(n) for n in ("candidates", "came_back", "removed", "stayed_idle")},
                "share": row.came_back_share,
                **{f"idle_{p}": months.get(p, 0.0) for p in plans},
                "saved_cost": row.saved_cost,
            }
        )
    schema = {"share": pl.Float64, "saved_cost": pl.Float64}
    return pl.DataFrame(rows, schema_overrides=schema)


def write_backtest(sheet: Sheet, data: ReportData) -> None:
    """Write the backtest under the sheet's rows: a title, what it means, then its table.

    The saved cost is a formula on the price cells (idle seat-months times each plan's
    price), so a price edit moves it; the counts are what the history shows.
    """
    bt = data.backtest
    if bt is None:
        return
    sheet.append([])
    sheet.append([Styled(TITLE, bold=True)])
    if bt.needed:
        sheet.append(
            [
                f"The history holds {bt.snapshots} snapshot{'s' if bt.snapshots != 1 else ''}: "
                f"{bt.needed} more needed before this table can say how each threshold "
                "would have fared."
            ]
        )
        return
    trade_off = bt.trade_off()
    sheet.append(
        [
            "Each threshold's reclaim rule replayed on every snapshot but the last: came back "
            "(activity after the snapshot: would have asked for the seat back), removed, or "
            "stayed idle by the next snapshot; the cost saved is the idle seats' cost until "
            "the next snapshot." + (f" {trade_off[0].upper()}{trade_off[1:]}." if trade_off else "")
        ]
    )
    plans = sorted(data.settings.prices)
    frame = _frame(data, plans)
    columns = [
        Column("Stale after (days)", "count", 11, "stale_days"),
        *(Column(header, "count", 11, source) for header, source in _COUNTS),
        Column("Came back share", "percent", 11, "share"),
        *(Column(header, "count", 11, source) for header, source in _REST),
        *(Column(_idle_header(p), "number", 12, f"idle_{p}") for p in plans),
    ]
    terms = [f"{letter_of(columns, _idle_header(p))}{{r}}*{price_name(p)}" for p in plans]
    if plans and all(row.saved_cost is not None for row in bt.rows):
        saved = Column("Idle cost saved", "money", 14, formula="=" + "+".join(terms),
                       cached="saved_cost")  # fmt: skip
    else:  # a billed plan without a price: the cost is unknown, left blank
        saved = Column("Idle cost saved", "money", 14, "saved_cost")
    columns.append(saved)
    write_table(sheet, "BacktestTable", frame, columns)
