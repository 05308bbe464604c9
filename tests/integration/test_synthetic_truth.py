"""The ground truth of synthetic data names patients with the ids the warehouse gives."""

from __future__ import annotations

import pyarrow.parquet as pq

from entrepot.store import WorkingStore
from entrepot.synthetic_truth import linkage_truth
from tests.support.exports import CENTRE


def test_truth_patient_ids_are_the_ids_the_ingestion_gave(pipeline, tmp_path):
    pipeline.ingest()
    stored = pq.read_table(WorkingStore(pipeline.home).centre_files(CENTRE)["patient"])
    truth_csv = tmp_path / "linkage.csv"
    truth_csv.write_text(
        "finess;ipp;BEN_IDT_ANO\n"
        f"{CENTRE};100001;B1\n{CENTRE};100002;B2\n{CENTRE};100003;B3\n"
        "999999999;100004;B4\n",  # a centre whose keys we do not hold: skipped
        encoding="utf-8",
    )
    truth = linkage_truth(truth_csv, pipeline.root / "secrets")
    assert sorted(truth["patient_id"].to_pylist()) == sorted(stored["patient_id"].to_pylist())
    assert sorted(truth["beneficiary_id"].to_pylist()) == ["B1", "B2", "B3"]
