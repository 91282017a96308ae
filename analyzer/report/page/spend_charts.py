"""The Spend section's plotly figures, each with the rule that decides whether it is shown."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import plotly.graph_objects as go
import polars as pl

from analyzer.model import BillData
from analyzer.report.bill_facts import ai_missing, credits_era, pool_missing, usage_missing
from analyzer.report.page.figures import Chart, base_figure, label_room, plot_text
from analyzer.report.page.text import fmt_money
from analyzer.report.palette import INK, SPEND_COLORS

TOP = 10  # models and users a chart names
HEAVY_COLOUR_NAME = "orange"
# A bar's value inside its end when it fits (white), else just past it: the longest bar never
# pushes its label past the card's edge, whatever the width.
BAR_LABELS: dict[str, Any] = {
    "textposition": "auto",
    "insidetextanchor": "end",
    "insidetextfont": {"color": "#ffffff"},
    "outsidetextfont": {"color": INK},
    "constraintext": "none",
    "cliponaxis": False,
}  # how the caption names SPEND_COLORS["heavy"]


def split_chart(bill: BillData) -> Chart:
    """Seat charges beside AI credit (or premium request) charges, as billed."""
    era = credits_era(bill)
    other, other_label = (
        (bill.credit_cost_billed, "AI credits")
        if era
        else (bill.premium_request_cost, "Premium requests")
    )
    other_noun = "AI credits" if era else "premium requests"
    title = "Seats and AI usage, as billed"
    note = "What GitHub's usage report charged this month, net of discounts."
    c = bill.currency
    if bill.seat_cost_billed is None:
        return Chart("chart-spend-split", title, note, None, usage_missing(bill) + ".")
    if other is None:
        reason = usage_missing(bill) if era else ai_missing(bill)
        return Chart("chart-spend-split", title, note, None, reason + ".")
    if other <= 0 or bill.seat_cost_billed <= 0:
        text = (
            f"No {other_noun} were charged: seat charges "
            f"({fmt_money(bill.seat_cost_billed, c)}) are the whole Copilot bill."
            if other <= 0
            else f"No seat was charged; {other_noun}: {fmt_money(other, c)}."
        )
        return Chart("chart-spend-split", title, note, None, text)
    labels = ["Seats", other_label]
    amounts = [bill.seat_cost_billed, other]
    trace = go.Bar(
        x=amounts,
        y=labels,
        orientation="h",
        marker={"color": [SPEND_COLORS["seats"], SPEND_COLORS["credits"]]},
        text=[fmt_money(a, c) for a in amounts],
        **BAR_LABELS,
        hovertemplate="%{y}: %{x:,.2f} " + plot_text(c) + "<extra></extra>",
    )
    figure = base_figure(
        [trace],
        xaxis={"title": {"text": plot_text(c)}, "range": label_room(amounts), "showgrid": True},
        yaxis={"type": "category", "autorange": "reversed", "showgrid": False},
        height=200,
        legend=False,
    )
    return Chart("chart-spend-split", title, note, figure)


def pool_chart(bill: BillData) -> Chart:
    """Credits used so far in the month, day by day, against the pool line."""
    title = "AI credits against the pool"
    if not credits_era(bill):
        return Chart(
            "chart-spend-pool",
            title,
            "",
            None,
            f"AI credits began in June 2026: {bill.month} was billed in premium requests, "
            "per user, without a pool.",
        )
    if bill.credit_pool is None:
        return Chart("chart-spend-pool", title, "", None, pool_missing(bill) + ".")
    note = (
        f"Credits used so far in the month (UTC days) against the pool of "
        f"{bill.credit_pool:,.0f} credits; beyond it each credit costs "
        f"{fmt_money(bill.credit_price, bill.currency)}."
    )
    if bill.credits_used is None:
        return Chart("chart-spend-pool", title, note, None, ai_missing(bill) + ".")
    daily = bill.daily
    if daily.height < 2:
        return Chart(
            "chart-spend-pool",
            title,
            note,
            None,
            f"Credits were used on {daily.height} day{'' if daily.height == 1 else 's'} only: "
            f"{bill.credits_used:,.0f} of {bill.credit_pool:,.0f}.",
        )
    days = daily["date"].to_list()
    x = [d.isoformat() for d in days]
    month_end = (days[0].replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    edges = [days[0].replace(day=1).isoformat(), month_end.isoformat()]
    used = go.Scatter(
        x=x,
        y=daily["cumulative"].to_list(),
        mode="lines+markers",
        name="Credits used so far",
        line={"color": SPEND_COLORS["credits"], "width": 2},
        marker={"size": 5},
        hovertemplate="%{x}: %{y:,.0f} credits<extra></extra>",
    )
    pool = go.Scatter(
        x=edges,
        y=[bill.credit_pool, bill.credit_pool],
        mode="lines",
        name="Pool",
        line={"color": SPEND_COLORS["pool"], "dash": "dash", "width": 1.5},
        hovertemplate="pool: %{y:,.0f} credits<extra></extra>",
    )
    figure = base_figure(
        [used, pool],
        xaxis={"type": "date", "range": edges, "tickformat": "%-d %b", "nticks": 6},
        yaxis={"title": {"text": "credits"}, "rangemode": "tozero"},
        hovermode="x unified",
    )
    return Chart("chart-spend-pool", title, note, figure)


def _usage_column(bill: BillData) -> tuple[str, str]:
    """Return the usage column of this month and its noun: credits, or premium requests."""
    return (
        ("credits_used", "AI credits")
        if credits_era(bill)
        else (
            "premium_requests",
            "premium requests",
        )
    )


def _top_bars(frame: pl.DataFrame, key: str, value: str, noun: str, colors: list[str]) -> go.Figure:
    """Build horizontal bars of the top rows of `frame` (already sorted, most first)."""
    names = [plot_text(k) for k in frame[key].to_list()]
    amounts = [float(v) for v in frame[value].to_list()]
    trace = go.Bar(
        x=amounts,
        y=names,
        orientation="h",
        marker={"color": colors},
        text=[f"{a:,.0f}" for a in amounts],
        **BAR_LABELS,
        hovertemplate="%{y}: %{x:,.1f} " + noun + "<extra></extra>",
    )
    return base_figure(
        [trace],
        # room right of the longest bar for its label
        xaxis={"title": {"text": noun}, "range": label_room(amounts), "showgrid": True},
        yaxis={"type": "category", "autorange": "reversed", "showgrid": False},
        height=90 + 30 * len(names),
        legend=False,
    )


def _top_used(
    bill: BillData, frame: pl.DataFrame, key: str, chart: tuple[str, str, str], one: str
) -> pl.DataFrame | Chart:
    """Return the TOP rows of `frame` that used most, or the Chart that says why none shows.

    `chart` is (id, title, note); `one` the sentence when only one row used any, with
    `{name}` and `{noun}` filled in.
    """
    column, noun = _usage_column(bill)
    if (bill.credits_used if credits_era(bill) else bill.premium_requests) is None:
        return Chart(*chart, None, ai_missing(bill) + ".")
    used = frame.filter(pl.col(column) > 0).sort([column, key], descending=[True, False])
    if used.height < 2:
        text = (
            one.format(name=used[key][0], noun=noun)
            if used.height
            else f"No {noun} were used this month."
        )
        return Chart(*chart, None, text)
    return used.head(TOP)


def _how_many(shown: int, used: int, noun: str) -> str:
    """Return "The 4 models" or "The 10 of 38 users": the count the chart draws, of how many."""
    return f"The {shown} {noun}" if shown == used else f"The {shown} of {used:,} {noun}"


def models_chart(bill: BillData) -> Chart:
    """The models that used most: shown when at least two models were used."""
    column, noun = _usage_column(bill)
    used = bill.models.filter(pl.col(column) > 0).height
    chart = (
        "chart-spend-models",
        f"Top models by {noun}",
        f"{_how_many(min(used, TOP), used, 'models')} with most {noun} this month.",
    )
    top = _top_used(bill, bill.models, "model", chart, "Only one model was used: {name}.")
    if isinstance(top, Chart):
        return top
    return Chart(
        *chart, _top_bars(top, "model", column, noun, [SPEND_COLORS["credits"]] * top.height)
    )


def users_chart(bill: BillData) -> Chart:
    """The users who used most: shown when at least two users used any."""
    column, noun = _usage_column(bill)
    used = bill.people.filter(pl.col(column) > 0)
    n_heavy = used.filter(pl.col("heavy")).height
    top_heavy = used.sort(column, descending=True).head(TOP).filter(pl.col("heavy")).height
    note = f"{_how_many(min(used.height, TOP), used.height, 'users')} with most {noun}"
    if top_heavy:
        note += f"; heavy users (the top 1 %, {n_heavy:,} in all) in {HEAVY_COLOUR_NAME}."
    else:
        note += "."
    chart = ("chart-spend-users", f"Top users by {noun}", note)
    top = _top_used(bill, bill.people, "login", chart, "Only one user used {noun}: {name}.")
    if isinstance(top, Chart):
        return top
    colors = [
        SPEND_COLORS["heavy"] if heavy else SPEND_COLORS["credits"]
        for heavy in top["heavy"].to_list()
    ]
    return Chart(*chart, _top_bars(top, "login", column, noun, colors))


def spend_charts(bill: BillData) -> list[Chart]:
    """Return the Spend section's charts in page order, drawn or with their sentence."""
    return [split_chart(bill), pool_chart(bill), models_chart(bill), users_chart(bill)]
