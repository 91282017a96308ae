"""Carried state kept in the store: equal to a full recomputation, recomputed forward only."""

from __future__ import annotations

import json
import tempfile
from datetime import timedelta
from pathlib import Path

import polars as pl
from click.testing import CliRunner, Result
from hypothesis import given, settings
from polars.testing import assert_frame_equal

from analyzer.answers.carried import check_carried, refresh_carried
from analyzer.answers.derived import read_chain
from analyzer.answers.ingest import ingest_files
from analyzer.answers.scope import open_timeline
from analyzer.cli import main
from analyzer.model import Settings
from analyzer.store.folder import Store
from analyzer.timeline.build import build_timeline
from tests.helpers import Seat, make_store, ts, write_activity
from tests.timeline.test_properties import History, histories

T0 = ts("2026-01-05T06:00:00")
MONTH = timedelta(days=30)


def run(*args: str | Path) -> Result:
    """Run the CLI in-process."""
    return CliRunner().invoke(main, [str(a) for a in args])


def snapshots(count: int) -> list[tuple[object, list[Seat]]]:
    """Return `count` monthly snapshots of a small org whose seats come and go."""
    out = []
    for m in range(count):
        t = T0 + m * MONTH
        seats = [Seat("ann", t - timedelta(days=m)), Seat("bob"), Seat(f"new{m}", t)]
        if m % 2:
            seats.append(Seat("cid", t - timedelta(days=40)))
        out.append((t, seats))
    return out


def chain_files(store: Store, scope: str = "acme") -> dict[str, tuple[str | None, str]]:
    """Return snapshot id -> (the id it continues, the sha256 of its kept state)."""
    return {i: (e.after, e.sha256) for i, e in read_chain(store.root, scope).items()}


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(histories())
def test_states_kept_along_an_ingest_equal_a_full_recomputation(history: History) -> None:
    """Each state computed while its report is stored (the monthly and ingest path, one org
    row per login or several) equals the full pass, and so do the history rows."""
    from analyzer.answers.carried import CarryAlong
    from analyzer.answers.history import stored_history
    from analyzer.timeline.figures import history_table

    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "in"
        paths = [
            write_activity(inbox, "acme", t, seats, history.enterprise)
            for t, seats in history.snapshots
        ]
        store = Store(Path(tmp) / "store")
        ingest_files(store, paths, on_stored=CarryAlong(store, Settings()))
        assert check_carried(store) == []
        infos = store.snapshots()
        kept = stored_history(store, open_timeline(store, "acme", Settings()), infos)
        assert_frame_equal(kept, history_table(build_timeline(store, infos, Settings())))


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(histories())
def test_kept_carried_states_equal_a_full_recomputation(history: History) -> None:
    """After ingest, every kept state equals the in-memory pass, and so does every frame."""
    with tempfile.TemporaryDirectory() as tmp:
        store = make_store(Path(tmp), "acme", history.snapshots, enterprise=history.enterprise)
        refresh_carried(store)
        assert check_carried(store) == []
        stored = open_timeline(store, "acme", Settings())
        full = build_timeline(store, list(stored.snapshots), Settings())
        for k in range(len(stored.snapshots)):
            assert_frame_equal(stored.frame(k), full.frame(k))


def test_ingest_keeps_the_state_of_every_new_snapshot(tmp_path: Path) -> None:
    """The CLI's ingest commits each new snapshot's carried state beside it."""
    inbox = tmp_path / "in"
    for t, seats in snapshots(3):
        write_activity(inbox, "acme", t, seats)  # type: ignore[arg-type]
    assert run("ingest", inbox, "--store", tmp_path / "s").exit_code == 0
    store = Store(tmp_path / "s")
    ids = [i.id for i in store.snapshots()]
    chain = chain_files(store)
    assert list(chain) == ids
    assert [after for after, _ in chain.values()] == [None, *ids[:-1]]
    assert check_carried(store) == []  # kept along the ingest, equal to a full pass


def test_an_older_download_found_later_recomputes_from_it_forward_only(tmp_path: Path) -> None:
    """Inserting snapshot 1 of 0..3 keeps snapshot 0's state and redoes 1, 2 and 3."""
    paths = [
        write_activity(tmp_path / "in", "acme", t, seats)  # type: ignore[arg-type]
        for t, seats in snapshots(4)
    ]
    store = Store(tmp_path / "store")
    ingest_files(store, [paths[0], paths[2], paths[3]])
    refresh_carried(store)
    before = chain_files(store)
    ingest_files(store, [paths[1]])
    refresh_carried(store)
    after = chain_files(store)
    ids = [i.id for i in store.snapshots()]
    assert after[ids[0]] == before[ids[0]]  # untouched
    assert after[ids[2]][0] == ids[1] and before[ids[2]][0] == ids[0]  # continues the new one
    assert check_carried(store) == []


def test_status_reads_only_the_snapshot_it_answers(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With states kept, status of the latest snapshot scans that snapshot's rows alone."""
    store = make_store(tmp_path, "acme", snapshots(6))  # type: ignore[arg-type]
    refresh_carried(store)
    scanned: list[str] = []
    original = Store.scan

    def spy(self: Store, infos: list, columns: list[str] | None = None) -> pl.LazyFrame:  # type: ignore[type-arg]
        scanned.extend(i.id for i in infos)
        return original(self, infos, columns)

    monkeypatch.setattr(Store, "scan", spy)
    result = run("status", "--json", "--store", store.root)
    assert result.exit_code == 0, result.output
    assert set(scanned) == {store.snapshots()[-1].id}


def test_a_damaged_kept_state_is_recomputed_never_believed(tmp_path: Path) -> None:
    """A kept state that fails its checksum gives the same figures; verify notes it."""
    store = make_store(tmp_path, "acme", snapshots(3))  # type: ignore[arg-type]
    refresh_carried(store)
    before = run("history", "--json", "--store", store.root).stdout
    entry = read_chain(store.root, "acme")[store.snapshots()[1].id]
    (store.root / "derived" / "acme" / entry.file).write_bytes(b"PAR1 garbage")
    assert run("history", "--json", "--store", store.root).stdout == before
    verify = run("verify", "--store", store.root)
    assert verify.exit_code == 0 and "[derived-damaged]" in verify.stdout


def test_a_kept_state_unlike_a_recomputation_fails_verify(tmp_path: Path) -> None:
    """A kept state changed with a matching checksum is caught by verify and fixed by rebuild."""
    store = make_store(tmp_path, "acme", snapshots(3))  # type: ignore[arg-type]
    refresh_carried(store)
    folder = store.root / "derived" / "acme"
    chain = json.loads((folder / "chain.json").read_text())
    entry = chain["entries"][1]
    frame = pl.read_parquet(folder / entry["file"])
    frame.with_columns(
        pl.lit(None, frame["known_activity"].dtype).alias("known_activity")
    ).write_parquet(folder / entry["file"])
    from analyzer.fsutil import file_sha256

    entry["sha256"] = file_sha256(folder / entry["file"])
    (folder / "chain.json").write_text(json.dumps(chain))
    verify = run("verify", "--store", store.root)
    assert verify.exit_code == 1 and "[derived-differs]" in verify.stdout
    assert run("rebuild", "--store", store.root).exit_code == 0
    assert run("verify", "--store", store.root).exit_code == 0


def test_forgetting_a_snapshot_recomputes_the_ones_after_it(tmp_path: Path) -> None:
    """After forget, the next snapshot's state continues the one before the forgotten one."""
    store = make_store(tmp_path, "acme", snapshots(3))  # type: ignore[arg-type]
    refresh_carried(store)
    middle = store.snapshots()[1]
    result = run("forget", "--scope", "acme", "--sha256", middle.sha256[:12], "--store", store.root)
    assert result.exit_code == 0, result.output
    assert run("status", "--store", store.root).exit_code == 0
    ids = [i.id for i in Store(store.root).snapshots()]
    chain = chain_files(Store(store.root))
    assert list(chain) == ids and chain[ids[1]][0] == ids[0]
    assert check_carried(Store(store.root)) == []


def test_kept_history_rows_equal_the_full_history_table(tmp_path: Path) -> None:
    """history reads kept rows: equal to a full computation, per set of settings, and after
    an older snapshot is inserted the rows after it are computed again."""
    from analyzer.answers.history import stored_history
    from analyzer.timeline.figures import history_table

    paths = [
        write_activity(tmp_path / "in", "acme", t, seats)  # type: ignore[arg-type]
        for t, seats in snapshots(5)
    ]
    store = Store(tmp_path / "store")
    ingest_files(store, [paths[0], paths[2], paths[3], paths[4]])
    for settings_ in (Settings(), Settings(stale_days=7, prices={"business": 21.0})):
        for _ in range(2):  # computed, then read back
            timeline = open_timeline(store, "acme", settings_)
            kept = stored_history(store, timeline, store.snapshots())
            assert_frame_equal(
                kept, history_table(build_timeline(store, store.snapshots(), settings_))
            )
    assert len(list((store.root / "derived" / "acme").glob("history-*.parquet"))) == 2
    ingest_files(store, [paths[1]])  # an older download found later
    timeline = open_timeline(store, "acme", Settings())
    kept = stored_history(store, timeline, store.snapshots())
    assert kept.height == 5
    assert_frame_equal(kept, history_table(build_timeline(store, store.snapshots(), Settings())))


def test_a_monthly_ingest_keeps_each_history_row_as_it_stores_the_snapshot(
    tmp_path: Path,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """With the run's settings, ingest keeps every new snapshot's history row: the report
    then computes none, and the rows equal a full computation. An older download found
    later invalidates the rows after it, which are computed again."""
    import analyzer.answers.history as history_module
    from analyzer.answers.carried import CarryAlong
    from analyzer.answers.history import stored_history
    from analyzer.timeline.figures import history_table

    paths = [
        write_activity(tmp_path / "in", "acme", t, seats)  # type: ignore[arg-type]
        for t, seats in snapshots(5)
    ]
    store = Store(tmp_path / "store")
    settings_ = Settings(stale_days=14, prices={"business": 21.0, "enterprise": 40.0})
    ingest_files(
        store, [paths[0], paths[2], paths[3], paths[4]], on_stored=CarryAlong(store, settings_)
    )

    def computed_again(*args: object) -> pl.DataFrame:
        raise AssertionError("a history row was computed again")

    with monkeypatch.context() as patch:
        patch.setattr(history_module, "history_rows", computed_again)
        kept = stored_history(store, open_timeline(store, "acme", settings_), store.snapshots())
    full = history_table(build_timeline(store, store.snapshots(), settings_))
    assert_frame_equal(kept, full)
    assert check_carried(store) == []

    ingest_files(store, [paths[1]], on_stored=CarryAlong(store, settings_))  # out of order
    refresh_carried(store)
    kept = stored_history(store, open_timeline(store, "acme", settings_), store.snapshots())
    assert kept.height == 5
    assert_frame_equal(kept, history_table(build_timeline(store, store.snapshots(), settings_)))


def test_a_failing_carry_worker_fails_the_ingest_loudly(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A bug in the worker that keeps carried states is raised, not swallowed; the snapshot
    itself is stored, and the states are computed by the next answer."""
    import analyzer.answers.carried as carried_module
    from analyzer.answers.carried import CarryAlong

    path = write_activity(tmp_path / "in", "acme", T0, snapshots(1)[0][1])  # type: ignore[arg-type]
    store = Store(tmp_path / "store")

    def broken(*args: object) -> pl.DataFrame:
        raise RuntimeError("bug")

    monkeypatch.setattr(carried_module, "carry_forward", broken)
    monkeypatch.setattr(carried_module, "carry_rows", broken)
    try:
        ingest_files(store, [path], on_stored=CarryAlong(store))
    except RuntimeError as exc:
        assert str(exc) == "bug"
    else:
        raise AssertionError("the worker's error was lost")
    monkeypatch.undo()
    assert [i.source_name for i in store.snapshots()] == [path.name]
    refresh_carried(store)
    assert check_carried(store) == []


def test_kept_history_rows_that_fail_their_checksum_are_never_believed(tmp_path: Path) -> None:
    """A history table edited or damaged after it was kept is computed again, and verify
    names it; one without its checksum (an older store, a run stopped midway) is too."""
    from analyzer.answers.history import stored_history
    from analyzer.timeline.figures import history_table

    paths = [
        write_activity(tmp_path / "in", "acme", t, seats)  # type: ignore[arg-type]
        for t, seats in snapshots(3)
    ]
    store = Store(tmp_path / "store")
    ingest_files(store, paths)
    truth = history_table(build_timeline(store, store.snapshots(), Settings()))
    stored_history(store, open_timeline(store, "acme", Settings()), store.snapshots())
    (table,) = (store.root / "derived" / "acme").glob("history-*.parquet")
    edited = pl.read_parquet(table).with_columns(pl.col("active") + 1000)
    edited.write_parquet(table)  # valid Parquet, wrong figures
    result = run("verify", "--store", store.root)
    assert result.exit_code == 0, result.output
    assert "the history rows kept under settings" in result.output
    assert "[derived-damaged]" in result.output
    for _ in range(2):  # computed again (and kept anew), then read back
        kept = stored_history(store, open_timeline(store, "acme", Settings()), store.snapshots())
        assert_frame_equal(kept, truth)
    assert "history rows" not in run("verify", "--store", store.root).output
    table.with_suffix(".sha256").unlink()
    kept = stored_history(store, open_timeline(store, "acme", Settings()), store.snapshots())
    assert_frame_equal(kept, truth)
    assert table.with_suffix(".sha256").is_file()
