"""Clean the sent text and map coded columns to canonical codes, batch by batch.

Normalising runs in Python (the vocabularies live there) but only once per *distinct*
value, which are few even for millions of rows; each batch is then mapped with a vector
lookup. This pass is plain Arrow: joining one mapping per coded column in the engine
would cost more to plan than to run (tumour has 25 coded columns).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from entrepot.model import VALUE_SETS, Column, Layer, Origin, Table, arrow_type
from entrepot.vocab import code_system

MULTIPLE_SEPARATOR = "|"


def code_column(name: str) -> str:
    """Name of the column holding the canonical code of a coded column."""
    return f"{name}__code"


@cache
def normaliser(vocabulary: str) -> Callable[[str], str | None]:
    """The function giving the canonical code of a raw value, or None when invalid."""
    if vocabulary in VALUE_SETS:
        codes = VALUE_SETS[vocabulary].codes()
        by_lower = {code.lower(): code for code in codes}
        return lambda raw: raw if raw in codes else by_lower.get(raw.lower())
    return code_system(vocabulary).normalise


def canonical_cell(column: Column, cell: str) -> str | None:
    """Canonical text of a cell; for multi-valued columns every part must be valid."""
    assert column.vocabulary is not None
    normalise = normaliser(column.vocabulary)
    parts = cell.split(MULTIPLE_SEPARATOR) if column.multiple else [cell]
    canonical = [normalise(part.strip()) for part in parts]
    if any(code is None for code in canonical):
        return None
    return MULTIPLE_SEPARATOR.join(canonical)  # type: ignore[arg-type]


def _cleaned(values: pa.Array) -> pa.Array:
    """Surrounding spaces removed; an empty cell is missing."""
    trimmed = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


class _ColumnCoder:
    """Maps the cells of one coded column, remembering every distinct cell it has seen."""

    def __init__(self, column: Column) -> None:
        self.column = column
        self.known: dict[str, str | None] = {}

    def _canonical(self, cell: str) -> str | None:
        if cell not in self.known:
            self.known[cell] = canonical_cell(self.column, cell)
        return self.known[cell]

    def __call__(self, cells: pa.Array) -> pa.Array:
        # One hash pass gives both the distinct cells and each row's index among them.
        encoded = pc.dictionary_encode(cells)
        codes = [self._canonical(cell) for cell in encoded.dictionary.to_pylist()]
        return pc.take(pa.array(codes, pa.string()), encoded.indices)


def clean_and_code(table: Table, source: Path) -> pa.Table:
    """The package table with care text cleaned and a code column per coded column
    (NULL where the cell is empty or not a valid code), read batch by batch.

    Cleaning here rather than in the engine measured faster (5.6 s against 6.7 s on a
    package of 1.3 million rows): the engine would trim each column in every expression
    that uses it."""
    columns = table.columns_in(Layer.PACKAGE)
    coders = {c.name: _ColumnCoder(c) for c in columns if c.vocabulary}
    batches = []
    reader = pq.ParquetFile(source)
    for batch in reader.iter_batches(batch_size=256_000, columns=[c.name for c in columns]):
        arrays, names = [], []
        for column in columns:
            values = batch.column(column.name)
            if column.origin is Origin.CARE:
                values = _cleaned(values)
            arrays.append(values)
            names.append(column.name)
            if column.name in coders:
                arrays.append(coders[column.name](values))
                names.append(code_column(column.name))
        batches.append(pa.RecordBatch.from_arrays(arrays, names=names))
    return pa.Table.from_batches(batches, schema=_coded_schema(columns, coders))


def _coded_schema(columns: tuple[Column, ...], coders: dict) -> pa.Schema:
    fields = []
    for column in columns:
        fields.append(pa.field(column.name, arrow_type(column, Layer.PACKAGE)))
        if column.name in coders:
            fields.append(pa.field(code_column(column.name), pa.string()))
    return pa.schema(fields)
