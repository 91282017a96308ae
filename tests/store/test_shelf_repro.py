"""The reproductions of issues 20 and 22 on the store, end to end through the CLI."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from analyzer.cli import main
from tests.paths import BILLING_FILES, SAMPLES, USAGE_FILES


def run(*args: str | Path) -> Result:
    """Run the CLI in-process as a user would."""
    return CliRunner().invoke(main, [str(a) for a in args])


FAMILY_FILES = {"billing": BILLING_FILES, "usage": USAGE_FILES}


def make(tmp: Path, *families: str) -> Path:
    """Ingest one seat report and the sample files of `families`; return the store."""
    inbox = tmp / "in"
    inbox.mkdir()
    shutil.copy(SAMPLES / "octo-demo-seat-activity-1793716484.csv", inbox)
    for family in families:
        (inbox / family).mkdir()
        for path in FAMILY_FILES[family]:
            shutil.copy(path, inbox / family / path.name)
    assert run("ingest", "-r", inbox, "--store", tmp / "s").exit_code == 0
    return tmp / "s"


def files_of(root: Path) -> dict[str, bytes]:
    """Return every file under root with its bytes (the lock file aside)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


@pytest.mark.parametrize("manifest", ["manifest.json", "billing.json", "usage/manifest.json"])
def test_rebuild_refuses_a_manifest_newer_than_it_knows(tmp_path: Path, manifest: str) -> None:
    """A manifest of format version 9 is refused by rebuild and every writer, never rewritten."""
    store = make(tmp_path, "billing", "usage")
    path = store / manifest
    body = json.loads(path.read_text())
    body["format_version"] = 9
    path.write_text(json.dumps(body))
    before = files_of(store)
    for args in (["rebuild"], ["ingest", tmp_path / "in"]):
        result = run(*args, "--store", store)
        assert result.exit_code == 1
        assert "has format version 9, newer than this copilot-seats" in result.stderr
    assert files_of(store) == before


def test_a_killed_billing_write_leaves_only_swept_staging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A billing write killed before its commit stages under .tmp/cs-stage-*, swept next run."""
    import analyzer.store.billing as billing

    store = make(tmp_path)
    real = billing._write_rows

    def killed(root: Path, parsed: object) -> None:
        real(root, parsed)  # type: ignore[arg-type]
        (root / ".tmp" / "cs-stage-killed").mkdir()  # as a write killed mid-way leaves it
        raise KeyboardInterrupt

    monkeypatch.setattr(billing, "_write_rows", killed)
    with pytest.raises(KeyboardInterrupt):
        from analyzer.answers.ingest import ingest_files
        from analyzer.store.folder import Store

        ingest_files(Store(store), [p for p in BILLING_FILES if p.name.startswith("usageReport")])
    monkeypatch.undo()
    verified = json.loads(run("verify", "--json", "--store", store).stdout)
    assert verified["ok"] is True, verified
    assert {p["code"] for p in verified["problems"]} == {"leftover", "unlisted-original"}
    assert all(p.name.startswith("cs-stage-") for p in (store / ".tmp").glob("*"))
    assert run("ingest", *BILLING_FILES, "--store", store).exit_code == 0
    assert json.loads(run("verify", "--json", "--store", store).stdout)["problems"] == []


def test_billing_originals_and_manifest_are_written_durably(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every kept billing file and billing.json are flushed to disk before they count."""
    synced: list[str] = []
    real = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    store = make(tmp_path, "billing")
    names = {Path(p).name for p in synced}
    for name in [p.name for p in BILLING_FILES]:
        assert name in names, name
    assert any(n.startswith(".billing.json.") for n in names)
    assert (store / "billing.json").is_file()


def test_the_billing_rebuild_survives_a_damaged_ingest_json(tmp_path: Path) -> None:
    """A billing original whose ingest.json is garbage: rebuild names it and keeps the table."""
    store = make(tmp_path, "billing")
    bill = run("bill", "--json", "--scope", "octo-demo", "--month", "2026-10", "--store", store)
    folder = next(p.parent for p in (store / "originals").glob("*/usageReport_*"))
    (folder / "ingest.json").write_text("{garbage")
    result = run("rebuild", "--store", store)
    assert result.exit_code == 1
    assert f"cannot re-read original {folder.name[:12]}" in result.stdout
    again = run("bill", "--json", "--scope", "octo-demo", "--month", "2026-10", "--store", store)
    assert again.stdout == bill.stdout


def test_a_staging_folder_linked_outside_the_store_is_never_followed(tmp_path: Path) -> None:
    """`.tmp` as a symlink elsewhere: every writer refuses with a clear error; nothing lands."""
    store = make(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(store / ".tmp", ignore_errors=True)
    (store / ".tmp").symlink_to(outside)
    for args in (["ingest", *BILLING_FILES], ["rebuild"]):
        result = run(*args, "--store", store)
        assert result.exit_code == 1
        assert "Error: " in result.stderr and ".tmp is a symbolic link" in result.stderr
    assert list(outside.iterdir()) == []
    assert "[unknown-file]" in run("verify", "--store", store).stdout


def test_a_folder_of_only_snapshots_and_staging_is_not_adopted(tmp_path: Path) -> None:
    """snapshots/ and .tmp/ without originals: someone else's folder, never written to."""
    folder = tmp_path / "f"
    (folder / "snapshots").mkdir(parents=True)
    (folder / ".tmp").mkdir()
    result = run("ingest", *BILLING_FILES, "--store", folder)
    assert result.exit_code == 1 and "is not a copilot-seats store" in result.stderr
    assert files_of(folder) == {}


@pytest.mark.parametrize("family", ["billing", "usage", "seat"])
def test_forget_removes_a_file_of_any_family_by_a_prefix_in_any_case(
    tmp_path: Path, family: str
) -> None:
    """forget --sha256 PREFIX (upper case) removes a billing, usage or seat file for good."""
    store = make(tmp_path, "billing", "usage")
    pattern = {"billing": "usageReport_*", "usage": "*users-1-day*", "seat": "*seat-activity*"}
    sha = next((store / "originals").glob(f"*/{pattern[family]}")).parent.name
    result = run("forget", "--sha256", sha[:10].upper(), "--store", store)
    assert result.exit_code == 0, result.output
    assert f"sha256 {sha[:12]}" in result.stdout
    assert (store / "attic" / sha).is_dir() and not (store / "originals" / sha).exists()
    assert json.loads(run("verify", "--json", "--store", store).stdout)["problems"] == []
    assert run("rebuild", "--store", store).exit_code == 0
    assert not (store / "originals" / sha).exists()
    assert run("ingest", "-r", tmp_path / "in", "--store", store).exit_code == 0
    assert (store / "originals" / sha).is_dir()
    assert json.loads(run("verify", "--json", "--store", store).stdout)["problems"] == []


@pytest.mark.parametrize("fresh", [False, True], ids=["store", "new-store"])
@pytest.mark.parametrize(
    ("code", "said"),
    [(errno.ENOSPC, "the disk is full"), (errno.EACCES, "permission denied")],
)
def test_a_full_disk_or_a_refused_write_is_one_error_line_and_leaves_no_staging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, said: str, fresh: bool
) -> None:
    """A write the file system refuses: one `Error:` line naming the path; the next run is clean."""
    import polars as pl

    store = tmp_path / "new" if fresh else make(tmp_path)
    real = pl.DataFrame.write_parquet

    def full(self: pl.DataFrame, path: object, **kwargs: object) -> None:
        real(self, path, **kwargs)  # type: ignore[arg-type]
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full)
    result = run("ingest", *BILLING_FILES, *USAGE_FILES, "--store", store)
    monkeypatch.undo()
    assert result.exit_code == 1
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("Error:")]
    assert line.startswith(f"Error: cannot write {store}/") and said in line
    assert "Traceback" not in result.output
    assert not any((store / ".tmp").glob("*"))
    assert json.loads(run("verify", "--json", "--store", store).stdout)["ok"] is True
    assert run("ingest", *BILLING_FILES, *USAGE_FILES, "--store", store).exit_code == 0
    assert json.loads(run("verify", "--json", "--store", store).stdout)["problems"] == []


def test_the_inbox_reports_fifos_devices_and_links_it_skips(tmp_path: Path) -> None:
    """A FIFO, a link to /dev/zero and a broken link are skipped by name and counted."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(SAMPLES / "octo-demo-seat-activity-1793716484.csv", inbox)
    os.mkfifo(inbox / "pipe.csv")
    (inbox / "zero.csv").symlink_to("/dev/zero")
    (inbox / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    result = run("ingest", inbox, "-v", "--store", tmp_path / "s")
    assert result.exit_code == 0, result.output
    assert f"skipped         {inbox / 'pipe.csv'}: a named pipe (FIFO), not a file" in result.stdout
    assert f"skipped         {inbox / 'zero.csv'}: a link to a device, not a file" in result.stdout
    assert f"skipped         {inbox / 'gone.csv'}: a broken link, not a file" in result.stdout
    assert result.stderr.strip().endswith("1 stored, 0 already stored, 0 refused, 3 skipped")


def test_ingesting_a_device_names_it() -> None:
    """`ingest /dev/zero` says it is a device, not that it does not exist."""
    result = run("ingest", "/dev/zero", "--store", "/nonexistent/never-made")
    assert result.exit_code == 1
    assert "refused         /dev/zero: a device, not a file" in result.stdout
