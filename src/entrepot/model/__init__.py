"""The warehouse schema, declared once. Everything else derives from it."""

from entrepot.model.arrow import arrow_schema, arrow_type
from entrepot.model.claims import CLAIMS_TABLES
from entrepot.model.linkage import SNDS_LINK
from entrepot.model.schema import (
    Column,
    ColumnType,
    Layer,
    Origin,
    Reference,
    Table,
    ValueSet,
)
from entrepot.model.tables import CLINICAL_TABLES, IDENTITY, SCHEMA_VERSION, TABLES
from entrepot.model.value_sets import MEASUREMENT_UNITS, VALUE_SETS

__all__ = [
    "CLAIMS_TABLES",
    "CLINICAL_TABLES",
    "IDENTITY",
    "MEASUREMENT_UNITS",
    "SCHEMA_VERSION",
    "SNDS_LINK",
    "TABLES",
    "VALUE_SETS",
    "Column",
    "ColumnType",
    "Layer",
    "Origin",
    "Reference",
    "Table",
    "ValueSet",
    "arrow_schema",
    "arrow_type",
]
