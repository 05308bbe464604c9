"""Duplicates in a sent table: exact repeats of a row, and different rows sharing a key.

Found before the row checks: the engine lists the rows whose key is seen more than once
(an aggregation, cheap), and whole rows are compared in Python among those, which are
few. Done inside the row checks, the same needs the table twice (a self-join or a window
carrying every column), which cost more than all the other checks together.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

#: Columns added to the table: NULL for rows whose key is unique.
FIRST_COPY = "first_copy"
VERSIONS_OF_KEY = "versions_of_key"


def mark_duplicates(
    con: ibis.BaseBackend, table: pa.Table, key: list[str], content: list[str]
) -> pa.Table:
    """Add `first_copy` (is this the first line with this exact content?) and
    `versions_of_key` (how many different contents share this row's key)."""
    candidates = con.to_pyarrow(_rows_sharing_a_key(ibis.memtable(table), key, content))
    candidates = candidates.sort_by("source_row")
    first_copy, versions = _compare(candidates.to_pylist(), content)
    # Each row's place among the candidates (NULL for the others), to spread the flags.
    place = pc.index_in(table["source_row"], value_set=candidates["source_row"])
    return table.append_column(
        FIRST_COPY, pc.take(pa.array(first_copy, pa.bool_()), place)
    ).append_column(VERSIONS_OF_KEY, pc.take(pa.array(versions, pa.int64()), place))


def _rows_sharing_a_key(t: ir.Table, key: list[str], content: list[str]) -> ir.Table:
    # A missing optional key part (an event without site) is a value like any other here,
    # whereas joins never match NULLs: NULL is written as a marker for the comparison.
    parts = {f"_key{i}": t[k].fill_null("\x00") for i, k in enumerate(key)}
    keyed = t.mutate(**parts)
    shared = keyed.group_by(list(parts)).agg(copies=keyed.source_row.count())
    shared = shared.filter(shared.copies > 1)
    return keyed.semi_join(shared, list(parts)).select(*parts, *content, "source_row")


def _compare(rows: list[dict], content: list[str]) -> tuple[list[bool], list[int]]:
    """For candidate rows in line order: first copy of its content? versions of its key?"""
    seen: dict[tuple, set[tuple]] = {}
    first_copy = []
    for row in rows:
        key = tuple(v for k, v in row.items() if k.startswith("_key"))
        values = tuple(row[c] for c in content)
        contents = seen.setdefault(key, set())
        first_copy.append(values not in contents)
        contents.add(values)
    versions = [len(seen[tuple(v for k, v in row.items() if k.startswith("_key"))]) for row in rows]
    return first_copy, versions
