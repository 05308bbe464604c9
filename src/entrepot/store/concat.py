"""Concatenate the centres' files of a table into a release's Parquet files, streaming.

A release holds millions of patients and tens of millions of rows: batches flow from the
centres' files to the release files without ever holding a table in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from entrepot.store.checksum import sha256_of
from entrepot.store.errors import StoreError
from entrepot.store.manifest import ReleaseFile

#: Rows per release file: few files per table, each still quick to re-hash and to skip.
ROWS_PER_FILE = 5_000_000
_BATCH_ROWS = 64 * 1024


def count_rows(sources: Sequence[Path]) -> int:
    """Rows in the given Parquet files, from their footers."""
    return sum(pq.ParquetFile(source).metadata.num_rows for source in sources)


def concatenate(
    sources: Sequence[Path],
    schema: pa.Schema,
    release_dir: Path,
    table_name: str,
    on_rows: Callable[[int], None],
    keep: Callable[[pa.RecordBatch], pa.RecordBatch] | None = None,
) -> tuple[ReleaseFile, ...]:
    """Write the rows of `sources` to `release_dir/<table_name>/part-NNNNN.parquet`.

    Rows are cast to `schema` (the model's warehouse schema), so every release has the
    declared types whatever wrote the centres' files; an empty table still gets one file,
    which carries the schema. `on_rows` is told how many rows each written batch held;
    `keep`, if given, filters each batch (the rows of linked beneficiaries only, say).
    """
    for source in sources:
        _check_columns(source, schema)
    table_dir = release_dir / table_name
    table_dir.mkdir()
    # Read-ahead kept small: memory stays a few batches whatever the table's size.
    batches = ds.dataset([str(s) for s in sources], schema=schema, format="parquet").to_batches(
        batch_size=_BATCH_ROWS, batch_readahead=2, fragment_readahead=1
    )
    files: list[ReleaseFile] = []
    part: _Part | None = None
    for batch in batches:
        if keep is not None:
            batch = keep(batch)
        if batch.num_rows == 0:
            continue
        if part is None or part.rows >= ROWS_PER_FILE:
            if part is not None:
                files.append(part.close())
            part = _Part(release_dir, table_dir / f"part-{len(files):05d}.parquet", schema)
        part.write(batch)
        on_rows(batch.num_rows)
    if part is None:
        part = _Part(release_dir, table_dir / "part-00000.parquet", schema)
    files.append(part.close())
    return tuple(files)


class _Part:
    """One release file being written."""

    def __init__(self, release_dir: Path, path: Path, schema: pa.Schema) -> None:
        self._release_dir = release_dir
        self._path = path
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        self._writer.write_batch(batch)
        self.rows += batch.num_rows

    def close(self) -> ReleaseFile:
        self._writer.close()
        return ReleaseFile(
            path=self._path.relative_to(self._release_dir).as_posix(),
            sha256=sha256_of(self._path),
            rows=self.rows,
        )


def _check_columns(source: Path, schema: pa.Schema) -> None:
    # Casting would silently drop unknown columns and fill missing ones with nulls;
    # a file that does not have exactly the declared columns is a bug upstream.
    found = pq.read_schema(source).names
    if sorted(found) != sorted(schema.names):
        missing = sorted(set(schema.names) - set(found))
        extra = sorted(set(found) - set(schema.names))
        raise StoreError(
            f"{source} does not match the warehouse schema: missing {missing}, unexpected {extra}"
        )
