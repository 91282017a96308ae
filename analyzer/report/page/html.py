"""Write the monthly report as one self-contained HTML page that needs no network."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from analyzer.fsutil import atomic_path
from analyzer.model import STATES, ReportData, SnapshotSummary
from analyzer.report.page.backtest import backtest_block, frozen_notices
from analyzer.report.page.charts import Chart, build_charts
from analyzer.report.page.engagement import build_section
from analyzer.report.page.forecast import build_outlook
from analyzer.report.page.headline import build_top, headline
from analyzer.report.page.spend import build_spend
from analyzer.report.page.story import build_story
from analyzer.report.page.tables import (
    changes_tables,
    check_first_table,
    findings_table,
    reclaim_table,
    sources_table,
)
from analyzer.report.page.text import DASH, fmt_delta, fmt_local, fmt_money
from analyzer.report.palette import STATE_COLORS

# The partial plotly.js bundle embedded in the page: bar and scatter traces only, which is
# every trace type charts.py draws (vendored by scripts/vendor-plotly.sh; MIT licence).
PLOTLY_BUNDLE = "plotly-basic.min.js"
# JSON inside a <script> element: no "<", ">" or "&" can end it or open a comment.
_JSON_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


@dataclass(frozen=True)
class Kpi:
    """A headline figure with its change against the previous month."""

    key: str
    label: str
    value: str
    delta: str | None
    tone: str  # "good", "bad" or "neutral": how the change reads, for its colour
    note: str
    accent: str  # a state name, or "" for no state colour


# key, label, is money, better direction (+1 up, -1 down, 0 neither), accent state, note
_KPI_SPECS: tuple[tuple[str, str, bool, int, str, str], ...] = (
    ("seats", "Seats", False, 0, "", "{plans}"),
    ("active", "Active", False, 1, "active", "{share}"),
    ("stale", "Stale", False, -1, "stale", "no activity for over {stale_days} days"),
    ("never_active", "Never active", False, -1, "never_active", "no known activity"),
    ("new", "New", False, 0, "new", "within the {grace_days}-day grace period"),
    ("pending_cancellation", "Pending cancellation", False, 0, "", "ending at the billing cycle"),
    ("monthly_cost", "Monthly cost", True, 0, "", "all billed seats"),
    ("idle_monthly_cost", "Idle cost", True, -1, "stale", "stale and never-active seats"),
    ("reclaim_candidates", "Reclaim candidates", False, -1, "never_active", "{reclaimable}"),
    ("check_first", "Check first", False, 0, "", "{check_first}"),
)


def _figures(s: SnapshotSummary) -> dict[str, float]:
    """Return the headline figures of one snapshot by KPI key."""
    return {
        "seats": s.seats,
        **{state: s.states.get(state, 0) for state in STATES},
        "pending_cancellation": s.pending_cancellation,
        "monthly_cost": s.monthly_cost,
        "idle_monthly_cost": s.idle_monthly_cost,
        "reclaim_candidates": s.reclaim_candidates,
        "check_first": s.check_first,
    }


def build_kpis(cur: SnapshotSummary, prev: SnapshotSummary | None) -> list[Kpi]:
    """Return the headline figures of `cur` with their changes against `prev`."""
    now, before = _figures(cur), _figures(prev) if prev is not None else None
    facts = {
        "plans": " \u00b7 ".join(f"{p} {n:,}" for p, n in sorted(cur.seats_by_plan.items())),
        "share": f"{100 * now['active'] / cur.seats:.0f}% of seats" if cur.seats else "",
        "stale_days": cur.stale_days,
        "grace_days": cur.grace_days,
        "reclaimable": fmt_money(cur.reclaimable_monthly_cost, cur.currency) + " a month",
        "check_first": "idle but signed in recently: "
        + fmt_money(cur.check_first_monthly_cost, cur.currency)
        + " a month",
    }
    kpis = []
    for key, label, money, better, accent, note in _KPI_SPECS:
        shown = fmt_money(now[key], cur.currency) if money else f"{int(now[key]):,}"
        delta, tone = None, "neutral"
        if before is not None:
            diff = round(now[key] - before[key], 2)
            delta = fmt_delta(diff, cur.currency if money else None)
            tone = {1: "good", -1: "bad"}.get(((diff > 0) - (diff < 0)) * better, "neutral")
        kpis.append(Kpi(key, label, shown, delta, tone, note.format(**facts), accent))
    return kpis


def _settings(data: ReportData) -> list[tuple[str, str]]:
    """Return the settings every figure depends on, as (name, value) pairs."""
    s = data.settings
    prices = ", ".join(
        f"{plan}: {fmt_money(p, s.currency)}" for plan, p in sorted(s.prices.items())
    )
    return [
        ("Stale after", f"{s.stale_days} days without known activity"),
        ("Grace period for new seats", f"{s.grace_days} days"),
        ("Monthly price per seat", prices or DASH),
        ("Default plan", s.default_plan),
        ("Currency", s.currency),
        ("Time zone", s.timezone),
        ("Excluded logins", ", ".join(sorted(s.exclude_logins)) or "none"),
        ("Excluded login patterns", ", ".join(s.exclude_patterns) or "none"),
        ("People file", s.people.path if s.people else "none"),
        ("Configuration file", s.config_path or "none (built-in defaults)"),
        ("Tool version", data.tool_version),
    ]


def chart_json(chart: Chart) -> Markup:
    """Return a shown chart's figure as JSON safe inside a data block script element."""
    if chart.figure is None:
        raise ValueError(f"{chart.div_id} is not shown")
    return Markup(chart.figure.to_json().translate(_JSON_ESCAPES))


# The id of the data block holding the `status --json` object of the page's snapshot.
FIGURES_ID = "copilot-seats-figures"


def figures_json(data: ReportData) -> Markup | None:
    """Return the page's figures (`status --json`, serialized alike) safe in a data block.

    None when the report carries no figures object (a report not built by the answers).
    """
    if not data.figures:
        return None
    return Markup(json.dumps(data.figures, indent=2).translate(_JSON_ESCAPES))


def _checked_script(js: str, name: str) -> str:
    """Return script text, refusing any that could end its script element early."""
    if "</script" in js.lower() or "<!--" in js:
        raise ValueError(f"{name} contains text that would end its script element")
    return js


@functools.cache
def _plotly_js() -> str:
    """Return the embedded plotly.js bundle."""
    js = (
        resources.files("analyzer.report.page").joinpath("vendor", PLOTLY_BUNDLE).read_text("utf-8")
    )
    return _checked_script(js, PLOTLY_BUNDLE)


@functools.cache
def _page_js() -> str:
    """Return the page's own script (charts, table sorting, filter, CSV)."""
    js = resources.files("analyzer.report.page").joinpath("templates", "page.js").read_text("utf-8")
    return _checked_script(js, "page.js")


def script_hash(js: str) -> str:
    """Return the CSP source that allows exactly this inline script."""
    digest = hashlib.sha256(js.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(scripts: list[str]) -> str:
    """Return the page's policy: nothing from anywhere, only these inline scripts run."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(script_hash(js) for js in scripts),
            # plotly.js sets styles on the elements it draws, and adds a few rules at run time
            "style-src 'unsafe-inline'",
            "img-src data: blob:",
            "font-src data:",
            "connect-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


@functools.cache
def _environment() -> jinja2.Environment:
    """Return the template environment: package templates, autoescaping, strict names."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("analyzer", "report/page/templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _month_name(month: str) -> str:
    """Return "March 2026" for "2026-03", or the text as given when it is not a month."""
    try:
        return datetime.strptime(month, "%Y-%m").strftime("%B %Y")
    except ValueError:
        return month


def render_html(data: ReportData) -> str:
    """Render the whole monthly report page for `data`."""
    charts = build_charts(data)
    engagement = build_section(data)
    plotly_js, page_js = _plotly_js(), _page_js()
    zone = data.settings.timezone
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            data=data,
            month_name=_month_name(data.month),
            current_time=fmt_local(data.current_snapshot.as_of, zone),
            previous_time=(
                fmt_local(data.previous_snapshot.as_of, zone) if data.previous_snapshot else None
            ),
            generated=fmt_local(data.generated_at, zone),
            story=build_story(data),
            headline=headline(data),
            top=build_top(data),
            kpis=build_kpis(data.current, data.previous),
            charts=[(c, chart_json(c) if c.shown else None) for c in charts],
            engagement=engagement,
            engagement_charts=[
                (c, chart_json(c) if c.shown else None)
                for c in (engagement.charts if engagement else [])
            ],
            reclaim=reclaim_table(data),
            backtest=backtest_block(data),
            frozen=frozen_notices(data),
            check_first=check_first_table(data),
            spend=build_spend(data, chart_json),
            outlook=build_outlook(data, chart_json),  # next month under the credit pool
            changes=changes_tables(data),
            findings=findings_table(data),
            sources=sources_table(data),
            settings=_settings(data),
            state_colors=STATE_COLORS,
            csv_prefix=f"{data.scope}-{data.month}",
            csp=content_security_policy([plotly_js, page_js]),
            plotly_js=Markup(plotly_js),
            page_js=Markup(page_js),
            figures_id=FIGURES_ID,
            figures_json=figures_json(data),
            moved_to_check_first=(data.figures.get("engagement") or {}).get(
                "moved_to_check_first", 0
            ),
        )
    )


def write_html(data: ReportData, path: Path) -> None:
    """Write the report page to `path` atomically: the old file or the whole new one."""
    with atomic_path(path) as tmp:
        tmp.write_text(render_html(data), encoding="utf-8", newline="\n")
