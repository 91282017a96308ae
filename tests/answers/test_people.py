"""People of a seat: the people file, and the enterprise licence report beside it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from analyzer.answers.ingest import ingest_files
from analyzer.answers.people import people_of
from analyzer.model import PeopleSource, Settings
from analyzer.store.folder import Store
from tests.helpers import Seat, make_store, ts

T = ts("2026-03-03T06:00:00")
LICENCE_HEADER = (
    "GitHub com login,GitHub com name,Enterprise server user ids,GitHub com user,"
    "Enterprise server user,Visual studio subscription user,License type,GitHub com profile,"
    "GitHub com member roles,GitHub com enterprise roles,GitHub com verified domain emails,"
    "GitHub com saml name,GitHub com orgs with pending invites,GitHub com two factor auth,"
    "GitHub com two factor auth required by date,GitHub com advanced security license user,"
    "Enterprise server primary emails,Enterprise server advanced security user ids,"
    "Visual studio license status,Visual studio subscription email,Total user accounts,"
    "GitHub com cost center"
)


def _licence_row(login: str, name: str, cost_center: str) -> str:
    cells = [login, name, "", "true", "false", "false", "Enterprise", "", "acme:Member", ""]
    cells += ["", "", "", "true", "", "false", "", "", "", "", "1", cost_center]
    return ",".join(cells)


def _store_with_licence(tmp: Path) -> Store:
    store = make_store(tmp, "acme", [(T, [Seat("ann", T), Seat("bob")])])
    path = tmp / "export-acme-1772690400.csv"
    rows = [_licence_row("ann", "Ann Lee", "CC-7"), _licence_row("bob", "Bob Ray", "CC-8")]
    path.write_text("\n".join([LICENCE_HEADER, *rows]) + "\n", encoding="utf-8")
    (outcome,) = ingest_files(store, [path])
    assert outcome.status == "stored", (outcome.message, outcome.problems)
    return store


def test_the_licence_report_names_people_without_a_people_file(tmp_path: Path) -> None:
    """With only a licence report, names and cost centres come from it."""
    store = _store_with_licence(tmp_path)
    people = people_of(store, Settings(), "acme", datetime(2026, 4, 1, tzinfo=UTC))
    assert people is not None
    rows = {r["login"]: r for r in people.iter_rows(named=True)}
    assert (rows["ann"]["name"], rows["ann"]["cost_center"]) == ("Ann Lee", "CC-7")


def test_the_people_file_wins_where_both_speak(tmp_path: Path) -> None:
    """A value in the people file beats the licence report's; a blank there falls back."""
    store = _store_with_licence(tmp_path)
    file = tmp_path / "people.csv"
    file.write_text("login,name,cost_center\nann,Ann L.,\n", encoding="utf-8")
    settings = Settings(people=PeopleSource(str(file)))
    people = people_of(store, settings, "acme", datetime(2026, 4, 1, tzinfo=UTC))
    assert people is not None
    rows = {r["login"]: r for r in people.iter_rows(named=True)}
    assert rows["ann"]["name"] == "Ann L."
    assert rows["ann"]["cost_center"] == "CC-7"  # the people file left it blank
    assert rows["bob"]["name"] == "Bob Ray"  # only the licence report knows bob


def test_no_people_without_either_source(tmp_path: Path) -> None:
    """Without a people file or a licence report there is nothing to show."""
    store = make_store(tmp_path, "acme", [(T, [Seat("ann", T)])])
    assert people_of(store, Settings(), "acme", datetime(2026, 4, 1, tzinfo=UTC)) is None
