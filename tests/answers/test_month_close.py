"""Which month a report is about: the month just closed, its close a snapshot of its next days."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from analyzer.answers.scope import default_month, months_with_snapshots, pick_month
from analyzer.errors import SelectionError
from analyzer.model import SnapshotInfo
from tests.helpers import Seat, make_store, ts

# Downloads on the 3rd of each month, as admins make them, and one mid-month.
SEP3, OCT3, OCT20, NOV3 = (
    ts("2026-09-03T08:00:00"),
    ts("2026-10-03T08:00:00"),
    ts("2026-10-20T08:00:00"),
    ts("2026-11-03T08:00:00"),
)


def _infos(tmp_path: Path, *times: datetime) -> list[SnapshotInfo]:
    """Return the snapshots of a store holding one seat at each of `times`."""
    return make_store(tmp_path, "acme", [(t, [Seat("ann", t)]) for t in times]).snapshots()


def test_the_default_month_is_the_month_just_closed(tmp_path: Path) -> None:
    """A latest snapshot of November 3 reports October; its close is that snapshot."""
    infos = _infos(tmp_path, SEP3, OCT3, NOV3)
    assert default_month(infos) == "2026-10"
    k, previous = pick_month(infos, None)
    assert (infos[k].as_of, infos[previous].as_of if previous is not None else None) == (
        NOV3,
        OCT3,
    )


def test_a_mid_month_download_reports_its_own_month(tmp_path: Path) -> None:
    """A latest snapshot of October 20 reports October so far, compared with September's close."""
    infos = _infos(tmp_path, SEP3, OCT3, OCT20)
    assert default_month(infos) == "2026-10"
    k, previous = pick_month(infos, None)
    assert infos[k].as_of == OCT20 and previous is not None and infos[previous].as_of == OCT3


def test_the_current_month_can_still_be_asked_for(tmp_path: Path) -> None:
    """November (in progress) uses the November 3 snapshot, compared with October's close."""
    infos = _infos(tmp_path, SEP3, OCT3, NOV3)
    assert months_with_snapshots(infos) == ["2026-08", "2026-09", "2026-10", "2026-11"]
    k, previous = pick_month(infos, "2026-11")
    assert infos[k].as_of == NOV3 and previous is not None and infos[previous].as_of == OCT3


def test_a_month_without_any_snapshot_lists_the_months_there_are(tmp_path: Path) -> None:
    """Asking for a month no snapshot stands for is an error naming the months."""
    infos = _infos(tmp_path, OCT3, NOV3)
    with pytest.raises(SelectionError, match="months with snapshots: 2026-09, 2026-10, 2026-11"):
        pick_month(infos, "2026-12")
