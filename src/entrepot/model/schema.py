"""The building blocks of the warehouse schema: columns, tables, value sets.

A column is declared once, here, with everything every layer needs: its type, whether it
is required, the vocabulary its values come from, its unit, an English description and a
French label, and its *origin* — who fills it in. The origin decides which layer the
column lives in:

- the hospital export (CSV written by the hospital's own systems, identities included),
- the package (what the edge kit sends: pseudonymised, values still as exported text),
- the warehouse (typed, validated, loaded at ingestion, frozen in releases).

Claims imported from the SNDS exist in the warehouse layer only: no hospital exports them
and no edge kit touches them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class ColumnType(enum.StrEnum):
    """Logical types; `model.arrow` maps them to Parquet/Arrow types."""

    STRING = "string"
    CODE = "code"
    INTEGER = "integer"
    DECIMAL = "decimal"
    #: Money in euros, kept exact (a decimal with cents, not a binary float).
    AMOUNT = "amount"
    DATE = "date"
    BOOLEAN = "boolean"


class Origin(enum.StrEnum):
    """Who fills a column in, hence which layers hold it."""

    #: An identifier of the hospital's own systems (IPP, NDA): in the export only,
    #: replaced by the edge kit and never sent.
    HOSPITAL_ID = "hospital_id"
    #: Care data exported by the hospital, sent as exported, validated at ingestion.
    CARE = "care"
    #: Computed by the edge kit inside the hospital (centre code, linkage token, birth
    #: year and month, département, source row).
    EDGE = "edge"
    #: Assigned by the warehouse at ingestion (patient id, centre FINESS, package id).
    WAREHOUSE = "warehouse"
    #: Read from a national SNDS extract by the SNDS import.
    SNDS = "snds"


class Layer(enum.StrEnum):
    EXPORT = "export"
    PACKAGE = "package"
    WAREHOUSE = "warehouse"


_LAYERS_OF_ORIGIN = {
    Origin.HOSPITAL_ID: {Layer.EXPORT},
    Origin.CARE: {Layer.EXPORT, Layer.PACKAGE, Layer.WAREHOUSE},
    Origin.EDGE: {Layer.PACKAGE, Layer.WAREHOUSE},
    Origin.WAREHOUSE: {Layer.WAREHOUSE},
    Origin.SNDS: {Layer.WAREHOUSE},
}


@dataclass(frozen=True)
class ValueSet:
    """A small enumeration owned by the warehouse (external code systems live in `vocab`)."""

    name: str
    #: code -> (English label, French label)
    values: dict[str, tuple[str, str]]

    def codes(self) -> frozenset[str]:
        return frozenset(self.values)


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool
    description: str
    label_fr: str
    origin: Origin = Origin.CARE
    #: Name of a `ValueSet` of this model or of a code system of `entrepot.vocab`.
    vocabulary: str | None = None
    unit: str | None = None
    #: Several values in one cell, separated by `|` in exports, a list in the warehouse.
    multiple: bool = False
    #: Inclusive plausible range for numbers.
    minimum: float | None = None
    maximum: float | None = None

    def in_layer(self, layer: Layer) -> bool:
        return layer in _LAYERS_OF_ORIGIN[self.origin]


@dataclass(frozen=True)
class Reference:
    """Rows of a table belong to a row of a parent table (same centre, same key values)."""

    parent: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    label_fr: str
    columns: tuple[Column, ...]
    #: Columns identifying a row in the warehouse layer.
    key: tuple[str, ...]
    #: The same key as the hospital sees it, in the package layer (before warehouse ids).
    package_key: tuple[str, ...]
    references: tuple[Reference, ...] = ()
    #: Identity tables exist only in hospital exports and inside the edge kit.
    identifying: bool = False
    notes: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    def columns_in(self, layer: Layer) -> tuple[Column, ...]:
        if self.identifying and layer is not Layer.EXPORT:
            return ()
        return tuple(c for c in self.columns if c.in_layer(layer))

    def column_names(self, layer: Layer) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns_in(layer))
