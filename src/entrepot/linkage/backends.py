"""The engines Splink runs on. Everything engine-specific in linkage is in this module:
which Splink database API, how its session is made, and how it is cleaned up."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

BACKENDS = ("duckdb", "spark")


def quiet_splink() -> None:
    """Splink logs every SQL step at INFO; a linkage run should say only what is wrong."""
    logging.getLogger("splink").setLevel(logging.WARNING)


@contextmanager
def database_api(backend: str) -> Iterator[Any]:
    """A fresh Splink database API on `backend`, its tables dropped afterwards."""
    if backend == "duckdb":
        api = _duckdb_api()
    elif backend == "spark":
        api = _spark_api()
    else:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    try:
        yield api
    finally:
        api.delete_tables_created_by_splink_from_db()
        if backend == "duckdb":
            api.duckdb_con.close()


def _duckdb_api() -> Any:
    import duckdb
    from splink import DuckDBAPI

    # A private in-memory database per run: nothing of one linkage lingers for the next.
    # Capped like the store's scratch connections (`$ENTREPOT_DUCKDB_MEMORY`).
    connection = duckdb.connect(
        config={
            "memory_limit": os.environ.get("ENTREPOT_DUCKDB_MEMORY", _default_memory_limit()),
            "preserve_insertion_order": False,
        }
    )
    # Its progress bar would write to the terminal of whoever runs the linkage.
    connection.execute("set enable_progress_bar = false")
    return DuckDBAPI(connection=connection)


def _default_memory_limit() -> str:
    """8 GB (what 200,000 × 3,000,000 needs without spilling), or half the machine's
    memory if that is less: DuckDB fills its cache up to the limit, and a laptop running
    the demo must keep room for everything else."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{min(8, max(1, physical // 2**31))}GB"


def _spark_api() -> Any:
    from splink import SparkAPI

    from entrepot.store import engine

    # The store's local session (loopback only, few shuffle partitions), shared rather
    # than a second JVM. Intermediate tables are persisted in memory, not checkpointed
    # to a folder: a checkpoint folder would hold patient rows outside the warehouse
    # home. Splink's jar of string-similarity functions is not needed: nothing here
    # compares strings by similarity.
    return SparkAPI(
        spark_session=engine._spark_session(),
        break_lineage_method="persist",
        register_udfs_automatically=False,
    )
