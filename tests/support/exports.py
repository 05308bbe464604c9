"""A tiny, hand-written hospital export: three patients whose every row is valid.

Tests change one cell or one line of it to show one rule at a time; the synthetic
generator is exercised elsewhere. Rows are dicts keyed by the model's export columns.
"""

from __future__ import annotations

import csv
from pathlib import Path

from entrepot.model import TABLES, Layer
from entrepot.vocab import finess_with_check_digit
from entrepot.vocab.nir import make_nir

CENTRE = finess_with_check_digit("75000001")
OTHER_CENTRE = finess_with_check_digit("69000002")


def _identity(ipp, last, first, sex, year, month, day, postcode, address):
    return {
        "ipp": ipp,
        "last_name": last,
        "birth_name": "",
        "first_name": first,
        "nir": make_nir(sex, year, month, postcode[:2], "113", int(ipp[-2:])),
        "birth_date": f"{year}-{month:02d}-{day:02d}",
        "address": address,
        "postcode": postcode,
        "city": "Paris" if postcode.startswith("75") else "Lyon",
        "email": "",
        "phone": "",
    }


def valid_export(finess: str = CENTRE) -> dict[str, list[dict[str, str]]]:
    """Three patients (breast, lung, ovary) with tumours, treatments and follow-up."""
    stay_finess = finess
    return {
        "identity": [
            _identity("100001", "Lefèvre", "Hélène", 2, 1960, 5, 12, "75013", "12 rue des Lilas"),
            _identity("100002", "Garnier", "Michel", 1, 1950, 2, 3, "69003", "4 avenue Foch"),
            _identity("100003", "Moreau", "Sylvie", 2, 1958, 11, 23, "75011", "8 impasse Verte"),
        ],
        "patient": [
            _row(
                "patient",
                ipp="100001",
                sex="F",
                socio_professional_category="3",
                vital_status="alive",
                last_news_date="2024-06-01",
            ),
            _row(
                "patient",
                ipp="100002",
                sex="M",
                socio_professional_category="6",
                vital_status="deceased",
                death_date="2021-03-04",
                last_news_date="2021-03-04",
            ),
            _row(
                "patient", ipp="100003", sex="F", vital_status="alive", last_news_date="2025-01-15"
            ),
        ],
        "tumour": [
            _row(
                "tumour",
                ipp="100001",
                tumour_number="1",
                cancer_type="breast",
                diagnosis_date="2019-03-10",
                icd10="C50.4",
                topography="C50.4",
                morphology="8500/3",
                laterality="left",
                grade="2",
                clinical_t="T2",
                clinical_n="N1",
                clinical_m="M0",
                pathological_t="pT2",
                pathological_n="pN1a",
                stage_group="IIB",
                metastatic_at_diagnosis="false",
                er_status="positive",
                pr_status="positive",
                her2_status="negative",
                ki67_percent="15",
                smoking_status="never",
            ),
            _row(
                "tumour",
                ipp="100002",
                tumour_number="1",
                cancer_type="lung",
                diagnosis_date="2019-06-01",
                icd10="C341",
                topography="C34.1",
                morphology="8140/3",
                laterality="right",
                clinical_t="T3",
                clinical_n="N2",
                clinical_m="M1b",
                stage_group="IVA",
                metastatic_at_diagnosis="true",
                metastatic_sites="bone|liver",
                lung_histology="adenocarcinoma",
                egfr_status="wild_type",
                alk_status="wild_type",
                ros1_status="wild_type",
                kras_status="altered",
                pdl1_percent="60",
                smoking_status="current",
            ),
            _row(
                "tumour",
                ipp="100003",
                tumour_number="1",
                cancer_type="ovary",
                diagnosis_date="2020-01-15",
                icd10="C56",
                topography="C56.9",
                morphology="8461/3",
                laterality="bilateral",
                grade="3",
                figo_stage="IIIC",
                metastatic_at_diagnosis="false",
                brca1_status="altered",
                brca2_status="wild_type",
            ),
        ],
        "treatment": [
            _row(
                "treatment",
                ipp="100001",
                tumour_number="1",
                treatment_number="1",
                kind="surgery",
                setting="curative",
                procedure_ccam="QEFA019",
                start_date="2019-04-01",
                end_date="2019-04-01",
                stop_reason="completed",
            ),
            _row(
                "treatment",
                ipp="100001",
                tumour_number="1",
                treatment_number="2",
                kind="hormone_therapy",
                setting="adjuvant",
                regimen="letrozole",
                drugs="L02BG04",
                start_date="2019-05-01",
                stop_reason="ongoing",
            ),
            _row(
                "treatment",
                ipp="100002",
                tumour_number="1",
                treatment_number="1",
                kind="immunotherapy",
                setting="metastatic",
                line_number="1",
                regimen="pembrolizumab",
                drugs="L01FF02",
                start_date="2019-06-20",
                end_date="2020-10-01",
                stop_reason="progression",
            ),
            _row(
                "treatment",
                ipp="100003",
                tumour_number="1",
                treatment_number="1",
                kind="chemotherapy",
                setting="adjuvant",
                regimen="carboplatin-paclitaxel",
                drugs="L01XA02|L01CD01",
                start_date="2020-03-01",
                end_date="2020-06-30",
                stop_reason="completed",
            ),
        ],
        "tumour_event": [
            _row(
                "tumour_event",
                ipp="100002",
                tumour_number="1",
                event_kind="distant_progression",
                event_date="2020-10-01",
                site="liver",
            ),
        ],
        "measurement": [
            _row(
                "measurement",
                ipp="100001",
                measurement_date="2019-03-10",
                kind="weight",
                value="65,5",
                unit="kg",
            ),
            _row(
                "measurement",
                ipp="100001",
                measurement_date="2019-03-10",
                kind="ecog",
                value="0",
                unit="score",
            ),
            _row(
                "measurement",
                ipp="100002",
                measurement_date="2019-06-15",
                kind="ecog",
                value="1",
                unit="score",
            ),
        ],
        "family_history": [
            _row(
                "family_history",
                ipp="100003",
                relative="mother",
                cancer_site="ovary",
                age_at_diagnosis="55",
            ),
        ],
        "centre_stay": [
            _row(
                "centre_stay",
                ipp="100001",
                nda="S0001",
                stay_finess=stay_finess,
                stay_type="inpatient",
                admission_date="2019-04-01",
                discharge_date="2019-04-03",
                main_diagnosis="C504",
            ),
            _row(
                "centre_stay",
                ipp="100002",
                nda="S0002",
                stay_finess=stay_finess,
                stay_type="day_case",
                admission_date="2019-06-20",
                discharge_date="2019-06-20",
                main_diagnosis="C341",
            ),
        ],
    }


def _row(table: str, **values: str) -> dict[str, str]:
    columns = TABLES[table].column_names(Layer.EXPORT)
    unknown = set(values) - set(columns)
    assert not unknown, f"{table}: no such export columns {unknown}"
    return {name: values.get(name, "") for name in columns}


def write_export(
    folder: Path,
    tables: dict[str, list[dict[str, str]]],
    encoding: str = "utf-8",
    separator: str = ",",
) -> Path:
    """Write the tables as a hospital export (one CSV per table, header = model columns)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        columns = TABLES[name].column_names(Layer.EXPORT)
        with (folder / f"{name}.csv").open("w", newline="", encoding=encoding) as out:
            writer = csv.DictWriter(out, fieldnames=columns, delimiter=separator)
            writer.writeheader()
            writer.writerows(rows)
    return folder
