"""One function per headline figure: history, the report and the page follow the usage evidence."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from analyzer.answers.figures import status_json
from analyzer.answers.queries import get_history, get_reclaim, get_status
from analyzer.answers.report_data import build_report_data, pseudonymize
from analyzer.model import Finding, Settings
from analyzer.report.page.html import render_html
from tests.answers.test_usage import _enterprise_28_day, _ingest, _store
from tests.helpers import ts
from tests.report_fixture import make_report_data

NOW = ts("2026-10-30T09:00:00")
FIGURES = re.compile(
    r'<script type="application/json" id="copilot-seats-figures">(.*?)</script>', re.S
)


def test_kept_history_rows_follow_usage_files_ingested_later(tmp_path: Path) -> None:
    """History rows kept before the usage files arrive are sharpened once they are stored."""
    store = _store(tmp_path)
    before = get_history(store, "acme", Settings())  # computes and keeps the rows
    assert before["reclaim_candidates"].to_list() == [2]  # bob (stale) and dee (never)
    assert _ingest(store, _enterprise_28_day(tmp_path)) == ["stored"]
    after = get_history(store, "acme", Settings())
    status = get_status(store, "acme", Settings(), None, NOW)
    assert after["reclaim_candidates"].to_list() == [status.summary.reclaim_candidates] == [1]
    assert after["reclaim_business"].to_list() == [1]


def test_report_data_gives_status_figures_and_the_reclaim_lists(tmp_path: Path) -> None:
    """The report's summary, lists, seats and figures object are status's and reclaim's."""
    store = _store(tmp_path)
    _ingest(store, _enterprise_28_day(tmp_path))
    data = build_report_data(store, "acme", None, Settings(), NOW)
    status = get_status(store, "acme", Settings(), None, NOW)
    reclaim = get_reclaim(store, "acme", Settings(), None)
    assert data.current == status.summary
    assert data.figures == status_json(status)
    assert data.reclaim["login"].to_list() == reclaim.candidates["login"].to_list() == ["dee"]
    assert data.check_first["login"].to_list() == reclaim.check_first["login"].to_list()
    assert data.seats.filter("reclaim")["login"].to_list() == ["dee"]
    assert data.history["reclaim_candidates"].to_list() == [1]
    assert {f.code for f in data.findings} == {f["code"] for f in data.figures["findings"]}


def test_a_pseudonymized_report_names_no_login_in_its_findings(tmp_path: Path) -> None:
    """Findings that name seats (usage-on-idle-seat) name their aliases on a shared page."""
    store = _store(tmp_path)
    _ingest(store, _enterprise_28_day(tmp_path))
    data = build_report_data(store, "acme", None, Settings(), NOW)
    named = [f.message for f in data.findings if f.code == "usage-on-idle-seat"]
    assert named and re.search(r"\bbob\b", named[0])
    shared = pseudonymize(data)
    page = render_html(shared)
    figures = json.loads(FIGURES.findall(page)[0])
    for message in [f.message for f in shared.findings] + [
        f["message"] for f in figures["findings"]
    ]:
        assert not re.search(r"\b(ann|bob|cy|dee)\b", message), message
    assert any("user-" in f["message"] for f in figures["findings"])


def test_the_figures_script_cannot_be_ended_by_a_message() -> None:
    """A `</script>` or `<!--` in a figure's text is escaped; the JSON reads back the same."""
    data = make_report_data()
    hostile = Finding("odd", "info", "</script><script>alert(1)</script><!-- & >", 1)
    figures = {"scope": data.scope, "findings": [dataclasses.asdict(hostile)]}
    page = render_html(dataclasses.replace(data, figures=figures))
    found = FIGURES.findall(page)
    assert len(found) == 1 and "<" not in found[0] and "&" not in found[0]
    assert json.loads(found[0]) == figures


def test_a_report_without_figures_has_no_figures_script() -> None:
    """A report data object without figures (not built by the answers) embeds none."""
    data = dataclasses.replace(make_report_data(), figures={})
    assert 'id="copilot-seats-figures"' not in render_html(data)
