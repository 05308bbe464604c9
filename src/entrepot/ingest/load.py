"""Turn checked rows into the centre's next version of each warehouse table.

A centre's package replaces everything the warehouse held for the patients it brings
(yearly refresh) and leaves that centre's other patients, and every other centre, alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from entrepot.ingest import facts
from entrepot.ingest.checks import checked_rows, reason_and_column
from entrepot.ingest.codes import MULTIPLE_SEPARATOR
from entrepot.ingest.sent import sent_rows
from entrepot.model import TABLES, Layer, Table, arrow_schema
from entrepot.store import prepared


@dataclass(frozen=True)
class TableOutputs:
    """What the load reads from a table's checked rows (see `checks.checked_rows`)."""

    #: Loaded rows in the warehouse layout.
    new_rows: ir.Table
    #: Quarantined rows as sent, with reason and column.
    quarantined: ir.Table
    #: Line, column and reason of each quarantined row.
    reasons: ir.Table
    #: How many rows were loaded.
    loaded: ir.IntegerScalar


@cache
def table_outputs(name: str) -> TableOutputs:
    """The load's expressions for table `name`, over its checked rows."""
    checked, table = checked_rows(name), TABLES[name]
    failed = checked.filter(checked.failure.notnull())
    return TableOutputs(
        new_rows=warehouse_rows(checked, table),
        quarantined=quarantined_rows(checked, table),
        reasons=failed.select("source_row", **reason_and_column(failed)),
        loaded=checked.filter(checked.failure.isnull()).count(),
    )


@cache
def superseded_patients() -> ir.Table:
    """The warehouse ids of the patients the package brings, whose earlier rows it replaces."""
    return table_outputs("patient").new_rows.select("patient_id")


def warehouse_rows(checked: ir.Table, table: Table) -> ir.Table:
    """The loaded rows of a checked table, in the warehouse layout.

    `warehouse_patient_id` was computed once per patient by the checks
    (see `checks.patient_id`).
    """
    loaded = checked.filter(checked.failure.isnull())
    schema = ibis.Schema.from_pyarrow(arrow_schema(table, Layer.WAREHOUSE))
    columns = {}
    for column in table.columns_in(Layer.WAREHOUSE):
        match column.name:
            case "patient_id":
                value = loaded.warehouse_patient_id
            case "package_id":
                value = facts.package_id()
            case "centre_finess":
                value = facts.finess()
            case _:
                value = loaded[column.name]
                if column.multiple:
                    value = value.split(MULTIPLE_SEPARATOR)
        columns[column.name] = value.cast(schema[column.name])
    return loaded.select(**columns)


def quarantined_rows(checked: ir.Table, table: Table) -> ir.Table:
    """Quarantined rows as they were sent (text), with the reason and the column at fault.

    The checked rows carry typed values only: the sent text is joined back for the few
    quarantined rows, rather than carried through the checks for every row.
    """
    failed = checked.filter(checked.failure.notnull())
    kept = failed.select(quarantined_row=failed.source_row, **reason_and_column(failed))
    sent = sent_rows(table)
    names = [c.name for c in table.columns_in(Layer.PACKAGE)]
    joined = sent.join(kept, sent.source_row == kept.quarantined_row)
    return joined.select("reason", "column", *names)


@cache
def _previous_rows(table: Table) -> ir.Table:
    """The centre's current rows of `table` (registered by `write_next_version`)."""
    return prepared.named(arrow_schema(table, Layer.WAREHOUSE), f"previous_{table.name}")


@cache
def _merged(table: Table, new_rows: ir.Table, superseded: ir.Table) -> ir.Table:
    previous = _previous_rows(table)
    kept = previous.anti_join(superseded, "patient_id").select(*new_rows.columns)
    return kept.union(new_rows)


def write_next_version(
    con: BaseBackend,
    table: Table,
    new_rows: ir.Table,
    superseded: ir.Table,
    previous_file: Path | None,
    out: Path,
) -> None:
    """Write `out`: the centre's previous rows minus superseded patients, plus the new rows."""
    rows = new_rows
    if previous_file is not None:
        prepared.register_parquet(con, _previous_rows(table).get_name(), previous_file)
        rows = _merged(table, new_rows, superseded)
    prepared.write_parquet(con, rows, out)


def count_superseded(
    con: BaseBackend, patient: Table, superseded: ir.Table, previous_file: Path | None
) -> int:
    """How many of the centre's current patients the package replaces."""
    if previous_file is None:
        return 0
    prepared.register_parquet(con, _previous_rows(patient).get_name(), previous_file)
    return int(prepared.scalar(con, _superseded_count(patient, superseded)))


@cache
def _superseded_count(patient: Table, superseded: ir.Table) -> ir.IntegerScalar:
    return _previous_rows(patient).semi_join(superseded, "patient_id").count()
