"""The gated tables themselves: Ibis expressions over one release, restricted to a scope.

One small mapping table (warehouse id → pseudonym, for the allowed patients only) is
joined to every table: the inner join both keeps the population and swaps the id for the
pseudonym, so no expression built on the result can reach a patient outside it. Claims
tables reach the mapping through the link table. The identifying columns are never
selected.
"""

from __future__ import annotations

import ibis
import pyarrow as pa

from entrepot.access.scope import BENEFICIARY_TABLES, Population, Scope
from entrepot.governance.errors import Conflict
from entrepot.model import SNDS_LINK
from entrepot.store.engine import ReleaseTables


def population_ids(release: ReleaseTables, population: Population) -> list[str]:
    """Warehouse ids of the release's patients inside `population` (before the registry)."""
    patient = release["patient"]
    if population.centres:
        patient = patient.filter(patient.centre_finess.isin(population.centres))
    if population.cancer_types or population.diagnosis_years:
        tumour = release["tumour"]
        if population.cancer_types:
            tumour = tumour.filter(tumour.cancer_type.isin(population.cancer_types))
        if population.diagnosis_years:
            first, last = population.diagnosis_years
            tumour = tumour.filter(tumour.diagnosis_date.year().between(first, last))
        patient = patient.semi_join(tumour, "patient_id")
    ids = patient.select("patient_id").distinct().to_pyarrow().column("patient_id")
    return sorted(ids.to_pylist())


def gated_tables(
    release: ReleaseTables, scope: Scope, patient_ids: list[str], names: list[str]
) -> dict[str, ibis.Table]:
    """Each granted table, holding only the allowed patients, under their pseudonyms."""
    column = scope.pseudonym_column
    mapping = ibis.memtable(pa.table({"patient_id": patient_ids, column: names}))
    tables = {}
    for table_name, columns in scope.variables.items():
        if table_name not in release:
            # A grant pinned to a release published before the SNDS linkage, say: the
            # project's grant and its release disagree, which the operator must settle.
            raise Conflict(
                f"release {release.manifest.release_id} has no table {table_name!r}, which "
                "the grant names; ask the operator to pin a release that holds it"
            )
        source = release[table_name]
        if column in source.columns:  # a centre's view names patients by their centre code
            source = source.drop(column)
        if table_name in BENEFICIARY_TABLES and table_name != SNDS_LINK.name:
            link = release[SNDS_LINK.name].select("patient_id", "beneficiary_id")
            people = link.join(mapping, "patient_id").select("beneficiary_id", column)
            joined = source.join(people, "beneficiary_id")
        else:
            joined = source.join(mapping, "patient_id")
        # In the model's order, whatever order the grant lists them in.
        tables[table_name] = joined.select(column, *[c for c in source.columns if c in columns])
    return tables
