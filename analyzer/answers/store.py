"""The store's upkeep as answers: verify (derived data included), forget, list snapshots."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from analyzer.answers.carried import check_carried
from analyzer.answers.derived import damaged_histories
from analyzer.errors import SelectionError
from analyzer.model import SnapshotInfo
from analyzer.store.folder import Store as Store  # (the CLI names it through here)
from analyzer.store.forget import Forgotten, forget_file
from analyzer.store.verify import StoreProblem, Verification, verify_store
from analyzer.times import iso

T = TypeVar("T")


def open_store(store_dir: Path) -> Store:
    """Return the store at `store_dir`, for the command line (which never imports store/)."""
    return Store(store_dir)


def verify(store_dir: Path) -> Verification:
    """Check every file of the store; when the snapshots are whole, the derived data too."""
    result = verify_store(store_dir)
    if result.ok and result.snapshots:
        result.problems.extend(_derived_problems(store_dir))
    return result


def _derived_problems(store_dir: Path) -> list[StoreProblem]:
    """Compare the kept carried states with a full recomputation from the snapshots, and
    check each kept history table against its checksum."""
    codes = {p: f"derived-{p}" for p in ("missing", "damaged", "differs")}
    problems = [
        StoreProblem(
            f"derived/{m.scope}", codes[m.problem], f"the carried state of {m.snapshot.id}"
        )
        for m in check_carried(Store(store_dir))
    ]
    problems += [
        StoreProblem(
            f"derived/{scope}", "derived-damaged", f"the history rows kept under settings {key}"
        )
        for scope, key in damaged_histories(store_dir)
    ]
    return problems


@dataclass(frozen=True)
class ForgetResult:
    """What `forget` removed, and how many snapshots are left."""

    forgotten: Forgotten
    snapshots_left: int


def forget(
    store_dir: Path,
    *,
    scope: str | None,
    start: datetime | None,
    end: datetime | None,
    sha_prefix: str | None,
    on_wait: Callable[[], None] | None = None,
) -> ForgetResult:
    """Forget one kept file: a snapshot by scope and time, or a file of any family by sha256."""
    store = Store(store_dir)
    if start is None and scope is None and sha_prefix is not None:
        gone = forget_file(store, lambda files: select_by_sha256(files, sha_prefix), on_wait)
    else:

        def choose(files: list[Forgotten]) -> Forgotten:
            infos = [f.snapshot for f in files if f.snapshot is not None]
            info = select_snapshot(infos, scope=scope, start=start, end=end, sha_prefix=sha_prefix)
            return next(f for f in files if f.snapshot == info)

        gone = forget_file(store, choose, on_wait, seats_only=True)
    return ForgetResult(gone, len(store.snapshots()))


def select_by_sha256(files: list[Forgotten], prefix: str) -> Forgotten:
    """Return the one stored file whose sha256 starts with `prefix` (any case); raise when
    none or several do."""
    chosen = [f for f in files if f.sha256.startswith(prefix.lower())]
    none = (
        f"no stored snapshot matches --sha256 {prefix}, nor any billing or usage-metrics file; "
        "`copilot-seats snapshots` lists the snapshots"
    )
    listed = "; ".join(f"{f.family} {f.source_name} ({f.sha256[:12]})" for f in chosen[:10])
    several = (
        f"files match --sha256 {prefix}: {listed}; nothing was forgotten; give a longer --sha256"
    )
    return _the_one(chosen, none, several)


def _the_one(chosen: list[T], none: str, several: str) -> T:
    """Return the one thing chosen; raise SelectionError saying `none` or `N several`."""
    if not chosen:
        raise SelectionError(none)
    if len(chosen) > 1:
        raise SelectionError(f"{len(chosen)} {several}")
    return chosen[0]


def select_snapshot(
    infos: list[SnapshotInfo],
    *,
    scope: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    sha_prefix: str | None = None,
) -> SnapshotInfo:
    """Return the one snapshot matching every given criterion; raise when none or several do.

    `start`..`end` (inclusive, UTC) is the time asked for: one second, or a whole day.
    """
    chosen = [
        i
        for i in infos
        if (scope is None or i.scope == scope)
        and (start is None or start <= i.as_of.replace(microsecond=0))
        and (end is None or i.as_of.replace(microsecond=0) <= end)
        and (sha_prefix is None or i.sha256.startswith(sha_prefix.lower()))
    ]
    asked = " ".join(
        part
        for part in (
            f"--scope {scope}" if scope else "",
            f"--at {iso(start)}" if start and start == end else "",
            f"--at {start:%Y-%m-%d}" if start and end and start != end else "",
            f"--sha256 {sha_prefix}" if sha_prefix else "",
        )
        if part
    )
    listed = "; ".join(f"{i.id} ({i.source_name})" for i in chosen[:10])
    return _the_one(
        chosen,
        f"no stored snapshot matches {asked}; `copilot-seats snapshots` lists them",
        f"snapshots match {asked}: {listed}; nothing was forgotten; narrow the choice with "
        "--scope, an exact --at time or a longer --sha256",
    )


def list_snapshots(store_dir: Path, scope: str | None) -> list[SnapshotInfo]:
    """Return the stored snapshots (of one scope), each file checked whole first."""
    store = Store(store_dir)
    infos = [i for i in store.snapshots() if scope is None or i.scope == scope]
    for info in infos:  # list only what can be read: a damaged file is an error naming it
        store.check(info)
    return infos
