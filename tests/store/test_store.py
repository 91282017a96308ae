"""The history store: atomic, idempotent, no silent overwrite, concurrent, rebuildable."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from analyzer.answers.ingest import ingest_files
from analyzer.errors import StoreError
from analyzer.store.folder import Store
from analyzer.store.lock import store_lock
from analyzer.store.rebuild import rebuild_store
from tests.helpers import Seat, activity_csv, activity_name, ts, write_activity

T1 = ts("2026-01-03T06:00:00")
T2 = ts("2026-02-03T06:00:00")


def seats(n: int, prefix: str = "user") -> list[Seat]:
    """Return n seats, every other one active."""
    return [Seat(f"{prefix}{i}", ts("2026-01-02T00:00:00") if i % 2 else None) for i in range(n)]


def ingest(store: Store, *paths: Path) -> list[str]:
    """Ingest paths and return their statuses."""
    return [o.status for o in ingest_files(store, list(paths))]


def verify(store: Store) -> list[str]:
    """Check every listed snapshot is whole; return the listed ids."""
    infos = store.snapshots()
    for info in infos:
        frame = store.load(info)
        assert frame.height == info.rows
        assert frame["login"].n_unique() == info.seats
        assert (store.root / "originals" / info.sha256 / info.source_name).is_file()
    return [i.id for i in infos]


def leftovers(store: Store) -> list[str]:
    """Return files no snapshot accounts for."""
    listed = {i.parquet for i in store.snapshots()}
    shas = {i.sha256 for i in store.snapshots()}
    found = [
        p.relative_to(store.root).as_posix()
        for p in (store.root / "snapshots").rglob("*")
        if p.is_file() and p.relative_to(store.root).as_posix() not in listed
    ]
    found += [p.name for p in (store.root / "originals").glob("*") if p.name not in shas]
    found += [p.name for p in store.root.glob(".*.tmp")]
    if (store.root / ".tmp").exists():
        found += [p.name for p in (store.root / ".tmp").iterdir()]
    return found


def test_same_file_twice_is_already_stored(tmp_path: Path) -> None:
    """Ingesting a file again changes nothing."""
    path = write_activity(tmp_path / "in", "acme", T1, seats(5))
    store = Store(tmp_path / "store")
    assert ingest(store, path) == ["stored"]
    manifest = (store.root / "manifest.json").read_bytes()
    assert ingest(store, path) == ["already-stored"]
    assert (store.root / "manifest.json").read_bytes() == manifest


def test_browser_duplicate_and_spreadsheet_resave_are_already_stored(tmp_path: Path) -> None:
    """`name (1).csv` and a BOM/CRLF/semicolon re-save are recognised as the same report."""
    path = write_activity(tmp_path / "in", "acme", T1, seats(5))
    copy = path.with_name(path.stem + " (1).csv")
    shutil.copy(path, copy)
    resaved = tmp_path / "resaved" / path.name
    resaved.parent.mkdir()
    text = path.read_text().replace(",", ";").replace("\n", "\r\n")
    resaved.write_bytes(b"\xef\xbb\xbf" + text.encode())
    store = Store(tmp_path / "store")
    assert ingest(store, path, copy, resaved) == ["stored", "already-stored", "already-stored"]
    assert len(store.snapshots()) == 1


def test_different_report_for_the_same_moment_is_refused(tmp_path: Path) -> None:
    """A different report with the same scope and time never overwrites the stored one."""
    first = write_activity(tmp_path / "a", "acme", T1, seats(5))
    other = write_activity(tmp_path / "b", "acme", T1, seats(6))
    store = Store(tmp_path / "store")
    ingest(store, first)
    manifest = (store.root / "manifest.json").read_bytes()
    outcome = ingest_files(store, [other])[0]
    assert outcome.status == "refused"
    assert [(p.line, p.code) for p in outcome.errors] == [(0, "conflicting-snapshot")]
    assert (store.root / "manifest.json").read_bytes() == manifest
    assert leftovers(store) == []


def test_refused_file_leaves_the_store_untouched(tmp_path: Path) -> None:
    """A bad file next to good ones: good ones stored, store otherwise unchanged."""
    good = write_activity(tmp_path / "in", "acme", T1, seats(3))
    bad = tmp_path / "in" / activity_name("acme", T2)
    bad.write_text(activity_csv(T2, seats(3)).replace("user1,None", "user1,garbage"))
    store = Store(tmp_path / "store")
    assert ingest(store, good, bad) == ["stored", "refused"]
    assert len(verify(store)) == 1 and leftovers(store) == []


def test_missing_store_lists_nothing(tmp_path: Path) -> None:
    """A store that does not exist yet has no snapshots and is not created by reading."""
    store = Store(tmp_path / "nothing")
    assert store.snapshots() == []
    assert not store.root.exists()


def test_damaged_manifest_is_a_clear_error_and_rebuild_repairs_it(tmp_path: Path) -> None:
    """A damaged manifest names the fix; `rebuild` re-derives everything from originals."""
    store = Store(tmp_path / "store")
    ingest(
        store,
        write_activity(tmp_path / "in", "acme", T1, seats(4)),
        write_activity(tmp_path / "in", "acme", T2, seats(6)),
    )
    before = {i.id: store.load(i) for i in store.snapshots()}
    (store.root / "manifest.json").write_text("{not json")
    with pytest.raises(StoreError, match="copilot-seats rebuild"):
        store.snapshots()
    (store.root / "manifest.json").unlink()
    shutil.rmtree(store.root / "snapshots")
    result = rebuild_store(store)
    assert len(result.rebuilt) == 2 and not result.failures
    after = {i.id: store.load(i) for i in store.snapshots()}
    assert after.keys() == before.keys()
    for key, frame in before.items():
        assert after[key].equals(frame)


def test_newer_store_format_is_refused(tmp_path: Path) -> None:
    """A store written by a newer copilot-seats is not misread."""
    store = Store(tmp_path / "store")
    store.root.mkdir()
    (store.root / "manifest.json").write_text('{"format_version": 99, "snapshots": []}')
    with pytest.raises(StoreError, match="newer"):
        store.snapshots()


INGEST = [sys.executable, "-m", "analyzer", "ingest", "--quiet"]


def _run_ingest(store: Path, path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*INGEST, "--store", str(store), str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _timed(proc: subprocess.Popen[bytes]) -> float:
    """Return how long a started process takes to exit successfully, in seconds."""
    started = time.perf_counter()
    assert proc.wait() == 0
    return time.perf_counter() - started


@pytest.mark.slow
def test_sigkill_at_any_instant_leaves_old_or_whole_new_store(tmp_path: Path) -> None:
    """Ingests killed at instants spread over their work: never half a snapshot; the next run
    cleans up."""
    big = write_activity(tmp_path / "in", "acme", T2, seats(60_000))
    small = write_activity(tmp_path / "in", "acme", T1, seats(10))
    base = Store(tmp_path / "base")
    ingest(base, small)
    old_ids = verify(base)
    probe = tmp_path / "probe"
    shutil.copytree(base.root, probe)
    # Until the process has started and found its file there is nothing to kill in the store:
    # an ingest of a file already stored measures that part, the big one the whole run. One
    # kill instant in each of eight equal slices from there to past the end (24 instants drawn
    # from the whole run landed mostly in the start-up and proved no more).
    start_up = _timed(_run_ingest(probe, small))
    duration = _timed(_run_ingest(probe, big))
    first, last = min(start_up, duration) * 0.8, duration * 1.1
    rng = random.Random(20261125)
    outcomes = set()
    for trial in range(8):
        root = tmp_path / f"trial{trial}"
        shutil.copytree(base.root, root)
        proc = _run_ingest(root, big)
        time.sleep(first + (last - first) * (trial + rng.random()) / 8)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        store = Store(root)
        ids = verify(store)
        assert ids == old_ids or (ids[: len(old_ids)] == old_ids and len(ids) == 2), ids
        outcomes.add(len(ids))
        assert _run_ingest(root, big).wait() == 0
        assert len(verify(store)) == 2
        assert leftovers(store) == []
    print("kill outcomes (snapshots listed after each kill):", sorted(outcomes))
    assert 1 in outcomes, "no kill landed before the commit"


def test_two_ingests_at_once_both_finish(tmp_path: Path) -> None:
    """Concurrent ingests of different files both land, one after the other."""
    a = write_activity(tmp_path / "a", "acme", T1, seats(20_000, "a"))
    b = write_activity(tmp_path / "b", "acme", T2, seats(20_000, "b"))
    root = tmp_path / "store"
    procs = [_run_ingest(root, a), _run_ingest(root, b)]
    said = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err.decode()[-2000:] for _, err in said]
    store = Store(root)
    assert len(verify(store)) == 2 and leftovers(store) == []


def test_waiting_for_the_lock_says_so(tmp_path: Path) -> None:
    """An ingest that finds the store locked prints that it waits, then finishes."""
    path = write_activity(tmp_path / "in", "acme", T1, seats(3))
    root = tmp_path / "store"
    root.mkdir()
    said = tmp_path / "stderr.txt"
    with store_lock(root / ".lock"), said.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "analyzer", "ingest", "--store", str(root), str(path)],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        # Hold the lock until the process says it waits (however slow its start-up is).
        deadline = time.monotonic() + 120
        while b"Waiting for another copilot-seats process" not in said.read_bytes():
            assert proc.poll() is None, said.read_bytes()
            assert time.monotonic() < deadline, "no waiting message in 120 s"
            time.sleep(0.05)
    assert proc.wait(timeout=120) == 0, said.read_bytes()
    assert len(Store(root).snapshots()) == 1


def test_originals_are_kept_byte_for_byte(tmp_path: Path) -> None:
    """The store keeps the exact bytes of every accepted file under its sha256."""
    path = write_activity(tmp_path / "in", "acme", T1, seats(3))
    store = Store(tmp_path / "store")
    ingest(store, path)
    info = store.snapshots()[0]
    kept = store.root / "originals" / info.sha256 / path.name
    assert kept.read_bytes() == path.read_bytes()
    assert pl.read_parquet(store.root / info.parquet).height == 3
    assert os.access(store.root / "manifest.json", os.R_OK)


def test_a_report_time_with_fractions_is_kept_exactly_and_answered(tmp_path: Path) -> None:
    """A Report Time with microseconds is stored as given; status finds every seat of it."""
    from analyzer.answers.queries import get_status
    from analyzer.model import Settings

    inbox = tmp_path / "in"
    inbox.mkdir()
    path = inbox / "acme-seat-activity-1774680873.csv"
    path.write_text(
        "Report Time,Login,Last Authenticated At,Last Activity At,Last Surface Used\n"
        "2026-03-28T06:54:33.123456Z,ann,None,2026-03-27T06:54:33.25+00:00,vscode/1/copilot/1\n"
        "2026-03-28T06:54:33.123456Z,bob,None,None,None\n",
        encoding="utf-8",
    )
    store = Store(tmp_path / "store")
    (outcome,) = ingest_files(store, [path])
    assert outcome.status == "stored", outcome.problems
    (info,) = store.snapshots()
    assert info.as_of.microsecond == 123456
    manifest = json.loads((store.root / "manifest.json").read_text())
    assert manifest["snapshots"][0]["as_of"] == "2026-03-28T06:54:33.123456Z"
    status = get_status(store, None, Settings(), None, info.as_of)
    assert status.summary.seats == 2 and status.summary.states["active"] == 1


def test_the_manifest_is_laid_out_as_json_dumps_would(tmp_path: Path) -> None:
    """Entries made once per snapshot still give the very bytes of one json.dumps call, sealed."""
    from dataclasses import asdict

    from analyzer.store.manifests import seal
    from analyzer.store.seats import FORMAT_VERSION, manifest_bytes
    from analyzer.times import iso_exact

    inbox = tmp_path / "in"
    paths = [
        write_activity(inbox, scope, ts(f"2026-0{m}-01T06:00:00"), [Seat("ann")])
        for m in (1, 2, 3)
        for scope in ("acme", "beta")
    ]
    store = Store(tmp_path / "store")
    ingest_files(store, paths)
    infos = store.snapshots()
    for chosen in ([], infos[:1], infos, list(reversed(infos))):
        ordered = sorted(chosen, key=lambda i: (i.scope, i.as_of, i.id))
        entries = [asdict(i) | {"as_of": iso_exact(i.as_of)} for i in ordered]
        body = {"format_version": FORMAT_VERSION, "snapshots": entries}
        expected = seal((json.dumps(body, indent=1, sort_keys=True) + "\n").encode("utf-8"))
        assert manifest_bytes(chosen) == expected
    assert (store.root / "manifest.json").read_bytes() == manifest_bytes(infos)
