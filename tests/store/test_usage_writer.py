"""Storing usage-metrics files: one commit per run, originals kept, read-ahead, crash safety."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from analyzer.answers.ingest import ingest_files
from analyzer.reading.dispatch import ReadHints, read_file
from analyzer.store.folder import Store
from analyzer.store.shelf import Source, keep_bytes
from analyzer.store.usage import MANIFEST, UsageStore
from analyzer.store.usage_index import index_path
from tests.usage_fixture import record, write_ndjson

DAY = date(2026, 10, 1)


def _daily(folder: Path, n: int) -> list[Path]:
    """Write `n` 1-day files; user 3 is renamed from cy-old to cy on the last day."""
    files = []
    for i in range(n):
        day = DAY + timedelta(days=i)
        cy = "cy" if i == n - 1 else "cy-old"
        recs = [record("ann", 1, day), record("bob", 2, day), record(cy, 3, day)]
        files.append(write_ndjson(folder / f"acme-users-1-day-{day}.ndjson", recs))
    return files


def test_a_run_commits_every_file_once_with_a_valid_login_index(tmp_path: Path) -> None:
    """All files of a run are listed, originals kept byte for byte, the index matches them."""
    files = _daily(tmp_path / "in", 5)
    store = Store(tmp_path / "store")
    outcomes = ingest_files(store, files, scope="acme")
    assert [o.status for o in outcomes] == ["stored"] * 5
    usage = UsageStore(store.root)
    parts = usage.scope_parts("acme")
    assert len(parts) == 5
    assert sorted(usage.indexes()["acme"]) == sorted(p.sha256 for p in parts)
    for path, part in zip(files, sorted(parts, key=lambda p: p.first_day), strict=True):
        kept = store.root / "originals" / part.sha256 / path.name
        assert kept.read_bytes() == path.read_bytes()
        assert not os.path.samefile(kept, path)  # a copy of its own, not a link
    aliases = usage.logins("acme", DAY + timedelta(days=4))
    assert set(aliases.filter(user_id=3)["login"]) == {"cy-old", "cy"}
    assert (store.root / index_path("acme")).is_file()
    for path in files:  # the originals outlive the inbox
        path.unlink()
    again = ingest_files(store, _daily(tmp_path / "in", 5), scope="acme")
    assert [o.status for o in again] == ["already-stored"] * 5


def test_the_same_bytes_twice_in_one_run_are_stored_once(tmp_path: Path) -> None:
    """A re-download in the same run is already stored, though not committed yet."""
    [first] = _daily(tmp_path / "in", 1)
    copy = first.with_name(first.stem + " (1).ndjson")
    copy.write_bytes(first.read_bytes())
    outcomes = ingest_files(Store(tmp_path / "store"), [first, copy], scope="acme")
    assert [o.status for o in outcomes] == ["stored", "already-stored"]


def test_a_later_run_merges_into_the_login_index(tmp_path: Path) -> None:
    """A second run adds its files' logins to the index built by the first."""
    files = _daily(tmp_path / "in", 4)
    store = Store(tmp_path / "store")
    ingest_files(store, files[:2], scope="acme")
    ingest_files(store, files[2:], scope="acme")
    usage = UsageStore(store.root)
    assert sorted(usage.indexes()["acme"]) == sorted(p.sha256 for p in usage.parts())
    aliases = usage.logins("acme", DAY + timedelta(days=3))
    assert set(aliases.filter(user_id=3)["login"]) == {"cy-old", "cy"}


def test_a_run_killed_before_its_commit_leaves_the_old_store(tmp_path: Path) -> None:
    """Parts added but never committed are not listed, and the next writer removes them."""
    files = _daily(tmp_path / "in", 3)
    store = Store(tmp_path / "store")
    ingest_files(store, files[:1], scope="acme")
    manifest = (store.root / MANIFEST).read_bytes()
    with store.writing() as writer:
        for path in files[1:]:
            data = path.read_bytes()
            read = read_file(path.name, data, ReadHints(scope="acme"))
            assert writer.add(read, data).status == "stored"
        # killed here: no commit
    assert (store.root / MANIFEST).read_bytes() == manifest
    parquets = set((store.root / "usage").glob("*/*.parquet"))
    assert len(parquets) == 3 + 4  # the index, two parts of the listed file, four unlisted
    with store.writing():  # the next writer sweeps
        pass
    assert len(set((store.root / "usage").glob("*/*.parquet"))) == 3
    outcomes = ingest_files(store, files, scope="acme")
    assert [o.status for o in outcomes] == ["already-stored", "stored", "stored"]
    assert len(UsageStore(store.root).parts()) == 3


def test_a_source_changed_after_the_read_keeps_the_bytes_read(tmp_path: Path) -> None:
    """The kernel copy is used only when the file is provably the one read."""
    source = tmp_path / "in.ndjson"
    source.write_bytes(b"first bytes\n")
    before = source.stat()
    data = source.read_bytes()
    keep_bytes(tmp_path / "a", data, Source(source, before))
    assert (tmp_path / "a").read_bytes() == data
    source.write_bytes(b"other bytes\n")  # same size, rewritten in place
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))  # even with its old mtime
    keep_bytes(tmp_path / "b", data, Source(source, before))
    assert (tmp_path / "b").read_bytes() == data
    source.unlink()
    keep_bytes(tmp_path / "c", data, Source(source, before))
    assert (tmp_path / "c").read_bytes() == data


def test_a_reader_crash_in_the_read_ahead_refuses_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A usage file whose parse fails in the worker is refused (internal-error); the run goes on."""
    import analyzer.reading.usage_metrics as usage_metrics

    real = usage_metrics.read_usage

    def crash(name: str, *args: object, **kwargs: object) -> object:
        if name.endswith("10-02.ndjson"):
            raise IndexError("list index out of range")
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(usage_metrics, "read_usage", crash)
    files = _daily(tmp_path / "in", 3)
    outcomes = ingest_files(Store(tmp_path / "store"), files, scope="acme")
    assert [o.status for o in outcomes] == ["stored", "refused", "stored"]
    assert outcomes[1].errors[0].code == "internal-error"
    body = json.loads((tmp_path / "store" / MANIFEST).read_text())
    assert len(body["parts"]) == 2
