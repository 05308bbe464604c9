"""Who the patients of a chunk are: centre, cancer, sex, age, diagnosis date, residence.

Everything else (tumour detail, course of the disease, identity) hangs off these arrays.
A patient is an index into them; the arrays are a plain dict so that modules add their own.
"""

from __future__ import annotations

import numpy as np

from entrepot.synth import calibration as cal
from entrepot.synth.centres import Centre
from entrepot.synth.places import DEPARTEMENT_INDEX, DEPARTEMENTS, REGION_OF, REGIONS
from entrepot.synth.sampling import DAYS_PER_YEAR, categorical, day

CANCERS = ("breast", "lung", "ovary")
BREAST, LUNG, OVARY = 0, 1, 2

Arrays = dict[str, np.ndarray]


def draw_cohort(rng: np.random.Generator, n: int, centres: list[Centre]) -> Arrays:
    """The core of `n` patients: keys centre, cancer, sex ("M"/"F"), age (years at the first
    diagnosis), diagnosis (day), birth (day), residence (département index)."""
    weights = np.array([c.weight for c in centres])
    centre = categorical(rng, weights, n)
    cancer = categorical(rng, [cal.NEW_CASES[c] for c in CANCERS], n)
    sex = _sex(rng, cancer)
    age = _age(rng, cancer, sex)
    diagnosis = _diagnosis_day(rng, cancer, sex)
    # Birth: the drawn age is exact (a real number of years), so the birth day is that many
    # days of 365.25 before the diagnosis, to the nearest day: the dates give back the age.
    birth = diagnosis - np.round(age * DAYS_PER_YEAR).astype(np.int64)
    return {
        "centre": centre,
        "cancer": cancer,
        "sex": sex,
        "age": age,
        "diagnosis": diagnosis,
        "birth": birth,
        "residence": _residence(rng, centre, centres),
    }


def _sex(rng: np.random.Generator, cancer: np.ndarray) -> np.ndarray:
    male = np.where(
        cancer == BREAST,
        rng.random(len(cancer)) < cal.BREAST_MALE_SHARE,
        rng.random(len(cancer)) < cal.LUNG_CASES_BY_SEX["M"] / sum(cal.LUNG_CASES_BY_SEX.values()),
    )
    male &= cancer != OVARY
    return np.where(male, "M", "F").astype(object)


def _age(rng: np.random.Generator, cancer: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """Normal around the published median, clipped to the plausible range: clipping moves
    only the tails, so the median stays the published one."""
    median = np.full(len(cancer), float(cal.MEDIAN_AGE_OVARY))
    sd = np.full(len(cancer), cal.AGE_SD["ovary"])
    for (cancer_name, sex_code), value in cal.MEDIAN_AGE.items():
        mask = (cancer == CANCERS.index(cancer_name)) & (sex == sex_code)
        median[mask] = value
        sd[mask] = cal.AGE_SD[cancer_name]
    age = median + sd * rng.standard_normal(len(cancer))
    return np.clip(age, *cal.AGE_RANGE)


def _diagnosis_day(rng: np.random.Generator, cancer: np.ndarray, sex: np.ndarray) -> np.ndarray:
    years = np.arange(cal.FIRST_DIAGNOSIS_YEAR, cal.LAST_DIAGNOSIS_YEAR + 1)
    year = np.full(len(cancer), cal.FIRST_DIAGNOSIS_YEAR)
    trend = np.zeros(len(cancer))
    for (cancer_name, sex_code), value in cal.INCIDENCE_TREND.items():
        trend[(cancer == CANCERS.index(cancer_name)) & (sex == sex_code)] = value
    for value in np.unique(trend):
        mask = trend == value
        year[mask] = years[categorical(rng, (1 + value) ** (years - years[0]), int(mask.sum()))]
    first = np.array([day(f"{y}-01-01") for y in years])
    length = np.array([day(f"{y}-12-31") - day(f"{y}-01-01") + 1 for y in years])
    k = year - years[0]
    return first[k] + np.floor(rng.random(len(cancer)) * length[k]).astype(np.int64)


def _residence(rng: np.random.Generator, centre: np.ndarray, centres: list[Centre]) -> np.ndarray:
    """Département index of residence: the centre's own, its region, or anywhere."""
    n = len(centre)
    home = np.array([DEPARTEMENT_INDEX[c.departement] for c in centres])[centre]
    where = categorical(rng, cal.RESIDENCE_SPREAD, n)
    residence = home.copy()
    anywhere = where == 2
    residence[anywhere] = rng.integers(0, len(DEPARTEMENTS), int(anywhere.sum()))
    for k, c in enumerate(centres):
        region = np.array([DEPARTEMENT_INDEX[d] for d in REGIONS[REGION_OF[c.departement]]])
        mask = (where == 1) & (centre == k)
        residence[mask] = region[rng.integers(0, len(region), int(mask.sum()))]
    return residence
