"""The same linkage on local Spark and on DuckDB gives the same links.

Only the links are compared: u is sampled by each engine's own random function, so the
probabilities differ in their last digits, never enough to change a decision here.
"""

from __future__ import annotations

import pytest

from entrepot.linkage import evaluate, link
from tests.support.linkage_people import make_world

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def world():
    return make_world(400, beneficiaries_per_patient=10, seed=11)


def _run(world, backend):
    return link(
        world.hospital_people,
        world.hospital_stays,
        world.snds_people,
        world.snds_stays,
        backend=backend,
        use_tokens=False,
        seed=7,
    )


def test_spark_and_duckdb_link_the_same_pairs(world):
    on_duckdb = _run(world, "duckdb")
    on_spark = _run(world, "spark")

    def pairs(result):
        return result.links.select(["patient_id", "beneficiary_id", "method"]).to_pylist()

    assert pairs(on_spark) == pairs(on_duckdb)
    assert on_spark.unlinked.to_pylist() == on_duckdb.unlinked.to_pylist()
    assert on_spark.report["parameters"]["backend"] == "spark"
    assert evaluate(on_spark.links, world.truth)["f1"] >= 0.98
