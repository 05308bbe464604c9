"""`ingest_packages`: several packages, prepared side by side and committed one by one.

Preparing a package (checking its rows and writing them to scratch files) reads only
that package, so it needs no lock: worker threads verify and prepare the next packages
while the caller's thread commits them, in the order given, exactly as `ingest_package`
would one after the other. The commit is then short (moving the written files into the
centre's next version, or merging them with its earlier rows, and the reports), so the
workers keep both cores of a small machine busy; with the commit writing the files, the
caller's thread was the bottleneck and a fifth of two cores stood idle. Threads rather
than processes: the engine and Arrow release the GIL for the heavy work, and a killed
process takes its workers with it. The packages share one engine (`engine.session`
each) that runs each query on the thread sending it only: the packages in progress are
the parallelism. The engine's own threads on top measured 6-11% more work and 6-10% more
time, at 100,000 and at 1 million patients alike (the queries of a package are many and
most are small, and each parallel query pays for its scheduling). Once no package is left
to start, though, a worker's core would idle while the last large packages finish: the
engine then takes one thread per core (`_IdleCores`).
"""

from __future__ import annotations

import gc
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pyarrow as pa
from ibis.backends import BaseBackend

from entrepot.ingest.package import VerifiedPackage, open_package
from entrepot.ingest.pipeline import IngestResult, PreparedPackage, commit, known_result, prepare
from entrepot.store import Home, WorkingStore, engine
from entrepot.store.atomic import remove_tree

#: Packages prepared at once, one per core.
WORKERS = 2
#: Packages handed to the workers ahead of the one being committed. More than `WORKERS`,
#: so that a worker done early starts the next package instead of waiting for the commit
#: of a larger one before it. A prepared package holds scratch files, not memory.
AHEAD = 4


@dataclass(frozen=True)
class _Ready:
    package: VerifiedPackage
    #: None when the package was already ingested when the worker looked.
    prepared: PreparedPackage | None


def ingest_packages(
    home: Home,
    folders: Iterable[Path],
    on_step: Callable[[int, str], None] | None = None,
    workers: int = WORKERS,
) -> Iterator[IngestResult]:
    """Ingest packages in the order given; yield each result once it is committed.

    The same as `ingest_package` on each folder in turn, with the same results, but the
    next packages are prepared while one is committed. `on_step(position, step)` reports
    progress (`pipeline.STEPS`) of the package at `position` in `folders`. The first
    refused package raises `PackageRefused`: the packages before it are committed, none
    after it. The lock is held from start to end (other writers get `StoreBusy`).
    """
    store = WorkingStore(home)
    pending: deque[Future[_Ready]] = deque()
    queued = enumerate(folders)

    def submit_next() -> None:
        for position, folder in queued:
            step = partial(on_step, position) if on_step else _no_progress
            work = scratch_dir / f"package-{position}"
            task = partial(_verify_and_prepare, home, store, engine_con, folder, work, step)
            cores.submitted()
            pending.append(pool.submit(cores.run, task))
            return
        cores.none_left_to_submit()

    with (
        _fewer_collections(),
        _arrow_memory_from_jemalloc(),
        store.lock(),
        engine.scratch(home, threads=1 if workers > 1 else None) as (engine_con, scratch_dir),
        engine.session(engine_con) as commit_con,
        ThreadPoolExecutor(workers, thread_name_prefix="ingest") as pool,
    ):
        cores = _IdleCores(engine_con, workers)
        try:
            for _ in range(max(workers, AHEAD)):
                submit_next()
            while pending:
                result = _commit(commit_con, store, pending.popleft().result())
                submit_next()
                yield result
        finally:
            # Packages prepared ahead of one that failed are dropped with the scratch
            # folder, once the workers are done with them.
            for future in pending:
                future.cancel()


class _IdleCores:
    """Gives the engine one thread per core once a worker has no package left to start.

    Until then each package's queries run on its worker's thread only (see the module's
    doc); from then on, the packages still being prepared take the idle cores. At 1
    million patients the last package ran alone for a second, one core idle.
    """

    def __init__(self, engine_con: BaseBackend, workers: int) -> None:
        self._engine, self._workers = engine_con, workers
        self._lock = threading.Lock()
        self._submitted = self._started = self._finished = 0
        self._all_submitted = self._widened = False

    def run(self, task: Callable[[], _Ready]) -> _Ready:
        """Run a worker's task, counted (submitted through `ThreadPoolExecutor.submit`)."""
        with self._lock:
            self._started += 1
            self._widen_if_idle()
        try:
            return task()
        finally:
            with self._lock:
                self._finished += 1
                self._widen_if_idle()

    def none_left_to_submit(self) -> None:
        with self._lock:
            self._all_submitted = True
            self._widen_if_idle()

    def submitted(self) -> None:
        with self._lock:
            self._submitted += 1

    def _widen_if_idle(self) -> None:
        if self._widened or self._workers < 2 or not self._all_submitted:
            return
        waiting = self._submitted - self._started
        running = self._started - self._finished
        if waiting == 0 and running < self._workers:
            engine.use_every_core(self._engine)
            self._widened = True


@contextmanager
def _arrow_memory_from_jemalloc() -> Iterator[None]:
    """Arrow's allocations (sent rows, codes, duplicates) from jemalloc while packages are
    ingested, where the platform's Arrow has it.

    Arrow's default allocator here (mimalloc) maps memory in huge pages that the kernel
    zeroes, 2 MB at a time, whenever it takes them back: at 1 million patients, 7.2-8.3 s
    of kernel time against 6.0-6.5 s, and 2.5 GB peak memory against 2.3 GB. Buffers keep
    the allocator that made them: the default is put back afterwards.
    """
    if "jemalloc" not in pa.supported_memory_backends():
        yield
        return
    default = pa.default_memory_pool()
    pa.set_memory_pool(pa.jemalloc_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(default)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run Python's cycle collector less often while packages are ingested.

    The checks make millions of short-lived objects (candidate duplicates, quarantined
    rows) that reference counting frees; at the default thresholds they still set off
    full collections over the long-lived query expressions and vocabularies: 0.35 s at
    100,000 patients and 0.9 s at 1 million, against 0.12 s and 0.23 s here, for the
    same peak memory. The thresholds are the process's: they are put back afterwards.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(20_000, 20, 50)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _verify_and_prepare(
    home: Home,
    store: WorkingStore,
    engine_con: BaseBackend,
    folder: Path,
    work: Path,
    step: Callable[[str], None],
) -> _Ready:
    package = open_package(home, folder)
    step("verify")
    # Read without the lock, which the caller's thread holds: a package committed since
    # is found again by `known_result` under the lock; this only saves preparing it.
    if store.package_record(package.package_id) is not None:
        return _Ready(package, None)
    # The session, and the checked rows it holds, closes once the rows are written.
    with engine.session(engine_con) as con:
        return _Ready(package, prepare(con, package, work, step))


def _commit(con: BaseBackend, store: WorkingStore, ready: _Ready) -> IngestResult:
    known = known_result(store, ready.package)
    if known is not None:
        if ready.prepared is not None:
            remove_tree(ready.prepared.folder)
        return known
    # Only this thread commits, and a package known when prepared stays known.
    assert ready.prepared is not None
    return commit(con, store, ready.prepared)


def _no_progress(_: str) -> None:
    pass
