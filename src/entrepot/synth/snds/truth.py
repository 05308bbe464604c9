"""The ground truth of an extract, kept aside in `ground_truth/` for tests and benchmarks.

- `linkage.csv` (decision 0004, seam 3): `finess;ipp;BEN_IDT_ANO`, one row per hospital
  patient, the hospital side named as the hospital export names it.
- `discrepancies.csv`: every built-in difference touching a hospital patient: `kind`, the
  patient (`finess`, `ipp`, `BEN_IDT_ANO`) and a `detail` — `birth_month` (the month the
  SNDS has), `extra_pseudonym` (the second BEN_NIR_PSA), `no_token` (the trusted third
  party has no token), `unknown_stay` (`ETA_NUM:RSA_NUM` of a stay the hospital lacks),
  `twin` and `decoy` (the BEN_IDT_ANO of the patient's twin or look-alike).
- `stays.parquet`: what became of each hospital stay read from the exports: in the PMSI or
  not, under which `ETA_NUM`/`RSA_NUM`/year, shifted by how many days, with which anomaly.
- `pmsi_anomalies.csv`: every PMSI stay with a failing return code (the code's name), an
  error GHM (`error_ghm`), or which is a legal entity's copy of a site's stay
  (`legal_entity_copy`, detail `ETA_NUM:RSA_NUM` of the site's stay).
- `beneficiaries.parquet`: every person: BEN_IDT_ANO, role, the hospital patient they are
  or mirror, sex, birth date, residence, death and cause, whether they have a token.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from entrepot.synth.cohort import Arrays
from entrepot.synth.sampling import NEVER
from entrepot.synth.snds import text
from entrepot.synth.snds.demography import ALL_DEPARTEMENTS
from entrepot.synth.snds.hospital_input import HospitalInput
from entrepot.synth.snds.layout import RETURN_CODES
from entrepot.synth.snds.population import DECOY, HOSPITAL, ROLES, TWIN, Population
from entrepot.synth.snds.stay_rows import LEGAL_COPY, UNKNOWN, Stays


def anomaly_names(flags: Arrays) -> np.ndarray:
    """Per stay, the name of its anomaly ("" if none; an error GHM wins)."""
    code = flags["return_code"]
    names = np.array(RETURN_CODES, dtype=object)[np.maximum(code, 0)]
    names = np.where(code >= 0, names, "").astype(object)
    names[flags["error_ghm"]] = "error_ghm"
    return names


def _reference(eta: np.ndarray, rsa: np.ndarray) -> np.ndarray:
    """`ETA_NUM:RSA_NUM` of stays."""
    return eta.astype(str).astype(object) + ":" + rsa.astype(str).astype(object)


def pmsi_anomalies(stays: Stays, anomaly: np.ndarray, rsa: np.ndarray) -> dict[str, pa.Array]:
    rows = stays.rows
    copy = rows["source"] == LEGAL_COPY
    listed = np.flatnonzero((anomaly != "") | copy)
    original = rows["origin"][listed]
    is_copy = copy[listed]
    source = np.where(is_copy, original, 0)
    detail = np.where(is_copy, _reference(rows["eta"][source], rsa[source]), "")
    return {
        "ETA_NUM": text.text(rows["eta"][listed]),
        "RSA_NUM": pa.array(rsa[listed]),
        "year": pa.array(text.year_month(rows["discharge"][listed])[0]),
        "anomaly": text.text(np.where(is_copy, "legal_entity_copy", anomaly[listed])),
        "detail": text.text(detail),
    }


def _at(values: np.ndarray, row: np.ndarray, fill: object) -> np.ndarray:
    """`values[row]`, or `fill` everywhere when there are no values (a chunk without stays)."""
    return values[row] if len(values) else np.full(len(row), fill)


def hospital_stays(
    hospitals: HospitalInput, stays: Stays, anomaly: np.ndarray, rsa: np.ndarray, fate: Arrays
) -> dict[str, pa.Array]:
    """What became of each hospital stay of a chunk (`fate` of `hospital_stays`)."""
    stay = fate["stay"]
    kept = fate["in_pmsi"]
    row = np.maximum(fate["row"], 0)
    patient = hospitals.stays["patient"][stay]
    patients = hospitals.patients
    eta = text.text(_at(stays.rows["eta"], row, ""))
    return {
        "finess": text.text(patients["finess"][patient]),
        "ipp": text.text(patients["ipp"][patient]),
        "nda": hospitals.stay_nda.take(pa.array(stay)),
        "in_pmsi": pa.array(kept),
        "ETA_NUM": pc.if_else(pa.array(kept), eta, pa.scalar(None, pa.string())),
        "RSA_NUM": pa.array(_at(rsa, row, 0), mask=~kept),
        "year": pa.array(text.year_month(_at(stays.rows["discharge"], row, 0))[0], mask=~kept),
        "shift_days": pa.array(fate["shift"].astype(np.int64), mask=~kept),
        "anomaly": text.text(np.where(kept, _at(anomaly, row, ""), "")),
    }


def beneficiaries(
    population: Population, hospitals: HospitalInput, person: np.ndarray
) -> dict[str, pa.Array]:
    related = population.related[person]
    known = related >= 0
    patient = np.maximum(related, 0)
    death = population.death[person]
    return {
        "BEN_IDT_ANO": text.identifiers(population.ben_idt_ano[person]),
        "role": text.take_text(ROLES, population.role[person]),
        "finess": text.text(np.where(known, hospitals.patients["finess"][patient], "")),
        "ipp": text.text(np.where(known, hospitals.patients["ipp"][patient], "")),
        "sex": text.take_text(("", "M", "F"), population.sex[person]),
        "birth_date": pa.array(population.birth[person].astype(np.int32)).cast(pa.date32()),
        "departement": text.take_text(ALL_DEPARTEMENTS, population.residence[person]),
        "death_date": pa.array(
            np.where(death < NEVER, death, 0).astype(np.int32), mask=death >= NEVER
        ).cast(pa.date32()),
        "cause_of_death": text.text(population.cause[person]),
        "has_token": pa.array(population.has_token[person]),
    }


def linkage(
    population: Population, hospitals: HospitalInput, person: np.ndarray
) -> dict[str, pa.Array]:
    patients = person[population.role[person] == HOSPITAL]
    return {
        "finess": text.text(hospitals.patients["finess"][patients]),
        "ipp": text.text(hospitals.patients["ipp"][patients]),
        "BEN_IDT_ANO": text.identifiers(population.ben_idt_ano[patients]),
    }


def _decoded(values: np.ndarray) -> np.ndarray:
    return np.array(text.identifiers(values).to_pylist(), dtype=object)


def discrepancies(
    population: Population,
    hospitals: HospitalInput,
    person: np.ndarray,
    stays: Stays,
    rsa: np.ndarray,
) -> list[tuple[str, dict[str, pa.Array]]]:
    """(kind, rows) of every built-in difference touching a hospital patient of `person`;
    a twin or look-alike is written under the patient they mirror."""
    pop = population
    role = pop.role[person]
    patient = person[role == HOSPITAL]
    true_month = text.year_month(pop.birth[patient])[1]
    off = patient[pop.snds_birth_month[patient] != true_month]
    second = patient[pop.switch[patient] < NEVER]
    no_token = patient[~pop.has_token[patient]]
    unknown = np.flatnonzero(stays.rows["source"] == UNKNOWN)
    twin, decoy = person[role == TWIN], person[role == DECOY]
    found = (
        ("birth_month", off, pop.snds_birth_month[off].astype(str).astype(object)),
        ("extra_pseudonym", second, _decoded(pop.second_pseudonym[second])),
        ("no_token", no_token, np.full(len(no_token), "", dtype=object)),
        (
            "unknown_stay",
            stays.rows["person"][unknown],
            _reference(stays.rows["eta"][unknown], rsa[unknown]),
        ),
        ("twin", twin, _decoded(pop.ben_idt_ano[twin])),
        ("decoy", decoy, _decoded(pop.ben_idt_ano[decoy])),
    )
    out = []
    for kind, who, detail in found:
        mirrored = np.where(pop.role[who] == HOSPITAL, who, pop.related[who])
        out.append(
            (
                kind,
                {
                    "kind": text.take_text((kind,), np.zeros(len(who), dtype=np.int64)),
                    "finess": text.text(hospitals.patients["finess"][mirrored]),
                    "ipp": text.text(hospitals.patients["ipp"][mirrored]),
                    "BEN_IDT_ANO": text.identifiers(pop.ben_idt_ano[mirrored]),
                    "detail": text.text(detail),
                },
            )
        )
    return out
