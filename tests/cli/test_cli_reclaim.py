"""CLI tests of reclaim and diff: check first apart, savings, follow-through, months, logins."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from analyzer.answers.queries import get_reclaim, reclaim_json
from analyzer.model import Settings
from analyzer.store.folder import Store
from tests.cli.test_cli_analysis import _isolated, run, stdout_json  # noqa: F401
from tests.helpers import Seat, make_store, ts

A0 = ts("2026-01-01T00:00:00")
A1 = ts("2026-02-01T00:00:00")  # 31 days later: last month
A2 = ts("2026-04-02T00:00:00")  # 60 days after A1: no snapshot last month
DAY = timedelta(days=1)


def store_of(tmp: Path) -> Store:
    """Store three snapshots of acme with a check-first seat, an excluded bot and a removal.

    A0 (first): Ann active; bob, cid (signed in 40 days before), dee, svc-bot never active.
    A1: bob signed in 2 days before (check first); cid idle; dee gone; Fay-Ops new.
    A2: as A1 but two months later, bob's sign-in now old.
    """
    return make_store(
        tmp,
        "acme",
        [
            (
                A0,
                [
                    Seat("Ann", A0 - DAY),
                    Seat("bob"),
                    Seat("cid", auth=A0 - 40 * DAY),
                    Seat("dee"),
                    Seat("svc-bot"),
                ],
            ),
            (
                A1,
                [
                    Seat("Ann", A1 - DAY),
                    Seat("bob", auth=A1 - 2 * DAY),
                    Seat("cid"),
                    Seat("svc-bot"),
                    Seat("Fay-Ops"),
                ],
            ),
            (
                A2,
                [Seat("Ann", A2 - DAY), Seat("bob"), Seat("cid"), Seat("svc-bot"), Seat("Fay-Ops")],
            ),
        ],
    )


@pytest.fixture
def acme_store(tmp_path: Path) -> Store:
    """The three-snapshot store, with svc-bot excluded by the working folder's config file."""
    (tmp_path / "copilot-seats.toml").write_text(
        '[exclusions]\nlogins = ["svc-bot"]\n', encoding="utf-8"
    )
    return store_of(tmp_path)


def test_reclaim_table_lists_check_first_apart_with_savings_and_follow_through(
    acme_store: Store,
) -> None:
    """The table: candidates, the check-first seat apart, potential savings, follow-through."""
    result = run(acme_store, "reclaim", "--at", "2026-02-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "LOGIN                   REASON          IDLE  LAST ACTIVITY         LAST SIGN-IN"
        "       COST  TEAM / ORGS",
        "cid                     never active       -  never                 2025-11-22"
        "        19.00  acme",
        "check first (1), not reclaim candidates: signed in recently, no activity reported: "
        "Copilot telemetry may be off; ask before removing",
        "  bob                   signed in 2 days ago, no activity reported (19.00 a month)",
        "potential savings: 19.00 USD a month, from the next billing cycle (GitHub bills a "
        "removed seat to the end of its cycle, no refund)",
        "since last month (2026-01-01): of its 3 reclaim candidates, 1 removed (19.00 USD a "
        "month stopped), 1 still idle, 0 came back (0%), 1 now check first",
    ]
    assert result.stderr == (
        "1 reclaim candidate, potential savings 19.00 USD a month from the next billing cycle\n"
    )


def test_reclaim_json_and_csv_flags_equal_the_library_and_format(acme_store: Store) -> None:
    """--json equals reclaim_json(get_reclaim(...)); --csv equals --format csv."""
    body = stdout_json(run(acme_store, "reclaim", "--json", "--at", "2026-02-01"))
    settings = Settings(exclude_logins=("svc-bot",))
    at = ts("2026-02-01T23:59:59")
    assert body == reclaim_json(get_reclaim(acme_store, None, settings, at))
    assert [c["login"] for c in body["candidates"]] == ["cid"]
    assert [c["login"] for c in body["check_first"]] == ["bob"]
    assert body["check_first"][0]["signed_in_days"] == 2
    assert (body["potential_monthly_savings"], body["savings_start"]) == (
        19.0,
        "next billing cycle",
    )
    assert body["came_back_share"] == 0.0
    assert body["follow_through"]["now_check_first"] == 1
    flags = run(acme_store, "reclaim", "--csv").stdout
    assert flags == run(acme_store, "reclaim", "--format", "csv").stdout
    assert flags.splitlines()[0].startswith("login,reason,idle_days,idle_since,")


def test_api_format_never_lists_check_first_pending_or_excluded_seats(acme_store: Store) -> None:
    """`--format api` names only the reclaim candidates: no check-first or excluded seat."""
    result = run(acme_store, "reclaim", "--format", "api", "--at", "2026-02-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "# DELETE /orgs/acme/copilot/billing/selected_users",
        '{"selected_usernames": ["cid"]}',
    ]
    store = make_store(
        acme_store.root.parent / "ent",
        "ent",
        [
            (
                A1,
                [
                    Seat("bob", auth=A1 - DAY, org="north"),
                    Seat("cid", org="north"),
                    Seat("svc-bot", org="north"),
                ],
            )
        ],
        enterprise=True,
    )
    result = run(store, "reclaim", "--format", "api")
    assert result.stdout.splitlines() == [
        "# DELETE /orgs/north/copilot/billing/selected_users",
        '{"selected_usernames": ["cid"]}',
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["--json", "--csv"],
        ["--json", "--format", "api"],
        ["--csv", "--format", "json"],
    ],
)
def test_two_machine_formats_are_a_usage_error(acme_store: Store, args: list[str]) -> None:
    """Two different machine formats at once exit 2; the same one twice is fine."""
    assert run(acme_store, "reclaim", *args).exit_code == 2
    assert run(acme_store, "reclaim", "--json", "--format", "json").exit_code == 0


def test_first_snapshot_reclaim_says_no_activity_in_the_90_day_window(acme_store: Store) -> None:
    """In the first snapshot the reason reads the 90-day window and the sign-in is shown."""
    out = run(acme_store, "reclaim", "--at", "2026-01-01").stdout.splitlines()
    assert out[1:5] == [
        "bob                     no activity in GitHub's 90-day window       -  none in 90 days"
        "       -                 19.00  acme",
        "cid                     no activity in GitHub's 90-day window       -  none in 90 days"
        "       2025-11-22        19.00  acme",
        "dee                     no activity in GitHub's 90-day window       -  none in 90 days"
        "       -                 19.00  acme",
        "potential savings: 57.00 USD a month, from the next billing cycle (GitHub bills a "
        "removed seat to the end of its cycle, no refund)",
    ]
    assert out[-1] == "no earlier snapshot: history starts here"
    body = stdout_json(run(acme_store, "reclaim", "--json", "--at", "2026-01-01"))
    assert {c["reason"] for c in body["candidates"]} == {"never_active"}
    assert body["first_snapshot"] is True


def test_a_gap_of_more_than_45_days_is_named(acme_store: Store) -> None:
    """Two months apart, reclaim and diff say there was no snapshot last month and name it."""
    out = run(acme_store, "reclaim").stdout.splitlines()
    assert out[-1].startswith("no snapshot last month; compared with 2026-02-01: of its 1 ")
    header = run(acme_store, "diff").stdout.splitlines()[0]
    assert header == (
        "acme: 2026-02-01T00:00:00Z -> 2026-04-02T00:00:00Z "
        "(no snapshot last month; compared with 2026-02-01)"
    )
    last_month = run(acme_store, "diff", "--to", "2026-02-01").stdout.splitlines()[0]
    assert last_month.endswith("(since last month (2026-01-01))")


def test_diff_shows_logins_as_github_spells_them(acme_store: Store) -> None:
    """diff text, JSON and CSV give display logins; JSON changes keep the lower-case key."""
    result = run(acme_store, "diff", "--to", "2026-02-01")
    assert result.stdout.splitlines()[1:3] == ["added   (1): Fay-Ops", "removed (1): dee"]
    body = stdout_json(run(acme_store, "diff", "--json", "--to", "2026-02-01"))
    assert (body["added"], body["removed"]) == (["Fay-Ops"], ["dee"])
    csv_lines = run(acme_store, "diff", "--csv", "--to", "2026-02-01").stdout.splitlines()
    assert csv_lines[:2] == [
        "change,login,display_login,from_state,to_state",
        "added,fay-ops,Fay-Ops,,new",
    ]
    transitions = stdout_json(run(acme_store, "diff", "--json"))["changes"]
    assert {"login": "fay-ops", "display_login": "Fay-Ops"}.items() <= transitions[0].items()


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["status", "--json"],
        ["reclaim"],
        ["reclaim", "--json"],
        ["diff"],
        ["history"],
        ["reclaim", "--help"],
        ["status", "--help"],
    ],
)
def test_no_yearly_figure_in_the_cli(acme_store: Store, args: list[str]) -> None:
    """No query command prints a yearly figure: savings are monthly, from the next cycle."""
    result = run(acme_store, *args)
    assert result.exit_code == 0, result.output
    assert "year" not in result.output.lower()
