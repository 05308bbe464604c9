"""Duplicates in a sent table: exact repeats of a row, and different rows sharing a key.

Done on the Arrow table before it reaches the engine: keys seen more than once are found
by a hash aggregation, and whole rows are compared only among the rows sharing such a
key, which are few. In SQL the same needs the table twice (a self-join or a window
carrying every column), which costs more than all the other checks together.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

#: Columns added to the table: NULL for rows whose key is unique.
FIRST_COPY = "first_copy"
VERSIONS_OF_KEY = "versions_of_key"


def mark_duplicates(table: pa.Table, key: list[str], content: list[str]) -> pa.Table:
    """Add `first_copy` (is this the first line with this exact content?) and
    `versions_of_key` (how many different contents share this row's key)."""
    rows = table.num_rows
    first_copy = pa.nulls(rows, pa.bool_())
    versions = pa.nulls(rows, pa.int64())
    # A missing optional key part (an event without site) is a value like any other here,
    # whereas joins never match NULLs: key parts are compared as text with a NULL marker.
    keys = pa.table({f"_k{i}": pc.fill_null(table[k], "\x00") for i, k in enumerate(key)})
    counts = keys.group_by(keys.column_names, use_threads=False).aggregate([([], "count_all")])
    shared = counts.filter(pc.greater(counts["count_all"], 1))
    if shared.num_rows:
        first_copy, versions = _compare_rows(table, keys, content, shared.drop(["count_all"]))
    return table.append_column(FIRST_COPY, first_copy).append_column(VERSIONS_OF_KEY, versions)


def _compare_rows(
    table: pa.Table, keys: pa.Table, content: list[str], shared: pa.Table
) -> tuple[pa.Array, pa.Array]:
    indexed = table.select([*content, "source_row"])
    for name in keys.column_names:
        indexed = indexed.append_column(name, keys[name])
    indexed = indexed.append_column("_at", pa.array(range(table.num_rows), pa.int64()))
    candidates = indexed.join(shared, keys.column_names, join_type="inner", use_threads=False)
    by_key: dict[tuple, list[tuple[int, int, tuple]]] = {}
    for row in candidates.sort_by("source_row").to_pylist():
        group = by_key.setdefault(tuple(row[k] for k in keys.column_names), [])
        group.append((row["_at"], row["source_row"], tuple(row[c] for c in content)))
    first_copy: list[bool | None] = [None] * table.num_rows
    versions: list[int | None] = [None] * table.num_rows
    for group in by_key.values():
        seen: set[tuple] = set()
        for at, _, values in group:
            first_copy[at] = values not in seen
            seen.add(values)
        for at, _, _ in group:
            versions[at] = len(seen)
    return pa.array(first_copy, pa.bool_()), pa.array(versions, pa.int64())
