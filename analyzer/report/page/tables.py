"""The page's tables: cells with sort keys and hover text, captions for constant columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from analyzer.model import STATE_LABELS, STATES, ReportData, state_label
from analyzer.report.page.text import (
    DASH,
    count,
    csv_text,
    csv_time,
    days_ago,
    fmt_date,
    fmt_money,
    fmt_time,
)
from analyzer.surfaces import surface_family

MAX_ROWS = 200  # rows per table on the page; the workbook has them all
FIRST_ROWS = 10  # rows of a long list shown before "show all"
NEVER_SORT = "999999"  # sorts "never" after every number of days
CAPTION_NOUNS = {"orgs": "org", "monthly_cost": "cost"}  # a folded column, in a caption
PEOPLE = (("name", "Name"), ("department", "Department"), ("cost_center", "Cost centre"))


@dataclass(frozen=True)
class Cell:
    """One table cell: text, class, badge class, sort key, hover text and CSV text."""

    text: str
    css: str = ""
    badge: str = ""
    sort: str | None = None  # when the order is not the text's (numbers, "never")
    title: str = ""  # hover text, e.g. the raw surface string behind a family
    csv: str | None = None  # when the CSV should carry something else than the text

    def __post_init__(self) -> None:
        """Give a cell whose text is not machine-readable ("—", "1,824.00 USD") its CSV value."""
        if self.csv is None:
            object.__setattr__(self, "csv", csv_text(self.text))


@dataclass(frozen=True)
class Table:
    """A table laid out for the page: rows, what the workbook keeps, what the caption says."""

    key: str  # element id suffix and CSV file name part
    headers: tuple[Cell, ...]
    rows: list[list[Cell]]
    more: int = 0
    empty: str = "None."
    caption: str = ""
    first_rows: int = 0  # rows shown before "show all" (0: all)

    @property
    def total(self) -> int:
        """Return how many rows the table has, shown or not."""
        return len(self.rows) + self.more

    @property
    def more_text(self) -> str:
        """Say how many rows the page leaves out."""
        verb = "is" if self.more == 1 else "are"
        return f"{self.more:,} more {verb} in the workbook."


def text(value: object) -> str:
    """Return a cell's text: a dash for a missing value."""
    return DASH if value is None or value == "" else str(value)


def cells(*values: object) -> list[Cell]:
    """Return one row of cells; a value that is not already a Cell becomes plain text."""
    return [v if isinstance(v, Cell) else Cell(text(v)) for v in values]


def login(value: object) -> Cell:
    """Return a bold login cell."""
    return Cell(text(value), "login")


def state_badge(state: object, first_snapshot: bool = False) -> Cell:
    """Return a badge cell for a seat state, coloured when the state is known."""
    name = "" if state is None else str(state)
    css = f"state state-{name}" if name in STATES else "state"
    label = state_label(name, first_snapshot) if name in STATES else text(state)
    return Cell(label, badge=css)


def number(value: int | None, never: str = DASH) -> Cell:
    """Return a right-aligned count; `never` (sorted last) for a missing one."""
    if value is None:
        return Cell(never, "num", sort=NEVER_SORT)
    return Cell(f"{value:,}", "num", sort=str(value))


def money(value: float | None, currency: str) -> Cell:
    """Return a right-aligned amount sorted by value; an unknown one is a dash, never 0."""
    if value is None:
        return Cell(DASH, "num", sort="-1", csv="")
    amount = float(value)
    return Cell(fmt_money(amount, currency), "num", sort=f"{amount:.2f}", csv=f"{amount:.2f}")


def day(value: datetime | None) -> Cell:
    """Return a UTC day cell; the full time on hover and in the CSV."""
    return Cell(fmt_date(value), title=fmt_time(value) if value else "", csv=csv_time(value))


def signed_in(days: int | None, when: datetime | None = None) -> Cell:
    """Return "N days ago" for a known sign-in, sorted by days; "never" last.

    The CSV holds the sign-in time itself (`when`), empty when unknown.
    """
    sort = NEVER_SORT if days is None else str(days)
    return Cell(days_ago(days), "num", sort=sort, csv=csv_time(when if days is not None else None))


def surface(raw: object) -> Cell:
    """Return a surface as its family, the raw string on hover and in the CSV."""
    if raw is None or raw == "":
        return Cell(DASH)
    return Cell(surface_family(str(raw)), title=str(raw), csv=str(raw))


def headers(names: str) -> tuple[Cell, ...]:
    """Return header cells from "A|B#|C"; a name ending in '#' heads a number column."""
    return tuple(Cell(n.rstrip("#"), "num" if n.endswith("#") else "") for n in names.split("|"))


def table(
    key: str,
    frame: pl.DataFrame,
    names: str,
    row: Callable[[dict[str, Any]], list[Cell]],
    empty: str,
    *,
    caption: str = "",
    first_rows: int = 0,
) -> Table:
    """Lay out at most MAX_ROWS rows of `frame` (already sorted) with `row`."""
    rows = [row(r) for r in frame.head(MAX_ROWS).iter_rows(named=True)]
    more = max(frame.height - MAX_ROWS, 0)
    return Table(key, headers(names), rows, more, empty, caption, first_rows)


def constant(frame: pl.DataFrame, column: str) -> tuple[bool, Any]:
    """Return whether a column holds one value in every row (of a non-empty frame), and it."""
    if frame.is_empty() or column not in frame.columns:
        return False, None
    values = frame[column].unique()
    return values.len() == 1, values[0]


def fold(frame: pl.DataFrame, columns: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Return the (column, label) pairs to keep, and "Label: value" for those constant."""
    kept, folded = [], []
    for column, label in columns:
        same, value = constant(frame, column)
        if same:
            noun = CAPTION_NOUNS.get(column, label.lower())
            folded.append(f"{noun} {value}" if value not in (None, "") else f"no {noun}")
        else:
            kept.append(column)
    return kept, folded


def _people(data: ReportData, logins: list[str]) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """Return the people columns to show (those with any value) and each login's seat row."""
    rows = data.seats.filter(pl.col("login").is_in(logins))
    shown = [(c, label) for c, label in PEOPLE if rows[c].drop_nulls().len()]
    return shown, {r["login"]: r for r in rows.iter_rows(named=True)}


def seat_list(
    data: ReportData,
    key: str,
    frame: pl.DataFrame,
    columns: list[tuple[str, str, Callable[[dict[str, Any]], Cell]]],
    empty: str,
    lead: str,
    first_rows: int = 0,
) -> Table:
    """Lay out a list of seats: login, people columns, `columns`, then orgs, team, plan, cost.

    Orgs, team, plan and cost are folded into the caption when every seat has the same.
    """
    currency = data.current.currency
    head = frame.head(MAX_ROWS)
    people, seats = _people(data, head["login"].to_list())
    tail_cols = [("orgs", "Orgs"), ("team", "Team"), ("plan", "Plan"), ("monthly_cost", "Cost")]
    kept, folded = fold(frame, tail_cols)
    if "monthly_cost" not in kept and not frame.is_empty():
        folded[-1] = f"{fmt_money(float(frame['monthly_cost'][0] or 0), currency)} a month each"
    # The columns that decide (state, idle days, sign-in) come before the people's names, so
    # a phone shows them without a sideways scroll.
    names = ["Login", *[label for label, _, _ in columns], *[label for _, label in people]]
    names += [label + ("#" if c == "monthly_cost" else "") for c, label in tail_cols if c in kept]

    def row(r: dict[str, Any]) -> list[Cell]:
        person = seats.get(r["login"], {})
        tail = {
            "orgs": Cell(text(r["orgs"])),
            "team": Cell(text(r["team"])),
            "plan": Cell(text(r["plan"])),
            "monthly_cost": money(r["monthly_cost"], currency),
        }
        return cells(
            login(r["display_login"]),
            *[make({**person, **r}) for _, _, make in columns],
            *[Cell(text(person.get(c)), "wrap") for c, _ in people],
            *[tail[c] for c in kept],
        )

    caption = " ".join([lead, *(["All: " + ", ".join(folded) + "."] if folded else [])])
    return table(key, frame, "|".join(names), row, empty, caption=caption, first_rows=first_rows)


def reclaim_table(data: ReportData) -> Table:
    """Lay out the reclaim candidates in the order given: costliest and longest idle first."""
    first = len(data.sources) == 1
    same_cost, _ = constant(data.reclaim, "monthly_cost")
    order = "longest idle first" if same_cost else "most expensive first, then longest idle"
    columns: list[tuple[str, str, Callable[[dict[str, Any]], Cell]]] = [
        ("State", "", lambda r: state_badge(r["reason"], first)),
        ("Idle days#", "", lambda r: number(r["idle_days"], "never")),
        ("Last activity", "", lambda r: day(r["last_activity"])),
        (
            "Signed in#",
            "",
            lambda r: signed_in(r.get("signed_in_days"), r.get("last_authenticated")),
        ),
        ("Surface", "", lambda r: surface(r["last_surface"])),
    ]
    lead = f"{count(data.reclaim.height, 'seat')}, {order}."
    return seat_list(
        data,
        "reclaim",
        data.reclaim,
        columns,
        "No seat is a reclaim candidate this month.",
        lead,
        FIRST_ROWS,
    )


def check_first_table(data: ReportData) -> Table:
    """Lay out the idle seats that signed in recently, latest sign-in first."""
    first = len(data.sources) == 1
    columns: list[tuple[str, str, Callable[[dict[str, Any]], Cell]]] = [
        ("Signed in#", "", lambda r: signed_in(r["signed_in_days"], r.get("last_authenticated"))),
        ("State", "", lambda r: state_badge(r["reason"], first)),
        ("Last activity", "", lambda r: day(r["last_activity"])),
    ]
    lead = f"{count(data.check_first.height, 'seat')}, latest sign-in first."
    return seat_list(
        data,
        "check-first",
        data.check_first,
        columns,
        "No idle seat signed in recently.",
        lead,
        FIRST_ROWS,
    )


def transition_matrix(counts: dict[str, int]) -> Table:
    """Lay out {"from->to": seats} as a from-state by to-state matrix."""
    pairs = {tuple(key.split("->", 1)): n for key, n in counts.items()}
    states = [*STATES, *sorted({s for pair in pairs for s in pair} - set(STATES))]
    head = (Cell("From \u2192 to"), *(Cell(STATE_LABELS.get(s, s), "num") for s in states))
    rows = [
        [Cell(STATE_LABELS.get(a, a), "rowhead")]
        + [Cell(DASH if a == b else f"{pairs.get((a, b), 0):,}", "num") for b in states]
        for a in states
    ]
    return Table("", head, rows)  # no tools: a fixed grid, not a list


def changes_tables(data: ReportData) -> dict[str, Any] | None:
    """Lay out the month's changes: seat lists, the transition matrix and moves."""
    diff = data.changes
    if diff is None:
        return None
    first = len(data.sources) == 1

    def seat(r: dict[str, Any]) -> list[Cell]:
        name = r["display_login"] or r["login"]
        return cells(login(name), r["orgs"], r["team"], state_badge(r["state"], first))

    def transition(r: dict[str, Any]) -> list[Cell]:
        return cells(
            login(r["display_login"]),
            state_badge(r["from_state"]),
            state_badge(r["to_state"], first),
            r["change"],
        )

    def move(r: dict[str, Any]) -> list[Cell]:
        return cells(login(r["display_login"]), r["field"], r["before"], r["after"])

    seats = "Login|Orgs|Team|State"
    return {
        "from": fmt_time(diff.from_as_of),
        "to": fmt_time(diff.to_as_of),
        "added": table(
            "added",
            diff.added.sort("login"),
            seats,
            seat,
            "No seat was added.",
            first_rows=FIRST_ROWS,
        ),
        "removed": table(
            "removed",
            diff.removed.sort("login"),
            seats,
            seat,
            "No seat was removed.",
            first_rows=FIRST_ROWS,
        ),
        "matrix": transition_matrix(diff.transition_counts()),
        "transitions": table(
            "transitions",
            diff.transitions.sort("login"),
            "Login|From|To|Change",
            transition,
            "No seat changed state.",
            first_rows=FIRST_ROWS,
        ),
        "moves": table(
            "moves",
            diff.moves.sort("login", "field"),
            "Login|Field|Before|After",
            move,
            "No seat moved between organizations or teams.",
            first_rows=FIRST_ROWS,
        ),
    }


def findings_table(data: ReportData) -> Table:
    """Lay out the data-quality findings and caveats, most severe first."""
    order = {"warning": 0, "caution": 1, "info": 2}
    rows = [
        cells(
            Cell(
                f.severity,
                badge=f"sev sev-{f.severity if f.severity in order else 'info'}",
                sort=str(order.get(f.severity, 3)),
            ),
            Cell(f.code, "code"),
            Cell(f.message, "wrap"),
            number(f.count or None),
        )
        for f in sorted(data.findings, key=lambda f: (order.get(f.severity, 3), f.code, f.message))
    ]
    return Table("findings", headers("Severity|Code|Finding|Seats#"), rows, 0, "No findings.")


def sources_table(data: ReportData) -> Table:
    """Lay out every snapshot the figures come from, oldest first."""
    roles = {data.current_snapshot.id: "current"}
    if data.previous_snapshot is not None:
        roles[data.previous_snapshot.id] = "previous"
    rows = [
        cells(
            fmt_time(s.as_of),
            Cell(roles.get(s.id, ""), badge="role" if s.id in roles else ""),
            Cell(s.format, "code"),
            Cell(s.source_name, "wrap"),
            Cell(s.sha256[:12], "code", title=s.sha256),
            number(s.seats),
            s.time_source,
        )
        for s in sorted(data.sources, key=lambda s: (s.as_of, s.id))
    ]
    names = headers("Snapshot time|Used as|Format|File|SHA-256|Seats#|Time from")
    return Table("sources", names, rows, 0, "No sources.")
