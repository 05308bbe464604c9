"""What one opening of the gate may see: the release, the tables and columns, the population.

A scope is built from a project's grant or from a centre user's role; the gate never
widens it. `variables` maps each warehouse table to the columns granted in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from entrepot.model import CLAIMS_TABLES, CLINICAL_TABLES, SNDS_LINK
from entrepot.model.identifiers import NEVER_RELEASED

PATIENT_TABLES = {table.name: table for table in CLINICAL_TABLES}
BENEFICIARY_TABLES = {table.name: table for table in (*CLAIMS_TABLES, SNDS_LINK)}


@dataclass(frozen=True)
class Population:
    """Patients of these centres with a tumour of these types diagnosed in these years.

    An empty tuple means no restriction on that axis.
    """

    centres: tuple[str, ...] = ()
    cancer_types: tuple[str, ...] = ()
    diagnosis_years: tuple[int, int] | None = None

    @classmethod
    def from_json(cls, data: dict) -> Population:
        years = data.get("diagnosis_years")
        return cls(
            centres=tuple(data.get("centres") or ()),
            cancer_types=tuple(data.get("cancer_types") or ()),
            diagnosis_years=(int(years[0]), int(years[1])) if years else None,
        )


@dataclass(frozen=True)
class Scope:
    """One gate opening: for a project (`project` is its code) or a centre (`centre`)."""

    release_id: str | None
    variables: dict[str, tuple[str, ...]]
    population: Population
    project: str | None = None
    centre: str | None = None
    #: The column that names the patient in every gated table.
    pseudonym_column: str = "pseudonym"

    def __post_init__(self) -> None:
        for table, columns in self.variables.items():
            known = PATIENT_TABLES.get(table) or BENEFICIARY_TABLES.get(table)
            if known is None:
                raise ValueError(f"the grant names table {table!r}, which the warehouse lacks")
            names = {column.name for column in known.columns}
            bad = [c for c in columns if c not in names or c in NEVER_RELEASED]
            if bad:
                raise ValueError(
                    f"the grant names columns of {table} that cannot be released: {bad}"
                )


def releasable_columns(table_name: str) -> tuple[str, ...]:
    """Every column of a table that may leave the gate (all but the identifying ones)."""
    table = PATIENT_TABLES.get(table_name) or BENEFICIARY_TABLES[table_name]
    return tuple(c.name for c in table.columns if c.name not in NEVER_RELEASED)
