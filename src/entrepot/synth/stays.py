"""The centre's hospital stays, derived from the treatments (the PMSI side of the care).

- Diagnosis: the biopsy or work-up that establishes the cancer, a few days before the
  diagnosis date — a day case, or a short inpatient stay for a bronchoscopy or a
  diagnostic laparoscopy. Nearly every patient a cancer centre treats has one.
- Surgery: an inpatient stay (breast-conserving surgery is often a day case).
- Intravenous regimens: one day-case session per cycle, from the start to the end of the
  treatment (capped, see `calibration.MAX_SESSIONS_PER_TREATMENT`); oral drugs have none.
- Radiotherapy: one day case for the treatment preparation (daily fractions are outpatient
  sessions, not written as stays here).
- Some chemotherapy courses bring an inpatient stay for toxicity; half of the patients who
  die do so during a last inpatient stay.

Main diagnosis: the ICD-10 code of the tumour treated. Every stay ends by the last news.
"""

from __future__ import annotations

import numpy as np

from entrepot.synth import calibration as cal
from entrepot.synth.cohort import LUNG, OVARY, Arrays
from entrepot.synth.regimens import KINDS, SESSION_DAYS
from entrepot.synth.sampling import NEVER, day, uniform_days

_LENGTH_OF_STAY = {  # CCAM prefix -> (min, max) nights
    "QEFA": (1, 4),
    "GFFA": (5, 10),
    "JKFA": (6, 14),
    "HPFA": (6, 14),
    "JJFA": (4, 9),
    "JJFC": (2, 5),
    "JKFC": (2, 5),
}
_DAY_CASE_SURGERY = ("QEFA004", "QEFA017")


def stays(rng: np.random.Generator, treatments: Arrays, tumours: Arrays, course: Arrays) -> Arrays:
    """Stay rows: `patient`, `tumour`, `inpatient` (bool), `admission`, `discharge`."""
    last_news = course["last_news"]
    patient_of = tumours["patient"]
    parts = [
        _diagnostic_work_up(rng, tumours),
        _surgery(rng, treatments),
        _sessions(treatments, patient_of, last_news),
        _radiotherapy_preparation(treatments),
        _toxicity(rng, treatments, patient_of, last_news),
        _end_of_life(rng, tumours, course),
    ]
    tumour = np.concatenate([p[0] for p in parts])
    inpatient = np.concatenate([p[1] for p in parts])
    admission = np.concatenate([p[2] for p in parts])
    discharge = np.concatenate([p[3] for p in parts])
    patient = patient_of[tumour]
    keep = discharge <= last_news[patient]
    tumour, inpatient, admission, discharge, patient = (
        a[keep] for a in (tumour, inpatient, admission, discharge, patient)
    )
    order = np.lexsort((discharge, admission, patient))
    tumour, inpatient, admission, discharge, patient = (
        a[order] for a in (tumour, inpatient, admission, discharge, patient)
    )
    # Two treatments given the same day make one day-case stay, not two.
    distinct = np.ones(len(patient), dtype=bool)
    distinct[1:] = (
        (patient[1:] != patient[:-1])
        | (admission[1:] != admission[:-1])
        | inpatient[1:]
        | inpatient[:-1]
    )
    return {
        "patient": patient[distinct],
        "tumour": tumour[distinct],
        "inpatient": inpatient[distinct],
        "admission": admission[distinct],
        "discharge": discharge[distinct],
    }


_FIRST_DAY = day(f"{cal.FIRST_DIAGNOSIS_YEAR}-01-01")
#: Share of diagnostic work-ups done as a short inpatient stay rather than a day case.
_WORK_UP_INPATIENT = {LUNG: 0.5, OVARY: 0.4}


def _diagnostic_work_up(rng: np.random.Generator, tumours: Arrays) -> tuple[np.ndarray, ...]:
    n = len(tumours["dx"])
    inpatient_share = np.zeros(n)
    for cancer, share in _WORK_UP_INPATIENT.items():
        inpatient_share[tumours["cancer"] == cancer] = share
    inpatient = rng.random(n) < inpatient_share
    # Never before the data's first year: the PMSI extract starts then too.
    admission = np.maximum(tumours["dx"] - uniform_days(rng, 0, 3, n), _FIRST_DAY)
    discharge = admission + np.where(inpatient, uniform_days(rng, 1, 3, n), 0)
    return np.arange(n), inpatient, admission, discharge


def _surgery(rng: np.random.Generator, t: Arrays) -> tuple[np.ndarray, ...]:
    mask = KINDS[t["regimen"]] == "surgery"
    procedure = t["procedure"][mask]
    n = len(procedure)
    low = np.array([_LENGTH_OF_STAY.get(p[:4], (2, 6))[0] for p in procedure], dtype=np.int64)
    high = np.array([_LENGTH_OF_STAY.get(p[:4], (2, 6))[1] for p in procedure], dtype=np.int64)
    nights = uniform_days(rng, low, high, n)
    day_case = np.isin(procedure, _DAY_CASE_SURGERY) & (rng.random(n) < 0.45)
    # Admission the day before the operation for a third of inpatient stays.
    admission = t["start"][mask] - np.where(~day_case & (rng.random(n) < 0.33), 1, 0)
    discharge = np.where(day_case, admission, t["start"][mask] + nights)
    return t["tumour"][mask], ~day_case, admission, discharge


def _sessions(t: Arrays, patient_of: np.ndarray, last_news: np.ndarray) -> tuple[np.ndarray, ...]:
    interval = SESSION_DAYS[t["regimen"]]
    mask = interval > 0
    start, interval = t["start"][mask], interval[mask]
    end = np.where(t["end"][mask] < NEVER, t["end"][mask], last_news[patient_of[t["tumour"][mask]]])
    count = np.clip((end - start) // interval + 1, 1, cal.MAX_SESSIONS_PER_TREATMENT)
    row = np.repeat(np.arange(len(start)), count)
    k = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
    date = start[row] + k * interval[row]
    return t["tumour"][mask][row], np.zeros(len(row), dtype=bool), date, date


def _radiotherapy_preparation(t: Arrays) -> tuple[np.ndarray, ...]:
    mask = KINDS[t["regimen"]] == "radiotherapy"
    return (
        t["tumour"][mask],
        np.zeros(int(mask.sum()), dtype=bool),
        t["start"][mask],
        t["start"][mask],
    )


def _toxicity(
    rng: np.random.Generator, t: Arrays, patient_of: np.ndarray, last_news: np.ndarray
) -> tuple[np.ndarray, ...]:
    mask = (KINDS[t["regimen"]] == "chemotherapy") & (rng.random(len(t["start"])) < 0.06)
    start = t["start"][mask]
    end = np.where(t["end"][mask] < NEVER, t["end"][mask], last_news[patient_of[t["tumour"][mask]]])
    admission = np.minimum(start + uniform_days(rng, 7, 40, len(start)), np.maximum(end, start))
    discharge = admission + uniform_days(rng, 2, 8, len(start))
    return t["tumour"][mask], np.ones(len(start), dtype=bool), admission, discharge


def _end_of_life(
    rng: np.random.Generator, tumours: Arrays, course: Arrays
) -> tuple[np.ndarray, ...]:
    """A last inpatient stay ending on the day of death, for half of the observed deaths."""
    first = np.flatnonzero(tumours["number"] == 1)
    patient = tumours["patient"][first]
    death = course["death"][patient]
    admission = np.maximum(death - uniform_days(rng, 3, 20, len(first)), tumours["dx"][first])
    mask = course["death_observed"][patient] & (rng.random(len(first)) < 0.5) & (admission < death)
    return first[mask], np.ones(int(mask.sum()), dtype=bool), admission[mask], death[mask]
