"""The ground truth of synthetic data, seen with the warehouse's own patient ids.

The synthetic SNDS generator knows each hospital patient by FINESS and IPP, as the
hospital does; the warehouse knows them by `patient_id`, a hash of the centre code that
only the centre's key makes from the IPP. The demo and the benchmarks hold the keys of
their synthetic centres, so they can translate — a real warehouse could not, which is the
point of the centre code. Used only to evaluate linkage on synthetic data.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from entrepot.edge.codes import CentreCoder
from entrepot.edge.keys import load_centre_keys
from entrepot.model.identifiers import warehouse_patient_id


def linkage_truth(truth_csv: Path, keys_root: Path) -> pa.Table:
    """`(patient_id, beneficiary_id)` of every hospital patient of the SNDS ground truth.

    `truth_csv` is the generator's `ground_truth/linkage.csv` (`finess;ipp;BEN_IDT_ANO`);
    `keys_root/<FINESS>/` holds each centre's keys. Centres without keys are skipped.
    """
    truth = pacsv.read_csv(
        truth_csv,
        parse_options=pacsv.ParseOptions(delimiter=";"),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(_COLUMNS, pa.string())),
    )
    coders: dict[str, CentreCoder | None] = {}
    patient_ids, beneficiaries = [], []
    for finess, ipp, beneficiary in zip(
        *(truth[name].to_pylist() for name in _COLUMNS), strict=True
    ):
        if finess not in coders:
            keys_dir = keys_root / finess
            coders[finess] = (
                CentreCoder(load_centre_keys(keys_dir).centre_key) if keys_dir.is_dir() else None
            )
        coder = coders[finess]
        if coder is None:
            continue
        patient_ids.append(warehouse_patient_id(finess, coder.centre_code(ipp)))
        beneficiaries.append(beneficiary)
    return pa.table(
        {"patient_id": pa.array(patient_ids, pa.string()), "beneficiary_id": beneficiaries},
        schema=pa.schema([("patient_id", pa.string()), ("beneficiary_id", pa.string())]),
    )


_COLUMNS = ("finess", "ipp", "BEN_IDT_ANO")
