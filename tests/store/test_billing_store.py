"""Billing files in the store: kept once, overlaps merged, conflicts refused, rebuilt."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from analyzer.answers.ingest import ingest_files
from analyzer.billing_schema import KIND_DETAILED, github_csv
from analyzer.store.billing import billing_files, load_table
from analyzer.store.folder import Store
from analyzer.store.rebuild import rebuild_store
from tests.billing_fixtures import (
    SUMMARIZED_HEADER,
    USAGE_HEADER,
    ingest_bytes,
    seat_rows,
)

SEPT = (date(2026, 9, 1), date(2026, 9, 30))


def _summarized(rows: list[list[str]]) -> bytes:
    keep = [USAGE_HEADER.index(h) for h in SUMMARIZED_HEADER]
    return github_csv(SUMMARIZED_HEADER, [[r[i] for i in keep] for r in rows])


def test_same_bytes_twice_is_already_stored(tmp_path: Path) -> None:
    """Ingesting the same billing file twice stores it once, with its original kept."""
    store = Store(tmp_path / "store")
    data = github_csv(USAGE_HEADER, seat_rows("mona", "acme", "2026-09"))
    assert ingest_bytes(store, tmp_path / "in", {"usageReport_1_a.csv": data}) == ["stored"]
    assert ingest_bytes(store, tmp_path / "in", {"usageReport_1_a.csv": data}) == ["already-stored"]
    (item,) = billing_files(store.root)
    assert (item.kind, item.first_day, item.last_day, item.rows) == (KIND_DETAILED, *SEPT, 30)
    how = json.loads((store.root / "originals" / item.sha256 / "ingest.json").read_text())
    assert how["kind"] == KIND_DETAILED and how["billing"] is True


def test_overlapping_detailed_downloads_count_each_row_once(tmp_path: Path) -> None:
    """Two detailed downloads sharing days give each seat day once."""
    store = Store(tmp_path / "store")
    rows = seat_rows("mona", "acme", "2026-09")
    files = {
        "usageReport_1_a.csv": github_csv(USAGE_HEADER, rows[:20]),
        "usageReport_2_b.csv": github_csv(USAGE_HEADER, rows[10:]),
    }
    assert ingest_bytes(store, tmp_path / "in", files) == ["stored", "stored"]
    frame, used = load_table(store.root, "usage", *SEPT)
    assert len(used) == 2
    assert frame.height == 30
    assert frame["net_amount"].sum() == pytest.approx(sum(float(r[8]) for r in rows))


def test_detailed_wins_over_summarized_for_the_same_days(tmp_path: Path) -> None:
    """A summarized and a detailed report of the same month are not added together."""
    store = Store(tmp_path / "store")
    rows = seat_rows("mona", "acme", "2026-09") + seat_rows("hubot", "acme", "2026-09")
    files = {
        "usageReport_1_s.csv": _summarized(rows),
        "usageReport_2_d.csv": github_csv(USAGE_HEADER, rows),
    }
    assert ingest_bytes(store, tmp_path / "in", files) == ["stored", "stored"]
    frame, _ = load_table(store.root, "usage", *SEPT)
    assert frame.height == 60
    assert frame["login"].null_count() == 0


def test_conflicting_figures_are_refused_by_name(tmp_path: Path) -> None:
    """A second download with other figures for a stored key is refused, the first kept."""
    store = Store(tmp_path / "store")
    rows = seat_rows("mona", "acme", "2026-09")
    changed = [list(r) for r in rows]
    changed[4][8] = "5"
    first = {"usageReport_1_a.csv": github_csv(USAGE_HEADER, rows)}
    assert ingest_bytes(store, tmp_path / "in", first) == ["stored"]
    paths = tmp_path / "in" / "usageReport_2_b.csv"
    paths.write_bytes(github_csv(USAGE_HEADER, changed))
    (outcome,) = ingest_files(store, [paths])
    assert outcome.status == "refused"
    assert [(p.line, p.code) for p in outcome.problems] == [(6, "conflicting-billing-row")]
    assert len(billing_files(store.root)) == 1


def test_rebuild_rereads_billing_originals(tmp_path: Path) -> None:
    """A damaged billing.json is re-derived by rebuild from the kept originals."""
    store = Store(tmp_path / "store")
    data = github_csv(USAGE_HEADER, seat_rows("mona", "acme", "2026-09"))
    ingest_bytes(store, tmp_path / "in", {"usageReport_1_a.csv": data})
    before = billing_files(store.root)
    (store.root / "billing.json").write_text("{damaged")
    result = rebuild_store(store)
    assert not result.failures
    assert billing_files(store.root) == before
