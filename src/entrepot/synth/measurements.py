"""Measurements: ECOG performance status, weight, height and laboratory values.

Taken at diagnosis (all kinds, tumour marker of the cancer included), at the start of each
systemic treatment (weight and blood counts; ECOG for metastatic lines), and at each
progression (tumour marker). Units and plausible ranges are the model's
`MEASUREMENT_UNITS`; the value distributions are assumptions (no figure in the sheet).
"""

from __future__ import annotations

import numpy as np

from entrepot.model import MEASUREMENT_UNITS
from entrepot.synth.cohort import BREAST, LUNG, OVARY, Arrays
from entrepot.synth.regimens import KINDS
from entrepot.synth.sampling import categorical_rows, lognormal, uniform_days

_LOCAL_KINDS = ("surgery", "radiotherapy")
_MARKER = {BREAST: "ca15_3", OVARY: "ca125", LUNG: "cea"}
#: Marker medians (unit of the model): at diagnosis when localised, when metastatic.
_MARKER_MEDIAN = {"ca15_3": (18.0, 80.0), "ca125": (60.0, 600.0), "cea": (3.5, 12.0)}
_KINDS = tuple(MEASUREMENT_UNITS)
_KIND_CODE = {kind: i for i, kind in enumerate(_KINDS)}


class _Rows:
    def __init__(self) -> None:
        self.patient: list[np.ndarray] = []
        self.date: list[np.ndarray] = []
        self.kind: list[np.ndarray] = []
        self.value: list[np.ndarray] = []

    def add(self, patient: np.ndarray, date: np.ndarray, kind: str, value: np.ndarray) -> None:
        self.patient.append(patient)
        self.date.append(date)
        self.kind.append(np.full(len(patient), _KIND_CODE[kind], dtype=np.int64))
        self.value.append(value)


def measure(
    rng: np.random.Generator,
    cohort: Arrays,
    tumours: Arrays,
    treatments: Arrays,
    events: Arrays,
    last_news: np.ndarray,
) -> Arrays:
    """Measurement rows (`patient`, `date`, `kind`, `value`, `unit`), unique per patient,
    date and kind, none after the last news."""
    rows = _Rows()
    n_patients = len(cohort["sex"])
    female = cohort["sex"] == "F"
    weight = np.clip(np.where(female, 66.0, 78.0) + 13.0 * rng.standard_normal(n_patients), 38, 160)
    height = np.clip(
        np.where(female, 162.0, 175.0) + 6.8 * rng.standard_normal(n_patients), 140, 205
    )
    creatinine = lognormal(rng, np.where(female, 65.0, 82.0), 0.2, n_patients)

    tumour_patient = tumours["patient"]
    dx_date = np.minimum(
        tumours["dx"] + uniform_days(rng, 0, 10, len(tumour_patient)), last_news[tumour_patient]
    )
    metastatic = tumours["metastatic"]
    first = tumours["number"] == 1
    _at(rng, rows, tumour_patient, dx_date, metastatic, weight, creatinine, female)
    rows.add(
        tumour_patient[first], dx_date[first], "height", np.round(height[tumour_patient[first]])
    )
    rows.add(
        tumour_patient,
        dx_date,
        "ecog",
        _ecog(rng, tumours["cancer"], metastatic, np.ones(len(metastatic), dtype=np.int64)),
    )
    _markers(
        rng,
        rows,
        tumour_patient,
        dx_date,
        tumours["cancer"],
        metastatic | (tumours["stage"] == "IIIC"),
    )

    systemic = ~np.isin(KINDS[treatments["regimen"]], _LOCAL_KINDS)
    t_tumour = treatments["tumour"][systemic]
    t_patient = tumour_patient[t_tumour]
    t_metastatic = treatments["setting"][systemic] == "metastatic"
    _at(
        rng,
        rows,
        t_patient,
        treatments["start"][systemic],
        t_metastatic,
        weight,
        creatinine,
        female,
    )
    line = treatments["line"][systemic]
    rows.add(
        t_patient[t_metastatic],
        treatments["start"][systemic][t_metastatic],
        "ecog",
        _ecog(
            rng,
            tumours["cancer"][t_tumour][t_metastatic],
            np.ones(int(t_metastatic.sum()), dtype=bool),
            line[t_metastatic],
        ),
    )
    progression = events["event_kind"] != "local_recurrence"
    e_tumour = events["tumour"][progression]
    _markers(
        rng,
        rows,
        tumour_patient[e_tumour],
        events["date"][progression],
        tumours["cancer"][e_tumour],
        np.ones(len(e_tumour), dtype=bool),
    )
    return _finish(rows, last_news)


def _at(
    rng: np.random.Generator,
    rows: _Rows,
    patient: np.ndarray,
    date: np.ndarray,
    metastatic: np.ndarray,
    weight: np.ndarray,
    creatinine: np.ndarray,
    female: np.ndarray,
) -> None:
    """Weight and blood values on a date: metastatic disease costs weight and haemoglobin."""
    n = len(patient)
    loss = np.where(metastatic, rng.uniform(0.0, 0.12, n), rng.uniform(-0.03, 0.03, n))
    rows.add(patient, date, "weight", np.round(weight[patient] * (1 - loss), 1))
    rows.add(patient, date, "creatinine", np.round(creatinine[patient] * rng.lognormal(0, 0.08, n)))
    haemoglobin = (
        np.where(female[patient], 13.0, 14.3)
        - np.where(metastatic, 1.0, 0.0)
        + 1.1 * rng.standard_normal(n)
    )
    rows.add(patient, date, "haemoglobin", np.round(np.clip(haemoglobin, 7.0, 18.0), 1))
    rows.add(
        patient, date, "neutrophils", np.round(np.clip(lognormal(rng, 4.0, 0.35, n), 0.3, 20.0), 1)
    )


def _ecog(
    rng: np.random.Generator, cancer: np.ndarray, metastatic: np.ndarray, line: np.ndarray
) -> np.ndarray:
    """ECOG 0–4: worse in lung and metastatic disease, and at each later line."""
    n = len(cancer)
    shares = np.select(
        [
            (cancer == LUNG)[:, None] & metastatic[:, None],
            (cancer == LUNG)[:, None],
            metastatic[:, None],
        ],
        [
            np.array([[0.20, 0.45, 0.25, 0.08, 0.02]]),
            np.array([[0.40, 0.45, 0.12, 0.03, 0.0]]),
            np.array([[0.45, 0.40, 0.12, 0.03, 0.0]]),
        ],
        np.array([[0.70, 0.25, 0.05, 0.0, 0.0]]),
    )
    score = categorical_rows(rng, shares)
    worse = rng.random(n) < np.minimum(0.15 * (np.asarray(line) - 1), 0.6)
    return np.minimum(score + worse, 4).astype(np.float64)


def _markers(
    rng: np.random.Generator,
    rows: _Rows,
    patient: np.ndarray,
    date: np.ndarray,
    cancer: np.ndarray,
    high: np.ndarray,
) -> None:
    for kind, marker in _MARKER.items():
        mask = cancer == kind
        if kind == LUNG:
            mask &= rng.random(len(cancer)) < 0.6  # CEA is not always measured in lung cancer
        low_median, high_median = _MARKER_MEDIAN[marker]
        median = np.where(high[mask], high_median, low_median)
        value = lognormal(rng, median, np.where(high[mask], 1.0, 0.5), int(mask.sum()))
        _, lowest, highest = MEASUREMENT_UNITS[marker]
        rows.add(
            patient[mask],
            date[mask],
            marker,
            np.round(np.clip(value, max(lowest, 0.5), min(highest, 20000.0)), 1),
        )


def _finish(rows: _Rows, last_news: np.ndarray) -> Arrays:
    patient = np.concatenate(rows.patient)
    date = np.concatenate(rows.date)
    kind = np.concatenate(rows.kind)
    value = np.concatenate(rows.value).astype(np.float64)
    keep = date <= last_news[patient]
    order = np.lexsort((kind[keep], date[keep], patient[keep]))
    patient, date, kind, value = (a[keep][order] for a in (patient, date, kind, value))
    # One value per patient, date and kind: the key of the table.
    distinct = np.ones(len(patient), dtype=bool)
    distinct[1:] = (patient[1:] != patient[:-1]) | (date[1:] != date[:-1]) | (kind[1:] != kind[:-1])
    patient, date, kind, value = patient[distinct], date[distinct], kind[distinct], value[distinct]
    lowest = np.array([MEASUREMENT_UNITS[k][1] for k in _KINDS])
    highest = np.array([MEASUREMENT_UNITS[k][2] for k in _KINDS])
    units = np.array([MEASUREMENT_UNITS[k][0] for k in _KINDS], dtype=object)
    return {
        "patient": patient,
        "date": date,
        "kind": np.array(_KINDS, dtype=object)[kind],
        "value": np.clip(value, lowest[kind], highest[kind]),
        "unit": units[kind],
    }
