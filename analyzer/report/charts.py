"""Plotly figures of the monthly report, built from aggregated ReportData parts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import plotly.graph_objects as go
import polars as pl

from analyzer.model import (
    ACTIVATION_BUCKETS,
    IDLE_BUCKETS,
    STATE_LABELS,
    STATES,
    ReportData,
    SeatDiff,
    SnapshotSummary,
)
from analyzer.report.palette import STATE_COLORS as STATE_COLORS  # the page imports it here
from analyzer.surfaces import FAMILY_ORDER, OTHER, UNKNOWN

NEUTRAL = "#8c959f"
INK = "#1f2328"
GRID = "#e6e9ed"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
# Each surface family keeps one colour every month (by its place in FAMILY_ORDER), none of
# them a state's colour, so green, amber, red and blue always mean a state.
FAMILY_PALETTE: tuple[str, ...] = (
    "#6639ba",
    "#1b7c83",
    "#bf3989",
    "#953800",
    "#a475f9",
    "#3e8fb0",
    "#7c8a3b",
    "#2f3d8c",
    "#d17aa8",
    "#5c4033",
)
FAMILY_GREYS: dict[str, str] = {OTHER: "#afb8c1", UNKNOWN: NEUTRAL}
MAX_GROUP_KEYS = 25  # a breakdown with more keys keeps the largest and folds the rest
MAX_TICK = 32  # characters of a group's name shown as its axis label
BREAKDOWN_LABELS: dict[str, str] = {
    "org": "organization",
    "team": "team",
    "cost_center": "cost center",
    "department": "department",
}
_BUCKET_RANGE = re.compile(r"^(\d+)-(\d+)$")
_BUCKET_OVER = re.compile(r"^over (\d+)$")


@dataclass(frozen=True)
class Chart:
    """A figure with the fixed element id and the heading the page shows it under."""

    div_id: str
    title: str
    note: str
    figure: go.Figure


def plot_text(value: object) -> str:
    """Return `value` as label text plotly shows literally (plotly parses tags in labels)."""
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def family_color(family: str | None) -> str:
    """Return a surface family's fixed colour; grey for "other", "unknown" and no family."""
    if family in FAMILY_ORDER and family not in FAMILY_GREYS:
        return FAMILY_PALETTE[FAMILY_ORDER.index(family) % len(FAMILY_PALETTE)]
    return FAMILY_GREYS.get(family or UNKNOWN, NEUTRAL)


def snapshot_labels(times: list[datetime]) -> list[str]:
    """Return one category label per snapshot time: the UTC day, or day and minute if needed."""
    utc = [t.astimezone(UTC) if t.tzinfo else t.replace(tzinfo=UTC) for t in times]
    days = [t.strftime("%Y-%m-%d") for t in utc]
    if len(set(days)) == len(days):
        return days
    return [t.strftime("%Y-%m-%d %H:%M") for t in utc]


def _figure(
    traces: list[Any],
    *,
    xaxis: dict[str, Any],
    yaxis: dict[str, Any],
    height: int = 320,
    legend: bool = True,
    empty: bool = False,
    **layout: Any,
) -> go.Figure:
    """Build a figure in the report's small, template-free look, in one layout pass."""
    annotations = []
    if empty:
        annotations.append(
            {
                "text": "No data",
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "font": {"size": 14, "color": NEUTRAL},
            }
        )
    axis = {"linecolor": GRID, "zeroline": False, "automargin": True}
    return go.Figure(
        data=traces,
        layout={
            "template": "none",
            "height": height,
            "margin": {"l": 56, "r": 16, "t": 36 if legend else 12, "b": 40},
            "font": {"family": FONT, "size": 12, "color": INK},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "showlegend": legend,
            "legend": {
                "orientation": "h",
                "xref": "container",
                "yref": "container",
                "x": 0,
                "xanchor": "left",
                "y": 1,
                "yanchor": "top",
                "traceorder": "normal",
            },
            "hoverlabel": {"font": {"family": FONT}},
            "bargap": 0.3,
            "annotations": annotations,
            "xaxis": {**axis, "showgrid": False, **xaxis},
            "yaxis": {**axis, "gridcolor": GRID, **yaxis},
            **layout,
        },
    )


def states_over_time(history: pl.DataFrame) -> go.Figure:
    """Build stacked bars of the four seat states per snapshot of `history`."""
    labels = snapshot_labels(history["as_of"].to_list())
    traces = [
        go.Bar(
            x=labels,
            y=history[state].to_list(),
            name=STATE_LABELS[state],
            marker={"color": STATE_COLORS[state]},
            hovertemplate="%{y:,} seats<extra>" + STATE_LABELS[state] + "</extra>",
        )
        for state in STATES
    ]
    return _figure(
        traces,
        xaxis={"type": "category"},
        yaxis={"title": {"text": "seats"}, "rangemode": "tozero"},
        empty=history.is_empty(),
        barmode="stack",
        hovermode="x unified",
    )


def seat_waterfall(
    previous: SnapshotSummary | None,
    current: SnapshotSummary,
    changes: SeatDiff | None,
    history: pl.DataFrame,
) -> go.Figure:
    """Build a waterfall from last month's seats through added and removed to this month's."""
    start = previous.seats if previous is not None else 0
    if changes is not None:
        added, removed = changes.added.height, changes.removed.height
    elif history.height:
        last = history.row(history.height - 1, named=True)
        added, removed = int(last["added"]), int(last["removed"])
    else:
        added, removed = 0, 0
    trace = go.Waterfall(
        x=["Previous month", "Added", "Removed", "This month"],
        y=[start, added, -removed, current.seats],
        measure=["absolute", "relative", "relative", "absolute"],
        text=[f"{start:,}", f"+{added:,}", f"\u2212{removed:,}", f"{current.seats:,}"],
        textposition="outside",
        cliponaxis=False,
        connector={"line": {"color": GRID}},
        increasing={"marker": {"color": STATE_COLORS["new"]}},
        decreasing={"marker": {"color": "#afb8c1"}},  # not red: red means never active
        totals={"marker": {"color": "#424a53"}},
        hovertemplate="%{x}: %{text}<extra></extra>",
    )
    return _figure(
        [trace],
        xaxis={"type": "category"},
        yaxis={"title": {"text": "seats"}, "rangemode": "tozero"},
        legend=False,
    )


def _bucket_color(bucket: str, stale_days: int) -> str:
    """Return the state colour an idle-age bucket falls in, or grey when it straddles."""
    if bucket == "never":
        return STATE_COLORS["never_active"]
    if match := _BUCKET_RANGE.match(bucket):
        low, high = int(match[1]), int(match[2])
    elif match := _BUCKET_OVER.match(bucket):
        low, high = int(match[1]) + 1, 10**9
    else:
        return NEUTRAL
    if high <= stale_days:
        return STATE_COLORS["active"]
    if low > stale_days:
        return STATE_COLORS["stale"]
    return NEUTRAL


def _ordered_buckets(frame: pl.DataFrame, order: tuple[str, ...]) -> tuple[list[str], list[int]]:
    """Return buckets in `order` (missing ones as 0, unknown ones after) and their seats."""
    counts = dict(zip(frame["bucket"].to_list(), frame["seats"].to_list(), strict=True))
    extra = [b for b in counts if b not in order]
    buckets = [*order, *extra]
    return buckets, [int(counts.get(b) or 0) for b in buckets]


def _bucket_bars(buckets: list[str], seats: list[int], colors: list[str], unit: str) -> go.Figure:
    """Build one bar per bucket with its own colour and a seat count on top."""
    trace = go.Bar(
        x=[plot_text(b) for b in buckets],
        y=seats,
        marker={"color": colors},
        text=[f"{s:,}" for s in seats],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{x}: %{y:,} seats<extra></extra>",
    )
    return _figure(
        [trace],
        xaxis={"type": "category", "title": {"text": unit}},
        yaxis={"title": {"text": "seats"}, "rangemode": "tozero"},
        legend=False,
        empty=sum(seats) == 0,
    )


def idle_age(idle_buckets: pl.DataFrame, stale_days: int = 30) -> go.Figure:
    """Build bars of seats per idle-age bucket, in IDLE_BUCKETS order, coloured by state."""
    buckets, seats = _ordered_buckets(idle_buckets, IDLE_BUCKETS)
    colors = [_bucket_color(b, stale_days) for b in buckets]
    return _bucket_bars(buckets, seats, colors, "days since last known activity")


def activation(buckets_frame: pl.DataFrame) -> go.Figure:
    """Build bars of seats per activation bucket; "not yet" in the never-active colour."""
    buckets, seats = _ordered_buckets(buckets_frame, ACTIVATION_BUCKETS)
    colors = [
        STATE_COLORS["never_active"] if b == "not yet" else STATE_COLORS["active"] for b in buckets
    ]
    return _bucket_bars(buckets, seats, colors, "days from first seen to first activity")


def surface_share_over_time(surface_mix: pl.DataFrame) -> go.Figure:
    """Build stacked bars of each surface family's share (percent) of seats per snapshot."""
    times = surface_mix["as_of"].unique().sort().to_list()
    families = surface_mix["family"].unique(maintain_order=True).to_list()
    totals = dict.fromkeys(times, 0)
    seats: dict[tuple[Any, Any], int] = {}
    for as_of, family, count in surface_mix.select("as_of", "family", "seats").iter_rows():
        totals[as_of] += int(count or 0)
        seats[(as_of, family)] = seats.get((as_of, family), 0) + int(count or 0)
    labels = snapshot_labels(times)
    traces = []
    for family in families:
        counts = [seats.get((t, family), 0) for t in times]
        traces.append(
            go.Bar(
                x=labels,
                y=[
                    100.0 * n / totals[t] if totals[t] else 0.0
                    for n, t in zip(counts, times, strict=True)
                ],
                name=plot_text(family),
                marker={"color": family_color(family)},
                customdata=counts,
                hovertemplate="%{y:.1f}% (%{customdata:,} seats)<extra>%{fullData.name}</extra>",
            )
        )
    return _figure(
        traces,
        xaxis={"type": "category"},
        yaxis={"title": {"text": "share of seats"}, "ticksuffix": "%", "range": [0, 100]},
        height=360,
        empty=not times,
        barmode="stack",
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
    return _figure(
        traces,
        xaxis={
            "title": {"text": "seats"},
            "showgrid": True,
            "gridcolor": GRID,
            "rangemode": "tozero",
        },
        yaxis={"type": "category", "autorange": "reversed", "showgrid": False}
        | ({"tickvals": keys, "ticktext": ticks} if ticks != keys else {}),
        height=max(220, 90 + 26 * frame.height),
        empty=frame.is_empty(),
        barmode="stack",
        hovermode="y unified",
    )


def build_charts(data: ReportData) -> list[Chart]:
    """Return every chart of the page, in page order, each with its fixed element id."""
    charts = [
        Chart(
            "chart-states",
            "Seat states over time",
            "Seats per state at each stored snapshot.",
            states_over_time(data.history),
        ),
        Chart(
            "chart-waterfall",
            "Seats this month",
            "From last month's seats, through seats added and removed, to this month's.",
            seat_waterfall(data.previous, data.current, data.changes, data.history),
        ),
        Chart(
            "chart-idle-age",
            "How long seats have been idle",
            f"Whole days since last known activity; stale after {data.settings.stale_days}.",
            idle_age(data.idle_buckets, data.settings.stale_days),
        ),
        Chart(
            "chart-activation",
            "Time to first use",
            "Days from a seat's first snapshot to its first known activity.",
            activation(data.activation),
        ),
        Chart(
            "chart-surfaces",
            "Where Copilot is used",
            "Share of seats by the surface family of their last activity.",
            surface_share_over_time(data.surface_mix),
        ),
    ]
    for dimension, noun in BREAKDOWN_LABELS.items():
        frame = data.breakdowns.get(dimension)
        if frame is None:
            continue
        charts.append(
            Chart(
                f"chart-by-{dimension.replace('_', '-')}",
                f"Seat states by {noun}",
                f"Seats per state for each {noun} this month.",
                states_by_group(frame, noun),
            )
        )
    return charts
