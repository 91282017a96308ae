"""The definitions the page and workbook footers show, as docs/definitions.md states them."""

from __future__ import annotations

from pathlib import Path

from analyzer.answers.report_data import definitions
from analyzer.model import Settings


def test_definitions_include_sign_in_reclaim_and_check_first() -> None:
    """Known sign-in, signed in recently, reclaim candidate and check first read as defined."""
    terms = dict(definitions(Settings(stale_days=14)))
    assert terms["known sign-in"] == (
        "the latest Last Authenticated At (API last_authenticated_at) seen in the seat's "
        "current run (for an enterprise, over all the login's org rows), carried like "
        "known activity"
    )
    assert terms["signed in recently"] == (
        "known sign-in no more than 14 x 24 h before the snapshot time"
    )
    assert terms["reclaim candidate"] == (
        "stale or never active, not pending cancellation, not excluded by configuration, "
        "and not signed in recently"
    )
    assert terms["check first"].startswith(
        "stale or never active, not pending cancellation, not excluded, and signed in recently;"
    )
    assert "never in the remove-seats API body" in terms["check first"]


def test_definitions_say_savings_start_next_cycle_and_name_the_compared_month() -> None:
    """Savings are potential from the next billing cycle; a gap over 45 days is named."""
    terms = dict(definitions(Settings()))
    assert "from the next billing cycle" in terms["potential savings"]
    assert "no refund" in terms["potential savings"]
    assert "more than 45 days older" in terms["month"]
    assert "90-day window" in terms["never active"]
    assert not any("year" in text for text in terms.values())


def test_readme_states_the_same_definitions() -> None:
    """docs/definitions.md states reclaim candidate and check first the same way."""
    readme = " ".join(
        (Path(__file__).parents[2] / "docs" / "definitions.md").read_text("utf-8").split()
    )
    for text in (
        "**reclaim candidate**: `stale` or `never_active`, not pending cancellation, not "
        "excluded by configuration, and not signed in recently.",
        "**check first**: `stale` or `never_active`, not pending cancellation, not excluded, "
        "and signed in recently.",
        "**signed in recently**: known sign-in no more than `stale_days x 24h` before `t`.",
        "**known sign-in**: the latest Last Authenticated At (API `last_authenticated_at`) seen "
        "in the seat's current run (for an enterprise, over all the login's org rows), carried "
        "like known activity.",
    ):
        assert text in readme
