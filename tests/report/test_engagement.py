"""The page's Engagement section and the workbook's engagement columns and sheet."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import polars as pl

from analyzer.model import ReportData
from analyzer.model_parts import ActiveUse
from analyzer.report.page.engagement import build_section
from analyzer.report.page.html import render_html
from analyzer.report.page.story import build_story
from analyzer.report.palette import TIER_COLORS
from analyzer.report.workbook.book import write_workbook
from tests.engagement_fixture import engaged_report, keys
from tests.report_fixture import make_report_data


def _charts(data):  # type: ignore[no-untyped-def]
    section = build_section(data)
    assert section is not None
    return {c.div_id: c for c in section.charts}


def test_no_usage_data_means_no_section() -> None:
    """Without usage data the page has no Engagement section, link or sentence."""
    data = make_report_data()
    assert build_section(data) is None
    page = render_html(data)
    assert 'id="engagement"' not in page and 'href="#engagement"' not in page
    assert not any("Usage metrics" in s for s in build_story(data))


def test_charts_with_something_to_compare_are_drawn() -> None:
    """Tiers over time, days active, features and IDEs are drawn from the figures."""
    charts = _charts(engaged_report())
    tiers = charts["chart-engagement-tiers"].figure
    assert tiers is not None and tiers.data[0].name.startswith("Daily")
    assert [t.marker.color for t in tiers.data] == list(TIER_COLORS.values())
    days = charts["chart-days-active"].figure
    assert days is not None
    assert sorted(x for t in days.data for x in t.x) == list(range(29))
    assert sum(y for t in days.data for y in t.y) == 5
    assert all(t.name for t in days.data) and days.layout.showlegend  # the tiers are named
    features = charts["chart-features"].figure
    assert features is not None and list(features.data[0].y) == [
        "Code completion",
        "Chat: agent mode",
    ]


def test_charts_without_anything_to_compare_say_why() -> None:
    """One key, one known snapshot, or an uncovered window: a sentence instead of a chart."""
    data = engaged_report(complete=False)
    charts = _charts(data)
    assert not charts["chart-engagement-tiers"].shown
    assert "tiers are unknown" in charts["chart-engagement-tiers"].absent
    assert not charts["chart-days-active"].shown
    assert charts["chart-days-active"].absent.startswith("Days active are unknown")
    one = dataclasses.replace(
        data,
        engagement=dataclasses.replace(
            data.engagement,  # type: ignore[arg-type]
            ides=keys(("vscode", 4)),
            tiers=data.engagement.tiers.with_columns(  # type: ignore[union-attr]
                pl.when(pl.int_range(pl.len()) == 0).then(1).alias(c)
                for c in ("daily", "weekly", "occasional", "none")
            ),
        ),
    )
    charts = _charts(one)
    assert charts["chart-ides"].absent == "Every user with a record used one IDE: VS Code."
    assert "one snapshot so far" in charts["chart-engagement-tiers"].absent


def test_section_text_is_escaped_and_tables_are_sortable() -> None:
    """A language named like a tag is text; the tables carry the filter and sort tools."""
    page = render_html(engaged_report())
    assert "&lt;b&gt;go&lt;/b&gt;" in page and "<b>go</b>" not in page
    for key in ("languages", "models"):
        assert f'data-for="{key}"' in page and f'data-key="{key}"' in page
    assert 'data-for="light-use"' in page and ">Ann<" in page
    assert "usage data covers 2026-02-26..2026-03-25" in page.lower()


def test_story_says_tiers_and_light_use() -> None:
    """The header paragraph gains one engagement sentence with the light-use cost."""
    story = build_story(engaged_report())
    sentence = next(s for s in story if s.startswith("Usage metrics"))
    assert "1 seat used Copilot on 15 days or more" in sentence
    assert "1 active seat used it on 1-3 days only (19.00 USD a month)" in sentence
    unknown = next(s for s in build_story(engaged_report(complete=False)) if "ngagement" in s)
    assert unknown.startswith("Engagement unknown")


def _sheet(path: Path, name: str) -> list[dict[str, object]]:
    """Return a table sheet's rows as dicts, from the cached values."""
    ws = openpyxl.load_workbook(path, data_only=True)[name]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if r[0] not in (None, "Total")]


def _sheet_rows_after(path: Path, title: str) -> list[tuple[object, ...]]:
    """Return the Engagement sheet's rows after the row whose first cell is `title`."""
    rows = list(
        openpyxl.load_workbook(path, data_only=True)["Engagement"].iter_rows(values_only=True)
    )
    start = next(i for i, r in enumerate(rows) if r[0] == title)
    return [tuple(c for c in r if c is not None) for r in rows[start + 1 :]]


def test_workbook_seat_columns_are_numbers_and_unknown_is_blank(tmp_path: Path) -> None:
    """Seats carries days active and credits as numbers; unknown credits are blank, not 0."""
    path = tmp_path / "book.xlsx"
    write_workbook(engaged_report(), path)
    rows = {r["Login"]: r for r in _sheet(path, "Seats")}
    assert rows["Cy"]["Days active (28 days)"] == 20 and rows["Cy"]["Engagement tier"] == "daily"
    assert rows["Cy"]["AI credits used (28 days)"] == 120.5
    assert rows["bob"]["Days active (28 days)"] == 0
    assert rows["dee"]["AI credits used (28 days)"] is None
    book = openpyxl.load_workbook(path, data_only=True)
    assert "Engagement" in book.sheetnames
    texts = [c for row in book["Engagement"].iter_rows(values_only=True) for c in row if c]
    assert "Light use: active seats used on 1-3 of the 28 days" in texts
    light = _sheet_rows_after(path, "Light use: active seats used on 1-3 of the 28 days")
    header, first = light[0], dict(zip(light[0], light[1], strict=False))
    assert header[0] == "Login" and first["Login"] == "Ann" and first["Days active"] == 2
    assert light[1][-1] == 19.0  # the cost formula's cached value


def test_workbook_without_a_covered_window_has_no_empty_columns(tmp_path: Path) -> None:
    """When every seat figure is unknown the columns are left out, never filled with 0."""
    path = tmp_path / "book.xlsx"
    write_workbook(engaged_report(complete=False), path)
    header = next(openpyxl.load_workbook(path)["Seats"].iter_rows(values_only=True))
    assert not any(str(h).startswith(("Days active", "Engagement", "AI credits")) for h in header)
    texts = [
        c
        for row in openpyxl.load_workbook(path)["Engagement"].iter_rows(values_only=True)
        for c in row
        if c
    ]
    assert "Unknown: the 28 days are not fully covered." in texts


def test_workbook_without_usage_data_has_no_engagement_sheet(tmp_path: Path) -> None:
    """No usage data: no Engagement sheet and no engagement columns."""
    path = tmp_path / "book.xlsx"
    write_workbook(make_report_data(), path)
    book = openpyxl.load_workbook(path)
    assert "Engagement" not in book.sheetnames


def test_workbook_with_engagement_is_reproducible(tmp_path: Path) -> None:
    """Two writes of the same engagement figures give the same bytes."""
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_workbook(engaged_report(), a)
    write_workbook(engaged_report(), b)
    assert a.read_bytes() == b.read_bytes()


def _with_activity(data: ReportData, activity: ActiveUse | None) -> ReportData:
    """Return `data` whose engagement has these active users and acceptance counts."""
    assert data.engagement is not None
    return dataclasses.replace(
        data, engagement=dataclasses.replace(data.engagement, activity=activity)
    )


KNOWN = ActiveUse(91.3, 212, "the aggregate report", "per-user records", 10_768, 21_635)
UNKNOWN = ActiveUse(None, None, "", "", None, None)


def test_section_leads_with_active_users_and_acceptance_rate() -> None:
    """Daily and weekly active users and the acceptance rate are pills, each saying its source."""
    section = build_section(_with_activity(engaged_report(), KNOWN))
    assert section is not None
    assert section.activity == (
        "Daily active users 91.3 (average per day, the aggregate report)",
        "Weekly active users 212 (last 7 days, per-user records)",
        "Acceptance rate 49.8% (code completion: 10,768 of 21,635 suggestions accepted)",
    )
    page = render_html(_with_activity(engaged_report(), KNOWN))
    assert '<ul class="pills" id="engagement-activity"><li>Daily active users 91.3' in page


def test_missing_active_users_and_rate_say_unknown_never_zero(tmp_path: Path) -> None:
    """Figures the files lack are "unknown" with the reason on the page, blank in the workbook."""
    section = build_section(_with_activity(engaged_report(), UNKNOWN))
    assert section is not None
    assert [p.split(":")[0] for p in section.activity] == [
        "Daily active users unknown",
        "Weekly active users unknown",
        "Acceptance rate unknown",
    ]
    assert not any(" 0" in p for p in section.activity)
    path = tmp_path / "unknown.xlsx"
    write_workbook(_with_activity(engaged_report(), UNKNOWN), path)
    rows = list(openpyxl.load_workbook(path)["Engagement"].iter_rows(values_only=True))
    figures = {r[0]: r[1:3] for r in rows if r[0] and str(r[0]).endswith(")")}
    assert figures["Acceptance rate (code completion)"][0] is None
    assert figures["Daily active users (average per day)"][0] is None


def test_workbook_engagement_sheet_has_the_figures_as_numbers(tmp_path: Path) -> None:
    """The Engagement sheet gives each figure as a number, the rate as a percentage cell."""
    path = tmp_path / "known.xlsx"
    write_workbook(_with_activity(engaged_report(), KNOWN), path)
    sheet = openpyxl.load_workbook(path)["Engagement"]
    cells = {row[0].value: row[1] for row in sheet.iter_rows() if row[0].value}
    assert cells["Daily active users (average per day)"].value == 91.3
    assert cells["Weekly active users (last 7 days)"].value == 212
    rate = cells["Acceptance rate (code completion)"]
    assert rate.value == 10_768 / 21_635 and rate.number_format == "0.0%"
