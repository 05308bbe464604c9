"""Arrow (hence Parquet) schemas of each layer, derived from the declarations."""

from __future__ import annotations

import pyarrow as pa

from entrepot.model.schema import Column, ColumnType, Layer, Origin, Table

_WAREHOUSE_TYPES: dict[ColumnType, pa.DataType] = {
    ColumnType.STRING: pa.string(),
    ColumnType.CODE: pa.string(),
    ColumnType.INTEGER: pa.int64(),
    ColumnType.DECIMAL: pa.float64(),
    # Cents exactly; 14 digits hold any claim (a trillion euros).
    ColumnType.AMOUNT: pa.decimal128(14, 2),
    ColumnType.DATE: pa.date32(),
    ColumnType.BOOLEAN: pa.bool_(),
}


def arrow_type(column: Column, layer: Layer) -> pa.DataType:
    """The Arrow type of a column in a layer.

    Care values travel as the text the hospital exported: the edge kit must not guess
    types (a failed guess would silently drop data), so typing and its errors happen once,
    at ingestion, where they are reported back to the centre.
    """
    if layer is Layer.EXPORT or (layer is Layer.PACKAGE and column.origin is Origin.CARE):
        return pa.string()
    base = _WAREHOUSE_TYPES[column.type]
    return pa.list_(base) if column.multiple and layer is Layer.WAREHOUSE else base


def arrow_schema(table: Table, layer: Layer) -> pa.Schema:
    """The schema of `table` in `layer`; every column nullable at the storage level
    (requiredness is a validation rule with its own quarantine reason)."""
    return pa.schema(
        [pa.field(c.name, arrow_type(c, layer), nullable=True) for c in table.columns_in(layer)]
    )
