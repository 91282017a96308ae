"""A re-save is the same report only when every seat agrees at the coarser copy's precision."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from analyzer.answers.ingest import ingest_files
from analyzer.reading.reader import ReadHints, read_report
from analyzer.store.folder import Store
from analyzer.store.match import coarser, same_seats
from tests.helpers import Seat, activity_csv, ts, write_activity

T = ts("2026-03-28T06:54:33")
NAME = "acme-seat-activity-1774680873.csv"
ACTIVE = ts("2026-03-27T17:19:31")


def report(activity: str, report_time: str = "2026-03-28T06:54:33Z") -> tuple[object, str]:
    """Return (seats, time precision) of an activity report whose bob was active at `activity`."""
    text = activity_csv(T, [Seat("ann", ts("2026-03-20T08:00:00")), Seat("bob", ACTIVE)])
    text = text.replace("2026-03-27T17:19:31Z", activity).replace(
        "2026-03-28T06:54:33Z", report_time
    )
    parsed = read_report(NAME, text.encode(), ReadHints())
    assert parsed.accepted and parsed.seats is not None, parsed.problems
    return parsed.seats, parsed.time_precision


def same(a: tuple[object, str], b: tuple[object, str]) -> bool:
    """Return same_seats both ways, checking the answer does not depend on the order."""
    forward = same_seats(a[0], a[1], b[0], b[1])  # type: ignore[arg-type]
    backward = same_seats(b[0], b[1], a[0], a[1])  # type: ignore[arg-type]
    assert forward == backward
    return forward


def test_same_day_but_different_second_is_a_different_report() -> None:
    """17:19:31 and 00:00:01 on the same day differ for copies that both keep seconds."""
    assert not same(report("2026-03-27T17:19:31Z"), report("2026-03-27T00:00:01Z"))


def test_identical_seconds_are_the_same_report() -> None:
    """The same activity in another spelling (offset, fraction) is the same report."""
    assert same(report("2026-03-27T17:19:31Z"), report("2026-03-27T19:19:31+02:00"))
    assert same(report("2026-03-27T17:19:31Z"), report("2026-03-27T17:19:31.000Z"))


def test_a_minute_resave_matches_at_the_minute() -> None:
    """A spreadsheet copy that kept minutes is compared by the minute, both directions."""
    exact = report("2026-03-27T17:19:31Z")
    resave = report("2026-03-27 17:19", "2026-03-28 06:54")
    assert resave[1] == "minute"
    assert same(exact, resave)
    assert not same(exact, report("2026-03-27 17:20", "2026-03-28 06:54"))


def test_a_day_only_value_is_compared_by_day() -> None:
    """A value one copy has as a date only matches any time that day, and no other day."""
    exact = report("2026-03-27T17:19:31Z")
    assert same(exact, report("2026-03-27"))
    assert not same(exact, report("2026-03-26"))


def test_a_missing_or_extra_seat_is_a_different_report() -> None:
    """Different seat sets never match."""
    a = report("2026-03-27T17:19:31Z")
    fewer = a[0].head(1), a[1]  # type: ignore[attr-defined]
    assert not same(a, fewer)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("second", "minute", "minute"), ("day", "second", "day"), ("second", "x", "second")],
)
def test_coarser_precision(a: str, b: str, expected: str) -> None:
    """The coarser of two precisions is the one a comparison uses."""
    assert coarser(a, b) == expected


def _write(folder: Path, text: str) -> Path:
    """Write an activity report under GitHub's name in a folder of its own."""
    folder.mkdir(parents=True)
    path = folder / "acme-seat-activity-1774680873.csv"
    path.write_text(text)
    return path


def test_store_refuses_a_same_day_change_as_a_conflict(tmp_path: Path) -> None:
    """Through ingest: one seat's activity changed within the day is a conflicting snapshot."""
    first = write_activity(tmp_path / "a", "acme", T, [Seat("bob", ACTIVE)])
    changed = _write(tmp_path / "b", first.read_text().replace("17:19:31Z", "00:00:01Z"))
    resave = _write(
        tmp_path / "c",
        first.read_text().replace("17:19:31Z", "17:19").replace("06:54:33Z", "06:54"),
    )
    store = Store(tmp_path / "store")
    outcomes = ingest_files(store, [first, changed, resave])
    assert [o.status for o in outcomes] == ["stored", "refused", "already-stored"]
    assert [p.code for p in outcomes[1].errors] == ["conflicting-snapshot"]
    assert isinstance(store.snapshots()[0].as_of, datetime)


@pytest.mark.parametrize(
    ("a", "b", "precision", "expected"),
    [
        ("2026-03-28T06:54:33.250000", "2026-03-28T06:54:33", "second", True),
        ("2026-03-28T06:54:33", "2026-03-28T06:54:34", "second", False),
        ("2026-03-28T06:54:33", "2026-03-28T06:54:00", "minute", True),
        ("2026-03-28T06:54:33", "2026-03-28T06:55:00", "minute", False),
        ("2026-03-28T06:54:33", "2026-03-28T00:00:00", "day", True),
        ("2026-03-28T23:59:59", "2026-03-29T00:00:00", "day", False),
    ],
)
def test_report_times_are_compared_at_the_coarser_precision(
    a: str, b: str, precision: str, expected: bool
) -> None:
    """The same moment at a precision is what polars' dt.truncate would say, in UTC."""
    import polars as pl

    from analyzer.store.match import _truncated

    assert (_truncated(ts(a), precision) == _truncated(ts(b), precision)) is expected
    unit = {"second": "1s", "minute": "1m", "day": "1d"}[precision]
    truncated = pl.Series([ts(a), ts(b)]).dt.truncate(unit).to_list()
    assert [_truncated(ts(a), precision), _truncated(ts(b), precision)] == truncated
