"""A file read in turn has its original copied and flushed while it is parsed, then placed
when it is stored and removed when it is not: the staging area ends every run empty."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path
from typing import Any

import pytest

import analyzer.reading.dispatch as dispatch
from analyzer.answers.ingest import ingest_files
from analyzer.answers.store import select_by_sha256
from analyzer.errors import StoreError
from analyzer.fsutil import file_sha256
from analyzer.store import shelf
from analyzer.store.billing import BILLING
from analyzer.store.folder import Store
from analyzer.store.forget import forget_file
from analyzer.store.verify import verify_store
from tests.helpers import Seat, activity_name, ts, write_activity
from tests.paths import BILLING_FILES

T1 = ts("2026-01-03T06:00:00")
T2 = ts("2026-02-03T06:00:00")


def staging_left(store: Store) -> list[Path]:
    """Return whatever the staging area still holds."""
    return sorted((store.root / shelf.STAGING).glob("*"))


def test_a_stored_file_is_kept_from_its_staged_copy(tmp_path: Path) -> None:
    """The first file of a run: its original holds its very bytes, nothing is left staged."""
    path = write_activity(tmp_path / "in", "acme", T1, [Seat("ann", T1), Seat("bob")])
    store = Store(tmp_path / "store")
    (outcome,) = ingest_files(store, [path])
    assert outcome.status == "stored"
    kept = store.root / "originals" / file_sha256(path) / path.name
    assert kept.read_bytes() == path.read_bytes()
    assert (kept.parent / "ingest.json").is_file()
    assert staging_left(store) == []
    assert verify_store(store.root).problems == []


def test_the_copy_is_made_while_the_file_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parse sees the file's staged copy appear, whole, before it ends."""
    path = BILLING_FILES[0]
    store = Store(tmp_path / "store")
    real = dispatch.read_file
    seen: list[bool] = []

    def parse_slowly(*args: Any, **kwargs: Any) -> Any:
        found = threading.Event()
        for _ in range(500):  # up to 5 s for the other thread's copy
            copies = list((store.root / shelf.STAGING).glob(f"*/{path.name}"))
            if copies and copies[0].read_bytes() == path.read_bytes():
                found.set()
                break
            found.wait(0.01)
        seen.append(found.is_set())
        return real(*args, **kwargs)

    monkeypatch.setattr(dispatch, "read_file", parse_slowly)
    (outcome,) = ingest_files(store, [path])
    assert outcome.status == "stored" and seen == [True]
    assert staging_left(store) == []


def test_a_refused_file_leaves_no_staged_copy(tmp_path: Path) -> None:
    """A bad first file beside a good one: the bad one's staged copy is removed."""
    good = write_activity(tmp_path / "in", "acme", T1, [Seat("ann", T1)])
    bad = tmp_path / "in" / activity_name("acme", T2)
    bad.write_text("Login,Last Activity At\nann,not a time\n")
    store = Store(tmp_path / "store")
    assert [o.status for o in ingest_files(store, [bad, good])] == ["refused", "stored"]
    assert staging_left(store) == []
    assert [p.name for p in (store.root / "originals").iterdir()] == [file_sha256(good)]


def test_a_file_no_family_recognises_is_never_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first file no family recognises by its head (a large garbage file, say) is refused
    without its bytes being copied to the disk first; a seat report is staged."""
    garbage = tmp_path / "in" / "notes.csv"
    garbage.parent.mkdir()
    garbage.write_text("this,is,no\nexport,of,github\n" * 1000)
    good = write_activity(tmp_path / "in", "acme", T1, [Seat("ann", T1)])
    staged: list[str] = []
    real = shelf.stage_original

    def spy(root: Path, name: str, data: bytes, source: Any = None) -> Path:
        staged.append(name)
        return real(root, name, data, source)

    monkeypatch.setattr(shelf, "stage_original", spy)
    store = Store(tmp_path / "store")
    assert [o.status for o in ingest_files(store, [garbage])] == ["refused"]
    assert [o.status for o in ingest_files(store, [good])] == ["stored"]
    assert staged == [good.name]


def test_a_file_stored_again_from_the_attic_leaves_no_staged_copy(tmp_path: Path) -> None:
    """A forgotten file ingested again comes back from the attic; its staged copy goes."""
    path = write_activity(tmp_path / "in", "acme", T1, [Seat("ann", T1)])
    store = Store(tmp_path / "store")
    ingest_files(store, [path])
    sha = file_sha256(path)
    forget_file(store, lambda files: select_by_sha256(files, sha[:12]))
    assert (store.root / "attic" / sha).is_dir()
    assert [o.status for o in ingest_files(store, [path])] == ["stored"]
    assert (store.root / "originals" / sha / path.name).read_bytes() == path.read_bytes()
    assert not (store.root / "attic" / sha).exists()
    assert staging_left(store) == []
    assert verify_store(store.root).problems == []


@pytest.mark.parametrize("family", ["seat", "billing"])
def test_a_copy_the_disk_refuses_stops_the_run_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, family: str
) -> None:
    """No space for the original's copy: one StoreError naming the originals; the tables
    written meanwhile are removed, so every command reads the store as before the run."""
    first = write_activity(tmp_path / "in", "acme", T1, [Seat("ann", T1)])
    store = Store(tmp_path / "store")
    ingest_files(store, [first])
    before = sorted(p.relative_to(store.root) for p in store.root.rglob("*") if p.is_file())
    second = (
        write_activity(tmp_path / "in", "acme", T2, [Seat("ann", T2)])
        if family == "seat"
        else BILLING_FILES[0]
    )

    def full(target: Path, data: bytes, source: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(shelf, "keep_bytes", full)
    with pytest.raises(StoreError, match="originals: the disk is full"):
        ingest_files(store, [second])
    monkeypatch.undo()
    after = sorted(p.relative_to(store.root) for p in store.root.rglob("*") if p.is_file())
    new = [p.as_posix() for p in after if p not in before and p.parts[0] != "derived"]
    assert new == ([] if family == "seat" else ["billing.json"])  # (written first, empty)
    assert BILLING.listed(store.root) == []
    assert verify_store(store.root).problems == []
    assert [o.status for o in ingest_files(store, [second])] == ["stored"]
    assert verify_store(store.root).problems == []


def test_telling_whether_to_stage_never_parses_a_long_json_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check before staging looks at the head only: a 3.6 MB pretty-printed seat list is
    recognised as JSON without the whole document being parsed (its read parses it once)."""
    import json

    seats = [{"assignee": {"login": f"user{i}", "id": i}} for i in range(40_000)]
    data = json.dumps({"total_seats": len(seats), "seats": seats}, indent=2).encode()
    assert len(data) > 2 * dispatch._HEAD_BYTES

    def whole(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the whole document was parsed")

    monkeypatch.setattr(dispatch.json, "loads", whole)
    assert dispatch.recognised("acme-seats.json", data) is True
    assert dispatch.recognised("notes.csv", b"this,is,no\nexport,of,github\n" * 50_000) is False
