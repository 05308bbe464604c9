"""What happened during each hospital stay, told from the treatments of the same export.

The export's `centre_stay` says when and where, not why; the PMSI needs the why (a session
is coded differently from an operation, and carries the expensive drugs). `synth.stays`
derives stays from treatments with fixed rules, which are read backwards here:

- an operation (surgery treatment) took place during the stay that spans its date: the
  stay is surgical and carries the CCAM act, on its day (`ENT_DAT_DEL`);
- an intravenous regimen has a day-case session every `session_days` from its start to
  its end (or the last news), capped as the generator caps it: a day-case stay on one of
  those days is a chemotherapy session, carrying the regimen's liste-en-sus drugs;
- a day case on the first day of a radiotherapy is its preparation;
- any other stay is medical (toxicity, end of life).

Matching is exact on (patient, day), with sorted keys and `searchsorted`: no loop per row.
"""

from __future__ import annotations

import numpy as np

from entrepot.synth.calibration import MAX_SESSIONS_PER_TREATMENT
from entrepot.synth.cohort import Arrays
from entrepot.synth.regimens import KINDS, SESSION_DAYS
from entrepot.synth.sampling import NEVER
from entrepot.synth.snds.drugs import regimen_drugs

MEDICAL, SURGERY, SESSION, RADIOTHERAPY = range(4)
_DAY_BITS = 20


def _key(patient: np.ndarray, day: np.ndarray) -> np.ndarray:
    return (np.asarray(patient, dtype=np.int64) << _DAY_BITS) | np.asarray(day, dtype=np.int64)


def _exact(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Index of each wanted key in sorted `keys`, −1 if absent."""
    if len(keys) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, at, -1)


def classify(stays: Arrays, treatments: Arrays, last_news: np.ndarray) -> Arrays:
    """Per stay `kind` (MEDICAL, SURGERY, SESSION, RADIOTHERAPY); `act_stay`, `act_code`,
    `act_delay` (surgical acts); `drug_stay`, `drug_atc` (liste-en-sus drugs of sessions).

    `stays` are sorted by patient then admission; `last_news` is indexed by patient.
    """
    n = len(stays["patient"])
    kind = np.full(n, MEDICAL, dtype=np.int8)
    regimen = treatments["regimen"]
    known = regimen >= 0
    treatment_kind = np.where(known, KINDS[np.maximum(regimen, 0)], "")

    # Day-case stays, keyed by (patient, day); the generator never makes two on one day.
    day_case = np.flatnonzero(~stays["inpatient"])
    day_keys = _key(stays["patient"][day_case], stays["admission"][day_case])
    day_order = np.argsort(day_keys, kind="stable")
    day_keys, day_case = day_keys[day_order], day_case[day_order]

    radiotherapy = np.flatnonzero(treatment_kind == "radiotherapy")
    found = _exact(
        day_keys, _key(treatments["patient"][radiotherapy], treatments["start"][radiotherapy])
    )
    kind[day_case[found[found >= 0]]] = RADIOTHERAPY

    session_treatment, session_day = _session_days(treatments, last_news)
    found = _exact(day_keys, _key(treatments["patient"][session_treatment], session_day))
    hit = found >= 0
    session_stay = day_case[found[hit]]
    kind[session_stay] = SESSION
    drug_stay, drug_atc = _listed_drugs(session_stay, regimen[session_treatment[hit]])

    act_stay, act_code, act_delay = _operations(stays, treatments, treatment_kind)
    kind[act_stay] = SURGERY
    return {
        "kind": kind,
        "act_stay": act_stay,
        "act_code": act_code,
        "act_delay": act_delay,
        "drug_stay": drug_stay,
        "drug_atc": drug_atc,
    }


def _session_days(treatments: Arrays, last_news: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(treatment index, day) of every session the generator would have planned."""
    regimen = treatments["regimen"]
    interval = np.where(regimen >= 0, SESSION_DAYS[np.maximum(regimen, 0)], 0).astype(np.int64)
    iv = np.flatnonzero(interval > 0)
    start = treatments["start"][iv]
    end = treatments["end"][iv]
    end = np.where(end < NEVER, end, last_news[treatments["patient"][iv]])
    count = np.clip((end - start) // interval[iv] + 1, 1, MAX_SESSIONS_PER_TREATMENT)
    row = np.repeat(np.arange(len(iv)), count)
    k = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
    return iv[row], start[row] + k * interval[iv][row]


def _listed_drugs(stay: np.ndarray, regimen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row per liste-en-sus drug of each session's regimen."""
    pair_regimen, pair_atc = regimen_drugs("listed")
    order = np.argsort(pair_regimen, kind="stable")
    pair_regimen, pair_atc = pair_regimen[order], pair_atc[order]
    first = np.searchsorted(pair_regimen, regimen, side="left")
    count = np.searchsorted(pair_regimen, regimen, side="right") - first
    row = np.repeat(np.arange(len(stay)), count)
    k = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
    return stay[row], pair_atc[first[row] + k]


def _operations(
    stays: Arrays, treatments: Arrays, treatment_kind: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(stay, CCAM act, days from admission) of each operation, in the stay spanning it."""
    surgery = np.flatnonzero((treatment_kind == "surgery") & (treatments["procedure"] != ""))
    keys = _key(stays["patient"], stays["admission"])
    wanted = _key(treatments["patient"][surgery], treatments["start"][surgery])
    at = np.searchsorted(keys, wanted, side="right") - 1
    valid = at >= 0
    at = np.maximum(at, 0)
    patient = treatments["patient"][surgery]
    valid &= (stays["patient"][at] == patient) & (
        stays["discharge"][at] >= treatments["start"][surgery]
    )
    stay = at[valid]
    return (
        stay,
        treatments["procedure"][surgery][valid],
        treatments["start"][surgery][valid] - stays["admission"][stay],
    )
