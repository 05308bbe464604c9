"""The deterministic baseline the probabilistic linkage is measured against.

A patient and a beneficiary are linked when they have the same sex, birth year and birth
month and at least one stay at the same FINESS admitted the same day, and when that pair
is the only one for both of them. The rule a careful analyst would write by hand: it
misses every stay recorded a day off and every discordant birth month.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from entrepot.linkage.inputs import read_inputs

DETERMINISTIC = "deterministic"
_KEY = ["finess", "admission_date", "sex", "birth_year", "birth_month"]


def deterministic_baseline(
    hospital_people: Any, hospital_stays: Any, snds_people: Any, snds_stays: Any
) -> pa.Table:
    """Links `patient_id, beneficiary_id, method ('deterministic'), match_probability`
    (1.0), in the same shape as `link(...).links`, for `evaluate`."""
    inputs = read_inputs(hospital_people, hospital_stays, snds_people, snds_stays)
    # The identity columns ride along with each stay, so the join on stays is also a
    # join on identity: far fewer rows than joining stays alone at a busy centre.
    hospital = _stays_with_identity(inputs.hospital_stays, inputs.hospital_people, "patient_id")
    snds = _stays_with_identity(inputs.snds_stays, inputs.snds_people, "beneficiary_id")
    pairs = (
        hospital.join(snds, _KEY, join_type="inner")
        .select(["patient_id", "beneficiary_id"])
        .group_by(["patient_id", "beneficiary_id"])
        .aggregate([])
    )
    unique = pairs.filter(
        pc.and_(_once(pairs, "patient_id"), _once(pairs, "beneficiary_id"))
    ).sort_by("patient_id")
    return pa.table(
        {
            "patient_id": unique["patient_id"],
            "beneficiary_id": unique["beneficiary_id"],
            "method": pa.array([DETERMINISTIC] * unique.num_rows, pa.string()),
            "match_probability": pa.array([1.0] * unique.num_rows, pa.float64()),
        }
    )


def _stays_with_identity(stays: pa.Table, people: pa.Table, id_column: str) -> pa.Table:
    identity = people.select([id_column, "sex", "birth_year", "birth_month"])
    return stays.select([id_column, "finess", "admission_date"]).join(
        identity, id_column, join_type="inner"
    )


def _once(pairs: pa.Table, column: str) -> pa.ChunkedArray:
    counts = pairs.group_by(column).aggregate([([], "count_all")])
    single = counts.filter(pc.equal(counts["count_all"], 1))[column]
    return pc.is_in(pairs[column], single)
