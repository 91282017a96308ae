"""Tests of the report's chart builders, read from the figures' data, not from HTML."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import plotly.graph_objects as go
import polars as pl
import pytest

from analyzer.model import ACTIVATION_BUCKETS, IDLE_BUCKETS, STATE_LABELS, STATES
from analyzer.report import charts
from analyzer.surfaces import FAMILY_ORDER
from tests.report_fixture import XSS, make_report_data

DAYS = ("2026-01-28", "2026-02-28", "2026-03-28")


def _stack_totals(fig: go.Figure, axis: str = "y") -> list[float]:
    """Return the sum over traces of each category's value."""
    columns = [getattr(trace, axis) for trace in fig.data]
    return [sum(values) for values in zip(*columns, strict=True)]


def test_states_over_time_stacks_the_four_states_per_snapshot() -> None:
    """One stacked bar trace per state, in STATES order, with the history's counts."""
    history = make_report_data().history
    fig = charts.states_over_time(history)
    assert [t.name for t in fig.data] == [STATE_LABELS[s] for s in STATES]
    assert fig.layout.barmode == "stack"
    for trace, state in zip(fig.data, STATES, strict=True):
        assert trace.type == "bar"
        assert trace.x == DAYS
        assert list(trace.y) == history[state].to_list()
        assert trace.marker.color == charts.STATE_COLORS[state]
    assert _stack_totals(fig) == history["seats"].to_list()


def test_snapshot_labels_add_the_minute_only_when_days_repeat() -> None:
    """Two snapshots on one day get HH:MM labels so categories stay distinct."""
    one = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    two = datetime(2026, 3, 1, 18, 30, tzinfo=UTC)
    assert charts.snapshot_labels([one]) == ["2026-03-01"]
    assert charts.snapshot_labels([one, two]) == ["2026-03-01 06:00", "2026-03-01 18:30"]


def test_seat_waterfall_goes_from_previous_through_changes_to_current() -> None:
    """Start is last month's seats, then added, minus removed, then this month's seats."""
    data = make_report_data()
    fig = charts.seat_waterfall(data.previous, data.current, data.changes, data.history)
    (trace,) = fig.data
    assert trace.type == "waterfall"
    assert trace.x == ("Previous month", "Added", "Removed", "This month")
    assert trace.y == (4, 1, 0, 5)
    assert trace.measure == ("absolute", "relative", "relative", "absolute")


def test_seat_waterfall_without_changes_uses_history_and_starts_at_zero() -> None:
    """With no previous month the start is 0 and added/removed come from history's last row."""
    data = make_report_data()
    history = data.history.with_columns(added=pl.Series([3, 1, 6]), removed=pl.Series([0, 0, 1]))
    fig = charts.seat_waterfall(None, data.current, None, history)
    assert fig.data[0].y == (0, 6, -1, 5)


def test_idle_age_orders_buckets_and_fills_missing_ones() -> None:
    """Bars follow IDLE_BUCKETS order whatever the frame's order; absent buckets are 0."""
    frame = pl.DataFrame({"bucket": ["never", "31-60", "0-7"], "seats": [4, 2, 7]})
    (trace,) = charts.idle_age(frame).data
    assert trace.x == IDLE_BUCKETS
    assert trace.y == (7, 0, 2, 0, 0, 4)


def test_idle_age_colours_buckets_by_the_state_they_fall_in() -> None:
    """Buckets within stale_days are active green, beyond it stale amber, never red."""
    (trace,) = charts.idle_age(make_report_data().idle_buckets, stale_days=30).data
    colors = dict(zip(trace.x, trace.marker.color, strict=True))
    assert colors["0-7"] == colors["8-30"] == charts.STATE_COLORS["active"]
    assert colors["31-60"] == colors["over 90"] == charts.STATE_COLORS["stale"]
    assert colors["never"] == charts.STATE_COLORS["never_active"]
    (trace,) = charts.idle_age(make_report_data().idle_buckets, stale_days=14).data
    assert dict(zip(trace.x, trace.marker.color, strict=True))["8-30"] == charts.NEUTRAL


def test_activation_has_one_bar_per_bucket_in_order() -> None:
    """Activation bars follow ACTIVATION_BUCKETS with the frame's seats; "not yet" is red."""
    frame = make_report_data().activation
    (trace,) = charts.activation(frame).data
    assert trace.x == ACTIVATION_BUCKETS
    assert list(trace.y) == frame["seats"].to_list()
    assert trace.marker.color[-1] == charts.STATE_COLORS["never_active"]


def test_surface_share_is_percent_of_each_snapshot() -> None:
    """Each family is a stacked trace of its share; shares add up to 100 per snapshot."""
    mix = make_report_data().surface_mix
    fig = charts.surface_share_over_time(mix)
    assert [t.name for t in fig.data] == ["VS Code", "JetBrains", "github.com", "unknown"]
    assert fig.layout.barmode == "stack"
    assert all(t.x == DAYS for t in fig.data)
    assert _stack_totals(fig) == pytest.approx([100.0, 100.0, 100.0])
    vscode, jetbrains = fig.data[0], fig.data[1]
    assert list(vscode.y) == pytest.approx([100.0, 100.0, 20.0])
    assert list(jetbrains.y) == pytest.approx([0.0, 0.0, 20.0])
    assert list(fig.data[3].customdata) == [0, 0, 2]
    assert fig.data[3].marker.color == charts.NEUTRAL


def test_states_by_group_stacks_states_per_key_in_frame_order() -> None:
    """One horizontal trace per state; keys in the frame's order, values equal the frame's."""
    team = make_report_data().breakdowns["team"]
    fig = charts.states_by_group(team, "team")
    assert len(fig.data) == len(STATES)
    for trace, state in zip(fig.data, STATES, strict=True):
        assert trace.orientation == "h"
        assert trace.y == ("&lt;img src=x onerror=alert(1)&gt;", "sales", "(unmapped)")
        assert list(trace.x) == team[state].to_list()
    assert _stack_totals(fig, "x") == team["seats"].to_list()
    assert fig.layout.yaxis.autorange == "reversed"


def test_states_by_group_folds_a_long_tail_of_keys() -> None:
    """More than MAX_GROUP_KEYS keys keep the largest ones and sum the rest in one bar."""
    n = 40
    frame = pl.DataFrame(
        {"key": [f"t{i:02d}" for i in range(n)], "seats": list(range(n))}
        | {s: [i if s == "active" else 0 for i in range(n)] for s in STATES}
    )
    fig = charts.states_by_group(frame, "team")
    keys = fig.data[0].y
    assert len(keys) == charts.MAX_GROUP_KEYS
    assert keys[:-1] == tuple(f"t{i:02d}" for i in range(n - charts.MAX_GROUP_KEYS + 1, n))
    assert keys[-1] == "16 other teams"
    assert sum(_stack_totals(fig, "x")) == sum(range(n))


def test_plot_text_makes_tags_and_entities_literal() -> None:
    """Labels from reports are entity-escaped, since plotly reads tags in label text."""
    assert charts.plot_text(XSS) == "&lt;img src=x onerror=alert(1)&gt;"
    assert charts.plot_text("R&D") == "R&amp;D"
    assert charts.plot_text(None) == ""


def test_build_charts_has_fixed_ids_and_skips_missing_breakdowns() -> None:
    """Chart ids are fixed strings; a breakdown absent from the dict gets no chart."""
    data = make_report_data()
    ids = [c.div_id for c in charts.build_charts(data)]
    assert ids == [
        "chart-states",
        "chart-waterfall",
        "chart-idle-age",
        "chart-activation",
        "chart-surfaces",
        "chart-by-org",
        "chart-by-team",
        "chart-by-cost-center",
        "chart-by-department",
    ]
    fewer = dataclasses.replace(data, breakdowns={"org": data.breakdowns["org"]})
    assert [c.div_id for c in charts.build_charts(fewer)][-1] == "chart-by-org"
    assert "chart-by-team" not in [c.div_id for c in charts.build_charts(fewer)]


def test_build_charts_is_deterministic_and_aggregated() -> None:
    """The same data gives byte-equal figure JSON, and no trace has a point per seat."""
    data = make_report_data()
    first = [c.figure.to_json() for c in charts.build_charts(data)]
    second = [c.figure.to_json() for c in charts.build_charts(data)]
    assert first == second
    logins = set(data.seats["display_login"].to_list())
    for chart in charts.build_charts(data):
        for trace in chart.figure.data:
            assert not logins & {str(v) for v in (trace.x or ()) + (trace.y or ())}


def test_empty_frames_give_a_no_data_note() -> None:
    """A chart with nothing to draw says "No data" rather than showing empty axes."""
    data = make_report_data()
    fig = charts.states_over_time(data.history.clear())
    assert [a.text for a in fig.layout.annotations] == ["No data"]
    fig = charts.surface_share_over_time(data.surface_mix.clear())
    assert fig.data == ()
    assert [a.text for a in fig.layout.annotations] == ["No data"]


def test_states_by_group_cuts_long_names_on_the_axis_only() -> None:
    """A long key keeps its full name as the category and gets a cut tick label."""
    long_name = "platform-infrastructure-observability-and-reliability"
    frame = (
        make_report_data()
        .breakdowns["team"]
        .with_columns(key=pl.Series([long_name, "sales", "(unmapped)"]))
    )
    fig = charts.states_by_group(frame, "team")
    assert fig.data[0].y[0] == long_name
    assert fig.layout.yaxis.ticktext[0] == long_name[: charts.MAX_TICK - 1] + "\u2026"
    assert fig.layout.yaxis.tickvals == fig.data[0].y


def test_surface_families_keep_one_colour_that_is_never_a_state_colour() -> None:
    """A family's colour depends on its name only; no family borrows a state's colour."""
    assert charts.family_color("JetBrains") == charts.family_color("JetBrains")
    assert charts.family_color("VS Code") != charts.family_color("JetBrains")
    assert charts.family_color("unknown") == charts.family_color(None) == charts.NEUTRAL
    colours = {charts.family_color(f) for f in FAMILY_ORDER}
    assert not colours & set(charts.STATE_COLORS.values())
    only_jetbrains = pl.DataFrame(
        {"as_of": [datetime(2026, 3, 1, tzinfo=UTC)], "family": ["JetBrains"], "seats": [3]}
    )
    (trace,) = charts.surface_share_over_time(only_jetbrains).data
    assert trace.marker.color == charts.family_color("JetBrains")
