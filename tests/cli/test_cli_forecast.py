"""The `forecast` and `whatif` commands: JSON equal to the library's, exact summary lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.answers.forecast import build_forecast
from analyzer.answers.forecast_json import forecast_json
from analyzer.cli import main
from analyzer.model import Settings
from tests.answers.forecast_fixture import TIMES, forecast_store, seats
from tests.helpers import make_store


def test_forecast_json_equals_the_library_result(tmp_path: Path) -> None:
    """`forecast --json` prints exactly forecast_json(build_forecast(...))."""
    store = forecast_store(tmp_path)
    result = CliRunner().invoke(main, ["forecast", "--store", str(store.root), "--json"])
    assert result.exit_code == 0, result.output
    library = forecast_json(build_forecast(store, None, None, False, Settings()))
    assert json.loads(result.stdout) == library
    assert result.stderr.strip() == "acme 2026-11: estimated total 76.00 USD, 4 seats"


def test_forecast_text_names_the_method(tmp_path: Path) -> None:
    """The text output labels the month an estimate and names its method and base month."""
    store = forecast_store(tmp_path)
    result = CliRunner().invoke(main, ["forecast", "--store", str(store.root), "--after-reclaim"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Month             2026-11 (estimate, after the reclaim)"
    assert "Overage cost      22.00 USD" in lines
    assert (
        "method: last fully covered month scaled by days: credits of 2026-10 x 30/31 days" in lines
    )


def test_whatif_summary_and_errors(tmp_path: Path) -> None:
    """`whatif` says how many users a budget caps; a premium-era month is an error, exit 1."""
    store = forecast_store(tmp_path)
    args = ["whatif", "--store", str(store.root), "--user-budget", "20", "--unit", "usd"]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["users_capped"] == 2
    assert result.stderr.strip() == "acme 2026-10: 2 users capped, 2,200 credits stopped (estimate)"
    result = CliRunner().invoke(main, [*args, "--month", "2026-05"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 2026-05 was billed in premium requests")


def test_whatif_needs_a_budget(tmp_path: Path) -> None:
    """Without --user-budget click refuses the command as a usage error (exit 2)."""
    result = CliRunner().invoke(main, ["whatif", "--store", str(tmp_path)])
    assert result.exit_code == 2


def test_status_and_reclaim_say_the_net_saving(tmp_path: Path) -> None:
    """`status --json` gives the reclaim's net saving (16 of 38); `reclaim` each marginal."""
    store = forecast_store(tmp_path)
    status = CliRunner().invoke(main, ["status", "--store", str(store.root), "--json"])
    assert status.exit_code == 0, status.output
    body = json.loads(status.stdout)
    assert (body["reclaimable_monthly_cost"], body["reclaim_net_monthly_saving"]) == (38.0, 16.0)
    reclaim = CliRunner().invoke(main, ["reclaim", "--store", str(store.root), "--json"])
    assert reclaim.exit_code == 0, reclaim.output
    marginal = [c["marginal_net_saving"] for c in json.loads(reclaim.stdout)["candidates"]]
    assert marginal == [pytest.approx(16.0), pytest.approx(0.0)]


def test_status_net_saving_is_null_without_credits(tmp_path: Path) -> None:
    """A store without an AI usage report: the net saving is unknown (null), never the gross."""
    store = make_store(tmp_path, "acme", [(t, seats(t)) for t in TIMES])
    status = CliRunner().invoke(main, ["status", "--store", str(store.root), "--json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["reclaim_net_monthly_saving"] is None
