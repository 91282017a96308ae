"""The store's upkeep as answers: verify (derived data included), forget, list snapshots."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from analyzer.answers.carried import check_carried
from analyzer.model import SnapshotInfo
from analyzer.store.derived import damaged_histories
from analyzer.store.folder import Store as Store  # (the CLI names it through here)
from analyzer.store.forget import Forgotten, forget_by_sha256, forget_snapshot, select_snapshot
from analyzer.store.verify import StoreProblem, Verification, verify_store


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
        gone = forget_by_sha256(store, sha_prefix, on_wait)
    else:

        def choose(infos: list[SnapshotInfo]) -> SnapshotInfo:
            return select_snapshot(infos, scope=scope, start=start, end=end, sha_prefix=sha_prefix)

        info = forget_snapshot(store, choose, on_wait)
        gone = Forgotten("seat report", info.sha256, info.source_name, info)
    return ForgetResult(gone, len(store.snapshots()))


def list_snapshots(store_dir: Path, scope: str | None) -> list[SnapshotInfo]:
    """Return the stored snapshots (of one scope), each file checked whole first."""
    store = Store(store_dir)
    infos = [i for i in store.snapshots() if scope is None or i.scope == scope]
    for info in infos:  # list only what can be read: a damaged file is an error naming it
        store.check(info)
    return infos
