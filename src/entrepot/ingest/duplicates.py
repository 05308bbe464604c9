"""Duplicates in a sent table: exact repeats of a row, and different rows sharing a key.

Found before the row checks: the engine lists the rows whose key's hash is seen more than
once (an aggregation, cheap), and keys and whole rows are compared in Python among those,
which are few. Done inside the row checks, the same needs the table twice (a self-join or a window
carrying every column), which cost more than all the other checks together. The verdicts
come back as a small table of those rows only, which the row checks join.
"""

from __future__ import annotations

from functools import cache

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from entrepot.ingest.sent import sent_rows
from entrepot.model import Layer, Table
from entrepot.store import prepared

#: Rows sharing their key with another row: is this the first line with this exact
#: content, and how many different contents share its key. Rows with a unique key are
#: absent.
FLAGS_SCHEMA = pa.schema(
    [("duplicate_row", pa.int64()), ("first_copy", pa.bool_()), ("versions_of_key", pa.int64())]
)


@cache
def flags_of(table: Table) -> ir.Table:
    """The table the row checks read the flags from (registered by the caller)."""
    return prepared.named(FLAGS_SCHEMA, f"duplicates_{table.name}")


def duplicate_flags(con: BaseBackend, table: Table) -> pa.Table:
    """The flags of the sent rows of `table` (registered as `sent_rows(table)`)."""
    candidates = prepared.to_arrow(con, _rows_sharing_a_key(table))
    candidates = candidates.sort_by("source_row")
    # Tuples built by column: no dictionary per row.
    values = {name: candidates[name].to_pylist() for name in _content(table)}
    keys = list(zip(*(values[name] for name in table.package_key), strict=True))
    first_copy, versions = _compare(keys, list(zip(*values.values(), strict=True)))
    return pa.table(
        [candidates["source_row"].cast(pa.int64()), first_copy, versions], schema=FLAGS_SCHEMA
    )


def _content(table: Table) -> list[str]:
    return [c.name for c in table.columns_in(Layer.PACKAGE) if c.name != "source_row"]


@cache
def _rows_sharing_a_key(table: Table) -> ir.Table:
    t = sent_rows(table)
    # Rows are grouped by one 64-bit hash of their key rather than by its parts: nearly
    # every key is unique, and a hash table of millions of text keys cost twice as much.
    # Rows whose keys merely share a hash are told apart by `_compare`, on the key itself.
    # The hash is spelt twice rather than computed once and shared: a shared subquery is
    # materialised by the engine, which cost more than computing it again.
    shared = t.group_by(_key=_key_hash(t, table)).agg(copies=t.source_row.count())
    shared = shared.filter(shared.copies > 1)
    keyed = t.mutate(_key=_key_hash(t, table))
    return keyed.semi_join(shared, "_key").select(*_content(table), "source_row")


def _key_hash(t: ir.Table, table: Table) -> ir.IntegerValue:
    # A missing optional key part (an event without site) is a value like any other here:
    # the hash of a struct holding NULL is the same for every such row.
    return ibis.struct({name: t[name] for name in table.package_key}).hash()


def _compare(keys: list[tuple], contents: list[tuple]) -> tuple[list[bool], list[int]]:
    """For candidate rows in line order, by their key and their whole content: first copy
    of its content? how many contents share its key?"""
    seen: dict[tuple, set[tuple]] = {}
    first_copy = []
    for key, content in zip(keys, contents, strict=True):
        contents_of_key = seen.setdefault(key, set())
        first_copy.append(content not in contents_of_key)
        contents_of_key.add(content)
    return first_copy, [len(seen[key]) for key in keys]
