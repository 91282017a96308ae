"""The page's Engagement section: tiers, days active, features, IDEs, languages, models.

Laid out from `ReportData.engagement` only; each chart is drawn when it has something to
compare, otherwise one line says why, as everywhere on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import polars as pl

from analyzer.model import ENGAGEMENT_TIERS, TIER_LABELS, EngagementData, ReportData
from analyzer.report.page.figures import Chart, base_figure, plot_text, stacked_over_time
from analyzer.report.page.tables import Cell, Table, number, seat_list, table
from analyzer.report.page.text import count, fmt_date, fmt_money
from analyzer.report.palette import NEUTRAL, TIER_COLORS

MAX_BARS = 12  # features or IDEs drawn; the rest are in the workbook


@dataclass(frozen=True)
class EngagementSection:
    """The section laid out: its lines, charts and tables."""

    coverage: str
    window: str
    tiers: str  # "daily 91 · weekly 105 · ..." or why unknown
    charts: list[Chart]
    languages: Table
    models: Table
    light_use: Table


def window_text(e: EngagementData) -> str:
    """Say which 28 days the figures are over and whether every day is covered."""
    if e.window_start is None or e.window_end is None:
        return e.note[0].upper() + e.note[1:] + "."
    span = f"the 28 days {fmt_date(e.window_start)} to {fmt_date(e.window_end)}"
    if e.complete:
        return f"Figures over {span}, every day covered by the usage files."
    return (
        f"Figures over {span}: only {e.window_covered} of its days are covered, so days "
        "active and tiers are unknown (an uncovered day is unknown, not a day without use); "
        "the breakdowns count the covered days only."
    )


def tiers_chart(tiers: pl.DataFrame) -> go.Figure:
    """Build stacked bars of seats per tier at each snapshot whose tiers are known."""
    known = tiers.filter(pl.col(ENGAGEMENT_TIERS[0]).is_not_null())
    groups = [(t, TIER_LABELS[t], TIER_COLORS[t]) for t in ENGAGEMENT_TIERS]
    return stacked_over_time(known, groups)


def days_chart(days: pl.DataFrame) -> go.Figure:
    """Build one bar per number of days active (0-28), coloured by its tier."""
    tiers = days["tier"].to_list()
    trace = go.Bar(
        x=days["days"].to_list(),
        y=days["seats"].to_list(),
        marker={"color": [TIER_COLORS.get(t, NEUTRAL) for t in tiers]},
        customdata=[TIER_LABELS.get(t, t) for t in tiers],
        hovertemplate="%{x} days: %{y:,} seats (%{customdata})<extra></extra>",
    )
    return base_figure(
        [trace],
        xaxis={"title": {"text": "days active in the 28 days"}, "dtick": 7, "range": [-0.5, 28.5]},
        yaxis={"title": {"text": "seats"}, "rangemode": "tozero"},
        legend=False,
    )


def keys_chart(keys: pl.DataFrame, color: str) -> go.Figure:
    """Build horizontal bars of users per key, most users on top (at most MAX_BARS)."""
    shown = keys.head(MAX_BARS)
    names = [plot_text(k) for k in shown["key"].to_list()]
    users = shown["users"].to_list()
    trace = go.Bar(
        x=users,
        y=names,
        orientation="h",
        marker={"color": color},
        text=[f"{n:,}" for n in users],
        textposition="outside",
        cliponaxis=False,
        customdata=shown["user_days"].to_list(),
        hovertemplate="%{y}: %{x:,} users, %{customdata:,} user-days<extra></extra>",
    )
    return base_figure(
        [trace],
        xaxis={"title": {"text": "users"}, "rangemode": "tozero", "showgrid": True},
        yaxis={"type": "category", "autorange": "reversed", "showgrid": False},
        height=90 + 30 * len(names),
        legend=False,
    )


def _tiers_chart(e: EngagementData) -> Chart:
    """Tiers over time: drawn when at least two snapshots have fully covered windows."""
    title = "Engagement tiers over time"
    note = "Seats per tier at each snapshot whose 28 days the usage files fully cover."
    known = e.tiers.filter(pl.col(ENGAGEMENT_TIERS[0]).is_not_null())
    if known.height >= 2:
        return Chart("chart-engagement-tiers", title, note, tiers_chart(e.tiers))
    if known.height == 1:
        text = (
            "Tiers are known for one snapshot so far; the trend starts with the next one "
            "whose 28 days are covered."
        )
    else:
        text = "No snapshot's 28 days are fully covered by the usage files: tiers are unknown."
    return Chart("chart-engagement-tiers", title, note, None, text)


def _days_chart(e: EngagementData) -> Chart:
    """Days active: drawn when the window is covered and seats differ in days active."""
    title = "Days active"
    note = "Seats by the number of days they used Copilot in the 28 days."
    if e.days_active.is_empty():
        return Chart("chart-days-active", title, note, None, "Days active are unknown: " + e.note)
    used = e.days_active.filter(pl.col("seats") > 0)
    if used.height < 2:
        n = int(used["days"][0]) if used.height else 0
        text = f"Every seat used Copilot on {count(n, 'day')} of the 28."
        return Chart("chart-days-active", title, note, None, text)
    return Chart("chart-days-active", title, note, days_chart(e.days_active))


def _keys_chart(div_id: str, title: str, noun: str, keys: pl.DataFrame, color: str) -> Chart:
    """Users per feature or IDE: drawn when at least two were used."""
    note = f"Users with a record per {noun} in the covered days of the 28 (hover: user-days)."
    if keys.height >= 2:
        return Chart(div_id, title, note, keys_chart(keys, color))
    if keys.height == 1:
        text = f"Every user with a record used one {noun}: {keys['key'][0]}."
    else:
        text = f"The usage files name no {noun}."
    return Chart(div_id, title, note, None, text)


def _keys_table(key: str, frame: pl.DataFrame, noun: str, empty: str) -> Table:
    """Lay out users, user-days and prompts per language or model."""

    def row(r: dict[str, Any]) -> list[Cell]:
        return [
            Cell(str(r["key"]), "code"),
            number(r["users"]),
            number(r["user_days"]),
            number(r["interactions"]),
        ]

    return table(key, frame, f"{noun}|Users#|User-days#|Prompts#", row, empty)


def tier_line(e: EngagementData) -> str:
    """Return the seats per tier now, or why they are unknown."""
    if e.current_tiers is None:
        return "Tiers unknown: the 28 days are not fully covered."
    return " \u00b7 ".join(f"{t} {e.current_tiers.get(t, 0):,}" for t in ENGAGEMENT_TIERS)


def light_use_table(data: ReportData, e: EngagementData) -> Table:
    """Lay out the active seats used on 1-3 days, costliest first."""
    columns: list[tuple[str, str, Callable[[dict[str, Any]], Cell]]] = [
        ("Days active#", "", lambda r: number(r["days"])),
    ]
    cost = fmt_money(e.light_use_monthly_cost, data.current.currency)
    lead = f"{count(e.light_use.height, 'seat')}, {cost} a month, costliest first."
    empty = (
        "No active seat used Copilot on only 1-3 days."
        if e.complete
        else "Unknown: the 28 days are not fully covered."
    )
    return seat_list(data, "light-use", e.light_use, columns, empty, lead, 25)


def build_section(data: ReportData) -> EngagementSection | None:
    """Return the Engagement section of the page, or None without usage data."""
    e = data.engagement
    if e is None:
        return None
    coverage = e.coverage[0].upper() + e.coverage[1:] + "."
    charts = [
        _tiers_chart(e),
        _days_chart(e),
        _keys_chart("chart-features", "Features used", "feature", e.features, "#8250df"),
        _keys_chart("chart-ides", "IDEs used", "IDE", e.ides, "#3d1e8a"),
    ]
    languages = _keys_table("languages", e.languages, "Language", "No language recorded.")
    models = _keys_table("models", e.models, "Model", "No chat model recorded.")
    return EngagementSection(
        coverage, window_text(e), tier_line(e), charts, languages, models,
        light_use_table(data, e),
    )  # fmt: skip
