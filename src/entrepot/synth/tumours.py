"""The primary tumour: site, histology, stage (TNM consistent with the stage group), and the
biomarkers that decide treatment (breast receptors, lung drivers and PD-L1, BRCA).

`classify` returns, per tumour, the export columns of `tumour` (codes as text, "" when
empty, NaN for a missing percentage) and hidden keys, prefixed with `_`, that later modules
and the ground truth need: `_subtype`, `_stage`, `_driver`, `_gbrca`, `_sites` (bit mask of
`codes.METASTATIC_SITES`), `_metastatic`.
"""

from __future__ import annotations

import numpy as np

from entrepot.synth import calibration as cal
from entrepot.synth import codes
from entrepot.synth.cohort import BREAST, LUNG, OVARY, Arrays
from entrepot.synth.sampling import categorical, draw_keys, lognormal, pick, pick_either

_TEXT_COLUMNS = (
    "icd10", "topography", "morphology", "laterality", "grade", "clinical_t", "clinical_n",
    "clinical_m", "pathological_t", "pathological_n", "stage_group", "figo_stage",
    "er_status", "pr_status", "her2_status", "brca1_status", "brca2_status", "lung_histology",
    "egfr_status", "alk_status", "ros1_status", "kras_status", "smoking_status",
    "_subtype", "_stage", "_driver",
)  # fmt: skip

#: Site-mask -> "bone|liver" text, for every mask.
SITE_TEXT = np.array(
    [
        "|".join(s for b, s in enumerate(codes.METASTATIC_SITES) if mask >> b & 1)
        for mask in range(1 << len(codes.METASTATIC_SITES))
    ],
    dtype=object,
)


def classify(
    rng: np.random.Generator,
    cancer: np.ndarray,
    sex: np.ndarray,
    age: np.ndarray,
    year: np.ndarray,
    early_only: np.ndarray,
) -> Arrays:
    """Classify tumours of the given cancer types; `early_only` forces stage I–II (used for
    second primaries, which the generator keeps non-metastatic)."""
    n = len(cancer)
    out: Arrays = {name: np.full(n, "", dtype=object) for name in _TEXT_COLUMNS}
    out["ki67_percent"] = np.full(n, np.nan)
    out["pdl1_percent"] = np.full(n, np.nan)
    out["_gbrca"] = np.zeros(n, dtype=bool)
    out["_sites"] = np.zeros(n, dtype=np.int64)
    for kind, build in ((BREAST, _breast), (LUNG, _lung), (OVARY, _ovary)):
        idx = np.flatnonzero(cancer == kind)
        if len(idx):
            part = build(rng, sex[idx], age[idx], year[idx], early_only[idx])
            for name, values in part.items():
                out[name][idx] = values
    out["_metastatic"] = out["_sites"] > 0
    out["metastatic_sites"] = SITE_TEXT[out["_sites"]]
    return out


def draw_sites(
    rng: np.random.Generator,
    cancer_name: str,
    n: int,
    counts: tuple[float, ...] = (0.55, 0.30, 0.15),
) -> np.ndarray:
    """Bit masks of 1–3 distinct metastatic sites, weighted by site frequency (Gumbel top-k:
    sampling without replacement, vectorised)."""
    weights = np.array(
        [codes.SITE_WEIGHTS[cancer_name].get(s, 0.0) for s in codes.METASTATIC_SITES]
    )
    with np.errstate(divide="ignore"):
        keys = np.log(weights) + rng.gumbel(size=(n, len(weights)))
    order = np.argsort(-keys, axis=1)
    count = 1 + categorical(rng, counts, n)
    bits = np.left_shift(1, order)
    taken = np.arange(len(weights)) < count[:, None]
    return (bits * taken).sum(axis=1)


def _choose_tnm(rng: np.random.Generator, stage: np.ndarray, table: dict) -> tuple[np.ndarray, ...]:
    t, n_, m = (np.full(len(stage), "", dtype=object) for _ in range(3))
    for group, options in table.items():
        idx = np.flatnonzero(stage == group)
        if len(idx) == 0:
            continue
        k = categorical(rng, [o[3] for o in options], len(idx))
        for column, position in ((t, 0), (n_, 1), (m, 2)):
            column[idx] = np.array([o[position] for o in options], dtype=object)[k]
    return t, n_, m


def _stage(
    rng: np.random.Generator,
    shares: dict[str, float],
    early_only: np.ndarray,
    early: tuple[str, ...],
) -> np.ndarray:
    stage = draw_keys(rng, shares, len(early_only))
    stage[early_only] = draw_keys(rng, {s: shares[s] for s in early}, int(early_only.sum()))
    return stage


def _site(rng: np.random.Generator, options: tuple, n: int) -> tuple[np.ndarray, np.ndarray]:
    k = categorical(rng, [o[2] for o in options], n)
    return (
        np.array([o[0] for o in options], dtype=object)[k],
        np.array([o[1] for o in options], dtype=object)[k],
    )


def _breast(
    rng: np.random.Generator,
    sex: np.ndarray,
    age: np.ndarray,
    year: np.ndarray,
    early_only: np.ndarray,
) -> Arrays:
    n = len(sex)
    subtype = draw_keys(rng, cal.BREAST_SUBTYPES, n)
    # Male breast cancer is almost always hormone-receptor positive (assumption).
    male = (sex == "M") & (rng.random(n) < 0.9)
    subtype[male] = "HR+/HER2-"
    stage = _stage(rng, cal.BREAST_STAGES, early_only, ("IA", "IIA", "IIB"))
    t, n_, m = _choose_tnm(rng, stage, codes.BREAST_TNM)
    hr_positive = (subtype == "HR+/HER2-") | (subtype == "HR+/HER2+")
    her2_positive = (subtype == "HR+/HER2+") | (subtype == "HR-/HER2+")
    unknown = subtype == "unknown"
    # HR+ is ER+ in 97 % (else ER−/PR+); PR follows ER in 80 % (assumption).
    er_positive = hr_positive & (rng.random(n) < 0.97)
    pr_positive = hr_positive & (~er_positive | (rng.random(n) < 0.80))
    er = np.where(er_positive, "positive", "negative").astype(object)
    pr = np.where(pr_positive, "positive", "negative").astype(object)
    her2_low = ~her2_positive & (rng.random(n) < cal.HER2_LOW_SHARE)
    her2 = np.select([her2_positive, her2_low], ["positive", "low"], "negative").astype(object)
    for column in (er, pr, her2):
        column[unknown] = np.where(rng.random(int(unknown.sum())) < 0.5, "unknown", "")
    ki67_median = np.array([cal.KI67_MEDIAN[s] for s in subtype])
    ki67 = np.round(np.clip(lognormal(rng, ki67_median, 0.55, n), 1, 95))
    ki67[unknown | (rng.random(n) < 0.08)] = np.nan
    grade_shares = {"HR+/HER2-": (0.25, 0.55, 0.20), "TN": (0.02, 0.13, 0.85)}
    grade = np.empty(n, dtype=object)
    for name in cal.BREAST_SUBTYPES:
        mask = subtype == name
        grade[mask] = np.array(["1", "2", "3"], dtype=object)[
            categorical(rng, grade_shares.get(name, (0.05, 0.40, 0.55)), int(mask.sum()))
        ]
    grade[rng.random(n) < 0.05] = ""
    gbrca = rng.random(n) < np.where(
        subtype == "TN", cal.BREAST_GBRCA["TN"], cal.BREAST_GBRCA["other"]
    )
    tested = rng.random(n) < np.select([subtype == "TN", age < 40], [0.7, 0.8], 0.15)
    brca1, brca2 = _brca_status(rng, gbrca, tested)
    morphology = pick_either(
        rng, hr_positive, codes.BREAST_MORPHOLOGY["lobular_prone"], codes.BREAST_MORPHOLOGY["other"]
    )
    icd10, topography = _site(rng, codes.BREAST_SITES, n)
    laterality = pick(rng, (("left", 0.505), ("right", 0.485), ("bilateral", 0.01)), n)
    sites = np.where(stage == "IV", draw_sites(rng, "breast", n), 0)
    return {
        "icd10": icd10, "topography": topography, "morphology": morphology,
        "laterality": laterality, "grade": grade, "clinical_t": t, "clinical_n": n_,
        "clinical_m": m, "stage_group": stage, "er_status": er, "pr_status": pr,
        "her2_status": her2, "ki67_percent": ki67, "brca1_status": brca1, "brca2_status": brca2,
        "_subtype": subtype, "_stage": stage, "_gbrca": gbrca, "_sites": sites,
    }  # fmt: skip


def _brca_status(
    rng: np.random.Generator, altered: np.ndarray, tested: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """BRCA1/BRCA2 columns: altered only if tested; a carrier has one of the two genes."""
    n = len(altered)
    brca1_carrier = altered & (rng.random(n) < cal.BRCA1_SHARE)
    brca1 = np.select([~tested, brca1_carrier], ["not_tested", "altered"], "wild_type").astype(
        object
    )
    brca2 = np.select(
        [~tested, altered & ~brca1_carrier], ["not_tested", "altered"], "wild_type"
    ).astype(object)
    # Half of the untested tumours simply have the cells left empty.
    blank = ~tested & (rng.random(n) < 0.5)
    brca1[blank] = ""
    brca2[blank] = ""
    return brca1, brca2


def _lung(
    rng: np.random.Generator,
    sex: np.ndarray,
    age: np.ndarray,
    year: np.ndarray,
    early_only: np.ndarray,
) -> Arrays:
    n = len(sex)
    group = categorical(rng, cal.LUNG_HISTOLOGY, n)  # 0 NSCLC, 1 SCLC, 2 other
    histology = draw_keys(rng, cal.NSCLC_HISTOLOGY, n)
    histology[group == 1] = "small_cell"
    histology[group == 2] = "other"
    never = rng.random(n) < np.where(sex == "F", cal.NEVER_SMOKER["F"], cal.NEVER_SMOKER["M"])
    former = rng.random(n) < cal.FORMER_AMONG_SMOKERS
    smoking = np.select([never, former], ["never", "former"], "current").astype(object)
    smoking[rng.random(n) < 0.03] = "unknown"
    p_metastatic = np.select(
        [group == 0, group == 1],
        [cal.NSCLC_METASTATIC_AT_DIAGNOSIS, cal.SCLC_METASTATIC_AT_DIAGNOSIS],
        0.2,
    )
    metastatic = (rng.random(n) < p_metastatic) & ~early_only
    stage = _stage(rng, cal.NSCLC_STAGES_M0, early_only, ("IA", "IB", "IIA", "IIB"))
    stage[metastatic] = draw_keys(rng, codes.LUNG_METASTATIC_STAGE, int(metastatic.sum()))
    t, n_, m = _choose_tnm(rng, stage, codes.LUNG_TNM)
    # Stage IA is IA1/IA2/IA3 by T category (TNM 8).
    for category, refined in (("T1a", "IA1"), ("T1b", "IA2"), ("T1c", "IA3")):
        stage[(stage == "IA") & (t == category)] = refined
    sites = np.zeros(n, dtype=np.int64)
    bit = {s: 1 << i for i, s in enumerate(codes.METASTATIC_SITES)}
    m1a = m == "M1a"
    sites[m1a] = np.where(rng.random(int(m1a.sum())) < 0.6, bit["pleura"], bit["lung"])
    m1b = m == "M1b"
    single = np.array([bit["bone"], bit["brain"], bit["liver"], bit["adrenal"]])
    sites[m1b] = single[rng.integers(0, 4, int(m1b.sum()))]
    m1c = m == "M1c"
    sites[m1c] = draw_sites(rng, "lung", int(m1c.sum()), counts=(0.0, 0.6, 0.4))
    driver, egfr, alk, ros1, kras = _lung_drivers(rng, histology, never, year)
    pdl1 = _pdl1(rng, histology, year)
    icd10, topography = _site(rng, codes.LUNG_SITES, n)
    laterality = np.where(rng.random(n) < 0.55, "right", "left").astype(object)
    laterality[icd10 == "C342"] = "right"
    subtype = np.where(histology == "small_cell", "SCLC", driver).astype(object)
    return {
        "icd10": icd10, "topography": topography,
        "morphology": np.array([codes.LUNG_MORPHOLOGY[h] for h in histology], dtype=object),
        "laterality": laterality, "clinical_t": t, "clinical_n": n_, "clinical_m": m,
        "stage_group": stage, "lung_histology": histology, "egfr_status": egfr,
        "alk_status": alk, "ros1_status": ros1, "kras_status": kras, "pdl1_percent": pdl1,
        "smoking_status": smoking, "_subtype": subtype, "_stage": stage, "_driver": driver,
        "_sites": sites,
    }  # fmt: skip


def _lung_drivers(
    rng: np.random.Generator, histology: np.ndarray, never: np.ndarray, year: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Driver (EGFR, ALK, ROS1, KRAS, none, untested) and the four gene-status columns.

    Non-squamous NSCLC is profiled (more often after 2010); squamous rarely; SCLC never. The
    driver shares depend on smoking so that their marginals match [S12] and [S16].
    """
    n = len(histology)
    non_squamous = np.isin(histology, ["adenocarcinoma", "large_cell", "nsclc_nos", "other"])
    p_tested = np.where(
        non_squamous,
        np.where(year >= 2010, 0.92, 0.5),
        np.where(histology == "squamous", 0.15, 0.0),
    )
    tested = rng.random(n) < p_tested
    names = ("EGFR", "ALK", "ROS1", "KRAS", "none")
    never_shares = [*cal.DRIVERS_NEVER_SMOKER.values(), 1 - sum(cal.DRIVERS_NEVER_SMOKER.values())]
    smoker_shares = [*cal.DRIVERS_SMOKER.values(), 1 - sum(cal.DRIVERS_SMOKER.values())]
    k = np.where(never, categorical(rng, never_shares, n), categorical(rng, smoker_shares, n))
    driver = np.array(names, dtype=object)[k]
    driver[~tested] = "untested"
    ros1_tested = tested & (year >= 2013)
    # ROS1 rearrangements found before ROS1 was tested stay unknown: driver-negative on file.
    driver[(driver == "ROS1") & ~ros1_tested] = "none"
    statuses = []
    for gene, gene_tested in (
        ("EGFR", tested),
        ("ALK", tested),
        ("ROS1", ros1_tested),
        ("KRAS", tested),
    ):
        status = np.where(driver == gene, "altered", "wild_type").astype(object)
        status[~gene_tested] = np.where(
            rng.random(int((~gene_tested).sum())) < 0.5, "not_tested", ""
        )
        statuses.append(status)
    return (driver, *statuses)


def _pdl1(rng: np.random.Generator, histology: np.ndarray, year: np.ndarray) -> np.ndarray:
    """PD-L1 tumour proportion score: ≥ 50 % in 22 % [S15]; tested in NSCLC from 2016."""
    n = len(histology)
    tested = (histology != "small_cell") & (year >= cal.PDL1_TESTED_FROM) & (rng.random(n) < 0.88)
    level = categorical(rng, (cal.PDL1_HIGH, cal.PDL1_LOW, 1 - cal.PDL1_HIGH - cal.PDL1_LOW), n)
    score = np.select(
        [level == 0, level == 1], [rng.integers(50, 101, n), rng.integers(1, 50, n)], 0
    )
    return np.where(tested, score.astype(np.float64), np.nan)


def _ovary(
    rng: np.random.Generator,
    sex: np.ndarray,
    age: np.ndarray,
    year: np.ndarray,
    early_only: np.ndarray,
) -> Arrays:
    n = len(sex)
    figo = _stage(rng, cal.OVARY_FIGO, early_only, ("IA", "IC", "IIA", "IIB"))
    t, n_, m = _choose_tnm(rng, figo, codes.OVARY_TNM)
    hgsc = rng.random(n) < cal.HIGH_GRADE_SEROUS
    morphology = np.where(
        hgsc, codes.OVARY_HGSC_MORPHOLOGY, pick(rng, codes.OVARY_OTHER_MORPHOLOGY, n)
    )
    grade = np.where(hgsc, "3", np.where(rng.random(n) < 0.5, "1", "2")).astype(object)
    gbrca = rng.random(n) < np.where(hgsc, cal.GBRCA_OVARY["hgsc"], cal.GBRCA_OVARY["other"])
    somatic = ~gbrca & (rng.random(n) < cal.SOMATIC_BRCA_OVARY)
    tested = rng.random(n) < np.where(year >= 2015, 0.9, 0.4)
    brca1, brca2 = _brca_status(rng, gbrca | somatic, tested)
    bilateral = hgsc & (rng.random(n) < 0.5)
    laterality = np.where(
        bilateral, "bilateral", np.where(rng.random(n) < 0.5, "left", "right")
    ).astype(object)
    bit = {s: 1 << i for i, s in enumerate(codes.METASTATIC_SITES)}
    sites = np.where(figo == "IVA", bit["pleura"], 0)
    ivb = figo == "IVB"
    # FIGO IVB: parenchymal or extra-abdominal disease, so peritoneum is not one of its sites.
    far = np.array([bit["liver"], bit["distant_lymph_nodes"], bit["lung"], bit["pleura"]])
    sites[ivb] = far[categorical(rng, (0.4, 0.3, 0.15, 0.15), int(ivb.sum()))]
    return {
        "icd10": np.full(n, codes.OVARY_SITE[0], dtype=object),
        "topography": np.full(n, codes.OVARY_SITE[1], dtype=object),
        "morphology": morphology, "laterality": laterality, "grade": grade,
        "clinical_t": t, "clinical_n": n_, "clinical_m": m, "figo_stage": figo,
        "brca1_status": brca1, "brca2_status": brca2,
        "_subtype": np.where(hgsc, "HGSC", "other").astype(object), "_stage": figo,
        "_gbrca": gbrca, "_sites": sites,
    }  # fmt: skip
