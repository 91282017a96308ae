"""The bill on premium request and AI usage reports shaped as GitHub's real exports are."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from analyzer.answers.bill import bill_json, build_bill
from analyzer.answers.ingest import ingest_files
from analyzer.billing_schema import github_csv
from analyzer.model import Settings
from analyzer.store.billing import billing_files
from analyzer.store.folder import Store
from tests.billing_fixtures import (
    AI_HEADER,
    FULL_PREMIUM_HEADER,
    MARCH_FIRST_HALF,
    MARCH_PREMIUM,
    NET,
    QUANTITY,
    USAGE_HEADER,
    USER,
    ai_row,
    column_sum,
    ingest_bytes,
    seat_rows,
)
from tests.helpers import Seat, make_store

FEB3 = datetime(2026, 2, 3, 6, tzinfo=UTC)
MAR3 = datetime(2026, 3, 3, 6, tzinfo=UTC)
APR3 = datetime(2026, 4, 3, 6, tzinfo=UTC)


def _store(tmp: Path, logins: list[str], times: tuple[datetime, ...] = (FEB3, MAR3, APR3)) -> Store:
    return make_store(tmp, "acme", [(t, [Seat(login) for login in logins]) for t in times])


def _premium(rows: list[list[str]]) -> bytes:
    return github_csv(FULL_PREMIUM_HEADER, rows)


def test_every_premium_row_counts_whatever_its_unit(tmp_path: Path) -> None:
    """Requests and ai-units rows both count toward the cost; each unit is its own figure."""
    store = _store(tmp_path, ["alice", "bob"])
    files = {"premiumRequestUsageReport_1_a.csv": _premium(MARCH_PREMIUM)}
    assert ingest_bytes(store, tmp_path / "in", files) == ["stored"]
    data = build_bill(store, "acme", "2026-03", Settings())
    assert data.premium_request_cost == pytest.approx(column_sum(MARCH_PREMIUM, NET))
    assert data.premium_requests == pytest.approx(column_sum(MARCH_PREMIUM, QUANTITY, "requests"))
    assert data.premium_ai_units == pytest.approx(column_sum(MARCH_PREMIUM, QUANTITY, "ai-units"))
    body = bill_json(data)
    assert body["premium_request_cost"] == pytest.approx(56.3675, abs=0.005)
    assert body["premium_ai_units"] == pytest.approx(6374.75)
    assert "premium_requests" not in body["unknown"]


def test_a_report_fetched_on_the_25th_gives_the_month_to_that_day(tmp_path: Path) -> None:
    """A download ending on the 25th gives figures to the 25th, labelled, never "unknown"."""
    store = _store(tmp_path, ["alice", "bob"])
    ingest_bytes(
        store, tmp_path / "in", {"premiumRequestUsageReport_1_a.csv": _premium(MARCH_PREMIUM)}
    )
    data = build_bill(store, "acme", "2026-03", Settings())
    assert data.coverage("ai") == "to 2026-03-25, 25 of 31 days"
    assert bill_json(data)["covered_through"] == {"ai": "2026-03-25"}
    assert data.premium_request_cost is not None


def test_per_person_premium_figures_sum_the_person_rows(tmp_path: Path) -> None:
    """Each person's premium cost and ai-units are the sums of their own rows."""
    store = _store(tmp_path, ["alice", "bob"])
    ingest_bytes(
        store, tmp_path / "in", {"premiumRequestUsageReport_1_a.csv": _premium(MARCH_PREMIUM)}
    )
    people = build_bill(store, "acme", "2026-03", Settings()).people
    for login in ("alice", "bob"):
        mine = [r for r in MARCH_PREMIUM if r[USER] == login]
        row = people.filter(pl.col("login") == login).row(0, named=True)
        assert row["premium_request_cost"] == pytest.approx(column_sum(mine, NET))
        assert row["premium_ai_units"] == pytest.approx(column_sum(mine, QUANTITY, "ai-units"))
        assert row["credits_used"] is None  # (March was billed in premium requests)


def test_rows_without_a_user_are_billed_to_the_organization(tmp_path: Path) -> None:
    """Org-billed code review rows are kept, in the totals and in the org and centre tables."""
    store = _store(tmp_path, ["alice", "bob"])
    ingest_bytes(
        store, tmp_path / "in", {"premiumRequestUsageReport_1_a.csv": _premium(MARCH_PREMIUM)}
    )
    data = build_bill(store, "acme", "2026-03", Settings())
    orgless = [r for r in MARCH_PREMIUM if r[USER] == ""]
    assert data.org_usage is not None
    assert data.org_usage["premium_request_cost"].sum() == pytest.approx(column_sum(orgless, NET))
    keys = data.breakdowns["org"]["key"].to_list()
    assert "acme: billed to the organization (no user)" in keys
    assert "billed to the organization (no user)" in data.breakdowns["cost_center"]["key"].to_list()
    assert any("2 rows without a user billed to the organization (acme" in n for n in data.notes)
    people_cost = data.people["premium_request_cost"].sum()
    assert people_cost + column_sum(orgless, NET) == pytest.approx(data.premium_request_cost)


def test_an_earlier_download_and_the_full_month_merge(tmp_path: Path) -> None:
    """The first half, then the month (or the other way round), count each row once."""
    for order in ((MARCH_FIRST_HALF, MARCH_PREMIUM), (MARCH_PREMIUM, MARCH_FIRST_HALF)):
        tmp = tmp_path / str(len(order[0]))
        store = _store(tmp, ["alice", "bob"])
        files = {
            f"premiumRequestUsageReport_{i}_a.csv": _premium(rows) for i, rows in enumerate(order)
        }
        statuses = [o.status for o in ingest_files(store, _write(tmp / "in", files))]
        assert statuses[0] == "stored" and statuses[1] in ("stored", "already-stored")
        data = build_bill(store, "acme", "2026-03", Settings())
        assert data.premium_request_cost == pytest.approx(column_sum(MARCH_PREMIUM, NET))


def _write(folder: Path, files: dict[str, bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return [folder / name for name in files]


def test_different_figures_for_one_key_in_two_downloads_are_refused(tmp_path: Path) -> None:
    """A later download that changes an over-quota row is refused by name."""
    store = _store(tmp_path, ["alice", "bob"])
    changed = [list(r) for r in MARCH_PREMIUM]
    changed[3][NET] = "0.9"
    files = {"p_1.csv": _premium(MARCH_PREMIUM), "p_2.csv": _premium(changed)}
    outcomes = ingest_files(store, _write(tmp_path / "in", files))
    assert [o.status for o in outcomes] == ["stored", "refused"]
    assert [(p.line, p.code) for p in outcomes[1].problems] == [(5, "conflicting-billing-row")]


def test_a_usage_report_premium_rows_count_without_a_premium_report(tmp_path: Path) -> None:
    """The metered report's premium rows give premium use alone, and never twice beside one."""
    store = _store(tmp_path, ["alice"])
    usage = seat_rows("alice", "acme", "2026-03")
    usage.append(["2026-03-09", "copilot", "copilot_premium_request", "12.5", "requests", "0.04",
                  "0.5", "0", "0.5", "alice", "acme", "", "", "eng"])  # fmt: skip
    ingest_bytes(store, tmp_path / "in", {"usageReport_1_a.csv": github_csv(USAGE_HEADER, usage)})
    alone = build_bill(store, "acme", "2026-03", Settings())
    assert (alone.premium_requests, alone.premium_request_cost) == (12.5, 0.5)
    ingest_bytes(
        store, tmp_path / "in2", {"premiumRequestUsageReport_1_a.csv": _premium(MARCH_PREMIUM)}
    )
    both = build_bill(store, "acme", "2026-03", Settings())
    assert both.premium_request_cost == pytest.approx(column_sum(MARCH_PREMIUM, NET))


def test_an_enterprise_quota_on_every_row_gives_no_false_overage(tmp_path: Path) -> None:
    """Quota 3900 on every AI usage row states Enterprise: the pool is Enterprise's."""
    june = (datetime(2026, 5, 3, 6, tzinfo=UTC), datetime(2026, 6, 3, 6, tzinfo=UTC),
            datetime(2026, 7, 3, 6, tzinfo=UTC))  # fmt: skip
    store = _store(tmp_path, ["ann", "ben"], june)
    rows = [
        ai_row(f"2026-06-{d:02d}", login, 200.0) for d in range(1, 31) for login in ("ann", "ben")
    ]
    for row in rows:
        row[11] = "3900"
    ingest_bytes(store, tmp_path / "in", {"aiUsageReport_1_b.csv": github_csv(AI_HEADER, rows)})
    settings = Settings()
    data = build_bill(store, "acme", "2026-06", settings)
    used = sum(float(r[5]) for r in rows)  # 12,000 credits: above 2 x 3,000, within 2 x 7,000
    assert data.credits_used == pytest.approx(used)
    assert data.licences == {"enterprise": 2}
    assert data.credit_pool == 2 * settings.billing.promotion_allowances["enterprise"]
    assert data.credit_overage == 0.0
    assert data.plan_sources == {"billing quota": 2}
    assert any(s == "plans: 2 from billing quota" for s in data.sources)


def test_an_extra_seat_amount_is_an_exception_naming_both_figures(tmp_path: Path) -> None:
    """One extra 500 USD seat row for a billed login is `amount-differs`, beside the days."""
    store = _store(tmp_path, ["alice"])
    usage = seat_rows("alice", "acme", "2026-03")
    extra = list(usage[4])
    extra[5:9] = ["500", "500", "0", "500"]
    extra[12] = "other.yml"  # (another key: a second row of that day)
    ingest_bytes(
        store, tmp_path / "in", {"usageReport_1_a.csv": github_csv(USAGE_HEADER, [*usage, extra])}
    )
    data = build_bill(store, "acme", "2026-03", Settings())
    assert [(e.login, e.kind) for e in data.exceptions] == [("alice", "amount-differs")]
    assert "billed 519.00 USD for seats, expected 19.00 USD" in data.exceptions[0].detail


def test_spark_rows_are_copilot_at_ingest_and_in_the_bill(tmp_path: Path) -> None:
    """One SKU table: a spark SKU is Copilot for the ingest count and for the bill's total."""
    store = _store(tmp_path, ["alice"])
    usage = seat_rows("alice", "acme", "2026-03")
    usage.append(["2026-03-09", "spark", "spark_premium_request", "5", "requests", "0.04",
                  "0.2", "0", "0.2", "alice", "acme", "", "", "eng"])  # fmt: skip
    ingest_bytes(store, tmp_path / "in", {"usageReport_1_a.csv": github_csv(USAGE_HEADER, usage)})
    (stored,) = billing_files(store.root)
    assert stored.copilot_rows == stored.rows
    data = build_bill(store, "acme", "2026-03", Settings())
    assert data.total_billed == pytest.approx(sum(float(r[8]) for r in usage))
    assert data.other_rows == 0


def test_the_per_person_csv_leaves_unknown_empty(tmp_path: Path) -> None:
    """In a credits month the premium columns are null per person, as in the JSON."""
    june = (datetime(2026, 5, 3, 6, tzinfo=UTC), datetime(2026, 6, 3, 6, tzinfo=UTC),
            datetime(2026, 7, 3, 6, tzinfo=UTC))  # fmt: skip
    store = _store(tmp_path, ["ann"], june)
    ingest_bytes(
        store,
        tmp_path / "in",
        {"ai_1.csv": github_csv(AI_HEADER, [ai_row("2026-06-02", "ann", 5.0)])},
    )
    data = build_bill(store, "acme", "2026-06", Settings())
    assert bill_json(data)["premium_requests"] is None
    assert data.people["premium_requests"].to_list() == [None]
    assert data.covered_through == {"ai": date(2026, 6, 2)}


def test_credits_billed_to_the_organization_are_in_the_total_not_in_a_person(
    tmp_path: Path,
) -> None:
    """An AI usage row without a user counts in credits used and in its org's row."""
    june = (datetime(2026, 5, 3, 6, tzinfo=UTC), datetime(2026, 6, 3, 6, tzinfo=UTC),
            datetime(2026, 7, 3, 6, tzinfo=UTC))  # fmt: skip
    store = _store(tmp_path, ["ann"], june)
    rows = [ai_row("2026-06-02", "ann", 5.0), ai_row("2026-06-29", "", 70.0)]
    ingest_bytes(store, tmp_path / "in", {"ai_1.csv": github_csv(AI_HEADER, rows)})
    data = build_bill(store, "acme", "2026-06", Settings())
    assert data.credits_used == pytest.approx(75.0)
    assert data.people["credits_used"].to_list() == [5.0]
    org = data.breakdowns["org"].filter(
        pl.col("key") == "acme: billed to the organization (no user)"
    )
    assert org["credits_used"].to_list() == [70.0] and org["premium_requests"].to_list() == [None]
    assert any(
        "1 row without a user billed to the organization (acme; 0.00 USD)" in n for n in data.notes
    )


def test_the_sku_table_is_documented_as_the_code_has_it() -> None:
    """docs/bill.md shows exactly the SKU table ingest and `bill` use."""
    from analyzer.billing_schema import sku_table_markdown
    from tests.paths import ROOT

    assert sku_table_markdown() in (ROOT / "docs" / "bill.md").read_text(encoding="utf-8")


def test_renderers_read_the_reason_from_unknown_never_from_the_notes() -> None:
    """With the notes gone, the page's and the workbook's reason is still the bill's own."""
    import dataclasses

    from analyzer.report.bill_facts import ai_missing, pool_missing, usage_missing
    from tests.bill_report_fixture import make_bill

    bill = dataclasses.replace(
        make_bill(credits_known=False),
        notes=(),
        unknown={"credits_used": "reason A", "credit_pool": "reason B", "total_billed": "reason C"},
    )
    assert (ai_missing(bill), pool_missing(bill), usage_missing(bill)) == (
        "reason A",
        "reason B",
        "reason C",
    )


def test_a_spreadsheet_re_save_of_a_stored_report_merges(tmp_path: Path) -> None:
    """The same report re-saved (dates 2026/3/2, numbers rewritten) is already stored."""
    store = _store(tmp_path, ["alice", "bob"])
    resaved = [list(r) for r in MARCH_PREMIUM]
    for row in resaved:
        y, m, d = row[0].split("-")
        row[0] = f"{y}/{int(m)}/{int(d)}"
        row[NET] = f"{float(row[NET]):.6f}"
    files = {"p_1.csv": _premium(MARCH_PREMIUM), "p_1 (saved).csv": _premium(resaved)}
    outcomes = ingest_files(store, _write(tmp_path / "in", files))
    assert [o.status for o in outcomes] == ["stored", "already-stored"]
    data = build_bill(store, "acme", "2026-03", Settings())
    assert data.premium_request_cost == pytest.approx(column_sum(MARCH_PREMIUM, NET))


def test_the_quota_states_the_expected_seat_price_and_the_licence_type_never_does(
    tmp_path: Path,
) -> None:
    """Quota 300 is Business, 1000 Enterprise; a licence report's License type is no plan."""
    store = _store(tmp_path, ["alice", "bob", "cy"])
    header = (
        "GitHub com login,GitHub com name,License type,GitHub com member roles,Total user accounts"
    )
    licence = "\n".join(
        [header, *(f"{n},{n.title()},Enterprise,acme:Member,1" for n in ("alice", "bob", "cy"))]
    )
    files = {"premiumRequestUsageReport_1_a.csv": _premium(MARCH_PREMIUM),
             "export-acme-1775000000.csv": licence.encode()}  # fmt: skip
    assert ingest_bytes(store, tmp_path / "in", files) == ["stored", "stored"]
    data = build_bill(store, "acme", "2026-03", Settings())
    assert data.seat_cost_expected == pytest.approx(19 + 39 + 19)  # alice, bob, cy (default)
    assert data.plan_sources == {"billing quota": 2, "configured default (business)": 1}
    plans = dict(data.people.select("login", "plan_source").iter_rows())
    assert plans == {
        "alice": "billing quota",
        "bob": "billing quota",
        "cy": "configured default (business)",
    }


def test_two_overlapping_usage_downloads_count_each_seat_day_once(tmp_path: Path) -> None:
    """A usage report of the 1st to the 10th, then the whole month: the month's seats once."""
    store = _store(tmp_path, ["alice"])
    usage = seat_rows("alice", "acme", "2026-03")
    files = {"usageReport_1_a.csv": github_csv(USAGE_HEADER, usage[:10]),
             "usageReport_2_b.csv": github_csv(USAGE_HEADER, usage)}  # fmt: skip
    assert ingest_bytes(store, tmp_path / "in", files) == ["stored", "stored"]
    data = build_bill(store, "acme", "2026-03", Settings())
    assert data.seat_cost_billed == pytest.approx(sum(float(r[8]) for r in usage))
    assert data.exceptions == ()
