"""The Reclaim section's backtest: how each threshold would have fared on the history."""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.model import Finding, ReportData
from analyzer.report.page.tables import Cell, Table, cells, headers, money, number
from analyzer.report.page.text import DASH, count, fmt_date

FROZEN_CODE = "frozen-activity"


@dataclass(frozen=True)
class BacktestBlock:
    """The backtest as the page lays it out: a caption and, once there is history, a table."""

    caption: str
    table: Table | None


def backtest_block(data: ReportData) -> BacktestBlock | None:
    """Lay out the backtest of `data`, or None when the report carries none."""
    bt = data.backtest
    if bt is None:
        return None
    if bt.needed:
        return BacktestBlock(
            f"The history holds {count(bt.snapshots, 'snapshot')}: "
            f"{count(bt.needed, 'more snapshot')} needed before this section can say how "
            "each threshold would have fared.",
            None,
        )
    configured = data.settings.stale_days
    currency = data.current.currency
    rows = []
    for row in bt.rows:
        share = row.came_back_share
        saved = row.saved_cost
        label = f"{row.stale_days} days" + (" (configured)" if row.stale_days == configured else "")
        rows.append(
            cells(
                Cell(label, sort=f"{row.stale_days:06d}"),
                number(len(row.steps)),
                number(row.total("candidates")),
                number(row.total("came_back")),
                _share(share),
                number(row.total("removed")),
                number(row.total("stayed_idle")),
                money(saved, currency) if saved is not None else Cell("unknown", "num"),
            )
        )
    names = headers("Stale after|Snapshots#|Candidates#|Came back#|Came back share#|Removed#|"
                    "Stayed idle#|Idle cost saved#")  # fmt: skip
    table = Table("backtest", names, rows, 0, "No threshold was replayed.")
    trade_off = bt.trade_off()
    caption = (
        "Each threshold's reclaim rule replayed on every snapshot but the last; what became of "
        "its candidates by the next snapshot: came back (activity reported after the snapshot: "
        "they would have asked for their seat back), removed, or stayed idle. The cost saved is "
        "the idle ones' seat cost until the next snapshot."
        + (f" {trade_off[0].upper()}{trade_off[1:]}." if trade_off else "")
    )
    frozen = [s for s in (bt.rows[0].steps if bt.rows else ()) if s.frozen_since is not None]
    if frozen:
        caption += " Activity looked frozen in " + ", ".join(
            f"the snapshot of {fmt_date(s.as_of)} (none after {fmt_date(s.frozen_since)})"
            for s in frozen
        ) + ": candidates from there may be overstated."  # fmt: skip
    return BacktestBlock(caption, table)


def _share(share: float | None) -> Cell:
    """Return a right-aligned percentage sorted by value; a dash without candidates."""
    if share is None:
        return Cell(DASH, "num", sort="-1")
    return Cell(f"{share:.0%}", "num", sort=f"{share:.4f}")


def frozen_notices(data: ReportData) -> list[Finding]:
    """Return the frozen-activity findings the top of the page warns about."""
    return [f for f in data.findings if f.code == FROZEN_CODE]
