"""Turn checked rows into the centre's next version of each warehouse table.

A centre's package replaces everything the warehouse held for the patients it brings
(yearly refresh) and leaves that centre's other patients, and every other centre, alone.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir

from entrepot.ingest.codes import MULTIPLE_SEPARATOR
from entrepot.model import Layer, Table, arrow_schema


def patient_id(finess: str, centre_code: ir.StringValue) -> ir.StringValue:
    """Warehouse patient id: a hash of centre and centre code, stable across refreshes.

    Derived rather than counted so that ingesting needs no shared counter, a replayed
    package gives the same ids, and the id reveals nothing the centre code doesn't.
    """
    return (ibis.literal(f"{finess}:") + centre_code).hexdigest("sha256").substr(0, 20)


def warehouse_rows(checked: ir.Table, table: Table, finess: str, package_id: str) -> ir.Table:
    """The loaded rows of a checked table, in the warehouse layout.

    `warehouse_patient_id` was computed once per patient by the checks (see `patient_id`).
    """
    loaded = checked.filter(checked.reason.isnull())
    schema = ibis.Schema.from_pyarrow(arrow_schema(table, Layer.WAREHOUSE))
    columns = {}
    for column in table.columns_in(Layer.WAREHOUSE):
        match column.name:
            case "patient_id":
                value = loaded.warehouse_patient_id
            case "package_id":
                value = ibis.literal(package_id)
            case "centre_finess":
                value = ibis.literal(finess)
            case _:
                value = loaded[f"{column.name}__v"]
                if column.multiple:
                    value = value.split(MULTIPLE_SEPARATOR)
        columns[column.name] = value.cast(schema[column.name])
    return loaded.select(**columns)


def quarantined_rows(checked: ir.Table, table: Table) -> ir.Table:
    """Quarantined rows as they were sent (text), with the reason and the column at fault."""
    kept = checked.filter(checked.reason.notnull())
    sent = [c.name for c in table.columns_in(Layer.PACKAGE)]
    return kept.select("reason", "column", *sent)


def write_next_version(
    con: ibis.BaseBackend,
    new_rows: ir.Table,
    superseded: ir.Table,
    previous_file: Path | None,
    out: Path,
) -> None:
    """Write `out`: the centre's previous rows minus superseded patients, plus the new rows."""
    rows = new_rows
    if previous_file is not None:
        previous = con.read_parquet(previous_file)
        rows = (
            previous.anti_join(superseded, "patient_id").select(*new_rows.columns).union(new_rows)
        )
    con.to_parquet(rows, out)
