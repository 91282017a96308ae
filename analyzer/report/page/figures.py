"""Plotly plumbing every chart module shares: the Chart record, one look, safe labels, dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import plotly.graph_objects as go
import polars as pl

from analyzer.report.palette import GRID, INK

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
TRACE_TYPES = frozenset({"bar", "scatter"})  # what the embedded plotly.js bundle can draw
MIN_HEIGHT = 260  # px: readable on a phone, legend below

# Ticks name the day: a bar on 28 March must not read as April under a month-start tick.
DATE_AXIS: dict[str, Any] = {
    "type": "date",
    "nticks": 6,
    "tickformat": "%-d %b %Y",
    "hoverformat": "%Y-%m-%d %H:%M UTC",
}


@dataclass(frozen=True)
class Chart:
    """A figure with its fixed element id and heading, or the sentence shown instead of it."""

    div_id: str
    title: str
    note: str
    figure: go.Figure | None
    absent: str = ""  # why there is no chart, when figure is None

    @property
    def shown(self) -> bool:
        """Return whether the chart is drawn (else its `absent` sentence is shown)."""
        return self.figure is not None


def plot_text(value: object) -> str:
    """Return `value` as label text plotly shows literally (plotly parses tags in labels)."""
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plot_times(times: list[datetime]) -> list[str]:
    """Return snapshot times as plotly date strings (UTC), for a real time axis with gaps."""
    utc = [t.astimezone(UTC) if t.tzinfo else t.replace(tzinfo=UTC) for t in times]
    return [t.strftime("%Y-%m-%d %H:%M:%S") for t in utc]


def label_room(values: list[int] | list[float]) -> list[float]:
    """Return an axis range from 0 with room past the largest bar for its value label.

    Plotly draws an outside label beyond the plot area, where the card's edge cuts it
    ("238" showing as "23" on a phone): the axis ends 18 % past the largest value instead.
    """
    top = max((float(v) for v in values), default=0.0)
    return [0.0, (top or 1.0) * 1.18]


def base_figure(
    traces: list[Any],
    *,
    xaxis: dict[str, Any],
    yaxis: dict[str, Any],
    height: int = 320,
    legend: bool = True,
    **layout: Any,
) -> go.Figure:
    """Build a figure in the report's small, template-free look, legend below the plot."""
    axis = {"linecolor": GRID, "zeroline": False, "automargin": True, "tickangle": 0}
    return go.Figure(
        data=traces,
        layout={
            "template": "none",
            "height": max(height, MIN_HEIGHT),
            "margin": {"l": 48, "r": 12, "t": 12, "b": 36},
            "font": {"family": FONT, "size": 12, "color": INK},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "showlegend": legend,
            "legend": {
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "y": -0.12,
                "yanchor": "top",
                "traceorder": "normal",
            },
            "hoverlabel": {"font": {"family": FONT}},
            "bargap": 0.3,
            "xaxis": {**axis, "showgrid": False, **xaxis},
            "yaxis": {**axis, "gridcolor": GRID, **yaxis},
            **layout,
        },
    )


def stacked_over_time(frame: pl.DataFrame, groups: list[tuple[str, str, str]]) -> go.Figure:
    """Build stacked bars of seats per group at each time of `frame["as_of"]` (a date axis).

    `groups` are (column, label, colour); labels go to plotly as literal text.
    """
    x = plot_times(frame["as_of"].to_list())
    traces = [
        go.Bar(
            x=x,
            y=frame[column].to_list(),
            name=plot_text(label),
            marker={"color": color},
            hovertemplate="%{y:,} seats<extra>" + plot_text(label) + "</extra>",
        )
        for column, label, color in groups
    ]
    return base_figure(
        traces,
        xaxis=DATE_AXIS,
        yaxis={"title": {"text": "seats"}, "rangemode": "tozero"},
        barmode="stack",
        hovermode="x unified",
    )
