"""Keep each snapshot's carried state in the store, so an answer reads what changed, not all.

The carried state of snapshot k continues snapshot k-1's (analyzer.timeline.carry). It is
computed when a snapshot is stored and kept under `derived/` (analyzer.answers.derived); an
answer about snapshot k then reads one small file instead of redoing the whole history. A
snapshot stored out of order (an older download found later) or forgotten invalidates the
states after it, which are recomputed from that point forward only. Carried states are
derived data: `verify` compares them with a full recomputation, `rebuild` drops them.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from analyzer.answers.derived import CarriedFiles, read_chain
from analyzer.answers.history import identified, keep_rows, settings_fingerprint
from analyzer.errors import OutputError
from analyzer.model import Settings, SnapshotInfo
from analyzer.store.folder import Store
from analyzer.store.lock import store_lock
from analyzer.timeline.build import CarriedState, state_query
from analyzer.timeline.carry import CORE_COLUMNS, carry_all, carry_forward, carry_rows
from analyzer.timeline.figures import rows_of_states
from analyzer.timeline.source import MemorySource

if TYPE_CHECKING:
    from analyzer.reading.reader import ParsedReport
    from analyzer.store.writer import Writer


def carried_state(store: Store, infos: list[SnapshotInfo], upto: int) -> CarriedState:
    """Return the carried states of a scope's snapshots `infos` (oldest first) up to `upto`.

    Missing or outdated ones up to `upto` are computed now and kept in the store (when it can
    be written; a read-only store still answers, computing in memory).
    """
    kept = _Kept(store, infos)
    if kept.valid > upto:
        return kept

    def forward() -> Iterator[tuple[int, pl.DataFrame]]:
        # Each state is written as soon as it is computed: only the one before is held.
        before = kept(kept.valid - 1) if kept.valid else None
        for k in range(kept.valid, upto + 1):
            before = carry_forward(store, infos[k], before)
            yield k, before

    if _keep(store, kept.files, infos, forward()):
        kept.chain, kept.valid = kept.files.valid_prefix(infos)
    else:  # a store that cannot be written: hold them in memory for this answer
        kept.computed.update(forward())
    return kept


class _Kept:
    """Hands out carried states: kept ones read (and checked), the others computed."""

    def __init__(self, store: Store, infos: list[SnapshotInfo]) -> None:
        self.store = store
        self.infos = infos
        self.files = CarriedFiles(store.root)
        self.chain, self.valid = self.files.valid_prefix(infos)
        self.computed: dict[int, pl.DataFrame] = {}

    def __call__(self, k: int) -> pl.DataFrame:
        # The snapshot's own file is checked too (once per process): an answer never stands
        # on a snapshot whose file was damaged since, even when its carried state is whole.
        self.store.check(self.infos[k])
        if k in self.computed:
            return self.computed[k]
        entry = self.chain.get(self.infos[k].id)
        frame = self.files.read(self.infos[k], entry) if entry is not None else None
        if frame is not None:  # read again when asked again: a history needs no copy of all
            return frame
        before = self(k - 1) if k else None  # damaged or missing: derived, so compute it
        self.computed[k] = carry_forward(self.store, self.infos[k], before)
        return self.computed[k]


def _keep(
    store: Store,
    files: CarriedFiles,
    infos: list[SnapshotInfo],
    new: Iterator[tuple[int, pl.DataFrame]],
) -> bool:
    """Write freshly computed carried states under the store's lock; False when it cannot."""
    try:
        with store_lock(store.root / ".lock"):
            files.write(infos[0].scope, infos, new)
    except (OSError, OutputError):
        return False  # answers stay right without the cache; the next writable run keeps it
    return True


def refresh_carried(store: Store, scopes: list[str] | None = None) -> None:
    """Compute and keep the carried states every snapshot of these scopes (default: all) lacks."""
    infos = store.snapshots()
    for scope in sorted(scopes if scopes is not None else {i.scope for i in infos}):
        mine = [i for i in infos if i.scope == scope]
        if mine:
            carried_state(store, mine, len(mine) - 1)


@dataclass(frozen=True)
class CarriedMismatch:
    """A kept carried state that differs from a full recomputation (or is missing)."""

    scope: str
    snapshot: SnapshotInfo
    problem: str  # "missing", "differs" or "damaged"


def check_carried(store: Store) -> list[CarriedMismatch]:
    """Compare every kept carried state with a full recomputation from the snapshots."""
    found: list[CarriedMismatch] = []
    infos = store.snapshots()
    files = CarriedFiles(store.root)
    for scope in sorted({i.scope for i in infos}):
        mine = [i for i in infos if i.scope == scope]
        chain = read_chain(store.root, scope)
        _, valid = files.valid_prefix(mine)
        for k, truth in enumerate(carry_all(store, mine)):
            entry = chain.get(mine[k].id)
            if k >= valid or entry is None:
                found.append(CarriedMismatch(scope, mine[k], "missing"))
                continue
            kept = files.read(mine[k], entry)
            if kept is None:
                found.append(CarriedMismatch(scope, mine[k], "damaged"))
            elif not kept.equals(truth):
                found.append(CarriedMismatch(scope, mine[k], "differs"))
    return found


class CarryAlong:
    """Keeps each new snapshot's carried state while ingest stores it, from its rows in memory.

    Passed as ingest's `on_stored`, called under the writer's lock right after a snapshot is
    committed. The state is computed and written by a worker thread while the storing thread
    goes on with the next file (and the read-ahead thread parses the one after), so it costs
    no re-read of the snapshot and little time; `close`, called before the lock is released,
    waits for it. With `settings` (a monthly run), the snapshot's history row under them is
    computed from the state in memory too, and kept at `close`: the report then reads it.

    A snapshot stored out of order, or after a chain that is not kept, is left to
    `refresh_carried` after the run.
    """

    PENDING = 2  # snapshots waiting for the worker at most (each holds its seat rows)

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self.files = CarriedFiles(store.root)
        self.settings = settings
        self.last: dict[str, tuple[str, pl.DataFrame]] = {}  # scope -> (snapshot id, state)
        self.rows: dict[str, list[pl.DataFrame]] = {}  # scope -> history rows computed
        # The state computed while its report was being stored: (its sha256, the ids of the
        # snapshots it continues, the state); see `prepare`.
        self._prepared: tuple[str, list[str], pl.DataFrame] | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="carry-along")
        self._pending: deque[Future[None]] = deque()

    def prepare(self, writer: Writer, parsed: ParsedReport) -> None:
        """Start the carried state of a report about to be stored, while it is written.

        Only a report later than every stored snapshot of its scope continues a run; the
        state is used once the snapshot is committed (`__call__`) if it was stored after
        those very snapshots, and dropped otherwise.
        """
        if parsed.seats is None or parsed.as_of is None or not parsed.scope:
            return
        earlier = [i for i in writer.infos if i.scope == parsed.scope]
        if earlier and parsed.as_of <= earlier[-1].as_of:
            return  # an older download found later, or the same moment: not the last
        self._submit(self._ahead, earlier, parsed.sha256, parsed.as_of, parsed.seats)

    def __call__(self, writer: Writer, info: SnapshotInfo, seats: pl.DataFrame) -> None:
        infos = [i for i in writer.infos if i.scope == info.scope]
        k = next(n for n, i in enumerate(infos) if i.id == info.id)
        if k != len(infos) - 1:
            return  # an older download found later: recomputed forward after the run
        self._submit(self._carry, infos, k, seats)

    def _submit(self, task: Callable[..., None], *args: object) -> None:
        """Queue a task for the worker (in order), waiting when it is too far behind."""
        while len(self._pending) >= self.PENDING:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(task, *args))

    def close(self) -> None:
        """Wait until every state is written, then keep the history rows computed.

        Raises what the worker raised (a bug: an unwritable store only leaves states to be
        computed later). The caller still holds the store's lock.
        """
        try:
            while self._pending:
                self._pending.popleft().result()
            if self.settings is not None:
                fingerprint = settings_fingerprint(self.settings)
                for scope, rows in self.rows.items():
                    with contextlib.suppress(OSError, OutputError):  # derived: kept next time
                        keep_rows(self.files.root, scope, fingerprint, pl.concat(rows))
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pending.clear()

    def _before(self, earlier: list[SnapshotInfo]) -> tuple[bool, pl.DataFrame | None]:
        """Return whether the state of the last of `earlier` is at hand, and that state."""
        if not earlier:
            return True, None
        previous = earlier[-1]
        held = self.last.get(previous.scope)
        if held is not None and held[0] == previous.id:
            return True, held[1]
        chain, valid = self.files.valid_prefix(earlier)
        state = self.files.read(previous, chain[previous.id]) if valid == len(earlier) else None
        return state is not None, state

    def _ahead(
        self, earlier: list[SnapshotInfo], sha256: str, as_of: datetime, seats: pl.DataFrame
    ) -> None:
        self._prepared = None
        known, before = self._before(earlier)
        if known:
            multi_row = seats.height != seats["login"].n_unique()
            frame = carry_rows(seats.lazy().select(CORE_COLUMNS), as_of, multi_row, before)
            self._prepared = (sha256, [i.id for i in earlier], frame)

    def _carry(self, infos: list[SnapshotInfo], k: int, seats: pl.DataFrame) -> None:
        info = infos[k]
        prepared, self._prepared = self._prepared, None
        if prepared is not None and prepared[:2] == (info.sha256, [i.id for i in infos[:k]]):
            frame = prepared[2]  # computed while the snapshot was written
        else:
            known, before = self._before(infos[:k])
            if not known:
                return  # the states before are not kept: refresh_carried computes them
            frame = carry_forward(MemorySource({info.id: seats}), info, before)
        try:
            entry = self.files.write(info.scope, infos, [(k, frame)])[k]
        except (OSError, OutputError):
            self.last.pop(info.scope, None)  # not kept: refresh_carried computes it
            return
        self.last[info.scope] = (info.id, frame)
        if self.settings is not None:
            states = state_query(frame, k, infos, self.settings)
            rows = rows_of_states([(k, states)], infos, list(self.settings.prices))
            found = identified(rows, infos, {k: entry.sha256}, infos[0].id)
            self.rows.setdefault(info.scope, []).append(found.drop("k"))
