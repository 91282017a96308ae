"""The store owns only what it wrote, never lies about damage, verifies every byte, forgets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from analyzer.answers.ingest import ingest_files
from analyzer.answers.store import select_snapshot
from analyzer.errors import SelectionError, StoreError
from analyzer.fsutil import file_sha256
from analyzer.store.folder import Store
from analyzer.store.forget import Forgotten, forget_file
from analyzer.store.rebuild import rebuild_store
from analyzer.store.seats import MARKER
from analyzer.store.verify import verify_store
from tests.helpers import Seat, activity_csv, activity_name, ts, write_activity

T1 = ts("2026-01-03T06:00:00")
T2 = ts("2026-02-03T06:00:00")


def two_snapshots(tmp: Path) -> tuple[Store, list[Path]]:
    """Return a store holding two acme snapshots, and the files they came from."""
    paths = [
        write_activity(tmp / "in", "acme", T1, [Seat("ann", T1), Seat("bob")]),
        write_activity(tmp / "in", "acme", T2, [Seat("ann", T2), Seat("cid")]),
    ]
    store = Store(tmp / "store")
    assert [o.status for o in ingest_files(store, paths)] == ["stored", "stored"]
    return store, paths


def files_of(root: Path) -> dict[str, bytes]:
    """Return every file under root with its bytes (the lock file aside)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def test_a_new_store_is_marked_and_a_foreign_folder_is_refused(tmp_path: Path) -> None:
    """A store writes its marker; a non-empty folder that is no store is never written to."""
    store, _ = two_snapshots(tmp_path)
    marker = json.loads((store.root / MARKER).read_text())
    assert marker["format_version"] == 2
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    (foreign / "snapshots").mkdir()
    (foreign / "snapshots" / "photo.jpg").write_text("precious")
    path = write_activity(tmp_path / "in2", "acme", T1, [Seat("ann")])
    with pytest.raises(StoreError, match=r"home is not a copilot-seats store.*thesis\.tex"):
        ingest_files(Store(foreign), [path])
    with pytest.raises(StoreError, match="not a copilot-seats store"):
        Store(foreign).snapshots()
    assert files_of(foreign) == {"thesis.tex": b"precious", "snapshots/photo.jpg": b"precious"}
    assert not (foreign / ".lock").exists()


def test_a_store_of_an_earlier_version_is_adopted_and_marked(tmp_path: Path) -> None:
    """A manifest without marker (and without Parquet checksums) is read, then marked."""
    store, paths = two_snapshots(tmp_path)
    (store.root / MARKER).unlink()
    manifest = json.loads((store.root / "manifest.json").read_text())
    manifest["format_version"] = 1
    for entry in manifest["snapshots"]:
        del entry["parquet_sha256"]
    (store.root / "manifest.json").write_text(json.dumps(manifest))
    assert [i.parquet_sha256 for i in store.snapshots()] == ["", ""]
    assert ingest_files(store, paths[:1])[0].status == "already-stored"
    assert (store.root / MARKER).is_file()
    assert {p.code for p in verify_store(store.root).problems} == {"no-checksum"}
    rebuild_store(store)
    assert all(i.parquet_sha256 for i in store.snapshots())
    assert verify_store(store.root).ok


def test_sweep_removes_only_its_own_leftovers(tmp_path: Path) -> None:
    """Staged files, manifest temporaries and unlisted snapshots of unlisted originals go;
    anything else under .tmp/ or snapshots/ stays."""
    store, _ = two_snapshots(tmp_path)
    root = store.root
    (root / ".tmp").mkdir(exist_ok=True)
    (root / ".tmp" / "cs-stage-0123").write_text("staged")
    (root / ".tmp" / "mine.txt").write_text("keep")
    (root / ".manifest.json.123-abc.tmp").write_text("{")
    (root / "snapshots" / "acme" / "notes.txt").write_text("keep")
    (root / "snapshots" / "acme" / "x.parquet").write_text("keep")
    # a killed ingest: its original is kept (unlisted) and its snapshot file is written
    sha = "f" * 64
    (root / "originals" / sha).mkdir()
    (root / "originals" / sha / "f.csv").write_text("x")
    leftover = root / "snapshots" / "acme" / f"20260303T060000Z-{sha[:12]}.parquet"
    leftover.write_bytes(b"PAR1....PAR1")
    path = write_activity(tmp_path / "in3", "acme", ts("2026-03-03T06:00:00"), [Seat("ann")])
    assert ingest_files(store, [path])[0].status == "stored"
    assert not (root / ".tmp" / "cs-stage-0123").exists()
    assert not (root / ".manifest.json.123-abc.tmp").exists()
    assert not leftover.exists()
    for kept in (".tmp/mine.txt", "snapshots/acme/notes.txt", "snapshots/acme/x.parquet"):
        assert (root / kept).read_text() == "keep", kept
    assert (root / "originals" / sha / "f.csv").is_file()


@pytest.mark.parametrize("command", ["status", "monthly", "ingest"])
def test_missing_manifest_deletes_nothing_and_names_rebuild(tmp_path: Path, command: str) -> None:
    """With manifest.json gone, every command says to rebuild and touches no file."""
    from click.testing import CliRunner

    from analyzer.cli import main

    store, paths = two_snapshots(tmp_path)
    (store.root / "manifest.json").unlink()
    before = files_of(store.root)
    args = {
        "status": ["status"],
        "monthly": ["monthly", str(tmp_path / "in"), "--out", str(tmp_path / "out")],
        "ingest": ["ingest", str(paths[0])],
    }[command]
    result = CliRunner().invoke(main, [*args, "--store", str(store.root)])
    assert result.exit_code == 1, result.output
    assert "manifest.json is missing" in result.stderr
    assert f"copilot-seats rebuild --store {store.root}" in result.stderr
    assert files_of(store.root) == before
    assert not (tmp_path / "out").exists()


def test_an_unlisted_copy_of_a_kept_originals_snapshot_is_a_leftover(tmp_path: Path) -> None:
    """A snapshot file named for a kept original but not listed is what an interrupted
    write leaves (as in every family): reads pass it by, verify names it, a writer removes it."""
    store, _ = two_snapshots(tmp_path)
    before = store.snapshots()
    info = before[0]
    stray = store.root / "snapshots" / "acme" / f"20250101T000000Z-{info.sha256[:12]}.parquet"
    shutil.copy(store.root / info.parquet, stray)
    assert store.snapshots() == before
    rel = stray.relative_to(store.root).as_posix()
    assert [(p.path, p.code) for p in verify_store(store.root).problems] == [(rel, "leftover")]
    result = rebuild_store(store)
    assert len(result.rebuilt) == 2 and not stray.exists()
    assert verify_store(store.root).ok


def test_a_foreign_file_named_like_a_snapshot_stops_reads_until_rebuild(tmp_path: Path) -> None:
    """A file named like a snapshot of no kept original is an error until rebuild sets it aside."""
    store, _ = two_snapshots(tmp_path)
    stray = store.root / "snapshots" / "acme" / "20990101T000000Z-aaaaaaaaaaaa.parquet"
    shutil.copy(store.root / store.snapshots()[0].parquet, stray)
    with pytest.raises(StoreError, match="a snapshot file the manifest does not list"):
        store.snapshots()
    result = rebuild_store(store)
    assert len(result.rebuilt) == 2 and not stray.exists()
    assert (result.aside / stray.relative_to(store.root)).is_file()  # type: ignore[operator]
    assert verify_store(store.root).ok


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda e: e.pop("rows"), "`rows` is missing"),
        (lambda e: e.update(as_of="garbage"), "`as_of` is not a time"),
        (lambda e: e.update(seats="12"), "`seats` must be a count"),
        (lambda e: e.update(seats=True), "`seats` must be a count"),
        (lambda e: e.update(parquet="../../etc/passwd"), "`parquet` is not this snapshot's"),
        (lambda e: e.update(sha256="abc"), "`sha256` is not a sha256"),
        (lambda e: e.update(scope=None), "`scope` must be text"),
    ],
)
def test_a_manifest_entry_that_fails_validation_names_rebuild(
    tmp_path: Path, change: object, said: str
) -> None:
    """Every wrong field is a StoreError naming the field and `rebuild`, which repairs it."""
    store, _ = two_snapshots(tmp_path)
    manifest = json.loads((store.root / "manifest.json").read_text())
    change(manifest["snapshots"][0])  # type: ignore[operator]
    (store.root / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StoreError, match="copilot-seats rebuild") as caught:
        store.snapshots()
    assert said in str(caught.value)
    assert len(rebuild_store(store).rebuilt) == 2
    assert verify_store(store.root).ok


@pytest.mark.parametrize("body", ['{"format_version": 2, "snapshots": null}', "[]", "7", "{"])
def test_a_manifest_of_the_wrong_shape_names_rebuild(tmp_path: Path, body: str) -> None:
    """`snapshots: null`, a list, a number or broken JSON: a clear error, then rebuild works."""
    store, _ = two_snapshots(tmp_path)
    (store.root / "manifest.json").write_text(body)
    with pytest.raises(StoreError, match="the manifest is damaged"):
        store.snapshots()
    assert len(rebuild_store(store).rebuilt) == 2


def test_every_snapshot_file_is_verified_once_per_process(tmp_path: Path) -> None:
    """The manifest records each Parquet's sha256; a changed byte is an error naming rebuild."""
    store, _ = two_snapshots(tmp_path)
    info = store.snapshots()[0]
    path = store.root / info.parquet
    assert info.parquet_sha256 == file_sha256(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    fresh = Store(store.root)
    with pytest.raises(StoreError, match=r"has changed on disk.*copilot-seats rebuild"):
        fresh.load(info)
    verified = Store(store.root)
    path.write_bytes(bytes(data[: len(data) // 2]))  # truncated
    with pytest.raises(StoreError, match="truncated or not a Parquet file"):
        verified.load(info)
    rebuild_store(store)
    assert Store(store.root).load(info).height == 2


def test_verify_reports_each_problem_with_its_file(tmp_path: Path) -> None:
    """verify finds a changed original, a damaged snapshot, an unknown file, a missing marker."""
    store, _ = two_snapshots(tmp_path)
    first, second = store.snapshots()
    assert verify_store(store.root).ok
    original = store.root / "originals" / first.sha256 / first.source_name
    original.write_text(original.read_text() + "extra,row\n")
    (store.root / second.parquet).write_bytes(b"PAR1 not really PAR1")
    (store.root / "stray.txt").write_text("x")
    (store.root / MARKER).unlink()
    found = {(p.path, p.code) for p in verify_store(store.root).problems}
    assert found == {
        (f"originals/{first.sha256}/{first.source_name}", "damaged-original"),
        (second.parquet, "damaged-snapshot"),
        ("stray.txt", "unknown-file"),
        (MARKER, "missing-marker"),
    }


def test_one_bad_file_never_stops_a_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader crash on one file refuses that file (internal-error) and stores the others."""
    import analyzer.reading.reader as reader

    real = reader.read_report

    def crash_on_boom(name: str, *args: object, **kwargs: object) -> object:
        if "boom" in name:
            raise IndexError("list index out of range")
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reader, "read_report", crash_on_boom)
    good = write_activity(tmp_path / "in", "acme", T1, [Seat("ann")])
    boom = tmp_path / "in" / "boom.csv"
    boom.write_text(activity_csv(T2, [Seat("bob")]))
    outcomes = ingest_files(Store(tmp_path / "store"), [boom, good])
    assert [o.status for o in outcomes] == ["refused", "stored"]
    problem = outcomes[0].errors[0]
    assert (problem.path, problem.code) == ("boom.csv", "internal-error")
    assert "IndexError" in problem.message and "please report" in problem.message


def test_a_refused_only_ingest_leaves_no_store_folder(tmp_path: Path) -> None:
    """A first ingest of nothing but bad files creates no store folder (nor its parents)."""
    bad = tmp_path / "in" / activity_name("acme", T1)
    bad.parent.mkdir()
    bad.write_text("not,a,report\n")
    root = tmp_path / "deep" / "store"
    assert [o.status for o in ingest_files(Store(root), [bad])] == ["refused"]
    assert not (tmp_path / "deep").exists()


def test_forget_removes_one_snapshot_for_good_until_ingested_again(tmp_path: Path) -> None:
    """forget drops the snapshot and its file, rebuild keeps it out, a re-ingest restores it."""
    store, paths = two_snapshots(tmp_path)
    first, second = store.snapshots()

    def choose(files: list[Forgotten]) -> Forgotten:
        info = select_snapshot(
            [f.snapshot for f in files if f.snapshot], scope="acme", start=T1, end=T1
        )
        return next(f for f in files if f.snapshot == info)

    assert forget_file(store, choose).snapshot == first
    assert [i.id for i in store.snapshots()] == [second.id]
    assert not (store.root / first.parquet).exists()
    assert not (store.root / "originals" / first.sha256).exists()
    assert (store.root / "attic" / first.sha256 / first.source_name).is_file()
    rebuild_store(store)
    assert [i.id for i in store.snapshots()] == [second.id]
    assert verify_store(store.root).ok
    assert ingest_files(store, paths[:1])[0].status == "stored"
    assert [i.id for i in store.snapshots()] == [first.id, second.id]
    assert not (store.root / "attic" / first.sha256).exists()
    assert verify_store(store.root).ok


def test_forget_refuses_an_ambiguous_or_empty_choice(tmp_path: Path) -> None:
    """A day holding two snapshots, or a time holding none, is refused and nothing changes."""
    store, _ = two_snapshots(tmp_path)
    before = files_of(store.root)
    with pytest.raises(SelectionError, match="2 snapshots match"):
        select_snapshot(store.snapshots(), sha_prefix="")
    with pytest.raises(SelectionError, match="no stored snapshot matches"):
        forget_file(store, lambda files: select_snapshot([], start=T1, end=T1, scope="x"))  # type: ignore[arg-type, return-value]
    assert files_of(store.root) == before


def test_a_store_another_writer_is_creating_is_not_a_foreign_folder(tmp_path: Path) -> None:
    """A folder holding only a lock and a staging area (a store being made) is waited for."""
    from analyzer.store.seats import check_owned

    root = tmp_path / "store"
    (root / ".tmp").mkdir(parents=True)
    (root / ".lock").write_text("")
    check_owned(root)  # no StoreError: the second writer queues on the lock


def test_a_store_half_made_by_another_writer_is_judged_under_the_lock(tmp_path: Path) -> None:
    """Snapshots and staging but no originals yet: waited for before the lock, refused after.

    Another writer creating the store writes its snapshot before its original; the strict
    check runs only once this writer holds the lock, when the other one has finished.
    """
    from analyzer.errors import StoreError
    from analyzer.store.seats import check_owned

    root = tmp_path / "store"
    (root / ".tmp").mkdir(parents=True)
    (root / "snapshots" / "acme").mkdir(parents=True)
    check_owned(root, settled=False)  # no StoreError: queue on the lock
    with pytest.raises(StoreError, match="is not a copilot-seats store"):
        check_owned(root)
    (root / "notes.txt").write_text("someone else's")
    with pytest.raises(StoreError, match="is not a copilot-seats store"):
        check_owned(root, settled=False)  # plainly foreign: refused before any lock


def test_a_marker_half_way_through_its_rename_is_waited_for(tmp_path: Path) -> None:
    """The other writer's marker still under its temporary name is the store's, not foreign."""
    from analyzer.errors import StoreError
    from analyzer.store.seats import check_owned

    root = tmp_path / "store"
    (root / "originals").mkdir(parents=True)
    (root / ".copilot-seats-store.json.2488-9cc9ee5f13537853.tmp").write_text("{")
    check_owned(root, settled=False)  # no StoreError: queue on the lock
    (root / ".notes.json.1-2.tmp").write_text("{")
    with pytest.raises(StoreError, match="is not a copilot-seats store"):
        check_owned(root, settled=False)
