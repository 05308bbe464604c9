"""The four tables linkage reads (decision 0004, seam 2), checked and given one shape.

Both sides arrive as Arrow tables, or as anything with `to_pyarrow()` (an Ibis table read
from a release). Columns linkage does not use (`discharge_date`, what the PMSI says of a
stay) are dropped here, so nothing downstream carries more patient data than it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

PERSON_COLUMNS = {
    "snds_token": pa.string(),
    "sex": pa.string(),
    "birth_year": pa.int32(),
    "birth_month": pa.int32(),
    "departement": pa.string(),
    "death_date": pa.date32(),
}
STAY_COLUMNS = {"finess": pa.string(), "admission_date": pa.date32()}


@dataclass(frozen=True)
class LinkageInput:
    """Hospital patients (`patient_id`, `centre_finess`, person columns) and their stays
    at the centre; SNDS beneficiaries (`beneficiary_id`, person columns) and their stays."""

    hospital_people: pa.Table
    hospital_stays: pa.Table
    snds_people: pa.Table
    snds_stays: pa.Table


def read_inputs(
    hospital_people: Any, hospital_stays: Any, snds_people: Any, snds_stays: Any
) -> LinkageInput:
    """The inputs with exactly the columns and types linkage uses, or a `ValueError`
    naming the missing columns (never a value: these are patient rows)."""
    people = _arrow(hospital_people)
    if "centre_finess" not in people.column_names:
        # Accepted without it (one centre, or a test): the report then has one group.
        people = people.append_column("centre_finess", pa.nulls(people.num_rows, pa.string()))
    return LinkageInput(
        hospital_people=_conform(
            people,
            "hospital people",
            {"patient_id": pa.string(), "centre_finess": pa.string(), **PERSON_COLUMNS},
        ),
        hospital_stays=_dated(
            _conform(
                _renamed(_arrow(hospital_stays), {"stay_finess": "finess"}),
                "hospital stays",
                {"patient_id": pa.string(), **STAY_COLUMNS},
            )
        ),
        snds_people=_conform(
            _arrow(snds_people), "SNDS people", {"beneficiary_id": pa.string(), **PERSON_COLUMNS}
        ),
        snds_stays=_dated(
            _conform(
                _arrow(snds_stays), "SNDS stays", {"beneficiary_id": pa.string(), **STAY_COLUMNS}
            )
        ),
    )


def _arrow(table: Any) -> pa.Table:
    if isinstance(table, pa.Table):
        return table
    if hasattr(table, "to_pyarrow"):
        return table.to_pyarrow()
    raise TypeError(f"expected a pyarrow or Ibis table, got {type(table).__name__}")


def _renamed(table: pa.Table, names: dict[str, str]) -> pa.Table:
    # The warehouse's `centre_stay` calls the stay's FINESS `stay_finess` (decision 0004).
    if any(new in table.column_names for new in names.values()):
        return table
    return table.rename_columns([names.get(name, name) for name in table.column_names])


def _conform(table: pa.Table, label: str, columns: dict[str, pa.DataType]) -> pa.Table:
    missing = [name for name in columns if name not in table.column_names]
    if missing:
        raise ValueError(f"{label}: missing column(s) {', '.join(missing)}")
    return pa.table({name: pc.cast(table[name], kind) for name, kind in columns.items()})


def _dated(stays: pa.Table) -> pa.Table:
    # A stay without a FINESS or an admission day cannot be shared with anyone.
    return stays.filter(pc.and_(pc.is_valid(stays["finess"]), pc.is_valid(stays["admission_date"])))
