"""Plotly figures of the monthly report, each with the rule that decides whether it is shown.

Every chart uses only the "bar" and "scatter" trace types, the ones in the partial plotly.js
bundle the page embeds (see html.py).
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl

from analyzer.model import (
    ACTIVATION_BUCKETS,
    STATE_LABELS,
    STATES,
    UNMAPPED,
    ReportData,
    SeatDiff,
    comparison_label,
)
from analyzer.report.page.figures import (
    DATE_AXIS,
    TRACE_TYPES,
    Chart,
    base_figure,
    label_room,
    plot_text,
    plot_times,
    stacked_over_time,
)
from analyzer.report.palette import (
    GRID,
    NEUTRAL,
    OTHER_COLOR,
    STATE_COLORS,
    family_color,
    fold_family,
    top_families,
)
from analyzer.surfaces import OTHER, UNKNOWN

__all__ = [
    "NEUTRAL",
    "STATE_COLORS",
    "TRACE_TYPES",
    "Chart",
    "build_charts",
    "family_color",
    "plot_text",
    "plot_times",
]

MAX_GROUP_KEYS = 25  # a breakdown with more keys keeps the largest and folds the rest
MAX_TICK = 32  # characters of a group's name shown as its axis label
BREAKDOWN_LABELS: dict[str, str] = {
    "org": "organization",
    "team": "team",
    "cost_center": "cost center",
    "department": "department",
}
# Seat movement bars: (label, colour) by SeatDiff change label; others are drawn grey.
MOVEMENT: dict[str, tuple[str, str]] = {
    "activated": ("Activated", STATE_COLORS["active"]),
    "reactivated": ("Reactivated", STATE_COLORS["active"]),
    "lapsed": ("Lapsed into stale", STATE_COLORS["stale"]),
    "activated, then lapsed": ("Activated, then lapsed", STATE_COLORS["stale"]),
    "went never-active": ("Went never-active", STATE_COLORS["never_active"]),
}


def bucket_ticks(labels: list[str]) -> dict[str, Any]:
    """Return category-axis ticks that break long bucket labels over two lines (phones)."""
    x = [plot_text(b) for b in labels]
    text = []
    for label in x:
        if " to " in label:
            label = label.replace(" to ", "<br>to ", 1)
        elif " " in label:
            label = label.replace(" ", "<br>", 1)
        text.append(label)
    return {"tickvals": x, "ticktext": text}


def states_over_time(history: pl.DataFrame) -> go.Figure:
    """Build stacked bars of the four seat states per snapshot, on a real time axis."""
    return stacked_over_time(history, [(s, STATE_LABELS[s], STATE_COLORS[s]) for s in STATES])


def movement_counts(changes: SeatDiff) -> list[tuple[str, int, str]]:
    """Return (label, seats, colour) of the month's movements: added, removed, state changes."""
    rows = [
        ("Added", changes.added.height, STATE_COLORS["new"]),
        ("Removed", changes.removed.height, OTHER_COLOR),
    ]
    counts: dict[str, int] = {}
    for change in changes.transitions["change"].to_list():
        counts[change] = counts.get(change, 0) + 1
    for change, (label, color) in MOVEMENT.items():
        rows.append((label, counts.pop(change, 0), color))
    rows += [(change, n, NEUTRAL) for change, n in sorted(counts.items())]
    return [r for r in rows if r[1] or r[0] in ("Added", "Removed")]


def seat_movement(changes: SeatDiff) -> go.Figure:
    """Build bars of the month's seat movements, each on the same scale of its own counts."""
    rows = movement_counts(changes)
    rows_n = [n for _, n, _ in rows]
    trace = go.Bar(
        x=[n for _, n, _ in rows],
        y=[plot_text(label) for label, _, _ in rows],
        orientation="h",
        marker={"color": [c for _, _, c in rows]},
        text=[f"{n:,}" for _, n, _ in rows],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{x:,} seats<extra></extra>",
    )
    return base_figure(
        [trace],
        xaxis={"title": {"text": "seats"}, "range": label_room(rows_n), "showgrid": True},
        yaxis={"type": "category", "autorange": "reversed", "showgrid": False},
        height=90 + 34 * len(rows),
        legend=False,
    )


def idle_age(idle_buckets: pl.DataFrame) -> go.Figure:
    """Build one bar per idle-age bucket in the frame's order, coloured by its state."""
    buckets = idle_buckets["bucket"].to_list()
    states = idle_buckets["state"].to_list()
    seats = [int(n or 0) for n in idle_buckets["seats"].to_list()]
    trace = go.Bar(
        x=[plot_text(b) for b in buckets],
        y=seats,
        marker={"color": [STATE_COLORS.get(s, NEUTRAL) for s in states]},
        customdata=[STATE_LABELS.get(s, s) for s in states],
        text=[f"{s:,}" for s in seats],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{x} days: %{y:,} seats (%{customdata})<extra></extra>",
    )
    # New seats have no idle age: a dotted line sets their bar apart.
    shapes = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": i - 0.5,
            "x1": i - 0.5,
            "y0": 0,
            "y1": 1,
            "line": {"color": NEUTRAL, "dash": "dot", "width": 1},
        }
        for i, s in enumerate(states)
        if s == "new"
    ]
    return base_figure(
        [trace],
        xaxis={"type": "category", "title": {"text": "days since last known activity"}}
        | bucket_ticks(buckets),
        yaxis={"title": {"text": "seats"}, "range": label_room(seats)},
        legend=False,
        shapes=shapes,
    )


def _ordered_buckets(frame: pl.DataFrame, order: tuple[str, ...]) -> tuple[list[str], list[int]]:
    """Return buckets in `order` (missing ones as 0, unknown ones after) and their seats."""
    counts = dict(zip(frame["bucket"].to_list(), frame["seats"].to_list(), strict=True))
    buckets = [*order, *[b for b in counts if b not in order]]
    return buckets, [int(counts.get(b) or 0) for b in buckets]


def activation(buckets_frame: pl.DataFrame) -> go.Figure:
    """Build bars of seats per activation bucket; "not yet" in the never-active colour."""
    buckets, seats = _ordered_buckets(buckets_frame, ACTIVATION_BUCKETS)
    colors = [
        STATE_COLORS["never_active"] if b == "not yet" else STATE_COLORS["active"] for b in buckets
    ]
    trace = go.Bar(
        x=[plot_text(b) for b in buckets],
        y=seats,
        marker={"color": colors},
        text=[f"{s:,}" for s in seats],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{x}: %{y:,} seats<extra></extra>",
    )
    return base_figure(
        [trace],
        xaxis={"type": "category", "title": {"text": "days from first seen to first activity"}}
        | bucket_ticks(buckets),
        yaxis={"title": {"text": "seats"}, "range": label_room(seats)},
        legend=False,
    )


def surface_families(surface_mix: pl.DataFrame) -> tuple[str, ...]:
    """Return the families a surface chart names (at most six; the rest are "other")."""
    totals: dict[str, int] = {}
    for family, seats in surface_mix.select("family", "seats").iter_rows():
        totals[family] = totals.get(family, 0) + int(seats or 0)
    return top_families(totals)


def surface_seats_over_time(surface_mix: pl.DataFrame) -> go.Figure:
    """Build one line per family: the seats whose last known surface was in it, per snapshot.

    At most six families are named (those with most seats over the period); the others are
    summed as "other"; seats without a known surface are left out. Counts, not shares: a
    share of 100 % looks the same every month, a line shows which surface grows.
    """
    shown = surface_families(surface_mix)
    times = surface_mix["as_of"].unique().sort().to_list()
    seats: dict[tuple[Any, str], int] = {}
    for as_of, family, count in surface_mix.select("as_of", "family", "seats").iter_rows():
        drawn = fold_family(family, shown)
        if drawn == UNKNOWN:
            continue
        seats[(as_of, drawn)] = seats.get((as_of, drawn), 0) + int(count or 0)
    families = [*shown, *([OTHER] if any(seats.get((t, OTHER)) for t in times) else [])]
    x = plot_times(times)
    traces = [
        go.Scatter(
            x=x,
            y=[seats.get((t, family), 0) for t in times],
            name=plot_text(family),
            mode="lines+markers",
            line={"color": family_color(family), "width": 2},
            marker={"color": family_color(family), "size": 5},
            hovertemplate="%{y:,} seats<extra>%{fullData.name}</extra>",
        )
        for family in families
    ]
    return base_figure(
        traces,
        xaxis=DATE_AXIS,
        yaxis={"title": {"text": "seats (last surface)"}, "rangemode": "tozero"},
        height=340,
        hovermode="x unified",
    )


def _fold_keys(breakdown: pl.DataFrame, noun: str) -> pl.DataFrame:
    """Keep the MAX_GROUP_KEYS - 1 largest keys in frame order and sum the rest in one row."""
    if breakdown.height <= MAX_GROUP_KEYS:
        return breakdown
    ranked = breakdown.with_row_index("_order").sort(["seats", "_order"], descending=[True, False])
    kept = ranked.head(MAX_GROUP_KEYS - 1).sort("_order").select("key", "seats", *STATES)
    rest = ranked.slice(MAX_GROUP_KEYS - 1)
    other = rest.select(pl.col(c).sum() for c in ("seats", *STATES)).select(
        pl.lit(f"{rest.height:,} other {noun}s").alias("key"), pl.all()
    )
    return pl.concat([kept, other], how="vertical_relaxed")


def states_by_group(breakdown: pl.DataFrame, noun: str = "key") -> go.Figure:
    """Build stacked horizontal bars of the seat states per key of one breakdown frame."""
    frame = _fold_keys(breakdown, noun)
    raw = ["" if k is None else str(k) for k in frame["key"].to_list()]
    keys = [plot_text(k) for k in raw]
    # Long names would squeeze the bars; the tick shows a cut name, the hover the full one.
    ticks = [plot_text(k if len(k) <= MAX_TICK else k[: MAX_TICK - 1] + "\u2026") for k in raw]
    traces = [
        go.Bar(
            y=keys,
            x=frame[state].to_list(),
            orientation="h",
            name=STATE_LABELS[state],
            marker={"color": STATE_COLORS[state]},
            hovertemplate="%{x:,} seats<extra>" + STATE_LABELS[state] + "</extra>",
        )
        for state in STATES
    ]
    return base_figure(
        traces,
        xaxis={"showgrid": True, "gridcolor": GRID, "rangemode": "tozero"},
        yaxis={"type": "category", "autorange": "reversed", "showgrid": False}
        | ({"tickvals": keys, "ticktext": ticks} if ticks != keys else {}),
        height=120 + 26 * frame.height,
        barmode="stack",
        hovermode="y unified",
    )


def _states_chart(data: ReportData) -> Chart:
    """Seat states over time: shown from the second snapshot on."""
    title, note = "Seat states over time", "Seats per state at each stored snapshot (UTC dates)."
    if data.history.height < 2:
        return Chart(
            "chart-states",
            title,
            note,
            None,
            "One snapshot so far: the trend starts with the next download.",
        )
    return Chart("chart-states", title, note, states_over_time(data.history))


def _movement_chart(data: ReportData) -> Chart:
    """Seat movement: shown when there is an earlier snapshot and something moved."""
    title = "Seat movement"
    changes = data.changes
    if changes is None or data.previous_snapshot is None:
        return Chart(
            "chart-movement",
            title,
            "",
            None,
            "No earlier snapshot: movement is counted from the next download on.",
        )
    note = (
        "Seats added, removed and changing state, "
        + comparison_label(data.current_snapshot.as_of, data.previous_snapshot.as_of)
        + "."
    )
    if not any(n for _, n, _ in movement_counts(changes)):
        return Chart(
            "chart-movement", title, note, None, "No seat was added, removed or changed state."
        )
    return Chart("chart-movement", title, note, seat_movement(changes))


def _idle_chart(data: ReportData) -> Chart:
    """Idle age: shown whenever there are seats."""
    title = "How long seats have been idle"
    note = (
        f"Whole days since last known activity; stale after {data.settings.stale_days} x 24 h, "
        "so each state's bars add up to its card. New seats are set apart."
    )
    if not int(data.idle_buckets["seats"].sum() or 0):
        return Chart("chart-idle-age", title, note, None, "No seats in this snapshot.")
    return Chart("chart-idle-age", title, note, idle_age(data.idle_buckets))


def _activation_chart(data: ReportData) -> Chart:
    """Time to first use: shown unless most seats were in use before the first snapshot."""
    title = "Time to first use"
    note = "Days from a seat's first snapshot to its first known activity."
    counts = dict(zip(data.activation["bucket"], data.activation["seats"], strict=True))
    total = sum(int(n or 0) for n in counts.values())
    before = int(counts.get(ACTIVATION_BUCKETS[0]) or 0)
    if not total:
        return Chart("chart-activation", title, note, None, "No seats in this snapshot.")
    if 2 * before > total:
        return Chart(
            "chart-activation",
            title,
            note,
            None,
            f"{before:,} of {total:,} seats were already in use before the first stored "
            "snapshot, so their time to first use is unknown; the chart appears once most "
            "seats were granted after it.",
        )
    return Chart("chart-activation", title, note, activation(data.activation))


def _surface_chart(data: ReportData) -> Chart:
    """Surfaces: shown when seats with a known surface used at least two families."""
    title = "Where Copilot is used, over time"
    note = (
        "Seats by the family of their last known surface at each snapshot (at most six "
        "named; the rest are other). Hover a table's surface for the raw string."
    )
    mix = data.surface_mix.filter(pl.col("family") != UNKNOWN)
    used = {
        fold_family(f, surface_families(mix))
        for f, n in mix.select("family", "seats").iter_rows()
        if n
    }
    if len(used) < 2:
        only = next(iter(used), None)
        text = (
            f"Every seat with known activity last used {only}."
            if only
            else "No seat has a known surface yet."
        )
        return Chart("chart-surfaces", title, note, None, text)
    return Chart("chart-surfaces", title, note, surface_seats_over_time(data.surface_mix))


def _group_chart(dimension: str, frame: pl.DataFrame) -> Chart:
    """States by group: shown when at least two named groups have seats."""
    noun = BREAKDOWN_LABELS[dimension]
    div_id = f"chart-by-{dimension.replace('_', '-')}"
    title, note = f"Seat states by {noun}", f"Seats per state for each {noun} this month."
    keys = [
        (str(k), int(n))
        for k, n in frame.select("key", "seats").iter_rows()
        if n and k is not None and k != UNMAPPED
    ]
    if len(keys) >= 2:
        # Seats without a group are one line under the chart, not a bar that dwarfs the rest.
        unmapped = int(frame.filter(pl.col("key") == UNMAPPED)["seats"].sum() or 0)
        if unmapped:
            note += f" {unmapped:,} seats without a {noun} are left out."
        named = frame.filter(pl.col("key").is_null() | (pl.col("key") != UNMAPPED))
        return Chart(div_id, title, note, states_by_group(named, noun))
    if keys:
        key, rest = keys[0][0], int(frame["seats"].sum() or 0) - keys[0][1]
        text = f"All seats are in one {noun}, {key}" + (f" ({rest:,} {UNMAPPED})." if rest else ".")
    else:
        text = f"No seat has a known {noun}: every seat is {UNMAPPED}."
    return Chart(div_id, title, note, None, text)


def build_charts(data: ReportData) -> list[Chart]:
    """Return every chart of the page in page order: drawn, or with the sentence instead."""
    charts = [
        _states_chart(data),
        _movement_chart(data),
        _idle_chart(data),
        _activation_chart(data),
        _surface_chart(data),
    ]
    charts += [
        _group_chart(dimension, data.breakdowns[dimension])
        for dimension in BREAKDOWN_LABELS
        if dimension in data.breakdowns
    ]
    return charts
