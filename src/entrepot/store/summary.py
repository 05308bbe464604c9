"""What a release holds, counted for the operator who publishes it (no rows, only counts)."""

from __future__ import annotations

import pandas as pd

from entrepot.store.engine import open_release
from entrepot.store.home import Home


def patients_by_centre_and_cancer(home: Home, release_id: str | None = None) -> pd.DataFrame:
    """Patients of a release by centre and cancer type (one Ibis query, any engine)."""
    tables = open_release(home, release_id)
    tumour = tables["tumour"]
    per_patient = tumour.select("patient_id", "cancer_type").distinct()
    patient = tables["patient"]
    joined = patient.join(per_patient, "patient_id")
    counts = joined.group_by(["centre_finess", "cancer_type"]).agg(
        patients=joined.patient_id.nunique()
    )
    table = counts.to_pandas().pivot_table(
        index="centre_finess", columns="cancer_type", values="patients", fill_value=0
    )
    table["total"] = table.sum(axis=1)
    return table.astype(int).sort_index()
