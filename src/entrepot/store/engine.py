"""Engine connections: the only module that knows DuckDB from Spark.

Everything else writes Ibis expressions over the tables `open_release` returns, and the
same expression runs embedded on DuckDB or scaled out on Spark.
"""

from __future__ import annotations

import functools
import hashlib
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import ibis
import pyarrow as pa
from ibis.backends import BaseBackend

from entrepot.store.atomic import make_dirs, remove_tree
from entrepot.store.catalog import load, release_dir
from entrepot.store.errors import BadSetting
from entrepot.store.home import Home
from entrepot.store.manifest import ReleaseManifest
from entrepot.store.working import SCRATCH_PREFIX

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

BACKENDS = ("duckdb", "pyspark")


def connect(backend: str = "duckdb") -> BaseBackend:
    """The process's Ibis connection to `backend` ("duckdb" or "pyspark"), made once."""
    if backend == "duckdb":
        return _duckdb()
    if backend == "pyspark":
        return _pyspark()
    raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")


class Tables(Mapping[str, ibis.Table]):
    """Ibis tables by name (a release's, or what the gate lets through of one)."""

    def __init__(self, tables: dict[str, ibis.Table]) -> None:
        self._tables = tables

    def __getitem__(self, name: str) -> ibis.Table:
        return self._tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)


class ReleaseTables(Tables):
    """The tables of one release on one engine, by name, with the release's manifest."""

    def __init__(
        self, manifest: ReleaseManifest, backend: str, tables: dict[str, ibis.Table]
    ) -> None:
        super().__init__(tables)
        self.manifest = manifest
        #: The engine's name, as given to `connect`.
        self.backend = backend


def open_release(
    home: Home, release_id: str | None = None, backend: str = "duckdb"
) -> ReleaseTables:
    """The tables of a release (the latest when `release_id` is None) as Ibis tables.

    Each table reads exactly the files its manifest lists, nothing else in the directory.
    """
    manifest = load(home, release_id)
    directory = release_dir(home, manifest.release_id)
    connection = connect(backend)
    # Views live for the whole process in a shared connection: name them after the release
    # directory too, so two homes' R0001 (tests, demos) never replace each other's views.
    home_tag = hashlib.sha256(str(directory).encode()).hexdigest()[:10]
    tables = {}
    for name, table in manifest.tables.items():
        view = f"{name}_{manifest.release_id.lower()}_{manifest.revision}_{home_tag}"
        paths = [str(directory / file.path) for file in table.files]
        tables[name] = _register(backend, connection, view, paths)
    return ReleaseTables(manifest, backend, tables)


@contextmanager
def scratch(home: Home, threads: int | None = None) -> Iterator[tuple[BaseBackend, Path]]:
    """A private DuckDB connection and folder for one job's intermediate work (validating
    and loading a package), removed afterwards. Meant to be used under the lock.

    Both live in `working/.scratch-<random>/`: inside the home, because intermediate rows
    are patient data and must stay where the data is protected, not in a shared /tmp; a
    crash leaves the folder to the next `WorkingStore.lock()`, which sweeps it. DuckDB's
    memory is capped (`$ENTREPOT_DUCKDB_MEMORY`, default 4GB; `BadSetting` when it is not
    a size) and spills to the folder.
    `threads` caps the engine's own threads (default: one per core); a query always runs
    on the thread that sends it too.
    """
    cap = _memory_size(os.environ.get("ENTREPOT_DUCKDB_MEMORY", "4GB"))
    folder = home.working_dir / f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:12]}"
    make_dirs(folder / "spill")
    settings = {} if threads is None else {"threads": threads}
    connection = ibis.duckdb.connect(
        temp_directory=str(folder / "spill"),
        memory_limit=cap,
        preserve_insertion_order=False,
        # A job's queries take and give back the same memory over and over. Kept by the
        # engine for the job's life (within the cap), it is not handed back to the system
        # after each query only to be faulted in again, zeroed, by the next: at 1 million
        # patients the ingest spent 16% of its CPU in the kernel, half of it clearing
        # pages, and took 5-7% longer.
        block_allocator_memory=cap,
        allocator_flush_threshold=cap,
        **settings,
    )
    try:
        yield connection, folder
    finally:
        connection.disconnect()
        remove_tree(folder)


def _memory_size(memory: str) -> str:
    """The memory cap (`$ENTREPOT_DUCKDB_MEMORY`) as a size; `BadSetting` if it is neither a
    size nor a share of the machine. The engine takes a share ("50%") for its cap but only
    sizes for the memory it keeps: a share becomes the size the engine makes of it (of the
    machine's memory, or the container's)."""
    try:
        probe = duckdb.connect(config={"memory_limit": memory})
    except duckdb.Error as error:
        raise BadSetting(
            f"ENTREPOT_DUCKDB_MEMORY={memory!r} is not a memory size ({error}); "
            "set it to a size such as 4GB or a share of the machine such as 50%, "
            "or unset it for the default 4GB"
        ) from None
    try:
        if not memory.strip().endswith("%"):
            return memory
        return probe.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        probe.close()


@contextmanager
def session(connection: BaseBackend) -> Iterator[BaseBackend]:
    """A separate session on a `scratch` connection, for one of several jobs run at once
    (packages checked side by side): its temporary tables and registered data are its
    own and go when it closes, while the engine's threads, memory cap and spill folder
    are shared. One engine per job would run one thread per core each, and measured
    5-10% more work for the same result.
    """
    cursor = connection.con.cursor()
    try:
        yield ibis.duckdb.from_connection(cursor)
    finally:
        cursor.close()


def use_every_core(connection: BaseBackend) -> None:
    """Let a `scratch` connection made with fewer threads use one per core from now on
    (queries already running keep the threads they have)."""
    connection.con.cursor().execute("RESET threads").close()


def arrow_batches(
    connection: BaseBackend, expr: ibis.Table, rows: int = 256_000
) -> pa.RecordBatchReader:
    """The result of `expr` on a DuckDB connection (`scratch`'s) as a stream of Arrow
    batches, never held whole.

    Ibis's own `to_pyarrow_batches` calls a cursor method that the pinned DuckDB no longer
    has; a relation still streams. The expression must not hold in-memory tables
    (`ibis.memtable`), which only Ibis's execution path registers.
    """
    relation = connection.con.sql(connection.compile(expr))
    reader = getattr(relation, "to_arrow_reader", None) or relation.fetch_record_batch
    return reader(rows)


def _register(backend: str, connection: BaseBackend, view: str, paths: list[str]) -> ibis.Table:
    if backend == "pyspark":
        # Ibis's pyspark `read_parquet` takes one path; Spark itself takes several.
        _spark_session().read.parquet(*paths).createOrReplaceTempView(view)
        return connection.table(view)
    return connection.read_parquet(paths, table_name=view)


@functools.cache
def _duckdb() -> BaseBackend:
    return ibis.duckdb.connect()


@functools.cache
def _pyspark() -> BaseBackend:
    return ibis.pyspark.connect(_spark_session())


@functools.cache
def _spark_session() -> SparkSession:
    # Imported here: Spark is an optional extra, and starting it costs seconds.
    from pyspark.sql import SparkSession

    # A local session has no business listening on the network (patient rows flow through
    # it): bind to loopback, which also silences Spark's hostname warnings at start-up.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("entrepot")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        # Its progress bars would write over the command line's own (`entrepot link`).
        .config("spark.ui.showConsoleProgress", "false")
        # The default 200 shuffle partitions is meant for clusters; locally it only
        # multiplies tiny tasks.
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session
