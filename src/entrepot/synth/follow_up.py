"""The course of the disease and what the hospital knows of it: relapse, death, last news.

Everything is drawn for the first primary tumour (second primaries are kept early-stage and
never change the outcome). The hospital sees the course up to its last news of the patient:
the end of follow-up (2025-12-31), a loss to follow-up, or death. The true death date is
kept in the ground truth even when the hospital never learnt it (national death records
would know it: useful for SNDS linkage tests).
"""

from __future__ import annotations

import numpy as np

from entrepot.synth import calibration as cal
from entrepot.synth.cohort import BREAST, LUNG, OVARY, Arrays
from entrepot.synth.sampling import (
    DAYS_PER_YEAR,
    NEVER,
    categorical,
    day,
    lognormal,
    months_to_days,
    weibull_months,
    years_of,
)

END = day(cal.END_OF_FOLLOW_UP)


def draw_course(rng: np.random.Generator, cohort: Arrays, tumour: Arrays) -> Arrays:
    """Per patient: `relapse` (distant relapse day of a tumour not metastatic at diagnosis),
    `trigger` (day the metastatic treatment lines start from) and `first_line` (its line
    number), `untreated` (metastatic disease never treated), `ovary_surgery` and `parp`
    (ovary front line), `death` (true day), `of_cancer` (death from the cancer),
    `death_observed`, `last_news`, `lost` (lost to follow-up)."""
    n = len(cohort["cancer"])
    cancer, dx = cohort["cancer"], cohort["diagnosis"]
    metastatic = tumour["_metastatic"]
    course: Arrays = {
        "relapse": np.full(n, NEVER, dtype=np.int64),
        "metastatic_os": np.zeros(n),
        "ovary_surgery": np.full(n, "", dtype=object),
        "parp": np.full(n, "", dtype=object),
        "first_line": np.ones(n, dtype=np.int64),
        "untreated": np.zeros(n, dtype=bool),
    }
    _breast(rng, cancer == BREAST, tumour, dx, course)
    _lung(rng, cancer == LUNG, tumour, dx, course)
    _ovary(rng, cancer == OVARY, tumour, dx, course)
    onset = np.where(metastatic, dx, course["relapse"])
    course["trigger"] = onset.copy()
    # The published survival figures are all-cause survival counted from metastatic onset
    # (ESMÉ), or from diagnosis for advanced ovarian cancer: that clock's draw is the death
    # date whenever the clock starts before a death from other causes.
    clock = onset.copy()
    cancer_death = np.where(
        onset < NEVER, onset + months_to_days(course.pop("metastatic_os")), NEVER
    )
    ovary_death = course.pop("ovary_death")
    advanced_ovary = ovary_death < NEVER
    clock[advanced_ovary] = dx[advanced_ovary]
    cancer_death[advanced_ovary] = ovary_death[advanced_ovary]
    # Ovary FIGO IV: the front line is line 1, the first progression opens line 2.
    figo4 = (cancer == OVARY) & metastatic
    course["trigger"][figo4] = course.pop("ovary_progression")[figo4]
    course["first_line"][figo4] = 2
    other_death = dx + _other_cause_days(rng, cohort["age"], cohort["sex"])
    of_cancer = clock < other_death
    death = np.where(of_cancer, cancer_death, other_death)
    # Events after death do not happen.
    for key in ("relapse", "trigger"):
        course[key] = np.where(course[key] < death, course[key], NEVER)
    lost_day = dx + np.round(
        rng.exponential(DAYS_PER_YEAR / cal.LOSS_TO_FOLLOW_UP_PER_YEAR, n)
    ).astype(np.int64)
    censor = np.minimum(END, lost_day)
    observed = death <= censor
    gap = np.round(rng.exponential(cal.LAST_CONTACT_MEAN_GAP_DAYS, n)).astype(np.int64)
    last_contact = np.where(lost_day < END, lost_day, END - gap)
    course.update(
        of_cancer=of_cancer,
        death=death,
        death_observed=observed,
        last_news=np.where(observed, death, np.maximum(last_contact, dx)),
        lost=~observed & (lost_day < END),
    )
    return course


def _other_cause_days(rng: np.random.Generator, age: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """Time to death from other causes: Gompertz hazard h(a) = h65 * exp(b (a - 65)),
    sampled by inversion: t = ln(1 + b E / h(a)) / b with E ~ Exp(1)."""
    b = cal.OTHER_CAUSE_GOMPERTZ_SLOPE
    h = cal.OTHER_CAUSE_HAZARD_AT_65 * np.exp(b * (age - 65))
    h = np.where(sex == "F", h * cal.OTHER_CAUSE_WOMEN_FACTOR, h)
    years = np.log1p(b * rng.exponential(1.0, len(age)) / h) / b
    return np.round(years * DAYS_PER_YEAR).astype(np.int64) + 1


def _relapse_days(
    rng: np.random.Generator, median_years: np.ndarray, sigma: np.ndarray | float, n: int
) -> np.ndarray:
    return np.round(lognormal(rng, median_years, sigma, n) * DAYS_PER_YEAR).astype(np.int64) + 30


def _breast(
    rng: np.random.Generator, mask: np.ndarray, tumour: Arrays, dx: np.ndarray, course: Arrays
) -> None:
    idx = np.flatnonzero(mask)
    subtype, stage = tumour["_subtype"][idx], tumour["_stage"][idx]
    p = np.array([cal.BREAST_RELAPSE.get(s, 0.0) for s in stage])
    p *= np.array([cal.BREAST_RELAPSE_FACTOR[s] for s in subtype])
    relapses = (rng.random(len(idx)) < np.minimum(p, 0.95)) & ~tumour["_metastatic"][idx]
    timing = np.array([cal.BREAST_RELAPSE_TIMING[s] for s in subtype]).reshape(-1, 2)
    days = _relapse_days(rng, timing[:, 0], timing[:, 1], len(idx))
    course["relapse"][idx] = np.where(relapses, dx[idx] + days, NEVER)
    median = np.array([cal.BREAST_METASTATIC_MEDIAN_OS[s] for s in subtype])
    course["metastatic_os"][idx] = weibull_months(rng, median, cal.SURVIVAL_SHAPE, len(idx))


def _lung(
    rng: np.random.Generator, mask: np.ndarray, tumour: Arrays, dx: np.ndarray, course: Arrays
) -> None:
    idx = np.flatnonzero(mask)
    n = len(idx)
    stage, driver = tumour["_stage"][idx], tumour["_driver"][idx]
    sclc = tumour["lung_histology"][idx] == "small_cell"
    base_stage = np.array([s[:2] if s.startswith("IA") else s for s in stage], dtype=object)
    p = np.array([cal.NSCLC_RELAPSE.get(s, 0.0) for s in base_stage])
    p = np.where(sclc, cal.SCLC_LIMITED_RELAPSE, p)
    relapses = (rng.random(n) < p) & ~tumour["_metastatic"][idx]
    median_years = np.where(sclc, 1.0, cal.NSCLC_RELAPSE_MEDIAN_YEARS)
    relapse = np.where(relapses, dx[idx] + _relapse_days(rng, median_years, 0.7, n), NEVER)
    course["relapse"][idx] = relapse
    onset_year = years_of(np.where(relapse < NEVER, relapse, dx[idx]))
    # Driver-negative NSCLC: chemotherapy era, then immunotherapy era (pembrolizumab 1L from
    # 2017) [S19]; driver-positive and SCLC medians are assumptions.
    median = np.where(
        onset_year >= 2017,
        cal.NSCLC_METASTATIC_MEDIAN_OS["immunotherapy_era"],
        cal.NSCLC_METASTATIC_MEDIAN_OS["chemo_era"],
    )
    for name, value in cal.DRIVER_METASTATIC_MEDIAN_OS.items():
        median = np.where(driver == name, value, median)
    median = np.where(sclc, cal.SCLC_METASTATIC_MEDIAN_OS, median)
    untreated = rng.random(n) < cal.LUNG_UNTREATED_METASTATIC
    median = np.where(untreated, cal.LUNG_UNTREATED_MEDIAN_OS, median)
    course["untreated"][idx] = untreated
    course["metastatic_os"][idx] = weibull_months(rng, median, cal.SURVIVAL_SHAPE, n)


def _ovary(
    rng: np.random.Generator, mask: np.ndarray, tumour: Arrays, dx: np.ndarray, course: Arrays
) -> None:
    """FIGO III–IV: survival and first progression from diagnosis by surgical strategy [S22],
    PFS lengthened by PARP maintenance [S43]. FIGO I–II: relapse (assumption)."""
    idx = np.flatnonzero(mask)
    n = len(idx)
    n_all = len(mask)
    figo = tumour["_stage"][idx]
    advanced = np.array([f.startswith("III") or f.startswith("IV") for f in figo], dtype=bool)
    mode = np.array(["primary", "interval", "none"], dtype=object)[
        categorical(
            rng,
            (
                (1 - cal.OVARY_NOT_OPERATED) * cal.OVARY_PRIMARY_SURGERY,
                (1 - cal.OVARY_NOT_OPERATED) * (1 - cal.OVARY_PRIMARY_SURGERY),
                cal.OVARY_NOT_OPERATED,
            ),
            n,
        )
    ]
    mode[~advanced] = "primary"
    year = years_of(dx[idx])
    brca = (tumour["brca1_status"][idx] == "altered") | (tumour["brca2_status"][idx] == "altered")
    # PARP-inhibitor maintenance after the front line: olaparib for BRCA from 2019, niraparib
    # for others from 2021 (half of them).
    parp = np.where(
        advanced & brca & (year >= 2019),
        "olaparib",
        np.where(advanced & ~brca & (year >= 2021) & (rng.random(n) < 0.5), "niraparib", ""),
    ).astype(object)
    os_median = np.select(
        [mode == "primary", mode == "interval"],
        [cal.OVARY_MEDIAN_OS["primary"], cal.OVARY_MEDIAN_OS["interval"]],
        cal.OVARY_NOT_OPERATED_MEDIAN_OS,
    )
    pfs_median = np.select(
        [mode == "primary", mode == "interval"],
        [cal.OVARY_MEDIAN_PFS["primary"], cal.OVARY_MEDIAN_PFS["interval"]],
        cal.OVARY_NOT_OPERATED_MEDIAN_OS / 2,
    )
    pfs_median = pfs_median / np.select(
        [parp == "olaparib", parp == "niraparib"],
        [cal.PARP_PFS_HR["olaparib"], cal.PARP_PFS_HR["niraparib"]],
        1.0,
    )
    overall = weibull_months(rng, os_median, cal.SURVIVAL_SHAPE, n)
    # Progression comes before cancer death, at least two months before.
    pfs = np.minimum(weibull_months(rng, pfs_median, 1.5, n), np.maximum(overall - 2, 1))
    ovary_death = np.full(n_all, NEVER, dtype=np.int64)
    ovary_progression = np.full(n_all, NEVER, dtype=np.int64)
    ovary_death[idx] = np.where(advanced, dx[idx] + months_to_days(overall), NEVER)
    ovary_progression[idx] = np.where(advanced, dx[idx] + months_to_days(pfs), NEVER)
    # FIGO III: the first progression is a relapse; FIGO IV: it opens the second line.
    figo3 = advanced & ~tumour["_metastatic"][idx]
    early_p = np.where(
        np.array([f.startswith("II") for f in figo]),
        cal.OVARY_EARLY_RELAPSE["II"],
        cal.OVARY_EARLY_RELAPSE["I"],
    )
    early_relapse = ~advanced & (rng.random(n) < early_p)
    early_days = _relapse_days(rng, 2.5, 0.7, n)
    course["relapse"][idx] = np.select(
        [figo3, early_relapse], [ovary_progression[idx], dx[idx] + early_days], NEVER
    )
    # After an early-stage relapse: median survival 30 months (assumption).
    course["metastatic_os"][idx] = weibull_months(rng, 30.0, cal.SURVIVAL_SHAPE, n)
    course["ovary_surgery"][idx] = mode
    course["parp"][idx] = parp
    # FIGO III deaths follow the front-line survival, not a post-relapse survival.
    ovary_death[idx] = np.where(advanced, ovary_death[idx], NEVER)
    course["ovary_death"] = ovary_death
    course["ovary_progression"] = ovary_progression
