"""The usage answer: days active, tiers, coverage, renames, overlap, reclaim sharpened."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.answers.ingest import ingest_files
from analyzer.answers.queries import get_reclaim, get_status
from analyzer.answers.usage_queries import get_usage, usage_head, usage_rows
from analyzer.cli import main
from analyzer.metering.usage import month_coverage, seat_usage, tier_of
from analyzer.model import Settings
from analyzer.store.folder import Store
from analyzer.store.rebuild import rebuild_store
from analyzer.store.usage import UsageStore
from tests.helpers import Seat, make_store, ts
from tests.usage_fixture import days, record, write_ndjson

OCT1, OCT28 = date(2026, 10, 1), date(2026, 10, 28)


def _store(tmp: Path) -> Store:
    """Seats at 2026-10-30: ann (active), bob (stale), cy (active), dee (never active)."""
    return make_store(
        tmp,
        "acme",
        [
            (
                ts("2026-10-30T08:00:00"),
                [
                    Seat("ann", ts("2026-10-29T10:00:00")),
                    Seat("bob", ts("2026-08-01T10:00:00")),
                    Seat("cy", ts("2026-10-20T10:00:00")),
                    Seat("dee", None),
                ],
            )
        ],
    )


def _ingest(store: Store, *paths: Path) -> list[str]:
    return [o.status for o in ingest_files(store, list(paths), scope="acme")]


def _enterprise_28_day(tmp: Path) -> Path:
    """ann every day, bob (stale seat) on 2 days, cy renamed from cy-old mid-month."""
    window = (OCT1, OCT28)
    recs = [record("ann", 1, d, window=window) for d in days(OCT1, OCT28)]
    recs += [record("bob", 2, d, window=window) for d in (OCT1, date(2026, 10, 20))]
    recs += [record("cy-old", 3, d, window=window) for d in days(OCT1, date(2026, 10, 4))]
    recs += [record("CY", 3, d, window=window, credits=None) for d in (date(2026, 10, 10),)]
    return write_ndjson(tmp / "acme-users-28-day-2026-10-28.ndjson", recs)


def test_days_active_tiers_and_coverage(tmp_path: Path) -> None:
    """Days active per seat, tiers over the covered 28 days, and the coverage line."""
    store = _store(tmp_path)
    assert _ingest(store, _enterprise_28_day(tmp_path)) == ["stored"]
    answer = get_usage(store, "acme", "2026-10", Settings())
    rows = {r["login"]: r for r in usage_rows(answer)}
    assert answer.coverage.describe() == "usage data covers 2026-10-01..2026-10-28; 3 days missing"
    assert (rows["ann"]["days_active"], rows["ann"]["tier"]) == (28, "daily")
    assert (rows["bob"]["days_active"], rows["bob"]["tier"]) == (2, "occasional")
    assert (rows["cy"]["days_active"], rows["cy"]["tier"]) == (5, "weekly")  # rename followed
    assert rows["cy"]["credits_used"] is None  # one day without ai_credits_used: unknown
    assert rows["ann"]["credits_used"] == 42.0
    assert (rows["dee"]["days_active"], rows["dee"]["tier"]) == (0, "none")
    assert rows["ann"]["covered_days"] == 28 and rows["ann"]["top_ide"] == "vscode"


def test_overlapping_one_day_downloads_count_once(tmp_path: Path) -> None:
    """Two 1-day downloads of the same day, and the 28-day file, count a day once."""
    store = _store(tmp_path)
    day = date(2026, 10, 5)
    one = write_ndjson(
        tmp_path / "a" / "acme-users-1-day-2026-10-05.ndjson", [record("ann", 1, day)]
    )
    again = [record("ann", 1, day), record("bob", 2, day)]
    two = write_ndjson(tmp_path / "b" / "acme-users-1-day-2026-10-05.ndjson", again)
    assert _ingest(store, one, two, _enterprise_28_day(tmp_path)) == ["stored"] * 3
    table = UsageStore(store.root).days("acme", OCT1, OCT28)
    assert table.filter(pl.col("user_id") == 1).height == 28
    rows = {r["login"]: r for r in usage_rows(get_usage(store, "acme", "2026-10", Settings()))}
    assert rows["bob"]["days_active"] == 3


def test_no_coverage_is_unknown_not_zero(tmp_path: Path) -> None:
    """A window not fully covered leaves every tier null, never 'none'."""
    store = _store(tmp_path)
    path = write_ndjson(
        tmp_path / "acme-users-1-day-2026-10-05.ndjson", [record("ann", 1, date(2026, 10, 5))]
    )
    _ingest(store, path)
    answer = get_usage(store, "acme", "2026-10", Settings())
    assert answer.tiers is None
    assert {r["tier"] for r in usage_rows(answer)} == {None}
    assert answer.coverage.describe() == "usage data covers 2026-10-05; 30 days missing"


def test_reclaim_is_sharpened_and_status_agrees(tmp_path: Path) -> None:
    """A stale seat with usage days moves from reclaim to check-first; status counts agree."""
    store = _store(tmp_path)
    before = get_reclaim(store, "acme", Settings(), None)
    assert set(before.candidates["login"]) == {"bob", "dee"}
    _ingest(store, _enterprise_28_day(tmp_path))
    after = get_reclaim(store, "acme", Settings(), None)
    assert set(after.candidates["login"]) == {"dee"}
    assert after.check_first.filter(pl.col("login") == "bob")["usage_days"].to_list() == [2]
    status = get_status(store, "acme", Settings(), None, ts("2026-10-30T09:00:00"))
    assert status.summary.reclaim_candidates == 1
    codes = {f.code for f in status.findings}
    assert {"usage-on-idle-seat", "usage-gap"} <= codes


def test_rebuild_rereads_usage_originals(tmp_path: Path) -> None:
    """rebuild re-derives the usage parts from the kept originals, with the same answer."""
    store = _store(tmp_path)
    _ingest(store, _enterprise_28_day(tmp_path))
    before = usage_rows(get_usage(store, "acme", "2026-10", Settings()))
    for parquet in (store.root / "usage").glob("*/*.parquet"):
        parquet.unlink()
    result = rebuild_store(store)
    assert not result.failures
    assert usage_rows(get_usage(store, "acme", "2026-10", Settings())) == before


def test_usage_command_json_equals_library(tmp_path: Path) -> None:
    """`usage --json` prints scope, month, window and the library's rows; summary on stderr."""
    store = _store(tmp_path)
    _ingest(store, _enterprise_28_day(tmp_path))
    runner = CliRunner()
    args = ["usage", "--store", str(store.root), "--scope", "acme", "--month", "2026-10"]
    result = runner.invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    answer = get_usage(store, "acme", "2026-10", Settings())
    expected = {**usage_head(answer, "USD"), "rows": usage_rows(answer)}
    body = json.loads(result.stdout)
    assert body == json.loads(json.dumps(expected))
    assert (body["scope"], body["month"], body["covered_days"]) == ("acme", "2026-10", 28)
    assert body["missing_days"] == ["2026-10-29", "2026-10-30", "2026-10-31"]
    assert body["window"] == {
        "start": "2026-10-01",
        "end": "2026-10-28",
        "missing_days": 0,
        "complete": True,
    }
    assert result.stderr.strip() == "acme 2026-10: 4 seats, 3 used Copilot"
    text = runner.invoke(main, args)
    assert text.stdout.splitlines()[0] == (
        "acme 2026-10: usage data covers 2026-10-01..2026-10-28; 3 days missing"
    )


def test_usage_command_errors_exit_1(tmp_path: Path) -> None:
    """No usage data, or a month not covered, is one Error line and exit 1."""
    store = _store(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["usage", "--store", str(store.root)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the store")
    _ingest(store, _enterprise_28_day(tmp_path))
    result = runner.invoke(main, ["usage", "--store", str(store.root), "--month", "2026-09"])
    assert result.exit_code == 1 and "months covered: 2026-10" in result.stderr


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 40)), min_size=1, max_size=60))
def test_days_active_equals_a_naive_count(pairs: list[tuple[int, int]]) -> None:
    """Days active from generated records equals a naive count of distinct days per user."""
    start = date(2026, 9, 20)
    rows = [(uid, start + timedelta(days=offset)) for uid, offset in pairs]
    frame = (
        pl.DataFrame([record(f"u{uid}", uid, day) for uid, day in rows])
        .select(
            pl.col("user_id"),
            pl.col("user_login").alias("login"),
            pl.col("day").str.to_date(),
            pl.col("used_chat"),
            pl.col("used_agent"),
            pl.col("used_cli"),
            pl.lit(None, pl.Boolean).alias("used_code_review"),
            pl.col("user_initiated_interaction_count").alias("interactions"),
            pl.col("code_acceptance_activity_count").alias("acceptances"),
            pl.col("loc_added_sum").alias("loc_added"),
            pl.col("ai_credits_used").alias("credits"),
        )
        .unique(["user_id", "day"])
    )
    covered = {start + timedelta(days=n) for n in range(41)}
    coverage = month_coverage("2026-10", covered)
    seats = pl.DataFrame({"login": [f"u{n}" for n in range(1, 6)]}).with_columns(
        pl.col("login").alias("display_login")
    )
    aliases = frame.group_by("user_id", "login").agg(pl.col("day").max().alias("last_day"))
    empty = pl.DataFrame(
        schema={
            "user_id": pl.Int64,
            "day": pl.Date,
            "kind": pl.String,
            "key": pl.String,
            "interactions": pl.Int64,
            "generations": pl.Int64,
        }
    )
    table = seat_usage(seats, frame, empty, aliases, coverage)
    got = dict(zip(table["login"], table["days_active"], strict=True))
    for n in range(1, 6):
        naive = len({d for uid, d in rows if uid == n and d.month == 10})
        assert got[f"u{n}"] == naive
        window = {d for uid, d in rows if uid == n and date(2026, 10, 3) <= d <= date(2026, 10, 30)}
        assert table.filter(pl.col("login") == f"u{n}")["tier"][0] == tier_of(len(window))
