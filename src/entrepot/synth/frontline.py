"""The first treatment phase of each tumour, shaped on the guidelines.

- Early breast: neoadjuvant chemotherapy (HER2+, triple negative, stage III), surgery
  (conserving or mastectomy), adjuvant chemotherapy, anti-HER2 for a year, radiotherapy,
  five years of endocrine therapy for HR+ disease.
- Lung, non-metastatic: surgery ± adjuvant chemotherapy (osimertinib for EGFR from 2021,
  atezolizumab for PD-L1 ≥ 50 % from 2022), stereotactic radiotherapy when inoperable,
  concurrent chemoradiation then durvalumab (2018+) for stage III; SCLC chemoradiation.
- Ovary: surgery and carboplatin–paclitaxel (6 cycles, or 3 + interval debulking + 3)
  [S22], then PARP-inhibitor maintenance [S43] or bevacizumab. FIGO IV front line is the
  first metastatic line.

Each step is one vectorised draw over the tumours concerned; `ctx` holds the tumour
arrays (see `chunk._context`). Shares and delays are assumptions.
"""

from __future__ import annotations

import numpy as np

from entrepot.synth import codes
from entrepot.synth.cohort import BREAST, LUNG, OVARY, Arrays
from entrepot.synth.pathway import TreatmentRows
from entrepot.synth.regimens import MONTHS, SURGERY_ID, draw, rid
from entrepot.synth.sampling import day, months_to_days, pick, pick_either, uniform_days


def _duration(
    rng: np.random.Generator, regimen: np.ndarray, scale: float | np.ndarray = 1.0
) -> np.ndarray:
    """Planned duration of a fixed-length treatment, ±10 %."""
    return months_to_days(MONTHS[regimen] * scale * rng.uniform(0.9, 1.1, len(regimen)))


def _surgery(
    rows: TreatmentRows,
    tumour: np.ndarray,
    date: np.ndarray,
    procedure: np.ndarray,
    cutoff: np.ndarray,
    where: np.ndarray,
) -> None:
    """The curative operation of the selected tumours, as every cancer writes it: the
    surgery regimen on one day, its CCAM procedure, and no stop reason (an operation is not
    a course that completes or stops)."""
    rows.add(
        tumour,
        SURGERY_ID,
        "curative",
        date,
        0,
        procedure=procedure,
        stop="",
        cutoff=cutoff,
        where=where,
    )


def _radiotherapy(rng: np.random.Generator, year: np.ndarray) -> np.ndarray:
    """Breast fractionation by era: hypofractionation spread after 2016, 5 fractions 2021+."""
    n = len(year)
    return np.select(
        [year >= 2021, year >= 2016],
        [
            draw(
                rng,
                n,
                (("RT 26 Gy/5 fr", 0.25), ("RT 40 Gy/15 fr", 0.55), ("RT 50 Gy/25 fr", 0.20)),
            ),
            draw(rng, n, (("RT 40 Gy/15 fr", 0.60), ("RT 50 Gy/25 fr", 0.40))),
        ],
        draw(rng, n, (("RT 50 Gy/25 fr", 0.85), ("RT 40 Gy/15 fr", 0.15))),
    )


def breast(rng: np.random.Generator, ctx: Arrays, rows: TreatmentRows) -> None:
    tumour = np.flatnonzero((ctx["cancer"] == BREAST) & ~ctx["metastatic"])
    n = len(tumour)
    if n == 0:
        return
    dx, year, cutoff = ctx["dx"][tumour], ctx["year"][tumour], ctx["cutoff"][tumour]
    subtype, stage = ctx["subtype"][tumour], ctx["stage"][tumour]
    her2 = (subtype == "HR+/HER2+") | (subtype == "HR-/HER2+")
    tn = subtype == "TN"
    hr = (subtype == "HR+/HER2-") | (subtype == "HR+/HER2+")
    stage3 = np.array([s.startswith("III") for s in stage])
    stage1 = stage == "IA"
    neo = rng.random(n) < np.select([(her2 | tn) & ~stage1, stage3], [0.6, 0.5], 0.05)
    operated = rng.random(n) < np.where(ctx["age"][tumour] > 85, 0.75, 0.97)
    first = dx + uniform_days(rng, 14, 35, n)

    chemo = np.select(
        [her2 & neo & (year >= 2016), her2, tn & neo & (year >= 2022), year < 2012],
        [
            rid("EC-paclitaxel-trastuzumab-pertuzumab"),
            rid("EC-paclitaxel-trastuzumab"),
            rid("Paclitaxel-carboplatine-pembrolizumab puis AC"),
            draw(rng, n, (("FEC100-docétaxel", 0.7), ("EC-paclitaxel", 0.3))),
        ],
        np.where(
            hr & ~her2,
            draw(rng, n, (("EC-paclitaxel", 0.75), ("Docétaxel, cyclophosphamide", 0.25))),
            rid("EC-paclitaxel"),
        ),
    )
    chemo_days = _duration(rng, chemo)
    neo_end = first + chemo_days
    rows.add(tumour, chemo, "neoadjuvant", first, chemo_days, cutoff=cutoff, where=neo)

    surgery = np.where(neo, neo_end + uniform_days(rng, 21, 42, n), first)
    t_big = np.isin(ctx["clinical_t"][tumour], ["T3", "T4b", "T4d"])
    conserving = ~t_big & (rng.random(n) < np.select([neo, stage1], [0.5, 0.8], 0.6))
    procedure = pick_either(
        rng, conserving, codes.CCAM["breast_conserving"], codes.CCAM["mastectomy"]
    )
    _surgery(rows, tumour, surgery, procedure, cutoff, where=operated)
    staged = operated & ~neo
    ctx["pathological_t"][tumour[staged]] = ctx["clinical_t"][tumour[staged]]
    ctx["pathological_n"][tumour[staged]] = ctx["clinical_n"][tumour[staged]]

    p_adjuvant = np.select(
        [tn, her2, subtype == "unknown", stage1, stage3], [0.9, 0.9, 0.5, 0.15, 0.85], 0.45
    )
    adjuvant = operated & ~neo & (rng.random(n) < p_adjuvant)
    adj_start = surgery + uniform_days(rng, 28, 49, n)
    rows.add(tumour, chemo, "adjuvant", adj_start, chemo_days, cutoff=cutoff, where=adjuvant)
    after_chemo = np.select([adjuvant, neo], [adj_start + chemo_days, surgery], surgery)

    # Anti-HER2 to complete a year; T-DM1 for residual disease after neoadjuvant (2020+).
    anti_her2 = her2 & (neo | adjuvant) & operated
    tdm1 = neo & (year >= 2020) & (rng.random(n) < 0.35)
    her2_drug = np.where(tdm1, rid("Trastuzumab emtansine"), rid("Trastuzumab"))
    her2_start = np.where(
        neo, surgery + uniform_days(rng, 21, 35, n), after_chemo + uniform_days(rng, 7, 21, n)
    )
    rows.add(
        tumour,
        her2_drug,
        "adjuvant",
        her2_start,
        _duration(rng, her2_drug),
        cutoff=cutoff,
        where=anti_her2,
    )
    pembro = operated & (chemo == rid("Paclitaxel-carboplatine-pembrolizumab puis AC")) & neo
    pembro_start = surgery + uniform_days(rng, 21, 42, n)
    pembro_id = np.full(n, rid("Pembrolizumab adjuvant"))
    rows.add(
        tumour,
        pembro_id,
        "adjuvant",
        pembro_start,
        _duration(rng, pembro_id),
        cutoff=cutoff,
        where=pembro,
    )

    node_positive = ~np.isin(ctx["clinical_n"][tumour], ["N0"])
    radiotherapy = np.where(
        operated,
        rng.random(n) < np.where(conserving, 0.97, np.where(node_positive | t_big, 0.75, 0.1)),
        rng.random(n) < 0.5,
    )
    rt = _radiotherapy(rng, year)
    rt_start = np.maximum(after_chemo, surgery) + uniform_days(rng, 21, 42, n)
    rt_days = _duration(rng, rt)
    procedure_rt = pick(rng, codes.CCAM["radiotherapy"], n)
    rows.add(
        tumour,
        rt,
        "curative",
        rt_start,
        rt_days,
        procedure=procedure_rt,
        cutoff=cutoff,
        where=radiotherapy,
    )

    endocrine = hr & (rng.random(n) < 0.92)
    young = (ctx["age"][tumour] < 50) | (ctx["sex"][tumour] == "M")
    drug = np.where(
        young & (rng.random(n) < 0.85),
        rid("Tamoxifène"),
        draw(
            rng,
            n,
            (
                ("Létrozole", 0.42),
                ("Anastrozole", 0.38),
                ("Exémestane", 0.12),
                ("Tamoxifène", 0.08),
            ),
        ),
    )
    et_start = np.where(
        radiotherapy, rt_start + rt_days, np.maximum(after_chemo, surgery)
    ) + uniform_days(rng, 7, 35, n)
    stops_early = rng.random(n) < 0.12
    et_days = np.where(
        stops_early, months_to_days(rng.uniform(3, 48, n)), _duration(rng, drug, 1.0)
    )
    et_stop = np.where(
        stops_early, np.where(rng.random(n) < 0.7, "toxicity", "patient_choice"), "completed"
    )
    rows.add(
        tumour, drug, "adjuvant", et_start, et_days, stop=et_stop, cutoff=cutoff, where=endocrine
    )


def lung(rng: np.random.Generator, ctx: Arrays, rows: TreatmentRows) -> None:
    tumour = np.flatnonzero((ctx["cancer"] == LUNG) & ~ctx["metastatic"])
    n = len(tumour)
    if n == 0:
        return
    dx, cutoff = ctx["dx"][tumour], ctx["cutoff"][tumour]
    stage = ctx["stage"][tumour]
    sclc = ctx["histology"][tumour] == "small_cell"
    driver = ctx["driver"][tumour]
    stage1 = np.array([s.startswith("I") and not s.startswith("II") for s in stage])
    stage2 = np.array([s.startswith("II") and not s.startswith("III") for s in stage])
    p_operable = np.select([sclc, stage1, stage2, stage == "IIIA"], [0.05, 0.80, 0.75, 0.35], 0.05)
    p_operable = np.where(ctx["age"][tumour] > 80, p_operable / 2, p_operable)
    operated = rng.random(n) < p_operable
    first = dx + uniform_days(rng, 21, 56, n)
    procedure = pick(rng, codes.CCAM["lung_resection"], n)
    _surgery(rows, tumour, first, procedure, cutoff, where=operated)
    ctx["pathological_t"][tumour[operated]] = ctx["clinical_t"][tumour[operated]]
    ctx["pathological_n"][tumour[operated]] = ctx["clinical_n"][tumour[operated]]

    sbrt = ~operated & stage1 & ~sclc
    rt_procedure = pick(rng, codes.CCAM["radiotherapy"], n)
    sbrt_id = np.full(n, rid("SBRT 54 Gy/3 fr"))
    rows.add(
        tumour,
        sbrt_id,
        "curative",
        first,
        _duration(rng, sbrt_id),
        procedure="ZZNL063",
        cutoff=cutoff,
        where=sbrt,
    )

    chemoradiation = ~operated & ~sbrt
    crt_chemo = np.where(
        sclc,
        rid("Cisplatine-étoposide"),
        draw(
            rng,
            n,
            (
                ("Cisplatine-étoposide", 0.4),
                ("Carboplatine-paclitaxel hebdo (RT-CT)", 0.35),
                ("Cisplatine-vinorelbine", 0.25),
            ),
        ),
    )
    crt_days = _duration(rng, crt_chemo)
    rows.add(tumour, crt_chemo, "curative", first, crt_days, cutoff=cutoff, where=chemoradiation)
    thorax = np.full(n, rid("RT thorax 66 Gy/33 fr"))
    rt_start = first + uniform_days(rng, 0, 14, n)
    rt_days = _duration(rng, thorax)
    rows.add(
        tumour,
        thorax,
        "curative",
        rt_start,
        rt_days,
        procedure=rt_procedure,
        cutoff=cutoff,
        where=chemoradiation,
    )
    consolidation_start = rt_start + rt_days + uniform_days(rng, 14, 42, n)
    # Durvalumab consolidation after chemoradiation (PACIFIC), available in France from 2018.
    durvalumab_era = consolidation_start >= day("2018-10-01")
    durvalumab = (
        chemoradiation & ~sclc & ~np.isin(driver, ["EGFR", "ALK"])
        & durvalumab_era & (rng.random(n) < 0.75)
    )  # fmt: skip
    durva_id = np.full(n, rid("Durvalumab consolidation"))
    rows.add(
        tumour,
        durva_id,
        "adjuvant",
        consolidation_start,
        _duration(rng, durva_id),
        cutoff=cutoff,
        where=durvalumab,
    )

    adjuvant = operated & ~stage1 & (ctx["age"][tumour] < 76) & (rng.random(n) < 0.6)
    adj_id = np.full(n, rid("Cisplatine-vinorelbine"))
    adj_start = first + uniform_days(rng, 35, 60, n)
    adj_days = _duration(rng, adj_id)
    rows.add(tumour, adj_id, "adjuvant", adj_start, adj_days, cutoff=cutoff, where=adjuvant)
    targeted_start = np.where(adjuvant, adj_start + adj_days, first + 21) + uniform_days(
        rng, 14, 35, n
    )
    targeted_year = (
        targeted_start.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    )
    osimertinib = (
        operated
        & ~(stage == "IA1")
        & (driver == "EGFR")
        & (targeted_year >= 2021)
        & (rng.random(n) < 0.8)
    )
    atezolizumab = (
        adjuvant & ~osimertinib & ~np.isin(driver, ["EGFR", "ALK"]) & (ctx["pdl1"][tumour] >= 50)
        & (targeted_year >= 2022) & (rng.random(n) < 0.6)
    )  # fmt: skip
    consolidation = np.where(osimertinib, rid("Osimertinib adjuvant"), rid("Atézolizumab adjuvant"))
    given = osimertinib | atezolizumab
    rows.add(
        tumour,
        consolidation,
        "adjuvant",
        targeted_start,
        _duration(rng, consolidation),
        cutoff=cutoff,
        where=given,
    )


def ovary(rng: np.random.Generator, ctx: Arrays, rows: TreatmentRows) -> None:
    tumour = np.flatnonzero(ctx["cancer"] == OVARY)
    n = len(tumour)
    if n == 0:
        return
    dx, year, cutoff = ctx["dx"][tumour], ctx["year"][tumour], ctx["cutoff"][tumour]
    figo = ctx["stage"][tumour]
    metastatic = ctx["metastatic"][tumour]
    advanced = np.array([f.startswith("III") or f.startswith("IV") for f in figo])
    mode = ctx["ovary_surgery"][tumour]
    line = np.where(metastatic, 1, 0)
    adjuvant_setting = np.where(metastatic, "metastatic", "adjuvant").astype(object)
    neo_setting = np.where(metastatic, "metastatic", "neoadjuvant").astype(object)

    bevacizumab = advanced & (year >= 2012) & (ctx["parp"][tumour] == "") & (rng.random(n) < 0.3)
    chemo = np.where(
        bevacizumab, rid("Carboplatine-paclitaxel-bévacizumab"), rid("Carboplatine-paclitaxel")
    )
    full_course = _duration(rng, chemo)
    half_course = _duration(rng, chemo, 0.5)

    interval = mode == "interval"
    not_operated = mode == "none"
    neo_start = dx + uniform_days(rng, 10, 28, n)
    neo_days = np.where(not_operated, full_course, half_course)
    neo = interval | not_operated
    rows.add(tumour, chemo, neo_setting, neo_start, neo_days, line=line, cutoff=cutoff, where=neo)

    operated = ~not_operated
    surgery = np.where(
        interval,
        neo_start + neo_days + uniform_days(rng, 21, 35, n),
        dx + uniform_days(rng, 7, 35, n),
    )
    procedure = pick_either(rng, advanced, codes.CCAM["ovary_debulking"], codes.CCAM["ovary_early"])
    _surgery(rows, tumour, surgery, procedure, cutoff, where=operated)

    p_adjuvant = np.where(advanced, 1.0, np.where(figo == "IA", 0.2, 0.85))
    adjuvant = operated & (rng.random(n) < p_adjuvant)
    adj_start = surgery + uniform_days(rng, 28, 42, n)
    adj_days = np.where(interval, half_course, full_course)
    rows.add(
        tumour,
        chemo,
        adjuvant_setting,
        adj_start,
        adj_days,
        line=line,
        cutoff=cutoff,
        where=adjuvant,
    )

    chemo_end = np.where(adjuvant, adj_start + adj_days, neo_start + neo_days)
    maintenance = np.select(
        [ctx["parp"][tumour] == "olaparib", ctx["parp"][tumour] == "niraparib", bevacizumab],
        [rid("Olaparib maintenance"), rid("Niraparib maintenance"), rid("Bévacizumab maintenance")],
        -1,
    )
    given = advanced & (maintenance >= 0) & (adjuvant | not_operated)
    safe = np.where(given, maintenance, 0)
    start = chemo_end + np.where(
        maintenance == rid("Bévacizumab maintenance"), 21, uniform_days(rng, 21, 56, n)
    )
    rows.add(
        tumour,
        safe,
        adjuvant_setting,
        start,
        _duration(rng, safe),
        line=line,
        cutoff=cutoff,
        where=given,
    )
