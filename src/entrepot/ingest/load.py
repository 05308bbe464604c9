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
from entrepot.ingest.checks import (
    check_expression,
    checked_rows,
    reason_and_column,
    referenced,
)
from entrepot.ingest.codes import MULTIPLE_SEPARATOR
from entrepot.ingest.sent import sent_rows
from entrepot.model import CLINICAL_TABLES, TABLES, Layer, Table, arrow_schema
from entrepot.store import prepared
from entrepot.store.atomic import rename_durably


@dataclass(frozen=True)
class TableOutputs:
    """What the load writes of a table: its rows to load and its quarantined rows."""

    #: Loaded rows in the warehouse layout.
    new_rows: ir.Table
    #: Quarantined rows as sent (`source_row` is the line), with reason and column.
    quarantined: ir.Table


@cache
def table_outputs(name: str) -> TableOutputs:
    """The load's expressions for table `name`: the loaded rows from its materialised
    checked rows for the `checks.referenced` tables, straight from its checks for the others;
    the quarantined rows from its checked rows (for the others, once `check_unloaded`
    has checked the rows not loaded)."""
    checked, table = checked_rows(name), TABLES[name]
    loaded_from = checked if name in referenced() else check_expression(name)
    return TableOutputs(
        new_rows=warehouse_rows(loaded_from, table),
        quarantined=quarantined_rows(checked, table),
    )


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
def _package_rows(table: Table) -> ir.Table:
    """The package's rows to load of `table` (registered by `register_package_rows`)."""
    return prepared.named(arrow_schema(table, Layer.WAREHOUSE), f"package_{table.name}")


@cache
def _superseded_patients() -> ir.Table:
    """The warehouse ids of the patients the package brings, whose earlier rows it replaces."""
    return _package_rows(TABLES["patient"]).select("patient_id")


@cache
def _merged(table: Table) -> ir.Table:
    previous, superseded = _previous_rows(table), _superseded_patients()
    kept = previous.anti_join(superseded, "patient_id").select(*previous.columns)
    return kept.union(_package_rows(table))


@cache
def _superseded_count() -> ir.IntegerScalar:
    return _previous_rows(TABLES["patient"]).semi_join(_superseded_patients(), "patient_id").count()


def register_package_rows(con: BaseBackend, folder: Path) -> None:
    """Make the package's rows to load, written as `<table>.parquet` into `folder` by the
    ingest's preparation, readable by `write_next_version` and `count_superseded`."""
    for table in CLINICAL_TABLES:
        prepared.register_parquet(
            con, _package_rows(table).get_name(), folder / f"{table.name}.parquet"
        )


def write_next_version(
    con: BaseBackend, table: Table, package_file: Path, previous_file: Path | None, out: Path
) -> None:
    """Write `out`: the centre's previous rows minus superseded patients, plus the package's
    rows in `package_file` (moved there as they are when the centre had no rows yet)."""
    if previous_file is None:
        rename_durably(package_file, out)
        return
    prepared.register_parquet(con, _previous_rows(table).get_name(), previous_file)
    prepared.write_parquet(con, _merged(table), out)


def count_superseded(con: BaseBackend, previous_patients: Path | None) -> int:
    """How many of the centre's current patients the package replaces."""
    if previous_patients is None:
        return 0
    prepared.register_parquet(con, _previous_rows(TABLES["patient"]).get_name(), previous_patients)
    return int(prepared.scalar(con, _superseded_count()))
