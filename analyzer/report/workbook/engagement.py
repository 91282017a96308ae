"""The workbook's engagement figures: the Seats sheet's columns and the Engagement sheet."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from analyzer.model import ENGAGEMENT_TIERS, TIER_LABELS, EngagementData, ReportData
from analyzer.report.palette import TIER_COLORS
from analyzer.report.workbook.cells import Kind
from analyzer.report.workbook.tables import Book, Column, Styled, widths_of, write_table
from analyzer.surfaces import feature_label, ide_label

# Per-seat columns added to Seats when the store has usage data; a column whose values are
# all unknown is left out like every empty column, and an unknown value is a blank cell.
SEAT_COLUMNS: tuple[Column, ...] = (
    Column("Days active (28 days)", "number", 10, "days_active"),
    Column("Engagement tier", "text", 12, "tier", colors=dict(TIER_COLORS)),
    Column("Days with chat", "number", 9, "days_chat"),
    Column("Days with agent", "number", 9, "days_agent"),
    Column("Days with CLI", "number", 9, "days_cli"),
    Column("AI credits used (28 days)", "number", 11, "credits_used"),
)
_TIER_COLUMNS: tuple[Column, ...] = (
    Column("Snapshot time (UTC)", "datetime", 17, "as_of"),
    *(Column(TIER_LABELS[t], "count", 13, t) for t in ENGAGEMENT_TIERS),
)
_KEY_COLUMNS: tuple[Column, ...] = (
    Column("Name", "text", 24, "name"),
    Column("As exported", "text", 24, "key"),
    Column("Users", "count", 9, "users"),
    Column("User-days", "count", 10, "user_days"),
    Column("Prompts", "count", 10, "interactions"),
)


def named_keys(frame: pl.DataFrame, label: Callable[[str], str]) -> pl.DataFrame:
    """Return a key table with its keys in people's words; prompts blank where none are kept.

    The language breakdowns carry no prompt counts: their zeros would read as no prompts, so
    the column is left blank (and so out) when every row has none.
    """
    names = [label(k) for k in frame["key"].to_list()]  # a few dozen keys at most
    named = frame.with_columns(pl.Series("name", names, dtype=pl.String))
    if not named["interactions"].fill_null(0).sum():
        named = named.with_columns(pl.lit(None, pl.Int64).alias("interactions"))
    return named


def with_engagement(seats: pl.DataFrame, data: ReportData) -> pl.DataFrame:
    """Return the Seats frame with the engagement columns joined on login (when any)."""
    e = data.engagement
    if e is None:
        return seats
    return seats.join(e.seats, on="login", how="left", maintain_order="left")


def seat_columns(data: ReportData) -> list[Column]:
    """Return the engagement columns of Seats, none without usage data."""
    return list(SEAT_COLUMNS) if data.engagement is not None else []


def activity_rows(e: EngagementData) -> list[list[Any]]:
    """Return GitHub's dashboard figures as label, value, where from; blank where unknown."""
    a = e.activity
    rows: list[list[Any]] = [[Styled("Active users and acceptance rate", bold=True)]]
    if a is None:
        return [*rows, [f"Unknown: {e.note}"]]
    rate = a.acceptance_rate
    figures: tuple[tuple[str, float | None, Kind, str], ...] = (
        ("Daily active users (average per day)", a.daily_active_users, "number",
         a.daily_from or "unknown: the files give no day in the window"),
        ("Weekly active users (last 7 days)", a.weekly_active_users, "count",
         a.weekly_from or "unknown: the window's last 7 days are not all covered"),
        ("Acceptance rate (code completion)", rate, "percent",
         "unknown: the files give no code completion suggestions" if rate is None
         else f"{a.acceptances:,} of {a.generations:,} suggestions accepted"),
    )  # fmt: skip
    for label, value, kind, source in figures:
        shown = None if value is None else Styled(value, kind)
        rows.append([Styled(label, wrap=True), shown, Styled(source, wrap=False)])
    return rows


def write_engagement(
    book: Book, data: ReportData, light: pl.DataFrame, light_columns: Sequence[Column]
) -> None:
    """Write the Engagement sheet: coverage, tiers per snapshot, key tables, light use."""
    e = data.engagement
    assert e is not None
    tiers, lights = widths_of(_TIER_COLUMNS), widths_of(light_columns)
    widths = [max(a, b) for a, b in zip(tiers, lights, strict=False)] + lights[len(tiers) :]
    sheet = book.add_sheet("Engagement", widths, freeze=None)
    sheet.append([Styled("Engagement from the usage-metrics files", bold=True)])
    sheet.append([Styled(e.coverage[0].upper() + e.coverage[1:], wrap=False)])
    sheet.append([f"Window: {e.note}"])
    sheet.append(
        ["Days no file covers are unknown, never days without use: blank cells are unknown."]
    )
    sheet.append([])
    for row in activity_rows(e):
        sheet.append(row)
    sheet.append([])
    sheet.append([Styled("Seats per tier at each snapshot (blank: window not covered)", bold=True)])
    write_table(sheet, "EngagementTiersTable", e.tiers, _TIER_COLUMNS)
    for title, name, frame, label in (
        (
            "Features (users in the covered days)",
            "EngagementFeaturesTable",
            e.features,
            feature_label,
        ),
        ("IDEs", "EngagementIdesTable", e.ides, ide_label),
        ("Top languages", "EngagementLanguagesTable", e.languages, str),
        (
            "Top models (chat only, as the export reports them)",
            "EngagementModelsTable",
            e.models,
            str,
        ),
    ):
        if frame.is_empty():
            continue
        sheet.append([])
        sheet.append([Styled(title, bold=True)])
        write_table(sheet, name, named_keys(frame, label), _KEY_COLUMNS)
    sheet.append([])
    sheet.append([Styled("Light use: active seats used on 1-3 of the 28 days", bold=True)])
    if not e.complete:
        sheet.append(["Unknown: the 28 days are not fully covered."])
        return
    write_table(sheet, "LightUseTable", light, light_columns, totals=True)
