"""The sent rows of a table as the checks read them: cleaned, coded and typed.

Typing (`values.typed`: numbers with a decimal comma, DD/MM/YYYY dates, French booleans)
is an engine expression of the text alone, so it runs on the distinct texts of each
column, which the dictionaries of `codes.clean_and_code` already hold, and each row takes
its value by index. Run on every row, rewriting DD/MM/YYYY dates alone cost 0.15 µs per
row and date column, the largest step of the row checks for centres writing dates so.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends import BaseBackend

from entrepot.ingest.codes import clean_and_code, coded_schema, distinct_cells
from entrepot.ingest.values import typed
from entrepot.model import TABLES, Column, ColumnType, Layer, Origin, Table
from entrepot.store import prepared

_TYPED = (ColumnType.INTEGER, ColumnType.DECIMAL, ColumnType.DATE, ColumnType.BOOLEAN)
_POSITION = "position"


def typed_by_distinct(column: Column) -> bool:
    """Is the value of this column typed from its text (and carried in the sent rows)?"""
    return column.origin is Origin.CARE and not column.vocabulary and column.type in _TYPED


def value_column(name: str) -> str:
    """Name of the column holding the typed value of a column typed from its text."""
    return f"{name}__typed"


@cache
def sent_rows(table: Table) -> ir.Table:
    """The table the checks read `sent_table`'s result from (registered by the caller)."""
    schema = coded_schema(table)
    for name, dtype in _typed_distinct(table.name).schema().items():
        if name != _POSITION:
            schema = schema.append(pa.field(name, dtype.to_pyarrow()))
    return prepared.named(schema, f"sent_{table.name}")


def sent_table(con: BaseBackend, table: Table, source: Path) -> pa.Table:
    """`clean_and_code`'s result for the package file `source`, plus the typed value of
    each column typed from its text (`value_column`), computed by the engine in `con`."""
    sent = clean_and_code(table, source)
    columns = [c for c in table.columns_in(Layer.PACKAGE) if typed_by_distinct(c)]
    if not columns:
        return sent
    texts = {c.name: distinct_cells(sent[c.name]) for c in columns}
    longest = max(len(cells) for cells in texts.values())
    distinct = pa.table(
        {
            _POSITION: pa.array(range(longest), pa.int64()),
            **{name: _padded(cells, longest) for name, cells in texts.items()},
        }
    )
    prepared.register_arrow(con, _distinct(table.name).get_name(), distinct)
    # Sorted back: the engine does not keep the order of the rows it reads.
    values = prepared.to_arrow(con, _typed_distinct(table.name)).sort_by(_POSITION)
    for name, cells in texts.items():
        typed_cells = values[value_column(name)].combine_chunks()[: len(cells)]
        rows = [pc.take(typed_cells, chunk.indices) for chunk in sent[name].chunks]
        sent = sent.append_column(value_column(name), pa.chunked_array(rows, typed_cells.type))
    return sent


@cache
def _distinct(name: str) -> ir.Table:
    columns = [c for c in TABLES[name].columns_in(Layer.PACKAGE) if typed_by_distinct(c)]
    schema = pa.schema([(_POSITION, pa.int64()), *[(c.name, pa.string()) for c in columns]])
    return prepared.named(schema, f"distinct_{name}")


@cache
def _typed_distinct(name: str) -> ir.Table:
    d = _distinct(name)
    columns = [c for c in TABLES[name].columns_in(Layer.PACKAGE) if typed_by_distinct(c)]
    return d.select(_POSITION, **{value_column(c.name): typed(c, d[c.name]) for c in columns})


def _padded(cells: pa.Array, length: int) -> pa.Array:
    return pa.concat_arrays([cells, pa.nulls(length - len(cells), pa.string())])
