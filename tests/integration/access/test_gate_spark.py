"""The gate is engine-portable: through Spark it yields the same rows as through DuckDB."""

import pytest

from entrepot.access import open_project
from entrepot.governance.roles import Role
from tests.support.metadata import metadata_database
from tests.support.people import make_person
from tests.support.projects import active_project

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _rows(gated, name):
    table = gated.execute(gated[name]).to_pandas()
    return table.sort_values(list(table.columns)).reset_index(drop=True)


def test_the_gate_gives_the_same_rows_on_spark_and_duckdb(warehouse, tmp_path):
    # The metadata engine is beside the point here: SQLite, the embedded default.
    with metadata_database("sqlite", tmp_path) as database:
        centres = tuple(sorted(warehouse.release_table("patient").centre_finess.unique()))
        with database.session() as session:
            researcher = make_person(session, "ada.researcher", [Role.RESEARCHER])
            project, keys = active_project(
                session, researcher, warehouse.release_id, tmp_path / "keys", centres
            )
        on = {
            backend: open_project(
                database, warehouse.home, researcher, project.code, keys, backend=backend
            )
            for backend in ("duckdb", "pyspark")
        }
        assert on["duckdb"].patients == on["pyspark"].patients > 0
        for name in on["duckdb"]:
            duck, spark = _rows(on["duckdb"], name), _rows(on["pyspark"], name)
            assert len(duck) > 0
            assert duck.astype(str).equals(spark.astype(str)), name
