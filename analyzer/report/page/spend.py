"""The page's Spend section: the month's whole Copilot bill, laid out from ReportData.bill."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl
from markupsafe import Markup

from analyzer.billing_schema import in_credits_era
from analyzer.model import CALENDAR_MONTH, SEAT_CYCLE, UNMAPPED, BillData, ReportData
from analyzer.report.bill_facts import (
    ai_missing,
    clocks_note,
    coverage_note,
    credits_era,
    per_login_known,
    pool_missing,
    report_seat_note,
    usage_missing,
    with_known_zeros,
)
from analyzer.report.page.figures import Chart
from analyzer.report.page.forecast import projected_pool_chart
from analyzer.report.page.spend_charts import spend_charts
from analyzer.report.page.tables import (
    FIRST_ROWS,
    Cell,
    Table,
    cells,
    login,
    state_badge,
    table,
    text,
)
from analyzer.report.page.text import count, fmt_money

UNKNOWN = "unknown"
# (breakdown key, element id part, heading noun)
GROUPS: tuple[tuple[str, str, str], ...] = (
    ("cost_center", "cost-center", "cost centre"),
    ("team", "team", "team"),
    ("org", "org", "organization"),
)
USAGE_PAGE = "Billing & licensing > Usage > Get usage report"
AI_PAGE = "Billing & licensing > Usage > AI usage > Get usage report"
PREMIUM_PAGE = "Billing & licensing > Usage > Premium request analytics > Get usage report"
# the figures billed on the seat cycle; every other figure follows the calendar month
SEAT_FIGURES = frozenset({"seat_cost_billed", "seat_cost_expected"})


@dataclass(frozen=True)
class SpendFigure:
    """A headline figure of the bill; an unknown one says what is missing instead."""

    key: str
    label: str
    value: str
    note: str
    known: bool


@dataclass(frozen=True)
class GroupTable:
    """The bill per cost centre, team or org: a table, or the sentence shown instead."""

    key: str
    title: str
    table: Table | None
    sentence: str


@dataclass(frozen=True)
class Spend:
    """Everything the Spend section shows; `hint` alone when there is no bill for the month."""

    month: str
    hint: str
    figures: tuple[SpendFigure, ...] = ()
    reconciliation: str = ""
    seat_note: str = ""  # why the bill tables count other seats than the snapshot
    clocks: str = ""  # the seat cycle and the calendar month, when they differ
    notes: tuple[str, ...] = ()
    charts: tuple[tuple[Chart, Markup | None], ...] = ()
    exceptions: Table | None = None
    flagged: Table | None = None
    flag_caption: str = ""
    groups: tuple[GroupTable, ...] = ()
    models: Table | None = None
    sources: tuple[str, ...] = ()

    @property
    def more_title(self) -> str:
        """Name the tables folded under the first breakdown: "By team, organization and model"."""
        nouns = [g.title.removeprefix("By ") for g in self.groups[1:]] + ["model"]
        return "By " + _join(nouns) + " (show)"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def download_hint(data: ReportData) -> str:
    """Say which billing files to download to see the month's whole bill."""
    month = data.month
    usage = "AI usage" if in_credits_era(month) else "premium request"
    page = AI_PAGE if usage == "AI usage" else PREMIUM_PAGE
    text = (
        f"No billing files for {month}: to see the whole Copilot bill, download the detailed "
        f"usage report ({USAGE_PAGE}) and the {usage} report ({page}) for {month}, and "
        "ingest them with the seat reports."
    )
    if data.billing_months:
        text += (
            f" The store holds billing rows of {data.scope} for {_join(list(data.billing_months))};"
            " the report of such a month shows its bill."
        )
    return text


def _money(value: float | None, currency: str, reason: str) -> tuple[str, bool, str]:
    if value is None:
        return UNKNOWN, False, reason
    return fmt_money(value, currency), True, ""


def _figures(bill: BillData) -> tuple[SpendFigure, ...]:
    """Return the headline figures of the bill, in reading order."""
    c = bill.currency
    out: list[SpendFigure] = []

    def add(key: str, label: str, shown: tuple[str, bool, str], note: str) -> None:
        value, known, reason = shown
        clock = SEAT_CYCLE if key in SEAT_FIGURES else CALENDAR_MONTH
        shown_label = bill.clocked(label, clock)
        out.append(SpendFigure(key, shown_label, value, note if known else reason, known))

    usage_to, ai_to = coverage_note(bill, "usage"), coverage_note(bill, "ai")
    add("total_billed", "Total billed", _money(bill.total_billed, c, usage_missing(bill)),
        f"every Copilot charge of the usage report, net{usage_to}")  # fmt: skip
    expected = UNKNOWN
    if bill.seat_cost_expected is not None:
        low = bill.seat_cost_expected_low or 0.0
        expected = (
            fmt_money(bill.seat_cost_expected, c)
            if abs(bill.seat_cost_expected - low) < 0.005
            else f"{fmt_money(low, c)} to {fmt_money(bill.seat_cost_expected, c)}"
        )
    add("seat_cost_billed", "Seat charges", _money(bill.seat_cost_billed, c, usage_missing(bill)),
        f"as billed{usage_to}; the seat history predicts {expected}")  # fmt: skip
    if credits_era(bill):
        add("credit_cost_billed", "AI credits billed",
            _money(bill.credit_cost_billed, c, usage_missing(bill)),
            "the credits beyond the pool, as billed")  # fmt: skip
        used = bill.credits_used
        pool = bill.credit_pool
        note = (
            f"{100 * used / pool:.0f}% of the pool of {pool:,.0f}"
            if used is not None and pool
            else (f"the pool is unknown: {pool_missing(bill)}" if pool is None else "no pool")
        )
        add("credits_used", "AI credits used",
            (f"{used:,.0f}", True, "") if used is not None else (UNKNOWN, False, ai_missing(bill)),
            note)  # fmt: skip
        overage_reason = ai_missing(bill) if used is None else pool_missing(bill)
        over = bill.credit_overage
        add("credit_overage_cost", "Credit overage",
            _money(bill.credit_overage_cost, c, overage_reason),
            (f"{over:,.0f} credits beyond the pool" if over is not None else "the overage")
            + f" at {fmt_money(bill.credit_price, c)} each")  # fmt: skip
    else:
        requests = bill.premium_requests
        add("premium_requests", "Premium requests",
            (f"{requests:,.1f}", True, "") if requests is not None
            else (UNKNOWN, False, ai_missing(bill)),
            f"per-user quotas, before AI credits{ai_to}")  # fmt: skip
        units = bill.premium_ai_units
        if units:
            add("premium_ai_units", "Premium ai-units", (f"{units:,.1f}", True, ""),
                f"premium use priced in ai-units (from 2026-03-11){ai_to}")  # fmt: skip
        add("premium_request_cost", "Premium request cost",
            _money(bill.premium_request_cost, c, ai_missing(bill)),
            f"every premium row, requests and ai-units, net{ai_to}")  # fmt: skip
    return tuple(out)


def amount(value: float | None, currency: str | None, reason: str) -> Cell:
    """Return a right-aligned amount (money with a currency), or "unknown" saying why."""
    if value is None:
        return Cell(UNKNOWN, "num", sort="-1", title=reason)
    shown = fmt_money(value, currency) if currency else f"{value:,.1f}"
    return Cell(shown, "num", sort=f"{value:.4f}")


def _usage(bill: BillData) -> tuple[str, str, str]:
    """Return the usage column of the month, its header and its noun."""
    if credits_era(bill):
        return "credits_used", "AI credits", "AI credits"
    return "premium_requests", "Premium requests", "premium requests"


def _exceptions(bill: BillData) -> Table:
    rows = [
        cells(login(e.login), Cell(e.kind, "code"), Cell(e.detail, "wrap")) for e in bill.exceptions
    ]
    if bill.seat_cost_billed is None:
        empty = f"No reconciliation: {usage_missing(bill)}."
    elif not per_login_known(bill):
        empty = "No per-login reconciliation: it needs the detailed usage report for the month."
    else:
        empty = "No exceptions: the seat history explains every seat charge."
    names = "Login|Exception|Detail"
    header = tuple(Cell(n) for n in names.split("|"))
    return Table("bill-exceptions", header, rows, 0, empty, first_rows=FIRST_ROWS)


def _flagged(bill: BillData, people: pl.DataFrame, first: bool) -> tuple[Table, str]:
    column, header, noun = _usage(bill)
    flagged = people.filter(pl.col("idle_with_credits") | pl.col("heavy")).sort(
        [column, "login"], descending=[True, False], nulls_last=True
    )
    c = bill.currency

    def row(r: dict[str, Any]) -> list[Cell]:
        flags = [
            *(["idle seat, uses " + noun] if r["idle_with_credits"] else []),
            *(["heavy user"] if r["heavy"] else []),
        ]
        return cells(
            login(r["login"]),
            ", ".join(flags),
            state_badge(r["state"], first) if r["state"] else Cell(text(None)),
            amount(r[column], None, ai_missing(bill)),
            amount(r["seat_cost_billed"], c, usage_missing(bill)),
            r["team"],
            r["cost_center"],
        )

    if bill.credits_used is None and bill.premium_requests is None:
        empty = f"Nobody can be flagged: {ai_missing(bill)}."
    else:
        empty = f"No idle seat used {noun}, and no heavy user stands out."
    caption = (
        f"Idle seats whose users still used {noun} (Copilot telemetry may be off: check "
        f"before reclaiming) and heavy users (the top 1 % by {noun})."
    )
    names = f"Login|Flag|State|{header}#|Seat charges#|Team|Cost centre"
    return table("bill-flagged", flagged, names, row, empty, first_rows=FIRST_ROWS), caption


def _group(bill: BillData, key: str, id_part: str, noun: str) -> GroupTable:
    frame = with_known_zeros(bill, bill.breakdowns[key])
    title = f"By {noun}"
    named = [k for k in frame["key"].to_list() if k != UNMAPPED]
    if frame.height < 2:
        sentence = (
            f"Everyone billed is in one {noun}: {named[0]}."
            if named
            else f"No {noun} is known for anyone billed."
        )
        return GroupTable(id_part, title, None, sentence)
    column, header, _ = _usage(bill)
    c = bill.currency
    # (header, frame column, its cell): a column without data is left out
    spec: list[tuple[str, str, Callable[[Any], Cell]]] = [
        ("Seat charges billed#", "seat_cost_billed",
         lambda v: amount(v, c, usage_missing(bill))),
        ("Seat charges expected#", "seat_cost_expected",
         lambda v: amount(v, c, "no seat report of the month")),
        (f"{header}#", column, lambda v: amount(v, None, ai_missing(bill))),
        *([("Overage share#", "overage_share", lambda v: amount(v, c, ai_missing(bill)))]
          if credits_era(bill) else []),
        ("Total#", "total_cost", lambda v: amount(v, c, usage_missing(bill))),
    ]  # fmt: skip
    kept = [(h, col, cell) for h, col, cell in spec if frame[col].null_count() < frame.height]

    def row(r: dict[str, Any]) -> list[Cell]:
        return cells(
            Cell(text(r["key"]), "wrap"),
            Cell(f"{r['seats']:,}", "num", sort=str(r["seats"])),
            *[cell(r[col]) for _, col, cell in kept],
        )

    names = "|".join([noun.capitalize(), "Seats#", *[h for h, _, _ in kept]])
    shown = table(f"bill-by-{id_part}", frame, names, row, "None.", first_rows=FIRST_ROWS)
    return GroupTable(id_part, title, shown, "")


def _models(bill: BillData) -> Table:
    column, header, noun = _usage(bill)
    frame = bill.models.filter(pl.col(column) > 0)

    def row(r: dict[str, Any]) -> list[Cell]:
        return cells(
            Cell(text(r["model"]), "wrap"),
            amount(r[column], None, ""),
            Cell(f"{r['users']:,}", "num", sort=str(r["users"])),
        )

    known = bill.credits_used if credits_era(bill) else bill.premium_requests
    empty = f"No model used: {ai_missing(bill)}." if known is None else f"No {noun} were used."
    return table("bill-models", frame, f"Model|{header}#|Users#", row, empty, first_rows=FIRST_ROWS)


def _charts(data: ReportData, bill: BillData) -> list[Chart]:
    """Return the Spend charts; the pool chart carries the month-end projection when it has one."""
    projected = projected_pool_chart(data)
    charts = spend_charts(bill)
    if projected is None:
        return charts
    return [projected if c.div_id == projected.div_id else c for c in charts]


def build_spend(data: ReportData, chart_json: Callable[[Chart], Markup]) -> Spend:
    """Lay out the Spend section of `data` (the hint alone when there is no bill)."""
    bill = data.bill
    if bill is None:
        return Spend(data.month, download_hint(data))
    people = with_known_zeros(bill, bill.people)
    first = len(data.sources) == 1
    flagged, caption = _flagged(bill, people, first)
    notes = list(bill.notes)
    if bill.other_rows:
        notes.append(
            f"{count(bill.other_rows, 'usage row')} of other products "
            f"({fmt_money(bill.other_net, bill.currency)}) left out: not Copilot"
        )
    return Spend(
        month=data.month,
        hint="",
        figures=_figures(bill),
        reconciliation=bill.reconciliation(),
        seat_note=report_seat_note(data) or "",
        clocks=clocks_note(bill) or "",
        notes=tuple(notes),
        charts=tuple((c, chart_json(c) if c.shown else None) for c in _charts(data, bill)),
        exceptions=_exceptions(bill),
        flagged=flagged,
        flag_caption=caption,
        groups=tuple(_group(bill, k, i, n) for k, i, n in GROUPS if k in bill.breakdowns),
        models=_models(bill),
        sources=bill.sources,
    )


def _billed_credits(bill: BillData) -> str:
    """Return the AI credits billed as money, or "unknown" (never 0 for a missing figure)."""
    billed = bill.credit_cost_billed
    return fmt_money(billed, bill.currency) if billed is not None else UNKNOWN


def bill_sentence(data: ReportData) -> str | None:
    """Say the month's whole bill in one sentence, when the store holds its billing files."""
    bill = data.bill
    if bill is None:
        return None
    c = bill.currency
    if bill.total_billed is None:
        known = ""
        if bill.premium_request_cost is not None:
            known = (
                f"; premium requests cost {fmt_money(bill.premium_request_cost, c)}"
                f"{coverage_note(bill, 'ai')}"
            )
        elif bill.credits_used is not None:
            known = f"; {bill.credits_used:,.0f} AI credits used{coverage_note(bill, 'ai')}"
        return f"The whole Copilot bill of {bill.month} is unknown: {usage_missing(bill)}{known}."
    seats = bill.seat_cost_billed
    parts = [f"seats {fmt_money(seats, c) if seats is not None else UNKNOWN}"]
    if credits_era(bill):
        if bill.credits_used is not None and bill.credit_pool is not None:
            parts.append(
                f"{bill.credits_used:,.0f} of the pool's {bill.credit_pool:,.0f} AI credits "
                f"used ({_billed_credits(bill)} billed for credits)"
            )
        else:
            parts.append(f"AI credits {UNKNOWN} ({ai_missing(bill) or pool_missing(bill)})")
    elif bill.premium_request_cost is not None:
        parts.append(f"premium requests {fmt_money(bill.premium_request_cost, c)}")
    n = len(bill.exceptions)
    tail = f"; {count(n, 'billing exception')} below" if n else "; no billing exception"
    return (
        f"GitHub billed {fmt_money(bill.total_billed, c)} for Copilot in {bill.month}"
        f"{coverage_note(bill, 'usage')}: " + " and ".join(parts) + tail + "."
    )
