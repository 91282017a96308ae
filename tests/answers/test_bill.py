"""The month's bill: billed against the seat history, credits and pool, nulls for missing files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.answers.bill import bill_json, build_bill
from analyzer.billing_schema import github_csv
from analyzer.model import Settings
from analyzer.store.folder import Store
from tests.billing_fixtures import (
    AI_HEADER,
    USAGE_HEADER,
    ai_row,
    ingest_bytes,
    seat_rows,
)
from tests.helpers import Seat, make_store

SEP3 = datetime(2026, 9, 3, 6, tzinfo=UTC)
OCT3 = datetime(2026, 10, 3, 6, tzinfo=UTC)
NOV3 = datetime(2026, 11, 3, 6, tzinfo=UTC)


def _store(tmp: Path, history: dict[datetime, list[str]], enterprise: bool = False) -> Store:
    snaps = [(t, [Seat(login, org="acme" if enterprise else None) for login in logins])
             for t, logins in history.items()]  # fmt: skip
    return make_store(tmp, "acme", snaps, enterprise)


def _bill(store: Store, tmp: Path, usage: list[list[str]], ai: list[list[str]] | None = None):  # type: ignore[no-untyped-def]
    files = {"usageReport_1_a.csv": github_csv(USAGE_HEADER, usage)}
    if ai is not None:
        files["aiUsageReport_1_b.csv"] = github_csv(AI_HEADER, ai)
    assert set(ingest_bytes(store, tmp / "billing", files)) == {"stored"}
    return build_bill(store, "acme", "2026-10", Settings())


def test_a_clean_month_reconciles_without_exceptions(tmp_path: Path) -> None:
    """Seats billed as the history predicts (one added on the 17th) give no exception."""
    store = _store(tmp_path, {SEP3: ["a", "b"], OCT3: ["a", "b"], NOV3: ["a", "b", "c"]})
    usage = seat_rows("a", "acme", "2026-10") + seat_rows("b", "acme", "2026-10")
    usage += seat_rows("c", "acme", "2026-10", first_day=17)
    data = _bill(store, tmp_path, usage)
    assert data.exceptions == ()
    assert data.seat_cost_billed == pytest.approx(19 * 2 + 19 * 15 / 31)
    assert data.seat_cost_expected_low == pytest.approx(38)
    assert data.seat_cost_expected == pytest.approx(38 + 19 * 29 / 31)


def test_each_anomaly_is_named_per_login(tmp_path: Path) -> None:
    """A ghost, an unbilled seat and a short bill are each one exception of their kind."""
    store = _store(tmp_path, {SEP3: ["a", "b", "c"], OCT3: ["a", "b", "c"], NOV3: ["a", "b", "c"]})
    usage = seat_rows("a", "acme", "2026-10") + seat_rows("c", "acme", "2026-10", first_day=20)
    usage += seat_rows("ghost", "acme", "2026-10")
    data = _bill(store, tmp_path, usage)
    assert [(e.login, e.kind) for e in data.exceptions] == [
        ("b", "seated-not-billed"),
        ("c", "days-differ"),
        ("ghost", "billed-not-seated"),
    ]
    assert data.exceptions[1].detail == "billed for 12 days, seated for 31"


def test_a_user_in_two_orgs_billed_twice_is_an_exception(tmp_path: Path) -> None:
    """An enterprise user billed in two orgs on the same days is reported once."""
    snaps = [(t, [Seat("m", org="acme"), Seat("m", org="acme-eng")]) for t in (SEP3, OCT3, NOV3)]
    store = make_store(tmp_path, "acme", snaps, enterprise=True)
    usage = seat_rows("m", "acme", "2026-10") + seat_rows("m", "acme-eng", "2026-10")
    data = _bill(store, tmp_path, usage)
    assert [(e.login, e.kind) for e in data.exceptions] == [("m", "billed-twice")]


def test_credits_pool_and_overage(tmp_path: Path) -> None:
    """Two Business licences in October (after the promotion) pool 3,800; 4,300 used is 500 over."""
    store = _store(tmp_path, {SEP3: ["a", "b"], OCT3: ["a", "b"], NOV3: ["a", "b"]})
    usage = seat_rows("a", "acme", "2026-10") + seat_rows("b", "acme", "2026-10")
    ai = [ai_row("2026-10-01", "a", 4000), ai_row("2026-10-31", "b", 300, model="GPT-5")]
    data = _bill(store, tmp_path, usage, ai)
    assert (data.credit_pool, data.credits_used) == (3800.0, 4300.0)
    assert data.credit_overage == 500.0
    assert data.credit_overage_cost == pytest.approx(5.0)
    assert data.models["model"].to_list() == ["Claude Sonnet 4.6", "GPT-5"]
    heavy = data.people.filter("heavy")["login"].to_list()
    assert heavy == ["a"]


def test_a_missing_file_is_null_never_zero(tmp_path: Path) -> None:
    """Without an AI usage report, credits and overage are null and a note says so."""
    store = _store(tmp_path, {SEP3: ["a"], OCT3: ["a"], NOV3: ["a"]})
    data = _bill(store, tmp_path, seat_rows("a", "acme", "2026-10"))
    body = bill_json(data)
    assert body["credits_used"] is None
    assert body["credit_overage_cost"] is None
    assert body["premium_requests"] is None
    assert "no AI usage report for 2026-10: credits unknown" in body["notes"]
    assert body["seat_cost_billed"] == 19.0


def test_a_usage_report_short_of_the_month_gives_charges_to_its_last_day(tmp_path: Path) -> None:
    """A usage report ending on the 20th gives October's charges to the 20th, labelled so."""
    store = _store(tmp_path, {SEP3: ["a"], OCT3: ["a"], NOV3: ["a"]})
    rows = seat_rows("a", "acme", "2026-10")[:20]
    data = _bill(store, tmp_path, rows)
    assert data.seat_cost_billed == pytest.approx(sum(float(r[8]) for r in rows))
    assert data.coverage("usage") == "to 2026-10-20, 20 of 31 days"
    assert bill_json(data)["covered_through"] == {"usage": "2026-10-20"}
    assert data.exceptions == ()  # (no reconciliation on part of a month)
    assert "the reconciliation needs the whole month" in data.reconciliation()


MONTH_LOGINS = st.lists(
    st.sampled_from([f"user{i}" for i in range(12)]), min_size=1, max_size=12, unique=True
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    logins=MONTH_LOGINS,
    anomalies=st.sets(st.sampled_from(["ghost", "unbilled", "short"]), max_size=3),
)
def test_generated_month_has_exactly_its_injected_anomalies(
    tmp_path_factory: pytest.TempPathFactory, logins: list[str], anomalies: set[str]
) -> None:
    """A generated clean month has no exception; each injected anomaly is reported once."""
    tmp = tmp_path_factory.mktemp("month")
    store = _store(tmp, {SEP3: logins, OCT3: logins, NOV3: logins})
    billed = list(logins)
    usage: list[list[str]] = []
    expected: set[tuple[str, str]] = set()
    if "unbilled" in anomalies and len(billed) > 1:
        expected.add((billed.pop(), "seated-not-billed"))
    if "short" in anomalies and len(billed) > 1:
        usage += seat_rows(billed[0], "acme", "2026-10", first_day=10)
        expected.add((billed.pop(0), "days-differ"))
    if "ghost" in anomalies:
        usage += seat_rows("ghost", "acme", "2026-10")
        expected.add(("ghost", "billed-not-seated"))
    for login in billed:
        usage += seat_rows(login, "acme", "2026-10")
    data = _bill(store, tmp, usage)
    found = [(e.login, e.kind) for e in data.exceptions]
    assert sorted(found) == sorted(expected)
