"""The bill per person, and per org, team and cost center; models by credits used."""

from __future__ import annotations

import polars as pl

from analyzer.answers.bill_usage import NO_USER, use_sums
from analyzer.answers.scope import stored_timeline
from analyzer.config import load_people
from analyzer.model import IDLE_STATES, UNMAPPED, Settings, SnapshotInfo
from analyzer.store.folder import Store
from analyzer.timeline.seat_days import month_bounds
from analyzer.timeline.seats import seat_table

HEAVY_SHARE = 0.01  # the top 1 % of users by credits are "heavy users"
_SUMMED = (
    "seat_cost_billed",
    "seat_cost_expected",
    "credits_used",
    "premium_requests",
    "premium_ai_units",
    "premium_request_cost",
    "overage_share",
    "total_cost",
)
# The use figures of a person, null in every row when the bill does not know them.
USE_FIGURES = ("credits_used", "premium_requests", "premium_ai_units", "premium_request_cost")
PEOPLE_SCHEMA: dict[str, pl.DataType] = {
    "login": pl.String(),
    "plan": pl.String(),
    "orgs": pl.String(),
    "primary_org": pl.String(),
    "team": pl.String(),
    "cost_center": pl.String(),
    "state": pl.String(),
    "days_billed": pl.Int64(),
    "days_low": pl.Int64(),
    "days_high": pl.Int64(),
    "seat_cost_billed": pl.Float64(),
    "seat_cost_expected": pl.Float64(),
    "credits_used": pl.Float64(),
    "premium_requests": pl.Float64(),
    "premium_ai_units": pl.Float64(),
    "premium_request_cost": pl.Float64(),
    "plan_source": pl.String(),
    "billed_cost_center": pl.String(),
    "overage_share": pl.Float64(),
    "total_cost": pl.Float64(),
    "idle_with_credits": pl.Boolean(),
    "heavy": pl.Boolean(),
}


def _seat_states(
    store: Store, infos: list[SnapshotInfo], month: str, settings: Settings
) -> pl.DataFrame | None:
    """Return state, team, primary org and the people file's cost center at the month's end."""
    _, end, _ = month_bounds(month)
    upto = [i for i, info in enumerate(infos) if info.as_of < end]
    if not upto:
        return None
    k = upto[-1]
    people = load_people(settings.people) if settings.people else None
    table = seat_table(stored_timeline(store, infos, k, settings), k, people)
    return table.select(
        "login",
        "state",
        "team",
        "primary_org",
        pl.col("cost_center").alias("_people_cc"),
    )


def _usage_per_login(ai: pl.DataFrame | None) -> pl.DataFrame:
    if ai is None:
        return pl.DataFrame(
            schema={
                "login": pl.String,
                **dict.fromkeys(USE_FIGURES, pl.Float64),
                "_ai_cc": pl.String,
                "_ai_org": pl.String,
            }
        )
    return (
        ai.filter(pl.col("login").is_not_null())
        .group_by("login")
        .agg(
            *use_sums(),
            pl.col("cost_center").drop_nulls().first().alias("_ai_cc"),
            pl.col("organization").drop_nulls().first().alias("_ai_org"),
        )
    )


def people_table(
    store: Store,
    infos: list[SnapshotInfo],
    month: str,
    settings: Settings,
    seats: pl.DataFrame,
    billed: pl.DataFrame | None,
    ai: pl.DataFrame | None,
    licence: pl.DataFrame | None,
    overage_cost: float | None,
) -> pl.DataFrame:
    """Return one row per person seated, billed or using AI in the month (PEOPLE_SCHEMA)."""
    used = _usage_per_login(ai)
    frames = [seats.select("login"), used.select("login")]
    if billed is not None:
        frames.append(billed.select("login"))
    logins = pl.concat(frames).unique()
    if logins.is_empty():
        return pl.DataFrame(schema=PEOPLE_SCHEMA)
    table = logins.join(seats, on="login", how="left").join(used, on="login", how="left")
    if billed is not None:
        table = table.join(billed, on="login", how="left")
    else:
        table = table.with_columns(
            days_billed=pl.lit(None, pl.Int64),
            seat_cost_billed=pl.lit(None, pl.Float64),
            billed_org=pl.lit(None, pl.String),
            _use_cc=pl.lit(None, pl.String),
        )
    states = _seat_states(store, infos, month, settings)
    if states is not None:
        table = table.join(states, on="login", how="left")
    else:
        table = table.with_columns(
            [
                pl.lit(None, pl.String).alias(c)
                for c in ("state", "team", "primary_org", "_people_cc")
            ]
        )
    licence_cc = (
        licence.select("login", pl.col("cost_center").alias("_lic_cc"))
        if licence is not None
        else pl.DataFrame(schema={"login": pl.String, "_lic_cc": pl.String})
    )
    table = table.join(licence_cc, on="login", how="left")
    total_credits = float(used["credits_used"].sum()) if ai is not None else 0.0
    share = (
        pl.col("credits_used").fill_null(0.0) * (overage_cost / total_credits)
        if overage_cost is not None and total_credits > 0
        else pl.lit(0.0 if overage_cost is not None else None, pl.Float64)
    )
    credits = pl.col("credits_used")
    positive = used.filter(pl.col("credits_used") > 0)["credits_used"]
    threshold = positive.quantile(1 - HEAVY_SHARE, "higher") if positive.len() else None
    table = table.with_columns(
        pl.coalesce("_people_cc", "_lic_cc", "_use_cc", "_ai_cc").alias("cost_center"),
        pl.coalesce("primary_org", "billed_org", "_ai_org").alias("primary_org"),
        pl.coalesce("orgs", "billed_org", "_ai_org").alias("orgs"),
        share.alias("overage_share"),
        pl.col("_use_cc").alias("billed_cost_center"),  # (the seat rows' cost centre)
        (
            pl.col("state").is_in(list(IDLE_STATES))
            & pl.any_horizontal(
                [pl.col(c).fill_null(0) > 0 for c in USE_FIGURES if c != "premium_request_cost"]
            )
        )
        .fill_null(False)
        .alias("idle_with_credits"),
        ((credits >= threshold).fill_null(False) if threshold is not None else pl.lit(False)).alias(
            "heavy"
        ),
    ).with_columns(
        (pl.col("seat_cost_billed") + pl.col("overage_share").fill_null(0.0)).alias("total_cost")
    )
    return table.select([pl.col(c).cast(t) for c, t in PEOPLE_SCHEMA.items()]).sort("login")


def _total(column: str) -> pl.Expr:
    """Sum a column, null when every value is null (unknown stays unknown, never 0)."""
    col = pl.col(column)
    return pl.when(col.is_not_null().any()).then(col.sum()).otherwise(None).alias(column)


def _no_user_rows(org_use: pl.DataFrame | None, column: str, schema: pl.Schema) -> pl.DataFrame:
    """Return the use billed to the organization (no user) as breakdown rows, one per key."""
    if org_use is None or org_use.is_empty():
        return pl.DataFrame(schema=schema)
    key = pl.col(column)
    label = pl.when(key.is_null()).then(pl.lit(NO_USER)).otherwise(key + f": {NO_USER}")
    return (
        org_use.with_columns(label.alias("key"))
        .group_by("key")
        .agg(
            pl.lit(0, pl.Int64).alias("seats"),
            *[_total(c) for c in USE_FIGURES],
            pl.col("net_amount").sum().alias("total_cost"),  # (what GitHub billed for them)
        )
        .with_columns(
            [
                pl.lit(None, pl.Float64).alias(c)
                for c in _SUMMED
                if c not in (*USE_FIGURES, "total_cost")
            ]
        )
        .select([pl.col(n).cast(t) for n, t in schema.items()])
        .sort("key")
    )


def breakdown_tables(
    people: pl.DataFrame, org_use: pl.DataFrame | None = None
) -> dict[str, pl.DataFrame]:
    """Return the people's figures summed per org, team and cost center (unmapped last).

    Use billed to the organization without a user gets rows of its own in the org and cost
    centre tables, "<org>: billed to the organization (no user)".
    """
    out: dict[str, pl.DataFrame] = {}
    for name, column in (("org", "primary_org"), ("team", "team"), ("cost_center", "cost_center")):
        frame = (
            people.with_columns(pl.col(column).fill_null(UNMAPPED).alias("key"))
            .group_by("key")
            .agg(
                (pl.col("days_high").fill_null(0) > 0).sum().cast(pl.Int64).alias("seats"),
                *[_total(c) for c in _SUMMED],
            )
            .with_columns((pl.col("key") == UNMAPPED).alias("_last"))
            .sort(["_last", "key"])
            .drop("_last")
        )
        if name != "team":
            source = "organization" if name == "org" else "cost_center"
            frame = pl.concat([frame, _no_user_rows(org_use, source, frame.schema)])
        out[name] = frame
    return out


def model_table(ai: pl.DataFrame | None) -> pl.DataFrame:
    """Return credits and premium requests per model, most credits first."""
    schema = {
        "model": pl.String,
        **dict.fromkeys(USE_FIGURES, pl.Float64),
        "users": pl.Int64,
    }
    if ai is None or ai.is_empty():
        return pl.DataFrame(schema=schema)
    return (
        ai.group_by("model")
        .agg(
            *use_sums(),
            pl.col("login").drop_nulls().n_unique().cast(pl.Int64).alias("users"),
        )
        .sort(["credits_used", "premium_requests", "model"], descending=[True, True, False])
    )
