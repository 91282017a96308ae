"""The top of the page: what to do this month, at most five lines ranked by money.

Each line starts with the action, carries its figure in bold, and is one of: the seats to
reclaim, the bill against the seat history, the light-use seats, what changed, and the data a
reader must check first. Lines with money come first, the largest amount first.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.model import ReportData, comparison_label
from analyzer.report.page.text import count, fmt_date, fmt_delta, fmt_money

MAX_LINES = 5


@dataclass(frozen=True)
class Segment:
    """A run of text of one line; `strong` runs are the figures shown in bold."""

    text: str
    strong: bool = False


@dataclass(frozen=True)
class TopLine:
    """One line of the top: its key (a stable id), its text in runs, the money it is about."""

    key: str
    segments: tuple[Segment, ...]
    amount: float | None = None  # USD a month (or billed) this line is about; None: no money

    @property
    def text(self) -> str:
        """Return the line as plain text."""
        return "".join(s.text for s in self.segments)


def _line(key: str, amount: float | None, *parts: str | tuple[str]) -> TopLine:
    """Build a line from plain strings and 1-tuples (the bold figures)."""
    runs = tuple(Segment(p[0], True) if isinstance(p, tuple) else Segment(p) for p in parts)
    return TopLine(key, runs, amount)


def reclaim_line(data: ReportData) -> TopLine:
    """Say how many seats to remove, what that saves, and how many to ask about first."""
    cur, currency = data.current, data.current.currency
    ask = ""
    if cur.check_first:
        ask = (
            f"; ask {cur.check_first:,} first "
            f"({fmt_money(cur.check_first_monthly_cost, currency)} a month)"
        )
    if not cur.reclaim_candidates:
        return _line("reclaim", 0.0, "No seat to reclaim", ask, ".")
    return _line(
        "reclaim",
        cur.reclaimable_monthly_cost,
        "Remove ",
        (count(cur.reclaim_candidates, "seat"),),
        ": ",
        (f"{fmt_money(cur.reclaimable_monthly_cost, currency)} a month",),
        " from the next billing cycle",
        ask,
        ".",
    )


def bill_line(data: ReportData) -> TopLine | None:
    """Say what GitHub billed for the month against what the seat history expects."""
    bill = data.bill
    if bill is None:
        return None
    c = bill.currency
    if bill.total_billed is None:
        return _line("bill", None, f"Bill of {bill.month}: unknown (", bill.notes[0], ").")
    exceptions = len(bill.exceptions)
    check = f"; check {count(exceptions, 'billing exception')}" if exceptions else ""
    expected = ""
    if bill.seat_cost_expected is not None:
        expected = (
            f"; seats billed {fmt_money(bill.seat_cost_billed or 0.0, c)}, the seat history "
            f"expects {fmt_money(bill.seat_cost_expected, c)}"
        )
    return _line(
        "bill",
        bill.total_billed,
        f"GitHub billed {bill.month}: ",
        (fmt_money(bill.total_billed, c),),
        expected,
        check,
        ".",
    )


def light_use_line(data: ReportData) -> TopLine | None:
    """Name the active seats used on 1-3 days of the window: a conversation, not a removal."""
    e = data.engagement
    if e is None or e.window_end is None or not e.light_use.height:
        return None
    return _line(
        "light-use",
        e.light_use_monthly_cost,
        "Talk to ",
        (count(e.light_use.height, "active seat"),),
        f" used on only 1-3 days in the 28 to {fmt_date(e.window_end)} (",
        (f"{fmt_money(e.light_use_monthly_cost, data.current.currency)} a month",),
        ").",
    )


def change_line(data: ReportData) -> TopLine | None:
    """Say how seats and their cost changed since the compared snapshot."""
    cur, prev, diff = data.current, data.previous, data.changes
    if prev is None or data.previous_snapshot is None or diff is None:
        return None
    delta = round(cur.monthly_cost - prev.monthly_cost, 2)
    seats = fmt_delta(cur.seats - prev.seats) + (
        " seat" if abs(cur.seats - prev.seats) == 1 else " seats"
    )
    since = comparison_label(cur.as_of, data.previous_snapshot.as_of)
    return _line(
        "changes",
        abs(delta),
        "Seats: ",
        (seats,),
        f" ({fmt_delta(delta, cur.currency)} a month) {since}: ",
        f"{diff.added.height:,} added, {diff.removed.height:,} removed.",
    )


def quality_line(data: ReportData) -> TopLine | None:
    """Point at the first warning a reader must see before acting on the figures."""
    warnings = sorted((f for f in data.findings if f.severity == "warning"), key=lambda f: f.code)
    if not warnings:
        return None
    more = f" (and {len(warnings) - 1:,} more)" if len(warnings) > 1 else ""
    return _line(
        "quality", None, "Check the data first: ", warnings[0].message.rstrip("."), more, "."
    )


def build_top(data: ReportData) -> list[TopLine]:
    """Return at most five top lines: those about money, largest first, then the rest."""
    lines = [
        line
        for line in (
            reclaim_line(data),
            bill_line(data),
            light_use_line(data),
            change_line(data),
            quality_line(data),
        )
        if line is not None
    ]
    money = sorted((x for x in lines if x.amount is not None), key=lambda x: -(x.amount or 0.0))
    rest = [x for x in lines if x.amount is None]
    # The reclaim line is the page's action: it stays first whatever the amounts.
    ordered = [x for x in money if x.key == "reclaim"] + [x for x in money if x.key != "reclaim"]
    return (ordered + rest)[:MAX_LINES]


def snapshot_words(data: ReportData) -> str:
    """Say which snapshot the seat figures are from, and that it stands for the close."""
    as_of = data.current.as_of
    if as_of.strftime("%Y-%m") > data.month:  # taken in the first days of the next month
        return f"at the close of {data.month} (snapshot of {fmt_date(as_of)})"
    return f"on {fmt_date(as_of)}"


def headline(data: ReportData) -> tuple[Segment, ...]:
    """Return the one-line headline: the seats, the month's cost and the idle share."""
    cur = data.current
    idle = cur.states.get("stale", 0) + cur.states.get("never_active", 0)
    return (
        Segment(f"{count(cur.seats, 'seat')}", True),
        Segment(" costing "),
        Segment(f"{fmt_money(cur.monthly_cost, cur.currency)} a month", True),
        Segment(f" {snapshot_words(data)}; "),
        Segment(f"{idle:,} idle", True),
        Segment(f" ({fmt_money(cur.idle_monthly_cost, cur.currency)})."),
    )
