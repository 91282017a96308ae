"""The index of inbox files already stored: a known file is not read again, a changed one is."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import analyzer.answers.seen as seen_module
from analyzer.answers.ingest import ingest_files
from analyzer.answers.seen import SEEN, SeenFiles
from analyzer.store.folder import Store
from analyzer.store.forget import forget_file
from analyzer.store.rebuild import rebuild_store
from tests.helpers import Seat, ts, write_activity

T0 = ts("2026-03-01T06:00:00")


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test count as settled (they are seconds old in real use)."""
    monkeypatch.setattr(seen_module, "SETTLE_NS", 0)


def reports(folder: Path, count: int = 3) -> list[Path]:
    """Write `count` monthly activity reports; return their paths."""
    return [
        write_activity(folder, "acme", T0.replace(month=3 + m), [Seat("ann", T0), Seat(f"u{m}")])
        for m in range(count)
    ]


def stored(tmp_path: Path, count: int = 3) -> tuple[list[Path], Store]:
    """Write `count` reports and ingest them into a new store; return their paths and it."""
    paths = reports(tmp_path / "in", count)
    store = Store(tmp_path / "store")
    assert [o.status for o in ingest_files(store, paths)] == ["stored"] * count
    return paths, store


def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the name of every file whose bytes are read from now on."""
    names: list[str] = []
    original = Path.read_bytes

    def counted(self: Path) -> bytes:
        names.append(self.name)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counted)
    return names


def test_a_stored_file_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    paths, store = stored(tmp_path)
    names = reads(monkeypatch)
    again = ingest_files(store, paths)
    assert [o.status for o in again] == ["already-stored"] * 3
    assert [o.snapshot for o in again] == store.snapshots()
    assert not set(names) & {p.name for p in paths}


def test_a_file_changed_in_place_is_read_again_even_with_its_old_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    """Same size, modification time set back: the change time still tells it changed."""
    (path,), store = stored(tmp_path, 1)
    before = path.stat()
    data = path.read_bytes()
    changed = data.replace(b"u0", b"u9")
    assert len(changed) == len(data) and changed != data
    path.write_bytes(changed)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    names = reads(monkeypatch)
    outcome = ingest_files(store, [path])[0]
    assert path.name in names
    assert outcome.status == "refused" and outcome.message == "conflicting-snapshot"


def test_a_file_changed_a_moment_before_it_was_read_is_not_noted(tmp_path: Path) -> None:
    """A write in the same clock tick as the read could leave every time unchanged."""
    _, store = stored(tmp_path, 1)  # the file is milliseconds old
    assert SeenFiles(store.root).entries == {}


def test_a_damaged_index_is_ignored_and_written_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    paths, store = stored(tmp_path)
    index = store.root / "derived" / SEEN
    for damage in (b"{not json", b'{"format": 1, "files": [["x", [1], 5]]}', b"[]"):
        index.write_bytes(damage)
        names = reads(monkeypatch)
        assert [o.status for o in ingest_files(store, paths)] == ["already-stored"] * 3
        assert {p.name for p in paths} <= set(names)  # read, not believed
        monkeypatch.undo()
        monkeypatch.setattr(seen_module, "SETTLE_NS", 0)
        assert len(SeenFiles(store.root).entries) == 3  # noted again


def test_a_forgotten_snapshot_is_read_and_stored_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    paths, store = stored(tmp_path)
    forget_file(store, lambda files: files[1])
    names = reads(monkeypatch)
    statuses = [o.status for o in ingest_files(store, paths)]
    assert statuses == ["already-stored", "stored", "already-stored"]
    assert names.count(paths[1].name) == 1
    assert len(store.snapshots()) == 3


def test_rebuild_drops_the_index(tmp_path: Path, settled: None) -> None:
    _, store = stored(tmp_path)
    assert (store.root / "derived" / SEEN).is_file()
    rebuild_store(store)
    assert not (store.root / "derived" / SEEN).exists()
