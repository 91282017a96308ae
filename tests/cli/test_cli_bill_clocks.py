"""`bill` with a seat billing cycle not on the 1st: both clocks named, no figure changed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.answers.bill_clocks import bill_clocks
from analyzer.cli import main
from tests.cli.test_cli_bill import _demo_store

CLOCK_KEYS = ("seat_cycle", "credit_month", "clocks")


def _bill(store: Path, tmp: Path, day: int | None, *extra: str) -> tuple[str, str]:
    """Run `bill` for October 2026 with `billing_day = day` (no config when None)."""
    args = ["bill", "--store", str(store), "--month", "2026-10", *extra]
    if day is not None:
        config = tmp / f"day{day}.toml"
        config.write_text(f"[billing]\nbilling_day = {day}\n", encoding="utf-8")
        args += ["--config", str(config)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the demo store: octo-demo's seat reports and billing files."""
    return _demo_store(tmp_path_factory.mktemp("clocks"))


@pytest.mark.parametrize(
    ("month", "day", "seat", "calendar"),
    [
        ("2026-10", 15, ("2026-10-15", "2026-11-14"), ("2026-10-01", "2026-10-31")),
        ("2026-12", 28, ("2026-12-28", "2027-01-27"), ("2026-12-01", "2026-12-31")),
        ("2026-02", 28, ("2026-02-28", "2026-03-27"), ("2026-02-01", "2026-02-28")),
    ],
)
def test_the_seat_cycle_starts_on_the_billing_day_of_the_bill_month(
    month: str, day: int, seat: tuple[str, str], calendar: tuple[str, str]
) -> None:
    """The cycle runs from the billing day to the day before it next month, across a year."""
    clocks = bill_clocks(month, day)
    assert clocks is not None
    assert (clocks.seat_from, clocks.seat_to) == tuple(date.fromisoformat(d) for d in seat)
    assert (clocks.credit_from, clocks.credit_to) == tuple(date.fromisoformat(d) for d in calendar)
    assert bill_clocks(month, 1) is None


def test_bill_json_with_billing_day_15_names_both_clocks(store: Path, tmp_path: Path) -> None:
    """Day 15: seat_cycle, credit_month and the note; every figure as with the 1st."""
    clocked = json.loads(_bill(store, tmp_path, 15, "--json")[0])
    assert clocked["seat_cycle"] == {"billing_day": 15, "from": "2026-10-15", "to": "2026-11-14"}
    assert clocked["credit_month"] == {"from": "2026-10-01", "to": "2026-10-31"}
    assert clocked["clocks"].startswith(
        "Two clocks: seats are billed on the account's cycle from day 15 (seat cycle "
        "2026-10-15 to 2026-11-14), while the AI-credit pool resets on the 1st of each "
        "calendar month (calendar month 2026-10-01 to 2026-10-31)."
    )
    plain = json.loads(_bill(store, tmp_path, None, "--json")[0])
    assert {k: v for k, v in clocked.items() if k not in CLOCK_KEYS} == {
        k: v for k, v in plain.items() if k not in CLOCK_KEYS
    }
    assert plain["seat_cost_billed"] is not None and plain["credits_used"] is not None


@pytest.mark.parametrize("day", [None, 1])
def test_bill_json_on_the_first_says_only_clocks_null(
    store: Path, tmp_path: Path, day: int | None
) -> None:
    """With the default 1st (set or not) `clocks` is null and no cycle is listed."""
    body = json.loads(_bill(store, tmp_path, day, "--json")[0])
    assert body["clocks"] is None
    assert "seat_cycle" not in body and "credit_month" not in body


def test_bill_text_labels_every_figure_with_its_clock(store: Path, tmp_path: Path) -> None:
    """Day 15: the spans, seat figures "seat cycle", credit figures "calendar month"."""
    out, err = _bill(store, tmp_path, 15)
    lines = out.splitlines()
    assert lines[2:6] == [
        "Seat cycle                          2026-10-15 to 2026-11-14 (day 15)",
        "Calendar month                      2026-10-01 to 2026-10-31 (AI-credit pool)",
        "Seats billed (seat cycle)           6,957.68 USD",
        "Seats expected (seat cycle)         6,843.06 to 7,243.29 USD",
    ]
    assert "AI credits used (calendar month)    244,301.26" in lines
    assert "Total billed (calendar month)       6,957.68 USD" in lines
    assert any(line.startswith("Two clocks: ") for line in lines)
    assert err.strip() == "octo-demo 2026-10: total billed 6,957.68 USD, 5 exceptions"


def test_bill_text_on_the_first_names_no_clock(store: Path, tmp_path: Path) -> None:
    """With the 1st the text is as before: no spans, no clock labels, no note."""
    out, _ = _bill(store, tmp_path, None)
    assert "Seats billed        6,957.68 USD" in out.splitlines()
    assert "cycle" not in out and "calendar month" not in out and "Two clocks" not in out
