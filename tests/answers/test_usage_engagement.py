"""The report's engagement figures: days no file covers are unknown, never zero use."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.answers.ingest import ingest_files
from analyzer.answers.report_data import build_report_data
from analyzer.answers.usage_engagement import (
    SEAT_FIGURES,
    describe_coverage,
    seat_figures,
    window_for,
)
from analyzer.metering.usage import completion_counts
from analyzer.model import Settings
from analyzer.store.usage import UsageStore
from tests.answers.test_usage import OCT1, OCT28, _enterprise_28_day, _store
from tests.usage_fixture import days, record, write_ndjson

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _day_rows(users: dict[int, list[date]]) -> pl.DataFrame:
    """Return stored-shape day rows for user_id -> active days (credits 1.0 a day)."""
    rows = [
        {"user_id": u, "login": f"u{u}", "day": d, "used_chat": True, "used_agent": False,
         "used_cli": False, "credits": 1.0}
        for u, ds in users.items()
        for d in ds
    ]  # fmt: skip
    schema = {"user_id": pl.Int64, "login": pl.String, "day": pl.Date, "used_chat": pl.Boolean,
              "used_agent": pl.Boolean, "used_cli": pl.Boolean, "credits": pl.Float64}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def _aliases(ids: list[int]) -> pl.DataFrame:
    """Return the login index rows of users u<id>."""
    return pl.DataFrame(
        {"user_id": ids, "login": [f"u{i}" for i in ids], "last_day": [OCT28] * len(ids)},
        schema={"user_id": pl.Int64, "login": pl.String, "last_day": pl.Date},
    )


@settings(max_examples=60, deadline=None)
@given(
    missing=st.sets(st.integers(min_value=0, max_value=27), max_size=5),
    active=st.lists(st.sets(st.integers(min_value=0, max_value=27)), min_size=1, max_size=4),
)
def test_uncovered_window_gives_unknown_never_zero(
    missing: set[int], active: list[set[int]]
) -> None:
    """Any uncovered day of the window makes every seat figure null; full cover gives numbers."""
    window_days = [OCT1 + timedelta(days=n) for n in range(28)]
    covered = {d for n, d in enumerate(window_days) if n not in missing}
    covered.add(OCT28)  # the window ends at the last covered day
    window = window_for(covered, OCT28 + timedelta(days=2))
    assert window is not None and window.end == OCT28
    users = {i + 1: [window_days[n] for n in sorted(s) if window_days[n] in covered]
             for i, s in enumerate(active)}  # fmt: skip
    logins = pl.Series([f"u{i}" for i in users] + ["nobody"])
    figures = seat_figures(logins, _day_rows(users), _aliases(list(users)), window.complete)
    if window.complete:
        assert figures["days_active"].null_count() == 0
        assert figures.filter(pl.col("login") == "nobody")["days_active"].to_list() == [0]
    else:
        for column in SEAT_FIGURES:
            assert figures[column].null_count() == figures.height, column


def test_stale_usage_data_gives_no_window() -> None:
    """Usage data ending more than 7 days before the snapshot says nothing about it."""
    covered = set(days(OCT1, OCT28))
    assert window_for(covered, OCT28 + timedelta(days=7)) is not None
    assert window_for(covered, OCT28 + timedelta(days=8)) is None


def test_coverage_line_counts_the_gaps() -> None:
    """The coverage line names the covered runs and the days missing between them."""
    covered = set(days(OCT1, date(2026, 10, 10))) | set(days(date(2026, 10, 14), OCT28))
    assert describe_coverage(covered) == (
        "usage data covers 2026-10-01..2026-10-10, 2026-10-14..2026-10-28; 3 days missing"
    )
    assert describe_coverage(set()) == "no usage data is stored"


def test_report_data_has_engagement_only_with_usage_data(tmp_path: Path) -> None:
    """Without usage files there is no engagement; with a covered window, tiers and light use."""
    store = _store(tmp_path)
    assert build_report_data(store, "acme", None, Settings(), NOW).engagement is None
    ingest_files(store, [_enterprise_28_day(tmp_path)], scope="acme")
    e = build_report_data(store, "acme", None, Settings(), NOW).engagement
    assert e is not None and e.complete
    figures = dict(e.seats.select("login", "days_active").iter_rows())
    assert figures == {"ann": 28, "bob": 2, "cy": 5, "dee": 0}
    assert e.current_tiers == {"daily": 1, "weekly": 1, "occasional": 1, "none": 1}
    # cy (active) used Copilot on 5 days: weekly; no active seat is occasional
    assert e.light_use.is_empty()
    credits = dict(e.seats.select("login", "credits_used").iter_rows())
    assert credits["cy"] is None and credits["dee"] == 0.0  # a record without credits: unknown
    assert e.tiers["daily"].to_list()[-1] == 1


def test_report_data_with_a_gap_keeps_figures_unknown(tmp_path: Path) -> None:
    """1-day files with a day missing: tiers, days active and credits are all unknown."""
    store = _store(tmp_path)
    files = [
        write_ndjson(tmp_path / f"acme-users-1-day-{d}.ndjson", [record("ann", 1, d)])
        for d in days(OCT1, OCT28)
        if d != date(2026, 10, 15)
    ]
    ingest_files(store, files, scope="acme")
    e = build_report_data(store, "acme", None, Settings(), NOW).engagement
    assert e is not None and not e.complete and e.window_covered == 27
    assert e.current_tiers is None and e.days_active.is_empty()
    assert all(e.seats[c].null_count() == e.seats.height for c in SEAT_FIGURES)
    assert e.tiers["daily"].null_count() == e.tiers.height
    assert e.features["users"].to_list() == [1]  # counted over the covered days only
    assert "1 day missing" in e.coverage


def test_login_index_follows_renames_without_scanning_parts(tmp_path: Path) -> None:
    """The index written at ingest maps a user's old and new login to one user_id."""
    store = _store(tmp_path)
    ingest_files(store, [_enterprise_28_day(tmp_path)], scope="acme")
    usage = UsageStore(store.root)
    assert usage.indexes()["acme"] == [p.sha256 for p in usage.scope_parts("acme")]
    aliases = usage.logins("acme", OCT28)
    assert set(aliases.filter(pl.col("user_id") == 3)["login"]) == {"cy-old", "cy"}


def test_a_store_of_usage_files_only_answers_usage(tmp_path: Path) -> None:
    """Ingesting only usage-metrics files leaves a sound store the usage answer reads."""
    from analyzer.answers.usage_queries import get_usage
    from analyzer.store.folder import Store
    from analyzer.store.verify import verify_store

    store = Store(tmp_path / "store")
    ingest_files(store, [_enterprise_28_day(tmp_path)], scope="acme")
    answer = get_usage(store, "acme", None, Settings())
    assert answer.table.height == 3  # ann, bob, cy (renamed): the users the data names
    assert verify_store(store.root).ok


def test_usage_answer_names_each_seats_top_ide_and_language(tmp_path: Path) -> None:
    """The narrowed breakdowns still give every user with records a top IDE and language."""
    from analyzer.answers.usage_queries import get_usage

    store = _store(tmp_path)
    ingest_files(store, [_enterprise_28_day(tmp_path)], scope="acme")
    table = get_usage(store, "acme", "2026-10", Settings()).table
    ann = table.filter(pl.col("login") == "ann").row(0, named=True)
    assert (ann["top_ide"], ann["top_language"]) == ("vscode", "python")


def _completion(generated: int, accepted: int | None) -> list[dict[str, object]]:
    """Return a totals_by_feature list with one code completion entry."""
    entry: dict[str, object] = {"feature": "code_completion"}
    entry["code_generation_activity_count"] = generated
    if accepted is not None:
        entry["code_acceptance_activity_count"] = accepted
    return [entry]


def test_active_users_and_acceptance_rate_from_per_user_records(tmp_path: Path) -> None:
    """Users with a record per covered day and in the last 7 days; code completion's rate."""
    store = _store(tmp_path)
    window = (OCT1, OCT28)
    recs = [
        record("ann", 1, d, window=window, totals_by_feature=_completion(10, 3))
        for d in days(OCT1, OCT28)
    ]
    recs += [record("bob", 2, d, window=window) for d in (OCT1, date(2026, 10, 27))]
    path = write_ndjson(tmp_path / "acme-users-28-day-2026-10-28.ndjson", recs)
    ingest_files(store, [path], scope="acme")
    e = build_report_data(store, "acme", None, Settings(), NOW).engagement
    assert e is not None and e.activity is not None
    a = e.activity
    assert a.daily_active_users == round(30 / 28, 1)  # 28 + 2 user-days over 28 days
    assert a.weekly_active_users == 2  # ann and bob (2026-10-27) in 2026-10-22..28
    assert (a.daily_from, a.weekly_from) == ("per-user records", "per-user records")
    assert (a.acceptances, a.generations) == (84, 280)
    assert a.acceptance_rate == 0.3


def test_unknown_counts_and_uncovered_days_are_never_zero(tmp_path: Path) -> None:
    """No code completion entry, and a missing day in the last 7: rate and weekly unknown."""
    store = _store(tmp_path)
    files = [
        write_ndjson(tmp_path / f"acme-users-1-day-{d}.ndjson", [record("ann", 1, d)])
        for d in days(OCT1, OCT28)
        if d != date(2026, 10, 25)
    ]
    ingest_files(store, files, scope="acme")
    e = build_report_data(store, "acme", None, Settings(), NOW).engagement
    assert e is not None and e.activity is not None
    assert e.activity.weekly_active_users is None and e.activity.weekly_from == ""
    assert e.activity.daily_active_users == 1.0  # over the 27 covered days only
    assert e.activity.acceptance_rate is None and e.activity.acceptances is None


def test_the_aggregate_reports_active_users_come_first(tmp_path: Path) -> None:
    """An aggregate report's daily_active_users (GitHub's figure) wins over counted records."""
    store = _store(tmp_path)
    ingest_files(store, [_enterprise_28_day(tmp_path)], scope="acme")
    totals = [
        {
            "day": str(d),
            "daily_active_users": 4,
            **({"weekly_active_users": 9} if d == OCT28 else {}),
        }
        for d in days(OCT1, OCT28)
    ]
    body = {"report_start_day": str(OCT1), "report_end_day": str(OCT28), "day_totals": totals}
    aggregate = tmp_path / "acme-organization-28-day-2026-10-28.json"
    aggregate.write_text(json.dumps(body), encoding="utf-8")
    ingest_files(store, [aggregate], scope="acme")
    e = build_report_data(store, "acme", None, Settings(), NOW).engagement
    assert e is not None and e.activity is not None
    assert (e.activity.daily_active_users, e.activity.weekly_active_users) == (4.0, 9)
    assert e.activity.daily_from == e.activity.weekly_from == "the aggregate report"


def test_acceptances_missing_on_some_days_leave_the_rate_unknown() -> None:
    """A code completion row without acceptances makes the sum unknown, not a part of it."""
    rows = pl.DataFrame(
        {
            "kind": ["feature", "feature", "feature", "ide"],
            "key": ["code_completion", "code_completion", "chat_panel_agent_mode", "vscode"],
            "generations": [10, 10, 4, 14],
            "acceptances": [3, None, 1, 4],
        }
    )
    assert completion_counts(rows) == (None, 20)
    assert completion_counts(rows.head(1)) == (3, 10)
    assert completion_counts(rows.tail(2)) == (None, None)  # no code completion row
