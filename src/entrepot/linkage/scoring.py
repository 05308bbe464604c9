"""Train the model and score candidate pairs with Splink, on DuckDB or Spark.

Same code path on both engines: the records go in as Arrow, the model is trained and
pairs are scored by Splink's SQL, and two small summaries come back as Arrow (the pairs
at or above the threshold, and the patients blocking found any candidate for). The full
table of scored pairs never leaves the engine.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import pyarrow as pa

from entrepot.linkage import specification
from entrepot.linkage.backends import database_api, quiet_splink
from entrepot.linkage.training import levels, train


@dataclass(frozen=True)
class Scores:
    #: `patient_id, beneficiary_id, match_probability, match_weight` of pairs at or above
    #: threshold.
    accepted: pa.Table
    #: Patients blocking found at least one candidate for.
    with_candidates: pa.Array
    #: Candidate pairs scored.
    pairs: int
    #: The trained Splink model, as Splink saves it.
    model_json: str
    #: Levels whose u no random pair showed (set by the rule of three), and levels whose
    #: m EM never saw (left at Splink's default), as `comparison: level`.
    u_unseen: list[str]
    m_unseen: list[str]


def score(
    hospital: pa.Table, snds: pa.Table, *, backend: str, threshold: float, seed: int
) -> Scores:
    """Train on `hospital` × `snds` records (see `records`) and score blocked pairs."""
    quiet_splink()
    with database_api(backend) as api:
        run = uuid.uuid4().hex[:8]
        tables = [
            api.register(
                hospital,
                table_name=f"{specification.HOSPITAL}_{run}",
                dataset_display_name=specification.HOSPITAL,
            ),
            api.register(
                snds,
                table_name=f"{specification.SNDS}_{run}",
                dataset_display_name=specification.SNDS,
            ),
        ]
        try:
            training = train(
                tables,
                _prior(hospital, snds),
                seed=seed,
                smaller_side=min(hospital.num_rows, snds.num_rows),
            )
            predictions = training.linker.inference.predict(warning_mode="never")
            model = training.linker.misc.save_model_to_json()
            # A random name of this Linker object, not part of the model: without it, two
            # runs' models differ only where their parameters do (in the last digits, as
            # the engine sums in parallel).
            model.pop("linker_uid", None)
            return Scores(
                accepted=_accepted(predictions, threshold),
                with_candidates=_with_candidates(predictions),
                pairs=_count(predictions),
                model_json=json.dumps(model, sort_keys=True),
                u_unseen=training.u_unseen,
                m_unseen=[name for name, level in levels(model) if "m_probability" not in level],
            )
        finally:
            for table in tables:
                api.delete_table_from_database(table.physical_name)


def _prior(hospital: pa.Table, snds: pa.Table) -> float:
    # Every hospital patient is a French insurance beneficiary, so about one pair in
    # |SNDS| matches; Splink's default (one in 10,000) would be off by orders of magnitude.
    return min(hospital.num_rows, snds.num_rows) / (hospital.num_rows * snds.num_rows)


# The queries below name the hospital side explicitly instead of trusting the order
# Splink put the datasets in.
_PATIENT = (
    f"case when source_dataset_l = '{specification.HOSPITAL}' then unique_id_l else unique_id_r end"
)
_BENEFICIARY = (
    f"case when source_dataset_l = '{specification.HOSPITAL}' then unique_id_r else unique_id_l end"
)


def _accepted(predictions, threshold: float) -> pa.Table:
    sql = f"""
        select {_PATIENT} as patient_id, {_BENEFICIARY} as beneficiary_id,
               match_probability, match_weight
        from {{this}}
        where match_probability >= {float(threshold)!r}
    """
    return _arrow(predictions.query_sql(sql))


def _with_candidates(predictions) -> pa.Array:
    sql = f"select distinct {_PATIENT} as patient_id from {{this}}"
    return _arrow(predictions.query_sql(sql))["patient_id"].combine_chunks()


def _count(predictions) -> int:
    return int(
        _arrow(predictions.query_sql("select count(*) as pairs from {this}"))["pairs"][0].as_py()
    )


def _arrow(frame) -> pa.Table:
    try:
        return frame.as_pyarrow_table()
    finally:
        frame.drop_table_from_database_and_remove_from_cache()
