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
from analyzer.report.page.figures import (
    Chart,
    base_figure,
    label_room,
    plot_text,
    stacked_over_time,
)
from analyzer.report.page.tables import Cell, Table, number, seat_list, table
from analyzer.report.page.text import count, fmt_date, fmt_money
from analyzer.report.palette import NEUTRAL, TIER_COLORS
from analyzer.surfaces import feature_label, ide_label

MAX_BARS = 12  # features or IDEs drawn; the rest are in the workbook


@dataclass(frozen=True)
class EngagementSection:
    """The section laid out: its lines, charts and tables."""

    coverage: str
    window: str
    tiers: str  # "daily 91 · weekly 105 · ..." or why unknown
    activity: tuple[str, ...]  # daily and weekly active users, acceptance rate, or why unknown
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
    """Build bars of seats per number of days active (0-28), one legend entry per tier."""
    traces = []
    for tier in dict.fromkeys(days["tier"].to_list()):
        part = days.filter(pl.col("tier") == tier)
        label = TIER_LABELS.get(tier, tier)
        traces.append(
            go.Bar(
                x=part["days"].to_list(),
                y=part["seats"].to_list(),
                name=label,
                marker={"color": TIER_COLORS.get(tier, NEUTRAL)},
                hovertemplate=f"%{{x}} days: %{{y:,}} seats ({label})<extra></extra>",
            )
        )
    return base_figure(
        traces,
        xaxis={"title": {"text": "days active in the 28 days"}, "dtick": 7, "range": [-0.5, 28.5]},
        yaxis={"title": {"text": "seats"}, "rangemode": "tozero"},
        barmode="overlay",
    )


def labelled(keys: pl.DataFrame, label: Callable[[str], str]) -> list[str]:
    """Return each key in people's words; a word two keys share keeps its raw key beside."""
    words = [label(k) for k in keys["key"].to_list()]
    return [
        f"{w} ({k})" if words.count(w) > 1 else w
        for w, k in zip(words, keys["key"].to_list(), strict=True)
    ]


def keys_chart(keys: pl.DataFrame, color: str, label: Callable[[str], str] = str) -> go.Figure:
    """Build horizontal bars of users per key, most users on top (at most MAX_BARS)."""
    shown = keys.head(MAX_BARS)
    names = [plot_text(k) for k in labelled(shown, label)]
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
        xaxis={"title": {"text": "users"}, "range": label_room(users), "showgrid": True},
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


def _keys_chart(
    div_id: str,
    title: str,
    noun: str,
    keys: pl.DataFrame,
    color: str,
    label: Callable[[str], str],
) -> Chart:
    """Users per feature or IDE: drawn when at least two were used."""
    note = (
        f"Users with a record per {noun} in the covered days of the 28 (hover: user-days). "
        "The usage files count everyone with a Copilot licence that day, so people who left "
        "a seat or hold one in another org are counted too: bars can exceed the seats here."
    )
    if keys.height >= 2:
        return Chart(div_id, title, note, keys_chart(keys, color, label))
    if keys.height == 1:
        text = f"Every user with a record used one {noun}: {label(keys['key'][0])}."
    else:
        text = f"The usage files name no {noun}."
    return Chart(div_id, title, note, None, text)


def _keys_table(key: str, frame: pl.DataFrame, noun: str, empty: str) -> Table:
    """Lay out users, user-days and prompts per language or model."""

    # The language breakdowns carry no prompt counts: a column of zeros there says nothing.
    prompts = not frame.is_empty() and bool(frame["interactions"].fill_null(0).sum())

    def row(r: dict[str, Any]) -> list[Cell]:
        cells = [Cell(str(r["key"]), "code"), number(r["users"]), number(r["user_days"])]
        return [*cells, number(r["interactions"])] if prompts else cells

    names = f"{noun}|Users#|User-days#" + ("|Prompts#" if prompts else "")
    return table(key, frame, names, row, empty)


def tier_line(e: EngagementData) -> str:
    """Return the seats per tier now, or why they are unknown."""
    if e.current_tiers is None:
        return "Tiers unknown: the 28 days are not fully covered."
    return " \u00b7 ".join(f"{t} {e.current_tiers.get(t, 0):,}" for t in ENGAGEMENT_TIERS)


def activity_pills(e: EngagementData) -> tuple[str, ...]:
    """Return GitHub's dashboard figures: daily and weekly active users, acceptance rate.

    Each says where it comes from; a figure the files do not give says so, never 0.
    """
    a = e.activity
    if a is None:
        return ("Active users and acceptance rate unknown: " + e.note,)
    daily = (
        "Daily active users unknown: the files give no day in the window"
        if a.daily_active_users is None
        else f"Daily active users {a.daily_active_users:,.1f} (average per day, {a.daily_from})"
    )
    weekly = (
        "Weekly active users unknown: the window's last 7 days are not all covered"
        if a.weekly_active_users is None
        else f"Weekly active users {a.weekly_active_users:,} (last 7 days, {a.weekly_from})"
    )
    rate = a.acceptance_rate
    accepted = (
        "Acceptance rate unknown: the files give no code completion suggestions"
        if rate is None
        else f"Acceptance rate {rate:.1%} (code completion: {a.acceptances:,} of "
        f"{a.generations:,} suggestions accepted)"
    )
    return daily, weekly, accepted


def light_use_table(data: ReportData, e: EngagementData) -> Table:
    """Lay out the active seats used on 1-3 days, costliest first."""
    columns: list[tuple[str, str, Callable[[dict[str, Any]], Cell]]] = [
        ("Days active#", "", lambda r: number(r["days"])),
    ]
    if e.complete:
        cost = fmt_money(e.light_use_monthly_cost, data.current.currency)
        lead = f"{count(e.light_use.height, 'seat')}, {cost} a month, costliest first."
        empty = "No active seat used Copilot on only 1-3 days."
    else:  # unknown is never shown as 0 seats and USD 0.00
        lead = ""
        empty = "Unknown: the 28 days are not fully covered by the usage files."
    return seat_list(data, "light-use", e.light_use, columns, empty, lead, 10)


def build_section(data: ReportData) -> EngagementSection | None:
    """Return the Engagement section of the page, or None without usage data."""
    e = data.engagement
    if e is None:
        return None
    coverage = e.coverage[0].upper() + e.coverage[1:] + "."
    charts = [
        _tiers_chart(e),
        _days_chart(e),
        _keys_chart(
            "chart-features", "Features used", "feature", e.features, "#8250df", feature_label
        ),
        _keys_chart("chart-ides", "IDEs used", "IDE", e.ides, "#3d1e8a", ide_label),
    ]
    languages = _keys_table("languages", e.languages, "Language", "No language recorded.")
    models = _keys_table("models", e.models, "Model", "No chat model recorded.")
    return EngagementSection(
        coverage, window_text(e), tier_line(e), activity_pills(e), charts, languages, models,
        light_use_table(data, e),
    )  # fmt: skip
