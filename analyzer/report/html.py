"""Write the monthly report as one self-contained HTML page that needs no network."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import plotly.offline
import polars as pl
from markupsafe import Markup

from analyzer.fsutil import atomic_path
from analyzer.model import STATE_LABELS, STATES, ReportData, SnapshotSummary
from analyzer.report.charts import STATE_COLORS, Chart, build_charts

MAX_ROWS = 200  # rows per table on the page; the workbook has them all
PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True}
DASH = "\u2014"
MINUS = "\u2212"


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, the cell's class and, for a badge, the badge's class."""

    text: str
    css: str = ""
    badge: str = ""


@dataclass(frozen=True)
class Table:
    """A table laid out for the page, with how many rows were left to the workbook."""

    headers: tuple[Cell, ...]
    rows: list[list[Cell]]
    more: int = 0
    empty: str = "None."

    @property
    def total(self) -> int:
        """Return how many rows the table has, shown or not."""
        return len(self.rows) + self.more

    @property
    def more_text(self) -> str:
        """Say how many rows the page leaves out."""
        verb = "is" if self.more == 1 else "are"
        return f"{self.more:,} more {verb} in the workbook."


@dataclass(frozen=True)
class Kpi:
    """A headline figure with its change against the previous month."""

    key: str
    label: str
    value: str
    delta: str | None
    tone: str  # "good", "bad" or "neutral": how the change reads, for its colour
    note: str
    accent: str  # a state name, or "" for no state colour


def fmt_time(value: datetime | None) -> str:
    """Format a time as `YYYY-MM-DD HH:MM UTC` (a naive time is taken as UTC)."""
    if value is None:
        return DASH
    utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%d %H:%M UTC")


def fmt_local(value: datetime | None, zone: str) -> str:
    """Format a time in the display zone, with UTC beside it when the zone is not UTC."""
    if value is None or zone in ("UTC", "Etc/UTC"):
        return fmt_time(value)
    local = value.astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M %Z} ({fmt_time(value)[11:]})"


def fmt_date(value: date | datetime | None) -> str:
    """Format a date, or the UTC day of a time, as `YYYY-MM-DD`."""
    if value is None:
        return DASH
    if isinstance(value, datetime):
        return fmt_time(value)[:10]
    return value.isoformat()


def fmt_money(value: float, currency: str) -> str:
    """Format an amount with its currency code and two decimals."""
    sign = MINUS if value < 0 else ""
    return f"{sign}{currency} {abs(value):,.2f}"


def fmt_delta(diff: float, currency: str | None = None) -> str:
    """Format a change as +n / −n (±0 for none), with the currency for amounts."""
    sign = "+" if diff > 0 else MINUS if diff < 0 else "\u00b1"
    amount = f"{currency} {abs(diff):,.2f}" if currency else f"{abs(int(diff)):,}"
    return sign + amount


def _text(value: object) -> str:
    """Return a cell's text: a dash for a missing value."""
    return DASH if value is None or value == "" else str(value)


def _cells(*values: object) -> list[Cell]:
    """Return one row of cells; a value that is not already a Cell becomes plain text."""
    return [v if isinstance(v, Cell) else Cell(_text(v)) for v in values]


def _login(value: object) -> Cell:
    """Return a bold login cell."""
    return Cell(_text(value), "login")


def _state(state: object) -> Cell:
    """Return a badge cell for a seat state, coloured when the state is known."""
    name = "" if state is None else str(state)
    css = f"state state-{name}" if name in STATES else "state"
    return Cell(STATE_LABELS.get(name, _text(state)), badge=css)


def _headers(names: str) -> tuple[Cell, ...]:
    """Return header cells from "A|B#|C"; a name ending in '#' heads a number column."""
    return tuple(Cell(n.rstrip("#"), "num" if n.endswith("#") else "") for n in names.split("|"))


def _table(
    frame: pl.DataFrame, headers: str, row: Callable[[dict[str, Any]], list[Cell]], empty: str
) -> Table:
    """Lay out at most MAX_ROWS rows of `frame` (already sorted) with `row`."""
    rows = [row(r) for r in frame.head(MAX_ROWS).iter_rows(named=True)]
    return Table(_headers(headers), rows, max(frame.height - MAX_ROWS, 0), empty)


def _reclaim_table(data: ReportData) -> Table:
    """Lay out the reclaim candidates in the order given: costliest and longest idle first."""
    currency = data.current.currency

    def row(r: dict[str, Any]) -> list[Cell]:
        never = r["idle_days"] is None and r["reason"] == "never_active"
        return _cells(
            _login(r["display_login"]),
            _state(r["reason"]),
            Cell("never" if never else _text(r["idle_days"]), "num"),
            fmt_date(r["last_activity"]),
            fmt_date(r["first_seen"]),
            Cell(_text(r["last_surface"]), "wrap"),
            r["orgs"],
            r["team"],
            r["plan"],
            Cell(fmt_money(r["monthly_cost"] or 0.0, currency), "num"),
        )

    headers = "Login|Reason|Idle days#|Last activity|First seen|Last surface|Orgs|Team|Plan|Cost#"
    return _table(data.reclaim, headers, row, "No seat is a reclaim candidate this month.")


def _transition_matrix(counts: dict[str, int]) -> Table:
    """Lay out {"from->to": seats} as a from-state by to-state matrix."""
    pairs = {tuple(key.split("->", 1)): n for key, n in counts.items()}
    states = [*STATES, *sorted({s for pair in pairs for s in pair} - set(STATES))]
    headers = (Cell("From \u2192 to"), *(Cell(STATE_LABELS.get(s, s), "num") for s in states))
    rows = [
        [Cell(STATE_LABELS.get(a, a), "rowhead")]
        + [Cell(DASH if a == b else f"{pairs.get((a, b), 0):,}", "num") for b in states]
        for a in states
    ]
    return Table(headers, rows)


def _changes(data: ReportData) -> dict[str, Any] | None:
    """Lay out the month's changes: seat lists, the transition matrix and moves."""
    diff = data.changes
    if diff is None:
        return None

    def seat(r: dict[str, Any]) -> list[Cell]:
        login = r["display_login"] or r["login"]
        return _cells(_login(login), r["orgs"], r["team"], _state(r["state"]))

    def transition(r: dict[str, Any]) -> list[Cell]:
        to_state = _state(r["to_state"])
        return _cells(_login(r["display_login"]), _state(r["from_state"]), to_state, r["change"])

    def move(r: dict[str, Any]) -> list[Cell]:
        return _cells(_login(r["display_login"]), r["field"], r["before"], r["after"])

    seats = "Login|Orgs|Team|State"
    return {
        "from": fmt_time(diff.from_as_of),
        "to": fmt_time(diff.to_as_of),
        "added": _table(diff.added.sort("login"), seats, seat, "No seat was added."),
        "removed": _table(diff.removed.sort("login"), seats, seat, "No seat was removed."),
        "matrix": _transition_matrix(diff.transition_counts()),
        "transitions": _table(
            diff.transitions.sort("login"),
            "Login|From|To|Change",
            transition,
            "No seat changed state.",
        ),
        "moves": _table(
            diff.moves.sort("login", "field"),
            "Login|Field|Before|After",
            move,
            "No seat moved between organizations or teams.",
        ),
    }


# key, label, is money, better direction (+1 up, -1 down, 0 neither), accent state, note
_KPI_SPECS: tuple[tuple[str, str, bool, int, str, str], ...] = (
    ("seats", "Seats", False, 0, "", "{plans}"),
    ("active", "Active", False, 1, "active", "{share}"),
    ("stale", "Stale", False, -1, "stale", "no activity for over {stale_days} days"),
    ("never_active", "Never active", False, -1, "never_active", "no known activity"),
    ("new", "New", False, 0, "new", "within the {grace_days}-day grace period"),
    ("pending_cancellation", "Pending cancellation", False, 0, "", "ending at the billing cycle"),
    ("monthly_cost", "Monthly cost", True, 0, "", "all billed seats"),
    ("idle_monthly_cost", "Idle cost", True, -1, "stale", "stale and never-active seats"),
    ("reclaim_candidates", "Reclaim candidates", False, -1, "never_active", "{reclaimable}"),
)


def _figures(s: SnapshotSummary) -> dict[str, float]:
    """Return the headline figures of one snapshot by KPI key."""
    return {
        "seats": s.seats,
        **{state: s.states.get(state, 0) for state in STATES},
        "pending_cancellation": s.pending_cancellation,
        "monthly_cost": s.monthly_cost,
        "idle_monthly_cost": s.idle_monthly_cost,
        "reclaim_candidates": s.reclaim_candidates,
    }


def build_kpis(cur: SnapshotSummary, prev: SnapshotSummary | None) -> list[Kpi]:
    """Return the headline figures of `cur` with their changes against `prev`."""
    now, before = _figures(cur), _figures(prev) if prev is not None else None
    facts = {
        "plans": " \u00b7 ".join(f"{p} {n:,}" for p, n in sorted(cur.seats_by_plan.items())),
        "share": f"{100 * now['active'] / cur.seats:.0f}% of seats" if cur.seats else "",
        "stale_days": cur.stale_days,
        "grace_days": cur.grace_days,
        "reclaimable": fmt_money(cur.reclaimable_monthly_cost, cur.currency) + " a month",
    }
    kpis = []
    for key, label, money, better, accent, note in _KPI_SPECS:
        shown = fmt_money(now[key], cur.currency) if money else f"{int(now[key]):,}"
        delta, tone = None, "neutral"
        if before is not None:
            diff = round(now[key] - before[key], 2)
            delta = fmt_delta(diff, cur.currency if money else None)
            tone = {1: "good", -1: "bad"}.get(((diff > 0) - (diff < 0)) * better, "neutral")
        kpis.append(Kpi(key, label, shown, delta, tone, note.format(**facts), accent))
    return kpis


def _count(n: int, one: str, many: str) -> str:
    """Return "n one" or "n many" with thousands separators."""
    return f"{n:,} {one if n == 1 else many}"


def build_story(data: ReportData) -> list[str]:
    """Return the two or three sentences that tell the month at a glance."""
    cur, prev, money = data.current, data.previous, data.current.currency
    active = cur.states.get("active", 0)
    stale, never = cur.states.get("stale", 0), cur.states.get("never_active", 0)
    change = f" ({fmt_delta(cur.seats - prev.seats)} since last month)" if prev else ""
    story = [
        f"{data.scope} has {_count(cur.seats, 'Copilot seat', 'Copilot seats')} on "
        f"{fmt_date(cur.as_of)}{change}, costing {fmt_money(cur.monthly_cost, money)} a month.",
        f"{_count(active, 'is', 'are')} active and {_count(stale + never, 'is', 'are')} idle "
        f"({stale:,} stale, {never:,} never active), costing "
        f"{fmt_money(cur.idle_monthly_cost, money)} a month.",
    ]
    if n := cur.reclaim_candidates:
        story.append(
            _count(n, "seat is a reclaim candidate", "seats are reclaim candidates")
            + f", worth {fmt_money(cur.reclaimable_monthly_cost, money)} a month."
        )
    return story


def _findings_table(data: ReportData) -> Table:
    """Lay out the data-quality findings and caveats, most severe first."""
    order = {"warning": 0, "caution": 1, "info": 2}
    rows = [
        _cells(
            Cell(f.severity, badge=f"sev sev-{f.severity if f.severity in order else 'info'}"),
            Cell(f.code, "code"),
            Cell(f.message, "wrap"),
            Cell(f"{f.count:,}" if f.count else DASH, "num"),
        )
        for f in sorted(data.findings, key=lambda f: (order.get(f.severity, 3), f.code, f.message))
    ]
    return Table(_headers("Severity|Code|Finding|Seats#"), rows, 0, "No findings.")


def _sources_table(data: ReportData) -> Table:
    """Lay out every snapshot the figures come from, oldest first."""
    roles = {data.current_snapshot.id: "current"}
    if data.previous_snapshot is not None:
        roles[data.previous_snapshot.id] = "previous"
    rows = [
        _cells(
            fmt_time(s.as_of),
            Cell(roles.get(s.id, ""), badge="role" if s.id in roles else ""),
            Cell(s.format, "code"),
            Cell(s.source_name, "wrap"),
            Cell(s.sha256[:12], "code"),
            Cell(f"{s.seats:,}", "num"),
            s.time_source,
        )
        for s in sorted(data.sources, key=lambda s: (s.as_of, s.id))
    ]
    headers = _headers("Snapshot time|Used as|Format|File|SHA-256|Seats#|Time from")
    return Table(headers, rows, 0, "No sources.")


def _settings(data: ReportData) -> list[tuple[str, str]]:
    """Return the settings every figure depends on, as (name, value) pairs."""
    s = data.settings
    prices = ", ".join(
        f"{plan}: {fmt_money(p, s.currency)}" for plan, p in sorted(s.prices.items())
    )
    return [
        ("Stale after", f"{s.stale_days} days without known activity"),
        ("Grace period for new seats", f"{s.grace_days} days"),
        ("Monthly price per seat", prices or DASH),
        ("Default plan", s.default_plan),
        ("Currency", s.currency),
        ("Time zone", s.timezone),
        ("Excluded logins", ", ".join(sorted(s.exclude_logins)) or "none"),
        ("Excluded login patterns", ", ".join(s.exclude_patterns) or "none"),
        ("People file", s.people.path if s.people else "none"),
        ("Configuration file", s.config_path or "none (built-in defaults)"),
        ("Tool version", data.tool_version),
    ]


def chart_html(chart: Chart) -> Markup:
    """Render one figure as a fixed-id div and script, refusing any that could end its script."""
    fragment: str = chart.figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=chart.div_id,
        config=PLOTLY_CONFIG,
    )
    # plotly writes "<", ">" and "/" in its JSON as \u escapes; should that ever change, a
    # label such as "</script>" could end the script early, so refuse rather than emit it.
    if fragment.lower().count("</script") != 1 or "<!--" in fragment:
        raise ValueError(f"plotly output for {chart.div_id} is not safe to inline")
    return Markup(fragment)


@functools.cache
def _plotly_js() -> Markup:
    """Return plotly.js, checked to be safe inside one inline script element."""
    js = plotly.offline.get_plotlyjs()
    if "</script" in js.lower() or "<!--" in js:
        raise ValueError("plotly.js contains text that would end its script element")
    return Markup(js)


@functools.cache
def _environment() -> jinja2.Environment:
    """Return the template environment: package templates, autoescaping, strict names."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("analyzer", "report/templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _month_name(month: str) -> str:
    """Return "March 2026" for "2026-03", or the text as given when it is not a month."""
    try:
        return datetime.strptime(month, "%Y-%m").strftime("%B %Y")
    except ValueError:
        return month


def render_html(data: ReportData) -> str:
    """Render the whole monthly report page for `data`."""
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            data=data,
            month_name=_month_name(data.month),
            current_time=fmt_local(data.current_snapshot.as_of, data.settings.timezone),
            previous_time=(
                fmt_local(data.previous_snapshot.as_of, data.settings.timezone)
                if data.previous_snapshot
                else None
            ),
            generated=fmt_local(data.generated_at, data.settings.timezone),
            story=build_story(data),
            kpis=build_kpis(data.current, data.previous),
            charts=[(chart, chart_html(chart)) for chart in build_charts(data)],
            reclaim=_reclaim_table(data),
            changes=_changes(data),
            findings=_findings_table(data),
            sources=_sources_table(data),
            settings=_settings(data),
            state_colors=STATE_COLORS,
            plotly_js=_plotly_js(),
        )
    )


def write_html(data: ReportData, path: Path) -> None:
    """Write the report page to `path` atomically: the old file or the whole new one."""
    with atomic_path(path) as tmp:
        tmp.write_text(render_html(data), encoding="utf-8", newline="\n")
