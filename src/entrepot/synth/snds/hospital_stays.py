"""The hospitals' own stays as the PMSI has them, and the few it has that they lack.

Each stay of the export becomes an RSA at its `stay_finess`, under the patient's pseudonym,
coded as `care.classify` reads it (session, operation with its act, radiotherapy
preparation, medical stay), with the built-in discrepancies: a share of stays missing, a
share moved by one day (admission and discharge together, never past a death nor out of the
window). A few patients get a stay at their centre that the export lacks.
"""

from __future__ import annotations

import numpy as np

from entrepot.synth.cohort import Arrays
from entrepot.synth.sampling import uniform_days
from entrepot.synth.snds import grouping
from entrepot.synth.snds.care import MEDICAL, RADIOTHERAPY, SESSION, SURGERY, classify
from entrepot.synth.snds.demography import WINDOW_END, WINDOW_START
from entrepot.synth.snds.hospital_input import HospitalInput
from entrepot.synth.snds.population import Population
from entrepot.synth.snds.rates import Rates
from entrepot.synth.snds.stay_rows import HOSPITAL, UNKNOWN, Stays, empty_children, stay_rows

#: Associated diagnoses: metastases, and frequent comorbidities.
_METASTASES = ("C795", "C787", "C780", "C793")
_COMORBIDITIES = ("I10", "E119", "E780", "J449", "F171")


def hospital_stays(
    rng: np.random.Generator,
    population: Population,
    hospitals: HospitalInput,
    first: int,
    stop: int,
    rates: Rates,
) -> tuple[Stays, Arrays]:
    """PMSI stays of hospital patients `first`..`stop`−1 (also their person indices), and
    the fate of each of their export stays: `stay` (index in `hospitals.stays`),
    `in_pmsi`, `shift`, `row` (index in the returned stays, −1 when missing)."""
    all_stays, all_treatments = hospitals.stays, hospitals.treatments
    a, b = np.searchsorted(all_stays["patient"], [first, stop])
    ta, tb = np.searchsorted(all_treatments["patient"], [first, stop])
    stays = {k: v[a:b] for k, v in all_stays.items()}
    care = classify(
        stays,
        {k: v[ta:tb] for k, v in all_treatments.items()},
        hospitals.patients["last_news_date"],
    )
    n = b - a
    patient = stays["patient"]
    death = population.death[patient]
    at_death = stays["discharge"] == death
    shift = np.where(rng.random(n) < rates.stay_shift, np.where(rng.random(n) < 0.5, 1, -1), 0)
    # No stay moved past a death, nor out of the window.
    shift[(shift > 0) & (at_death | (stays["discharge"] + 1 > WINDOW_END))] = -1
    shift[(shift < 0) & (stays["admission"] - 1 < WINDOW_START)] = 0
    missing = rng.random(n) < rates.stay_missing
    admission = stays["admission"] + shift
    discharge = stays["discharge"] + shift
    kind = care["kind"]
    diagnosis = stays["diagnosis"]
    dp = np.select(
        [kind == SESSION, kind == RADIOTHERAPY],
        [grouping.SESSION_DIAGNOSIS, grouping.RADIOTHERAPY_DIAGNOSIS],
        diagnosis,
    ).astype(object)
    dr = np.where((kind == SESSION) | (kind == RADIOTHERAPY), diagnosis, "").astype(object)
    ghm, ghs = _cancer_grouping(rng, kind, diagnosis, discharge - admission, at_death)
    centre = hospitals.patients["centre"][patient]
    private = np.array([c.category == "private clinic" for c in hospitals.centres])[centre]
    rows = stay_rows(
        n,
        person=patient,
        eta=stays["finess"],
        private=private,
        admission=admission,
        discharge=discharge,
        dp=dp,
        dr=dr,
        ghm=ghm,
        ghs=ghs,
        session=(kind == SESSION) | (kind == RADIOTHERAPY),
        death_exit=at_death,
        source=HOSPITAL,
        origin=np.arange(a, b),
    )
    acts = {"stay": care["act_stay"], "code": care["act_code"], "delay": care["act_delay"]}
    drugs = {"stay": care["drug_stay"], "atc": care["drug_atc"]}
    diagnoses = _associated(rng, kind, patient, admission, hospitals)
    kept = Stays(rows, acts, diagnoses, drugs).take(~missing)
    row = np.where(missing, -1, np.cumsum(~missing) - 1)
    fate = {"stay": np.arange(a, b), "in_pmsi": ~missing, "shift": shift, "row": row}
    return kept, fate


def _cancer_grouping(
    rng: np.random.Generator,
    kind: np.ndarray,
    diagnosis: np.ndarray,
    nights: np.ndarray,
    at_death: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    surgical = kind == SURGERY
    root, ghs = grouping.cancer_roots(diagnosis, surgical)
    ghm = grouping.ghm(root, nights, surgical)
    for which, (code, number) in (
        (kind == SESSION, grouping.SESSION),
        (kind == RADIOTHERAPY, grouping.RADIOTHERAPY_PREPARATION),
        ((kind == MEDICAL) & at_death & (rng.random(len(kind)) < 0.5), grouping.PALLIATIVE),
    ):
        ghm[which] = code
        ghs[which] = number
    return ghm, ghs


def _associated(
    rng: np.random.Generator,
    kind: np.ndarray,
    patient: np.ndarray,
    admission: np.ndarray,
    hospitals: HospitalInput,
) -> Arrays:
    """Metastases (once the disease is metastatic) and comorbidities of non-session stays."""
    stay_rows = (kind != SESSION) & (kind != RADIOTHERAPY)
    metastatic = stay_rows & (hospitals.patients["metastatic_date"][patient] <= admission)
    comorbid = stay_rows & (rng.random(len(kind)) < 0.15)
    m, c = np.flatnonzero(metastatic), np.flatnonzero(comorbid)
    return {
        "stay": np.concatenate([m, c]),
        "code": np.concatenate(
            [
                np.array(_METASTASES, dtype=object)[rng.integers(0, len(_METASTASES), len(m))],
                np.array(_COMORBIDITIES, dtype=object)[
                    rng.integers(0, len(_COMORBIDITIES), len(c))
                ],
            ]
        ),
    }


def unknown_stays(
    rng: np.random.Generator,
    population: Population,
    hospitals: HospitalInput,
    first: int,
    stop: int,
    rates: Rates,
) -> Stays:
    """One stay at the centre for some patients, which the hospital's export lacks (coded
    elsewhere in the hospital, an emergency stay...): a medical stay for the cancer."""
    patients = hospitals.patients
    patient = np.arange(first, stop)
    patient = patient[rng.random(len(patient)) < rates.stay_unknown]
    last = np.minimum(
        np.minimum(patients["last_news_date"][patient], population.death[patient] - 7),
        WINDOW_END - 7,
    )
    low = patients["diagnosis_date"][patient]
    patient, low, last = patient[last > low], low[last > low], last[last > low]
    admission = low + np.floor(rng.random(len(patient)) * (last - low)).astype(np.int64)
    nights = uniform_days(rng, 1, 6, len(patient))
    code = patients["tumour_icd10"][patient]
    root, ghs = grouping.cancer_roots(code, np.zeros(len(patient), dtype=bool))
    centre = patients["centre"][patient]
    finess = np.array([c.finess for c in hospitals.centres], dtype=object)[centre]
    rows = stay_rows(
        len(patient),
        person=patient,
        eta=finess,
        admission=admission,
        discharge=admission + nights,
        dp=code,
        ghm=grouping.ghm(root, nights, np.zeros(len(patient), dtype=bool)),
        ghs=ghs,
        source=UNKNOWN,
    )
    return Stays(rows, *empty_children())
