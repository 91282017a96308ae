"""The FOCUS export's use case: months, sources of usage rows, totals equal to the bill's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from analyzer.answers.bill import build_bill
from analyzer.answers.export import build_focus_export, export_months
from analyzer.billing_schema import github_csv
from analyzer.errors import SelectionError
from analyzer.model import Settings
from analyzer.store.folder import Store
from tests.billing_fixtures import AI_HEADER, USAGE_HEADER, ai_row, ingest_bytes, seat_rows
from tests.helpers import Seat, make_store

TIMES = [datetime(2026, m, 3, 6, tzinfo=UTC) for m in (8, 9, 10, 11)]


def _store(tmp: Path) -> Store:
    seats = [Seat("a"), Seat("b")]
    return make_store(tmp, "acme", [(t, seats) for t in TIMES])


def _credit_row(day: str, net: float) -> list[str]:
    """Return the usage report's daily AI-credit line, billed to the org (no username)."""
    gross = net + 1.0
    return [day, "copilot", "copilot_ai_credit", f"{gross * 100}", "ai-credits", "0.01",
            f"{gross}", "1.0", f"{net}", "", "acme", "", "", "eng"]  # fmt: skip


def test_months_are_one_a_range_or_the_default() -> None:
    """--month gives one month; --from/--to every month between, across a year's end."""
    assert export_months("2026-10", None, None, "2026-01") == ["2026-10"]
    assert export_months(None, None, None, "2026-01") == ["2026-01"]
    assert export_months(None, "2025-11", "2026-02", "x") == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    with pytest.raises(SelectionError, match="after"):
        export_months(None, "2026-03", "2026-02", "x")


def test_a_range_gives_each_month_its_bill(tmp_path: Path) -> None:
    """Two months of usage reports: each month's rows sum to that month's bill, in order."""
    store = _store(tmp_path)
    usage = seat_rows("a", "acme", "2026-09") + seat_rows("b", "acme", "2026-09", first_day=17)
    usage += seat_rows("a", "acme", "2026-10") + seat_rows("b", "acme", "2026-10")
    files = {"usageReport_1_a.csv": github_csv(USAGE_HEADER, usage)}
    assert ingest_bytes(store, tmp_path / "billing", files) == ["stored"]
    export = build_focus_export(store, "acme", (None, "2026-09", "2026-10"), Settings())
    assert [m.month for m in export.months] == ["2026-09", "2026-10"]
    for m in export.months:
        total = build_bill(store, "acme", m.month, Settings()).total_billed
        assert total is not None and round(m.billed, 2) == round(total, 2)
    starts = export.rows.filter(export.rows["x_Login"] == "b")["ChargePeriodStart"].to_list()
    assert starts == ["2026-09-17T00:00:00Z", "2026-10-01T00:00:00Z"]
    assert export.rows.height == 4  # two seats, two months, one period each


def test_per_user_detail_is_used_only_when_it_matches_the_invoice(tmp_path: Path) -> None:
    """AI usage rows whose net differs from the usage report's: the usage report's rows win."""
    store = _store(tmp_path)
    usage = seat_rows("a", "acme", "2026-10") + seat_rows("b", "acme", "2026-10")
    usage += [_credit_row(f"2026-10-{d:02d}", 0.5 if d == 2 else 0.0) for d in range(1, 32)]
    ai = [ai_row(f"2026-10-{d:02d}", "a", 100.0) for d in range(1, 32)]  # net 0 each
    files = {
        "usageReport_1_a.csv": github_csv(USAGE_HEADER, usage),
        "aiUsageReport_1_b.csv": github_csv(AI_HEADER, ai),
    }
    assert set(ingest_bytes(store, tmp_path / "billing", files)) == {"stored"}
    export = build_focus_export(store, "acme", ("2026-10", None, None), Settings())
    (month,) = export.months
    assert month.usage_source == "usage report (detailed)"
    assert month.note is not None and "differs from the usage report's 0.50" in month.note
    org = export.rows.filter(export.rows["x_BilledTo"] == "organization")
    assert org.height == 31
    assert round(month.billed, 2) == 38.5 == round(month.total_billed, 2)


def test_matching_detail_replaces_the_org_lines(tmp_path: Path) -> None:
    """When the AI usage report's net equals the invoice's, its per-user rows are exported."""
    store = _store(tmp_path)
    usage = seat_rows("a", "acme", "2026-10")
    usage += [_credit_row(f"2026-10-{d:02d}", 0.0) for d in range(1, 32)]
    ai = [ai_row(f"2026-10-{d:02d}", "a", 10.0, "X") for d in range(1, 32)]
    ai.append(ai_row("2026-10-02", "a", 5.0, "Y"))
    files = {
        "usageReport_1_a.csv": github_csv(USAGE_HEADER, usage),
        "aiUsageReport_1_b.csv": github_csv(AI_HEADER, ai),
    }
    assert set(ingest_bytes(store, tmp_path / "billing", files)) == {"stored"}
    rows = build_focus_export(store, "acme", ("2026-10", None, None), Settings()).rows
    usage_rows = rows.filter(rows["ChargeCategory"] == "Usage")
    assert sorted(usage_rows["x_Model"].to_list()) == ["X"] * 31 + ["Y"]
    assert set(usage_rows["x_BilledTo"]) == {"user"}


def test_pseudonymized_rows_hide_the_login_everywhere(tmp_path: Path) -> None:
    """x_Login, ResourceName and ResourceId carry the same stable alias, never the login."""
    store = _store(tmp_path)
    files = {"usageReport_1_a.csv": github_csv(USAGE_HEADER, seat_rows("a", "acme", "2026-10"))}
    assert ingest_bytes(store, tmp_path / "billing", files) == ["stored"]
    args = (store, "acme", ("2026-10", None, None), Settings())
    row = build_focus_export(*args, anonymous=True).rows.row(0, named=True)
    alias = row["x_Login"]
    assert alias.startswith("user-") and alias != "a"
    assert (row["ResourceName"], row["ResourceId"]) == (alias, f"acme/{alias}")
    again = build_focus_export(*args, anonymous=True).rows.row(0, named=True)
    assert again["x_Login"] == alias
