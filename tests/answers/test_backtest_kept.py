"""Backtest steps kept in the store: equal to a full judgement, each pair judged once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from analyzer.answers import backtest_kept
from analyzer.answers.backtest import get_backtest
from analyzer.answers.ingest import ingest_files
from analyzer.cli import main
from analyzer.model import BacktestRow, Settings
from analyzer.store.folder import Store
from analyzer.timeline.backtest import backtest_rows
from analyzer.timeline.build import build_timeline
from tests.backtest_fixture import history
from tests.helpers import write_activity

PRICED = Settings(prices={"business": 21.0, "enterprise": 39.0})


def _truth(store: Store, settings: Settings, thresholds: Sequence[int]) -> tuple[BacktestRow, ...]:
    """Return the backtest judged from scratch, every carried state computed in memory."""
    timeline = build_timeline(store, store.snapshots(), settings)
    return backtest_rows(timeline.carried, timeline.snapshots, settings, thresholds)


def _stored(tmp_path: Path, order: Sequence[int]) -> tuple[Store, list[Path]]:
    """Return a store of the fixture's snapshots ingested in `order`, and their reports."""
    paths = [write_activity(tmp_path / "in", "acme", t, seats) for t, seats in history()]
    store = Store(tmp_path / "store")
    ingest_files(store, [paths[i] for i in order])
    return store, paths


def _judged(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Record the snapshots each call judges afresh (the pairs not found kept)."""
    calls: list[list[int]] = []
    judge = backtest_kept.judge_pairs

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(list(args[4]))  # type: ignore[call-overload]
        return judge(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(backtest_kept, "judge_pairs", spy)
    return calls


def test_kept_steps_equal_a_full_judgement_and_are_judged_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Judged, then read back: equal to a full judgement per set of settings; a threshold
    already kept is not judged again, a new one is."""
    store, _ = _stored(tmp_path, [0, 1, 2])
    calls = _judged(monkeypatch)
    for settings in (Settings(), PRICED):
        for _ in range(2):
            assert get_backtest(store, "acme", settings, [30, 60, 90]).rows == _truth(
                store, settings, [30, 60, 90]
            )
    assert calls == [[0, 1], [0, 1]]  # once per set of settings
    assert get_backtest(store, "acme", Settings(), [90, 30]).rows == _truth(
        store, Settings(), [30, 90]
    )
    assert get_backtest(store, "acme", Settings(), [45, 30]).rows == _truth(
        store, Settings(), [30, 45]
    )
    assert calls == [[0, 1], [0, 1], [0, 1]]  # 45 days was new
    folder = store.root / "derived" / "acme"
    assert len(list(folder.glob("history-backtest*.parquet"))) == 2


def test_a_snapshot_found_later_has_the_pairs_around_it_judged_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older download ingested later: the pairs it changes are judged again, and a new
    snapshot at the end only adds its own pair."""
    store, paths = _stored(tmp_path, [0, 2])
    calls = _judged(monkeypatch)
    assert get_backtest(store, "acme", Settings(), None).rows == _truth(
        store, Settings(), [30, 60, 90]
    )
    ingest_files(store, [paths[1]])
    assert get_backtest(store, "acme", Settings(), None).rows == _truth(
        store, Settings(), [30, 60, 90]
    )
    assert calls == [[0], [0, 1]]
    later = history()[2][0] + (history()[2][0] - history()[1][0])
    ingest_files(store, [write_activity(tmp_path / "in", "acme", later, history()[2][1])])
    assert get_backtest(store, "acme", Settings(), None).rows == _truth(
        store, Settings(), [30, 60, 90]
    )
    assert calls == [[0], [0, 1], [2]]


def test_kept_steps_that_fail_their_checksum_are_never_believed(tmp_path: Path) -> None:
    """A kept steps table edited after it was kept is judged again, and verify names it."""
    store, _ = _stored(tmp_path, [0, 1, 2])
    truth = _truth(store, Settings(), [30, 60, 90])
    get_backtest(store, "acme", Settings(), None)
    (table,) = (store.root / "derived" / "acme").glob("history-backtest*.parquet")
    edited = pl.read_parquet(table).with_columns(pl.col("candidates") + 1000)
    edited.write_parquet(table)  # valid Parquet, wrong counts
    result = CliRunner().invoke(main, ["verify", "--store", str(store.root)])
    assert result.exit_code == 0, result.output
    assert "[derived-damaged]" in result.output
    for _ in range(2):  # judged again (and kept anew), then read back
        assert get_backtest(store, "acme", Settings(), None).rows == truth
