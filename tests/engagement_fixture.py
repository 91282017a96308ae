"""A hand-built EngagementData beside the report fixture's five seats."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import polars as pl

from analyzer.answers.usage_engagement import SEAT_FIGURES, distribution
from analyzer.model import EngagementData, ReportData
from tests.report_fixture import make_report_data

KEYS = {"key": pl.String, "users": pl.Int64, "user_days": pl.Int64, "interactions": pl.Int64}


def keys(*rows: tuple[str, int]) -> pl.DataFrame:
    """Return a key table: (key, users) rows, user-days twice the users."""
    return pl.DataFrame(
        [{"key": k, "users": n, "user_days": 2 * n, "interactions": 3 * n} for k, n in rows],
        schema=KEYS,
    )


def make_engagement(data: ReportData, *, complete: bool = True, credits: bool = True) -> ReportData:
    """Return `data` with engagement: ann occasional (active: light use), cy daily, others.

    Without `complete` the window misses three days and every per-seat figure is unknown.
    """
    logins = data.seats["login"].to_list()
    figures = {
        "ann": (2, "occasional", 1, 0, 0, 3.25),
        "bob": (0, "none", 0, 0, 0, 0.0),
        "cy": (20, "daily", 18, 5, 1, 120.5),
        "dee": (9, "weekly", 9, 2, 0, None),
        "eve": (1, "occasional", 1, 0, 0, 1.0),
    }
    rows = []
    for login in logins:
        values = figures.get(login, (None,) * 6)
        if not complete:
            values = (None,) * 6
        if not credits:
            values = (*values[:5], None)
        rows.append(dict(zip(["login", *SEAT_FIGURES], [login, *values], strict=True)))
    seats = pl.DataFrame(rows, schema={"login": pl.String, **SEAT_FIGURES})
    times = data.history["as_of"].to_list()
    tiers = pl.DataFrame(
        [
            {"as_of": t, "daily": 1 + k if complete else None, "weekly": 1 if complete else None,
             "occasional": 2 if complete else None, "none": 1 if complete else None}
            for k, t in enumerate(times)
        ],
        schema={"as_of": pl.Datetime("us", "UTC"), "daily": pl.Int64, "weekly": pl.Int64,
                "occasional": pl.Int64, "none": pl.Int64},
    )  # fmt: skip
    light = (
        data.seats.join(seats, on="login")
        .filter((pl.col("tier") == "occasional") & (pl.col("state") == "active"))
        .select("login", "display_login", pl.col("days_active").alias("days"), "orgs", "team",
                "plan", "monthly_cost")
    )  # fmt: skip
    engagement = EngagementData(
        coverage="usage data covers 2026-02-26..2026-03-25; every day covered"
        if complete
        else "usage data covers 2026-02-26..2026-03-10, 2026-03-14..2026-03-25; 3 days missing",
        window_start=date(2026, 2, 26),
        window_end=date(2026, 3, 25),
        window_covered=28 if complete else 25,
        note="28 days 2026-02-26..2026-03-25"
        + ("" if complete else " (3 not covered: tiers unknown)"),
        tiers=tiers,
        seats=seats,
        days_active=distribution(seats),
        features=keys(("code_completion", 4), ("chat_panel_agent_mode", 2)),
        ides=keys(("vscode", 4), ("jetbrains", 1)),
        languages=keys(("python", 3), ("<b>go</b>", 1)),
        models=keys(("gpt-5.4", 2)),
        light_use=light,
        light_use_monthly_cost=float(light["monthly_cost"].sum() or 0.0),
        current_tiers={"daily": 1, "weekly": 1, "occasional": 2, "none": 1} if complete else None,
    )
    return dataclasses.replace(data, engagement=engagement)


def engaged_report(*, complete: bool = True, credits: bool = True) -> ReportData:
    """Return the report fixture with engagement figures."""
    return make_engagement(make_report_data(), complete=complete, credits=credits)


NOW = datetime(2026, 3, 28, tzinfo=UTC)
