"""The same Ibis queries give the same answers on DuckDB and on Spark, over one release."""

from __future__ import annotations

from collections.abc import Callable

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from entrepot import model
from entrepot.store import Home, UnknownRelease, WorkingStore, engine, release
from entrepot.store.engine import ReleaseTables

pytestmark = pytest.mark.spark

CENTRES = ("750000001", "690000002", "130000003")
PATIENTS_PER_CENTRE = 150
DRUGS = ("L01XC03", "L01CD01", "L02BG04", "L01XE07", "L01XC18")


# The queries: plain Ibis over the tables of a release, nothing engine-specific.


def patients_by_centre_and_cancer(tables: ReleaseTables) -> ibis.Table:
    joined = tables["patient"].join(tables["tumour"], "patient_id")
    return joined.group_by(["centre_finess", "cancer_type"]).aggregate(
        patients=joined.patient_id.nunique()
    )


def treatments_per_kind(tables: ReleaseTables) -> ibis.Table:
    treatment = tables["treatment"]
    return treatment.group_by("kind").aggregate(treatments=treatment.count())


def median_age_at_diagnosis(tables: ReleaseTables) -> ibis.Table:
    joined = tables["patient"].join(tables["tumour"], "patient_id")
    age = joined.diagnosis_date.year() - joined.birth_year
    return joined.group_by("cancer_type").aggregate(median_age=age.median())


def metastatic_first_lines_by_drug(tables: ReleaseTables) -> ibis.Table:
    treatment = tables["treatment"]
    first_lines = treatment.filter(
        (treatment.setting == "metastatic") & (treatment.line_number == 1)
    )
    drugs = first_lines.select(drug=first_lines.drugs.unnest())
    return drugs.group_by("drug").aggregate(first_lines=drugs.count())


QUERIES: list[Callable[[ReleaseTables], ibis.Table]] = [
    patients_by_centre_and_cancer,
    treatments_per_kind,
    median_age_at_diagnosis,
    metastatic_first_lines_by_drug,
]


# The release they run on.


def warehouse_table(name: str, rows: int, columns: dict[str, object]) -> pa.Table:
    """A warehouse-layer table with the given columns, the others null."""
    schema = model.arrow_schema(model.TABLES[name], model.Layer.WAREHOUSE)
    return pa.table(
        [
            pa.array(columns[f.name], f.type) if f.name in columns else pa.nulls(rows, f.type)
            for f in schema
        ],
        schema=schema,
    )


def synthetic_centre(finess: str, rng: np.random.Generator) -> dict[str, pa.Table]:
    """Patients with one or two tumours, each with zero to four treatments."""
    n = PATIENTS_PER_CENTRE
    ids = np.char.add(f"{finess}-", np.arange(n).astype(str))
    patient = warehouse_table(
        "patient",
        n,
        {
            "patient_id": ids,
            "centre_finess": [finess] * n,
            "birth_year": rng.integers(1930, 2000, n),
        },
    )
    tumours_of = rng.integers(1, 3, n)
    tumour_patients = np.repeat(ids, tumours_of)
    tumour_numbers = np.concatenate([np.arange(1, k + 1) for k in tumours_of])
    t = len(tumour_patients)
    start = np.datetime64("2012-01-01", "D")
    tumour = warehouse_table(
        "tumour",
        t,
        {
            "patient_id": tumour_patients,
            "tumour_number": tumour_numbers,
            "cancer_type": rng.choice(["breast", "lung", "ovary"], t),
            "diagnosis_date": start + rng.integers(0, 4000, t).astype("timedelta64[D]"),
        },
    )
    treatments_of = rng.integers(0, 5, t)
    r = int(treatments_of.sum())
    drugs = [
        None if k < 0 else list(rng.choice(DRUGS, k, replace=False)) for k in rng.integers(-1, 4, r)
    ]
    line_numbers = rng.integers(1, 4, r)
    treatment = warehouse_table(
        "treatment",
        r,
        {
            "patient_id": np.repeat(tumour_patients, treatments_of),
            "tumour_number": np.repeat(tumour_numbers, treatments_of),
            "treatment_number": np.arange(1, r + 1),
            "kind": rng.choice(sorted(model.VALUE_SETS["treatment_kind"].codes()), r),
            "setting": rng.choice(["metastatic", "adjuvant", "neoadjuvant", "curative"], r),
            "line_number": [None if rng.random() < 0.2 else int(x) for x in line_numbers],
            "drugs": drugs,
        },
    )
    return {"patient": patient, "tumour": tumour, "treatment": treatment}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    home = Home(tmp_path_factory.mktemp("engines") / "home")
    store = WorkingStore(home)
    rng = np.random.default_rng(7)
    with store.lock():
        for finess in CENTRES:
            staging = store.new_centre_version(finess)
            for name, table in synthetic_centre(finess, rng).items():
                pq.write_table(table, staging / f"{name}.parquet")
            store.commit(finess, staging, f"{finess}-1", {})
    release.publish(home)
    return home


@pytest.fixture(scope="module")
def on_duckdb(home: Home) -> ReleaseTables:
    return engine.open_release(home, backend="duckdb")


@pytest.fixture(scope="module")
def on_spark(home: Home) -> ReleaseTables:
    # One Spark session for the module (engine.connect caches it for the process).
    return engine.open_release(home, backend="pyspark")


def run(query: Callable[[ReleaseTables], ibis.Table], tables: ReleaseTables) -> pd.DataFrame:
    result = query(tables).to_pandas()
    return result.sort_values(list(result.columns)).reset_index(drop=True)


@pytest.mark.parametrize("query", QUERIES, ids=lambda query: query.__name__)
def test_the_same_query_gives_the_same_answer_on_both_engines(
    query: Callable[[ReleaseTables], ibis.Table],
    on_duckdb: ReleaseTables,
    on_spark: ReleaseTables,
) -> None:
    expected = run(query, on_duckdb)
    assert len(expected) > 1
    pd.testing.assert_frame_equal(run(query, on_spark), expected)


def test_both_engines_read_the_release_the_manifest_describes(
    on_duckdb: ReleaseTables, on_spark: ReleaseTables
) -> None:
    assert on_spark.backend == "pyspark"
    assert on_spark.manifest == on_duckdb.manifest
    for name, table in on_duckdb.manifest.tables.items():
        assert on_duckdb[name].count().execute() == table.rows
        assert on_spark[name].count().execute() == table.rows
        assert on_spark[name].schema() == on_duckdb[name].schema(), name


def test_an_unknown_release_is_refused(home: Home) -> None:
    with pytest.raises(UnknownRelease, match="R0002"):
        engine.open_release(home, "R0002", backend="pyspark")
