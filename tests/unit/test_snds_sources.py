"""The declarations of what the import reads agree with each other and with the HDH schemas."""

import pytest

from entrepot import model
from entrepot.snds.pipeline import readers
from entrepot.snds.sources import SOURCES, yearly_source
from entrepot.snds.values import CODE_KIND


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.table)
def test_every_column_a_source_uses_is_in_its_hdh_schema_and_read(source):
    schema = source.schema()
    assert set(source.used) <= set(schema.fields), source.table
    fields, coders = readers()[source.table]
    assert {f.name for f in fields} >= set(source.used), source.table
    assert all(f.name in schema.fields for f in fields), source.table
    assert {f.name for f in fields if f.kind == CODE_KIND} == set(coders), source.table


def test_pmsi_files_are_named_by_their_year_of_discharge():
    source, year = yearly_source("T_MCO19MED.csv")
    assert (source.table, year) == ("T_MCOaaMED", 2019)
    assert yearly_source("t_mco08b.csv")[1] == 2008
    assert yearly_source("T_MCO19UM.csv") is None  # a table the import does not read
    assert yearly_source("T_MCO30B.csv") is None  # no such year


def test_the_claims_tables_the_linkage_reads_have_the_columns_of_decision_0004():
    tables = {t.name: t for t in model.CLAIMS_TABLES}
    beneficiary = tables["beneficiary"].column_names(model.Layer.WAREHOUSE)
    assert beneficiary[:7] == (
        "beneficiary_id",
        "snds_token",
        "sex",
        "birth_year",
        "birth_month",
        "departement",
        "death_date",
    )
    stay = tables["hospital_stay"].column_names(model.Layer.WAREHOUSE)
    assert stay[:5] == ("beneficiary_id", "stay_id", "finess", "admission_date", "discharge_date")
    for table in model.CLAIMS_TABLES:
        assert table.columns[0].name == "beneficiary_id"
        assert table.columns_in(model.Layer.PACKAGE) == ()
        assert all(c.origin is model.Origin.SNDS for c in table.columns)
