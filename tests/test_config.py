"""Tests of copilot-seats.toml and the people file: values used, CLI overrides, clear errors."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from analyzer.answers.queries import get_reclaim
from analyzer.cli import main
from analyzer.config import load_people, load_settings
from analyzer.errors import ConfigError
from analyzer.model import PeopleSource, Settings
from analyzer.store.folder import Store
from tests.helpers import Seat, csv_text, make_store, ts

T = ts("2026-03-01T00:00:00")
DAY = timedelta(days=1)
FULL = """
stale_days = 10
grace_days = 5
default_plan = "Enterprise"
currency = "EUR"
timezone = "Europe/Berlin"

[prices]
business = 21
enterprise = 45.5

[exclusions]
logins = ["SVC-Bot"]
patterns = ["*-Bot"]
"""


def write_config(folder: Path, text: str, name: str = "copilot-seats.toml") -> Path:
    """Write a configuration file into folder and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def store_of(tmp: Path) -> Store:
    """Store one snapshot: ann active 5 days ago, bob idle 20 days, cid and svc-bot never."""
    seats = [Seat("ann", T - 5 * DAY), Seat("bob", T - 20 * DAY), Seat("cid"), Seat("svc-bot")]
    return make_store(tmp, "acme", [(T, seats)])


def status(store: Store, *args: str) -> Result:
    """Run `copilot-seats status --json` against the store with extra options."""
    return CliRunner().invoke(main, ["status", "--json", "--store", str(store.root), *args])


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in the test's folder so ./copilot-seats.toml is only what the test writes."""
    monkeypatch.chdir(tmp_path)


# Values used -----------------------------------------------------------------------------
def test_every_config_value_is_read(tmp_path: Path) -> None:
    """Thresholds, plan, currency, zone, prices and lower-cased exclusions come from the file."""
    path = write_config(tmp_path, FULL)
    assert load_settings(path, cwd=tmp_path / "elsewhere") == Settings(
        stale_days=10,
        grace_days=5,
        prices={"business": 21.0, "enterprise": 45.5},
        default_plan="enterprise",
        currency="EUR",
        timezone="Europe/Berlin",
        exclude_logins=("svc-bot",),
        exclude_patterns=("*-bot",),
        config_path=str(path),
    )


def test_the_file_in_the_working_folder_is_found_and_defaults_apply_without_one(
    tmp_path: Path,
) -> None:
    """Without --config, ./copilot-seats.toml is read when present, else the defaults hold."""
    assert load_settings(None, cwd=tmp_path) == Settings()
    write_config(tmp_path, "stale_days = 7\n")
    assert load_settings(None, cwd=tmp_path).stale_days == 7


def test_config_figures_reach_the_status_command(tmp_path: Path) -> None:
    """Through the CLI, stale_days, prices, default_plan, currency and exclusions are applied."""
    store = store_of(tmp_path)
    write_config(tmp_path, FULL.replace('patterns = ["*-Bot"]', "patterns = []"))
    body = json.loads(status(store).stdout)
    assert (body["stale_days"], body["grace_days"], body["currency"]) == (10, 5, "EUR")
    assert body["states"] == {"active": 1, "stale": 1, "never_active": 2, "new": 0}
    assert body["seats_by_plan"] == {"enterprise": 4}
    assert body["monthly_cost"] == 4 * 45.5
    assert body["reclaim_candidates"] == 2  # bob and cid; svc-bot is excluded


def test_config_exclusion_patterns_reach_the_reclaim_list(tmp_path: Path) -> None:
    """`[exclusions] patterns` from the file keep matching logins off the reclaim list."""
    store = store_of(tmp_path)
    write_config(tmp_path, '[exclusions]\npatterns = ["*-Bot"]\n')
    result = CliRunner().invoke(main, ["reclaim", "--format", "json", "--store", str(store.root)])
    assert result.exit_code == 0, result.output
    assert [c["login"] for c in json.loads(result.stdout)["candidates"]] == ["cid"]


def test_cli_options_win_over_the_file(tmp_path: Path) -> None:
    """--stale-days and --grace-days override the file; other file values still apply."""
    store = store_of(tmp_path)
    config = write_config(tmp_path / "conf", "stale_days = 10\ncurrency = 'EUR'\n", "c.toml")
    body = json.loads(status(store, "--config", str(config), "--stale-days", "30").stdout)
    assert (body["stale_days"], body["currency"]) == (30, "EUR")
    assert body["states"]["active"] == 2
    settings = load_settings(config, cwd=tmp_path, overrides={"stale_days": 0, "grace_days": None})
    assert (settings.stale_days, settings.grace_days) == (0, 30)


PEOPLE = """
[people]
file = "people.csv"
login_column = "GitHub"
name_column = "Full name"
email_column = "Mail"
department_column = "Dept"
cost_center_column = "CC"
"""


def test_people_file_with_custom_columns_is_joined_to_seats(tmp_path: Path) -> None:
    """A people file named relative to the config, with its own column names, maps seats."""
    store = store_of(tmp_path)
    conf = write_config(tmp_path / "conf", PEOPLE)
    rows = [["BOB", "Bob B", "bob@x.test", "Sales", "CC-7"], ["zed", "Zed", "z@x.test", "IT", ""]]
    header = ["GitHub", "Full name", "Mail", "Dept", "CC"]
    (tmp_path / "conf" / "people.csv").write_text(csv_text(header, rows), encoding="utf-8")
    settings = load_settings(conf, cwd=tmp_path)
    assert settings.people == PeopleSource(
        str(tmp_path / "conf" / "people.csv"), "GitHub", "Full name", "Mail", "Dept", "CC"
    )
    seats = get_reclaim(store, None, settings, None).seats
    bob = seats.filter(seats["login"] == "bob").row(0, named=True)
    assert (bob["name"], bob["email"], bob["department"], bob["cost_center"]) == (
        "Bob B",
        "bob@x.test",
        "Sales",
        "CC-7",
    )
    assert seats.filter(seats["login"] == "ann")["name"].to_list() == [None]


# Bad configurations ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'stale_days = "30"',
            "`stale_days` must be a whole number of days from 0 to 3650, found '30'",
        ),
        ("grace_days = -1", "`grace_days` must be a whole number of days from 0 to 3650, found -1"),
        (
            "[prices]\nbusiness = -1",
            "`prices.business` must be a number from 0 to 100,000, found -1",
        ),
        ("stale_day = 3", "unknown key `stale_day`; expected one of "),
        ("[people]\nfile = 'p.csv'\nlogin = 'x'", "unknown key `people.login`"),
        (
            'default_plan = "pro"',
            "`default_plan` is 'pro' but `[prices]` has no price for it "
            "(prices: business, enterprise)",
        ),
        (
            'timezone = "Mars/Olympus"',
            "`timezone` must be an IANA zone such as 'Europe/Berlin', found 'Mars/Olympus'",
        ),
        ('[exclusions]\nlogins = "bob"', "`exclusions.logins` must be a list of strings"),
        ("stale_days = ", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key_and_the_expected_value(
    tmp_path: Path, text: str, message: str
) -> None:
    """Each mistake raises ConfigError naming the file, the key and what was expected."""
    path = write_config(tmp_path, text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, cwd=tmp_path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    """--config naming a file that does not exist raises ConfigError naming it."""
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "absent.toml", cwd=tmp_path)


def test_people_file_without_its_login_column_is_a_config_error(tmp_path: Path) -> None:
    """A people file lacking the configured login column names it and what was found."""
    path = tmp_path / "people.csv"
    path.write_text("user,name\nann,Ann\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_people(PeopleSource(str(path)))
    assert str(caught.value) == (
        f"{path}: the people file has no column 'login' (found: user, name); "
        "set people.login_column"
    )


@pytest.mark.parametrize(
    ("command", "text", "key"),
    [
        ("status", 'stale_days = "30"', "`stale_days`"),
        ("reclaim", 'stale_days = "30"', "`stale_days`"),
        ("history", "[prices]\nbusiness = -1", "`prices.business`"),
        ("diff", 'timezone = "Mars/Olympus"', "`timezone`"),
        ("reclaim", '[people]\nfile = "people.csv"', "people.login_column"),
    ],
)
def test_bad_config_through_the_cli_is_exit_1_without_traceback(
    tmp_path: Path, command: str, text: str, key: str
) -> None:
    """The CLI prints `Error: ...` naming the key, exits 1 and shows no traceback."""
    store = make_store(tmp_path, "acme", [(T - DAY, [Seat("ann")]), (T, [Seat("ann")])])
    (tmp_path / "people.csv").write_text("user,name\nann,Ann\n", encoding="utf-8")
    write_config(tmp_path, text + "\n")
    result = CliRunner().invoke(main, [command, "--store", str(store.root)])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ")
    assert key in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[prices]\nbusiness = nan", "`prices.business`"),
        ("[prices]\nbusiness = inf", "`prices.business`"),
        ("[prices]\nenterprise = -inf", "`prices.enterprise`"),
        ("[prices]\nbusiness = 1e308", "`prices.business`"),
        ("[prices]\nbusiness = 100000.01", "`prices.business`"),
        ("[prices]\nbusiness = 99999999999999999999", "`prices.business`"),
        ("stale_days = 3651", "`stale_days`"),
        ("grace_days = 99999999999999999", "`grace_days`"),
        ("stale_days = 1e308", "`stale_days`"),
    ],
)
def test_implausible_numbers_in_the_config_are_refused_with_the_key(
    tmp_path: Path, text: str, key: str
) -> None:
    """nan, inf, 1e308 and out-of-range days are a ConfigError naming the key and the range."""
    path = write_config(tmp_path, text + "\n")
    with pytest.raises(ConfigError, match="from 0 to") as caught:
        load_settings(path, cwd=tmp_path)
    assert key in str(caught.value)


def test_range_edges_are_accepted(tmp_path: Path) -> None:
    """0 and the documented maxima are plausible settings."""
    text = "stale_days = 3650\ngrace_days = 0\n[prices]\nbusiness = 100000\nenterprise = 0\n"
    settings = load_settings(write_config(tmp_path, text), cwd=tmp_path)
    assert (settings.stale_days, settings.grace_days) == (3650, 0)
    assert settings.prices == {"business": 100000.0, "enterprise": 0.0}


@pytest.mark.parametrize("value", ["99999999999999999", "3651", "-1", "nan"])
@pytest.mark.parametrize("option", ["--stale-days", "--grace-days"])
def test_implausible_days_on_the_command_line_are_a_usage_error(
    tmp_path: Path, option: str, value: str
) -> None:
    """--stale-days/--grace-days outside 0..3650 is exit 2 naming the range, no OverflowError."""
    result = CliRunner().invoke(main, ["status", "--store", str(tmp_path / "s"), option, value])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "OverflowError" not in result.output
    assert option in result.stderr


def test_library_overrides_are_checked_like_the_file(tmp_path: Path) -> None:
    """load_settings refuses an implausible override from a library caller too."""
    with pytest.raises(ConfigError, match="`stale_days` must be a whole number of days"):
        load_settings(None, cwd=tmp_path, overrides={"stale_days": 10**20})


def test_a_manager_column_is_read_when_the_people_file_has_one(tmp_path: Path) -> None:
    """`manager_column` names the manager column; a file without one gives empty managers."""
    path = tmp_path / "people.csv"
    path.write_text("login,name,Boss\nAnn,Ann Lee,Bob Ray\n", encoding="utf-8")
    people = load_people(PeopleSource(str(path), manager_column="Boss"))
    assert people.row(0, named=True)["manager"] == "Bob Ray"
    plain = load_people(PeopleSource(str(path)))
    assert plain["manager"].to_list() == [None]


@pytest.mark.parametrize("value", ["0", "29", "-1", '"15"', "true", "15.0", "31"])
def test_a_billing_day_outside_1_to_28_is_refused_with_the_key(tmp_path: Path, value: str) -> None:
    """`billing.billing_day` must be a whole day from 1 to 28; anything else names the key."""
    path = write_config(tmp_path, f"[billing]\nbilling_day = {value}\n")
    with pytest.raises(ConfigError, match="from 1 to 28") as caught:
        load_settings(path, cwd=tmp_path)
    assert "`billing.billing_day`" in str(caught.value)
    assert str(caught.value).startswith(f"{path}: ")


@pytest.mark.parametrize(
    ("text", "day"), [("", 1), ("billing_day = 1", 1), ("billing_day = 28", 28)]
)
def test_the_billing_day_is_read_and_defaults_to_the_first(
    tmp_path: Path, text: str, day: int
) -> None:
    """The seat cycle starts on the configured day, the 1st without one."""
    path = write_config(tmp_path, f"[billing]\n{text}\n")
    assert load_settings(path, cwd=tmp_path).billing.billing_day == day
