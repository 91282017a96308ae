"""Fault injection on every file the store writes, in every family: each fault is named by
verify, never read as data, and repaired by rebuild (or recomputed from its original)."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from analyzer.cli import main
from tests.paths import BILLING_FILES, SAMPLES, USAGE_FILES

SEATS = [
    "octo-demo-seat-activity-1791014710.csv",
    "octo-demo-seat-activity-1793716484.csv",
]
MONTH = "2026-10"
# One file of each kind whose tables the faults below damage: a detailed usage report and the
# licence report (billing), a one-day users file and the organization's 28-day totals (usage).
FAULT_FILES = (
    *(p for p in BILLING_FILES if p.name.startswith(("usageReport", "export-"))),
    *(p for p in USAGE_FILES if "users-1-day-2026-10-01" in p.name or "organization" in p.name),
)


def run(*args: str | Path) -> Result:
    """Run the CLI in-process as a user would."""
    return CliRunner().invoke(main, [str(a) for a in args])


def verify(store: Path) -> dict[str, object]:
    """Return `verify --json` as an object."""
    return json.loads(run("verify", "--json", "--store", store).stdout)  # type: ignore[no-any-return]


def codes_at(store: Path) -> dict[str, str]:
    """Return {path: code} of every problem or note verify finds."""
    return {p["path"]: p["code"] for p in verify(store)["problems"]}  # type: ignore[attr-defined]


COMMANDS = [
    ("status", "--json", "--scope", "octo-demo"),
    ("snapshots", "--json"),
    ("bill", "--json", "--scope", "octo-demo", "--month", MONTH),
    ("usage", "--json", "--scope", "octo-demo", "--month", MONTH),
    ("reclaim", "--json", "--scope", "octo-demo"),
]


def figures(store: Path) -> list[tuple[int, str]]:
    """Return (exit code, stdout) of every reading command (the figures a fault must not move)."""
    said = [
        ((r := run(*cmd, "--store", store)).exit_code, r.stdout if r.exit_code == 0 else r.stderr)
        for cmd in COMMANDS
    ]
    return [(code, text.replace(str(store), "<store>")) for code, text in said]  # copies differ


def contents(store: Path) -> dict[str, str]:
    """Return {path: sha256} of every file of a store but what rebuild set aside.

    Rebuild writes the same bytes from the same originals, so a store rebuilt after a fault
    equal to the pristine one, file by file, gives every figure the pristine store gives.
    """
    return {
        path.relative_to(store).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in store.rglob("*")
        if path.is_file() and path.relative_to(store).parts[0] != "set-aside"
    }


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[int, str]]]:
    """Return a store holding every family (seat reports, billing, usage) and its figures."""
    root = tmp_path_factory.mktemp("pristine")
    inbox = root / "in"
    inbox.mkdir()
    for name in SEATS:
        shutil.copy(SAMPLES / name, inbox / name)
    for path in FAULT_FILES:
        shutil.copy(path, inbox / path.name)
    store = root / "store"
    assert run("ingest", "-r", inbox, "--store", store).exit_code == 0
    found = figures(store)
    assert all(code == 0 for code, _ in found), found
    return store, found


@pytest.fixture
def store(pristine: tuple[Path, list[tuple[int, str]]], tmp_path: Path) -> Path:
    """Return a fresh copy of the pristine store."""
    shutil.copytree(pristine[0], tmp_path / "store", symlinks=True)
    return tmp_path / "store"


def one(store: Path, pattern: str) -> Path:
    """Return the first file of the store matching a glob (there must be one)."""
    found = sorted(store.glob(pattern))
    assert found, pattern
    return found[0]


ORIGINALS = {"seat": "octo-demo-seat-*", "billing": "usageReport_*", "usage": "*users-1-day*"}


def original_of(family: str) -> str:
    """Return the glob of a kept original of one family."""
    return f"originals/*/{ORIGINALS[family]}"


def flip(path: Path) -> None:
    """Flip one byte in the middle of a file."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x5A
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    """Keep the first half of a file."""
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def delete(path: Path) -> None:
    """Remove a file."""
    path.unlink()


DAMAGE: dict[str, Callable[[Path], None]] = {"flip": flip, "truncate": truncate, "delete": delete}

TABLES = {
    "seat-snapshot": "snapshots/octo-demo/*.parquet",
    "billing-table": "billing/metered-usage-detailed/*.parquet",
    "billing-licence": "billing/*license*/*.parquet",
    "usage-days": "usage/octo-demo/*-days.parquet",
    "usage-breakdowns": "usage/octo-demo/*-breakdowns.parquet",
    "usage-aggregate": "usage/octo-demo/*-aggregate.parquet",
}
MANIFESTS = {
    "seat-manifest": "manifest.json",
    "billing-manifest": "billing.json",
    "usage-manifest": "usage/manifest.json",
    "marker": "copilot-seats-store.json",
}


def test_a_healthy_store_of_every_family_verifies_with_no_problem_and_no_note(
    pristine: tuple[Path, list[tuple[int, str]]],
) -> None:
    """Seat reports, billing and usage files together: verify finds nothing at all."""
    body = verify(pristine[0])
    assert body["ok"] is True and body["problems"] == []
    assert body["originals"] == len(SEATS) + len(FAULT_FILES) == 6


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("table", sorted(TABLES))
def test_a_damaged_table_is_named_never_read_and_rebuilt(
    pristine: tuple[Path, list[tuple[int, str]]], store: Path, table: str, damage: str
) -> None:
    """Every command gives the same figures or an error naming the table and rebuild."""
    path = one(store, TABLES[table])
    rel = path.relative_to(store).as_posix()
    DAMAGE[damage](path)
    assert codes_at(store).get(rel, "").startswith(("damaged-", "missing-")), codes_at(store)
    for (code, said), before in zip(figures(store), pristine[1], strict=True):
        if code:
            assert rel in said and "copilot-seats rebuild" in said, said
        else:
            assert said == before[1]
    assert run("rebuild", "--store", store).exit_code == 0
    assert contents(store) == contents(pristine[0])


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("manifest", sorted(MANIFESTS))
def test_a_damaged_manifest_is_named_and_rebuilt(
    pristine: tuple[Path, list[tuple[int, str]]], store: Path, manifest: str, damage: str
) -> None:
    """A flipped, truncated or deleted manifest: verify names it, rebuild restores it."""
    DAMAGE[damage](store / MANIFESTS[manifest])
    found = codes_at(store)
    assert any(p.endswith(MANIFESTS[manifest]) for p in found), found
    assert verify(store)["ok"] is (manifest == "marker" and damage == "delete")
    for (code, said), before in zip(figures(store), pristine[1], strict=True):
        assert code or said == before[1], said
    assert run("rebuild", "--store", store).exit_code == 0
    assert contents(store) == contents(pristine[0])


@pytest.mark.parametrize("damage", ["flip", "truncate"])
@pytest.mark.parametrize("family", ["seat", "billing", "usage"])
def test_a_damaged_original_is_named_and_its_table_kept(
    pristine: tuple[Path, list[tuple[int, str]]], store: Path, family: str, damage: str
) -> None:
    """A changed original: verify names it; the figures stand; rebuild keeps its table."""
    path = one(store, original_of(family))
    DAMAGE[damage](path)
    assert "damaged-original" in codes_at(store).values()
    assert figures(store) == pristine[1]
    rebuilt = run("rebuild", "--store", store)
    assert rebuilt.exit_code == 1 and f"cannot re-read original {path.parent.name[:12]}" in (
        rebuilt.stdout
    )
    assert "kept its old snapshot" in rebuilt.stdout
    assert figures(store) == pristine[1]


@pytest.mark.parametrize("family", ["seat", "billing", "usage"])
def test_a_deleted_original_is_seen_and_rebuild_keeps_its_intact_table(
    pristine: tuple[Path, list[tuple[int, str]]], store: Path, family: str
) -> None:
    """verify sees a missing original; rebuild keeps the table, says so, and the store works."""
    folder = one(store, original_of(family)).parent
    shutil.rmtree(folder)
    assert codes_at(store) == {next(iter(codes_at(store))): "missing-original"}
    rebuilt = run("rebuild", "--store", store)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"its original ({folder.name[:12]}) is missing" in rebuilt.stdout
    assert figures(store) == pristine[1]
    assert set(codes_at(store).values()) == {"missing-original"}


FOREIGN = [
    "snapshots/octo-demo/20990101T000000Z-aaaaaaaaaaaa.parquet",
    "snapshots/octo-demo/notes.txt",
    "billing/metered-usage-detailed/2099-01-01_2099-01-31-aaaaaaaaaaaa.parquet",
    "billing/notes.txt",
    "usage/octo-demo/aaaaaaaaaaaa-days.parquet",
    "usage/notes.txt",
    "originals/notes.txt",
    ".tmp/notes.txt",
    "derived/octo-demo/notes.txt",
    "notes.txt",
]


@pytest.mark.parametrize("rel", FOREIGN)
def test_a_foreign_file_is_named_then_set_aside_by_rebuild(
    pristine: tuple[Path, list[tuple[int, str]]], store: Path, rel: str
) -> None:
    """A file the store did not write: verify names it; rebuild moves it aside and says so."""
    source = one(store, "snapshots/octo-demo/*.parquet") if rel.endswith(".parquet") else None
    (store / rel).parent.mkdir(parents=True, exist_ok=True)
    (store / rel).write_bytes(source.read_bytes() if source else b"mine")
    assert codes_at(store).get(rel) in ("unknown-file", "unknown-snapshot"), codes_at(store)
    rebuilt = run("rebuild", "--store", store)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"    {rel} -> " in rebuilt.stdout and "1 foreign files set aside" in rebuilt.stderr
    (moved,) = (store / "set-aside").glob(f"*/{rel}")
    assert moved.read_bytes() == (source.read_bytes() if source else b"mine")
    assert contents(store) == contents(pristine[0])


LEFTOVERS = {
    "staging-folder": ".tmp/cs-stage-0123456789abcdef/report.csv",
    "seat-table": "snapshots/octo-demo/20300101T000000Z-{sha12}.parquet",
    "billing-table": "billing/metered-usage-detailed/2030-01-01_2030-01-31-{sha12}.parquet",
    "usage-table": "usage/octo-demo/{sha12}-days.parquet",
}


@pytest.mark.parametrize("kind", sorted(LEFTOVERS))
def test_the_leftover_of_a_killed_write_is_a_note_and_swept_by_the_next_writer(
    pristine: tuple[Path, list[tuple[int, str]]], store: Path, kind: str
) -> None:
    """A staged file or an unlisted table of a kept but unlisted original: a note, then gone."""
    sha = hashlib.sha256(b"x").hexdigest()  # an original a killed writer kept, listed nowhere
    (store / "originals" / sha).mkdir()
    (store / "originals" / sha / "x.csv").write_text("x")
    (store / "originals" / sha / "ingest.json").write_text('{"name": "x.csv"}')
    rel = LEFTOVERS[kind].format(sha12=sha[:12])
    (store / rel).parent.mkdir(parents=True, exist_ok=True)
    (store / rel).write_bytes(b"PAR1....PAR1")
    body = verify(store)
    assert body["ok"] is True, body
    assert {p["code"] for p in body["problems"]} <= {"leftover", "unlisted-original"}  # type: ignore[attr-defined]
    inbox = store.parent / "again"
    inbox.mkdir()
    shutil.copy(SAMPLES / SEATS[0], inbox / SEATS[0])
    assert run("ingest", inbox, "--store", store).exit_code == 0
    assert not (store / rel).exists()
    assert figures(store) == pristine[1]


DERIVED = {
    "carried-state": "derived/octo-demo/*.carried.parquet",
    "chain": "derived/octo-demo/chain.json",
    "login-index": "usage/octo-demo/logins.parquet",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("what", sorted(DERIVED))
def test_damaged_derived_data_is_recomputed_never_believed(
    pristine: tuple[Path, list[tuple[int, str]]], store: Path, what: str, damage: str
) -> None:
    """Carried states, their chain and the login index are derived: recomputed when damaged."""
    DAMAGE[damage](one(store, DERIVED[what]))
    assert figures(store) == pristine[1]
    assert verify(store)["ok"] is True or what == "login-index"
    assert run("rebuild", "--store", store).exit_code == 0
    assert verify(store)["problems"] == []
