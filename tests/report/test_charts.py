"""Tests of the report's chart builders, read from the figures' data, not from HTML."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import plotly.graph_objects as go
import polars as pl

from analyzer.model import (
    ACTIVATION_BUCKETS,
    IDLE_BUCKETS,
    STATE_LABELS,
    STATES,
    UNMAPPED,
    ReportData,
)
from analyzer.report import palette
from analyzer.report.page import charts
from analyzer.surfaces import FAMILY_ORDER, OTHER, UNKNOWN
from tests.report_fixture import XSS, make_report_data

TIMES = ("2026-01-28 06:54:33", "2026-02-28 06:54:33", "2026-03-28 06:54:33")


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
        assert trace.x == TIMES
        assert list(trace.y) == history[state].to_list()
        assert trace.marker.color == charts.STATE_COLORS[state]
    assert _stack_totals(fig) == history["seats"].to_list()
    assert fig.layout.xaxis.type == "date"
    assert fig.layout.xaxis.tickangle == 0


def test_activation_has_one_bar_per_bucket_in_order() -> None:
    """Activation bars follow ACTIVATION_BUCKETS with the frame's seats; "not yet" is red."""
    frame = make_report_data().activation
    (trace,) = charts.activation(frame).data
    assert tuple(fig_x for fig_x in trace.x) == ACTIVATION_BUCKETS
    assert list(trace.y) == frame["seats"].to_list()
    assert trace.marker.color[-1] == charts.STATE_COLORS["never_active"]


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


def test_build_charts_is_deterministic_and_aggregated() -> None:
    """The same data gives byte-equal figure JSON, and no trace has a point per seat."""
    data = make_report_data()
    first = [c.figure.to_json() for c in charts.build_charts(data) if c.figure]
    second = [c.figure.to_json() for c in charts.build_charts(data) if c.figure]
    assert first == second
    logins = set(data.seats["display_login"].to_list())
    for chart in charts.build_charts(data):
        for trace in chart.figure.data if chart.figure else ():
            assert not logins & {str(v) for v in (trace.x or ()) + (trace.y or ())}


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
    (trace,) = charts.surface_seats_over_time(only_jetbrains).data
    assert trace.line.color == charts.family_color("JetBrains")


def _chart(data: ReportData, div_id: str) -> charts.Chart:
    """Return the chart with this id from build_charts."""
    return {c.div_id: c for c in charts.build_charts(data)}[div_id]


def test_build_charts_has_fixed_ids_and_a_rule_for_each() -> None:
    """Ids are fixed; the one-org breakdown is not drawn and says why, the others are."""
    data = make_report_data()
    built = charts.build_charts(data)
    assert [c.div_id for c in built] == [
        "chart-states",
        "chart-movement",
        "chart-idle-age",
        "chart-activation",
        "chart-surfaces",
        "chart-by-org",
        "chart-by-team",
        "chart-by-cost-center",
        "chart-by-department",
    ]
    hidden = {c.div_id: c.absent for c in built if not c.shown}
    assert hidden == {"chart-by-org": "All seats are in one organization, acme."}
    for chart in built:
        if chart.figure is not None:
            assert chart.figure.data, chart.div_id
            assert {t.type for t in chart.figure.data} <= charts.TRACE_TYPES
            assert chart.figure.layout.height >= 240
    fewer = dataclasses.replace(data, breakdowns={"org": data.breakdowns["org"]})
    assert "chart-by-team" not in [c.div_id for c in charts.build_charts(fewer)]


def test_one_snapshot_shows_no_trend_and_no_movement() -> None:
    """With one snapshot the trend and the movement charts give their sentences instead."""
    data = make_report_data()
    first = dataclasses.replace(
        data,
        history=data.history.tail(1),
        previous=None,
        previous_snapshot=None,
        changes=None,
        sources=data.sources[-1:],
    )
    states, movement = _chart(first, "chart-states"), _chart(first, "chart-movement")
    assert not states.shown and "One snapshot so far" in states.absent
    assert not movement.shown and "No earlier snapshot" in movement.absent


def test_seat_movement_counts_changes_on_their_own_scale() -> None:
    """Added, removed and each state change are bars of their own counts, not a waterfall."""
    data = make_report_data()
    assert data.changes is not None
    (trace,) = charts.seat_movement(data.changes).data
    assert trace.type == "bar"
    assert trace.y == ("Added", "Removed", "Lapsed into stale")
    assert trace.x == (1, 0, 1)
    chart = _chart(data, "chart-movement")
    assert chart.shown and "since last month (2026-02-28)" in chart.note


def test_idle_age_follows_the_frame_and_colours_by_state() -> None:
    """Bars follow the frame's buckets, coloured by each bucket's state; new is set apart."""
    frame = make_report_data().idle_buckets
    fig = charts.idle_age(frame)
    (trace,) = fig.data
    assert trace.x == IDLE_BUCKETS
    assert list(trace.y) == frame["seats"].to_list()
    colours = dict(zip(trace.x, trace.marker.color, strict=True))
    assert colours["8-30"] == charts.STATE_COLORS["active"]
    assert colours["over 30 to 60"] == colours["over 90"] == charts.STATE_COLORS["stale"]
    assert colours["never"] == charts.STATE_COLORS["never_active"]
    assert colours["new"] == charts.STATE_COLORS["new"]
    (line,) = fig.layout.shapes
    assert line.x0 == IDLE_BUCKETS.index("new") - 0.5


def test_idle_age_totals_equal_the_state_cards() -> None:
    """The fixture's idle buckets add up, state by state, to the summary's counts."""
    data = make_report_data()
    totals: dict[str, int] = {}
    for _, state, seats in data.idle_buckets.iter_rows():
        totals[state] = totals.get(state, 0) + seats
    assert totals == data.current.states


def test_activation_is_not_drawn_when_most_seats_predate_history() -> None:
    """When most seats were in use before the first snapshot the chart says so instead."""
    data = make_report_data()
    mostly_before = data.activation.with_columns(seats=pl.Series([9, 1, 0, 0, 0, 0]))
    chart = _chart(dataclasses.replace(data, activation=mostly_before), "chart-activation")
    assert not chart.shown
    assert chart.absent.startswith("9 of 10 seats were already in use")
    assert _chart(data, "chart-activation").shown


def test_a_team_breakdown_that_is_only_unmapped_is_a_sentence() -> None:
    """A breakdown whose only key is (unmapped) is not drawn."""
    data = make_report_data()
    team = pl.DataFrame(
        {"key": [UNMAPPED], "seats": [5]} | {s: [1 if s != "active" else 2] for s in STATES}
    )
    chart = _chart(
        dataclasses.replace(data, breakdowns={**data.breakdowns, "team": team}), "chart-by-team"
    )
    assert chart.absent == "No seat has a known team: every seat is (unmapped)."


def test_team_bars_leave_unmapped_out_and_count_it_in_a_line() -> None:
    """(unmapped) is not a bar: the note counts its seats instead."""
    data = make_report_data()
    chart = _chart(data, "chart-by-team")
    assert chart.figure is not None
    assert "(unmapped)" not in chart.figure.data[0].y
    unmapped = data.breakdowns["team"].filter(pl.col("key") == UNMAPPED)["seats"].sum()
    assert chart.note.endswith(f"{unmapped:,} seats without a team are left out.")


def test_surface_lines_name_at_most_six_families_and_fold_the_rest() -> None:
    """Eight families with seats: the six largest are named, the rest summed as other."""
    day = datetime(2026, 3, 1, tzinfo=UTC)
    named = [f for f in FAMILY_ORDER if f not in (OTHER, UNKNOWN)][:8]
    mix = pl.DataFrame(
        {
            "as_of": [day] * 10,
            "family": [*named, OTHER, UNKNOWN],
            "seats": [80, 70, 60, 50, 40, 30, 20, 10, 5, 99],
        }
    )
    fig = charts.surface_seats_over_time(mix)
    assert [t.name for t in fig.data] == [*named[:6], OTHER]
    assert fig.data[-1].y == (35,)  # 20 + 10 folded, plus 5 other
    assert sum(t.y[0] for t in fig.data) == 365  # seats, unknown (99) left out
    assert {t.line.color for t in fig.data[:6]} == {palette.family_color(f) for f in named[:6]}


def test_surface_chart_with_one_family_is_a_sentence() -> None:
    """When every seat with activity used one family, one line says which."""
    data = make_report_data()
    mix = data.surface_mix.filter(pl.col("family").is_in(["VS Code", "unknown"]))
    chart = _chart(dataclasses.replace(data, surface_mix=mix), "chart-surfaces")
    assert chart.absent == "Every seat with known activity last used VS Code."


def test_plot_times_are_utc_dates_for_a_real_time_axis() -> None:
    """Snapshot times become UTC date strings plotly places on a date axis."""
    t = datetime(2026, 3, 1, 6, 0, 5, tzinfo=UTC)
    assert charts.plot_times([t]) == ["2026-03-01 06:00:05"]
