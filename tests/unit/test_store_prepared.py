"""Working-store files as `store.prepared` writes them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from entrepot.store import Home, engine, prepared


def _bloom_filters(path: Path) -> int:
    query = "SELECT count(bloom_filter_offset) FROM parquet_metadata(?)"
    return duckdb.connect().execute(query, [str(path)]).fetchone()[0]


def test_working_files_are_written_whole_and_without_bloom_filters(tmp_path: Path):
    rows = pa.table({"centre_code": [f"c{i % 50}" for i in range(1000)], "n": range(1000)})
    with engine.scratch(Home(tmp_path / "home"), threads=1) as (con, scratch):
        prepared.register_arrow(con, "some_rows", rows)
        path = scratch / "rows.parquet"
        written = prepared.write_parquet(con, prepared.named(rows.schema, "some_rows"), path)
        assert written == 1000
        assert pq.read_table(path).sort_by("n").equals(rows)
        # Every reader scans these files whole: hashing each value for a filter is waste.
        assert _bloom_filters(path) == 0


def test_the_engine_writes_bloom_filters_unless_told_not_to(tmp_path: Path):
    # What the test above would see if `write_parquet` left the engine's default.
    path = tmp_path / "default.parquet"
    duckdb.connect().execute(
        "COPY (SELECT 'c' || (i % 50)::VARCHAR AS centre_code FROM range(1000) t(i)) "
        f"TO '{path}' (FORMAT parquet)"
    )
    assert _bloom_filters(path) == 1
