"""What the checks and the load need to know about the package, as a one-row table.

The FINESS, the creation date and the package id are read from this table rather than
written into the expressions as literals, so that an expression's SQL is the same for
every package and is compiled once per process (`store.prepared`).
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir
import pyarrow as pa

from entrepot.store.prepared import named

_SCHEMA = pa.schema(
    [("finess", pa.string()), ("created", pa.date32()), ("package_id", pa.string())]
)
#: The table the expressions read; `facts_table` gives each package's row.
FACTS = named(_SCHEMA, "package_facts")


def facts_table(finess: str, created: dt.date, package_id: str) -> pa.Table:
    """The one row registered as `FACTS` for a package."""
    return pa.table(
        {"finess": [finess], "created": [created], "package_id": [package_id]}, schema=_SCHEMA
    )


def finess() -> ir.StringScalar:
    return FACTS.finess.as_scalar()


def created() -> ir.DateScalar:
    return FACTS.created.as_scalar()


def package_id() -> ir.StringScalar:
    return FACTS.package_id.as_scalar()
