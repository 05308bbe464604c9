"""Treatment regimens as a centre writes them, with their drugs (ATC) and rhythm.

Drug codes are WHO ATC [S40] (2022+ codes: trastuzumab L01FD01, palbociclib L01EF01...).
Sequences follow the guidelines cited in `lines.py` ([S11] [S41] [S42] for breast, the
lung and ovary sections of the sheet); the durations are generator assumptions: `months` is
the fixed duration of a curative-intent or maintenance treatment, or the median time on
treatment when given for metastatic disease.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Regimen:
    #: Regimen name as written by the centre (some contain a comma: exports must quote).
    name: str
    #: `treatment_kind` code.
    kind: str
    #: ATC codes of the drugs given [S40].
    drugs: tuple[str, ...]
    #: Days between two day-case sessions in hospital; None for oral drugs, surgery, or
    #: radiotherapy (whose daily fractions are not written as stays).
    session_days: int | None
    #: Fixed duration, or median duration in metastatic disease (months, assumption).
    months: float


def _r(name: str, kind: str, drugs: str, session_days: int | None, months: float) -> Regimen:
    return Regimen(name, kind, tuple(drugs.split()) if drugs else (), session_days, months)


CHEMO, TARGETED, HORMONE, IMMUNO = (
    "chemotherapy",
    "targeted_therapy",
    "hormone_therapy",
    "immunotherapy",
)
SURGERY, RADIOTHERAPY = "surgery", "radiotherapy"

REGIMENS: tuple[Regimen, ...] = (
    # Local treatments: no drugs; the CCAM procedure is drawn separately.
    _r("", SURGERY, "", None, 0),
    _r("RT 50 Gy/25 fr", RADIOTHERAPY, "", None, 1.2),
    _r("RT 40 Gy/15 fr", RADIOTHERAPY, "", None, 0.7),
    _r("RT 26 Gy/5 fr", RADIOTHERAPY, "", None, 0.25),
    _r("SBRT 54 Gy/3 fr", RADIOTHERAPY, "", None, 0.3),
    _r("RT thorax 66 Gy/33 fr", RADIOTHERAPY, "", None, 1.6),
    # Early breast, chemotherapy (neoadjuvant or adjuvant).
    _r("FEC100-docétaxel", CHEMO, "L01BC02 L01DB03 L01AA01 L01CD02", 21, 4.2),
    _r("EC-paclitaxel", CHEMO, "L01DB03 L01AA01 L01CD01", 14, 5.5),
    _r("Docétaxel, cyclophosphamide", CHEMO, "L01CD02 L01AA01", 21, 2.8),
    _r("EC-paclitaxel-trastuzumab", CHEMO, "L01DB03 L01AA01 L01CD01 L01FD01", 14, 5.5),
    _r(
        "EC-paclitaxel-trastuzumab-pertuzumab",
        CHEMO,
        "L01DB03 L01AA01 L01CD01 L01FD01 L01FD02",
        14,
        5.5,
    ),
    _r(
        "Paclitaxel-carboplatine-pembrolizumab puis AC",
        CHEMO,
        "L01CD01 L01XA02 L01FF02 L01DB01 L01AA01",
        14,
        5.5,
    ),
    _r("Trastuzumab", TARGETED, "L01FD01", 21, 7.0),
    _r("Trastuzumab emtansine", TARGETED, "L01FD03", 21, 9.8),
    _r("Pembrolizumab adjuvant", IMMUNO, "L01FF02", 21, 6.3),
    # Endocrine therapy (adjuvant 5 years; first lines when metastatic).
    _r("Tamoxifène", HORMONE, "L02BA01", None, 60),
    _r("Létrozole", HORMONE, "L02BG04", None, 60),
    _r("Anastrozole", HORMONE, "L02BG03", None, 60),
    _r("Exémestane", HORMONE, "L02BG06", None, 60),
    # Metastatic breast, HR+/HER2− [S11] [S9].
    _r("Létrozole + palbociclib", HORMONE, "L02BG04 L01EF01", None, 24),
    _r("Fulvestrant + ribociclib", HORMONE, "L02BA03 L01EF02", None, 22),
    _r("Anastrozole + abémaciclib", HORMONE, "L02BG03 L01EF03", None, 24),
    _r("Létrozole 1re ligne", HORMONE, "L02BG04", None, 11),
    _r("Fulvestrant", HORMONE, "L02BA03", None, 8),
    _r("Exémestane + évérolimus", TARGETED, "L02BG06 L01EG02", None, 6),
    _r("Fulvestrant + alpélisib", TARGETED, "L02BA03 L01EM03", None, 7),
    _r("Paclitaxel hebdomadaire", CHEMO, "L01CD01", 7, 6),
    _r("Capécitabine", CHEMO, "L01BC06", None, 5),
    _r("Éribuline", CHEMO, "L01XX41", 21, 4),
    _r("Vinorelbine", CHEMO, "L01CA04", 7, 4),
    _r("Trastuzumab déruxtécan", TARGETED, "L01FD04", 21, 9),
    _r("Sacituzumab govitécan", TARGETED, "L01FX17", 7, 5.5),
    # Metastatic breast, HER2+ [S42].
    _r("Trastuzumab, pertuzumab, docétaxel", CHEMO, "L01FD01 L01FD02 L01CD02", 21, 18),
    _r("Trastuzumab + docétaxel", CHEMO, "L01FD01 L01CD02", 21, 12),
    _r("T-DXd 2e ligne", TARGETED, "L01FD04", 21, 16),
    _r("T-DM1", TARGETED, "L01FD03", 21, 8),
    _r("Lapatinib + capécitabine", TARGETED, "L01EH01 L01BC06", None, 6),
    _r("Tucatinib, trastuzumab, capécitabine", TARGETED, "L01EH03 L01FD01 L01BC06", 21, 8),
    _r("Trastuzumab + vinorelbine", CHEMO, "L01FD01 L01CA04", 7, 6),
    # Metastatic breast, triple negative [S41].
    _r("Paclitaxel + pembrolizumab", CHEMO, "L01CD01 L01FF02", 7, 8),
    _r("Paclitaxel + bévacizumab", CHEMO, "L01CD01 L01FG01", 7, 7),
    _r("Carboplatine, gemcitabine", CHEMO, "L01XA02 L01BC05", 21, 5),
    _r("Olaparib", TARGETED, "L01XK01", None, 7),
    # Lung, curative intent.
    _r("Cisplatine-vinorelbine", CHEMO, "L01XA01 L01CA04", 21, 2.8),
    _r("Cisplatine-étoposide", CHEMO, "L01XA01 L01CB01", 21, 2.8),
    _r("Carboplatine-paclitaxel hebdo (RT-CT)", CHEMO, "L01XA02 L01CD01", 7, 1.6),
    _r("Durvalumab consolidation", IMMUNO, "L01FF03", 14, 12),
    _r("Osimertinib adjuvant", TARGETED, "L01EB04", None, 36),
    _r("Atézolizumab adjuvant", IMMUNO, "L01FF05", 21, 12),
    # Metastatic NSCLC (sheet §3: 1L by PD-L1 and driver).
    _r("Pembrolizumab", IMMUNO, "L01FF02", 21, 10),
    _r("Carboplatine-pémétrexed-pembrolizumab", CHEMO, "L01XA02 L01BA04 L01FF02", 21, 9),
    _r("Carboplatine-paclitaxel-pembrolizumab", CHEMO, "L01XA02 L01CD01 L01FF02", 21, 8),
    _r("Cisplatine-pémétrexed", CHEMO, "L01XA01 L01BA04", 21, 5.5),
    _r("Carboplatine-pémétrexed", CHEMO, "L01XA02 L01BA04", 21, 5.5),
    _r("Carboplatine, paclitaxel, bévacizumab", CHEMO, "L01XA02 L01CD01 L01FG01", 21, 6),
    _r("Carboplatine-gemcitabine", CHEMO, "L01XA02 L01BC05", 21, 4.5),
    _r("Nivolumab", IMMUNO, "L01FF01", 14, 4.5),
    _r("Docétaxel", CHEMO, "L01CD02", 21, 3),
    _r("Osimertinib", TARGETED, "L01EB04", None, 18),
    _r("Géfitinib", TARGETED, "L01EB01", None, 10),
    _r("Erlotinib", TARGETED, "L01EB02", None, 10),
    _r("Afatinib", TARGETED, "L01EB03", None, 11),
    _r("Alectinib", TARGETED, "L01ED03", None, 30),
    _r("Crizotinib", TARGETED, "L01ED01", None, 11),
    _r("Lorlatinib", TARGETED, "L01ED05", None, 12),
    _r("Brigatinib", TARGETED, "L01ED04", None, 12),
    _r("Sotorasib", TARGETED, "L01XX73", None, 6),
    # SCLC.
    _r("Carboplatine-étoposide", CHEMO, "L01XA02 L01CB01", 21, 4),
    _r("Carboplatine-étoposide-atézolizumab", CHEMO, "L01XA02 L01CB01 L01FF05", 21, 5.5),
    _r("Topotécan", CHEMO, "L01CE01", 21, 3),
    # Ovary [S22] [S43].
    _r("Carboplatine-paclitaxel", CHEMO, "L01XA02 L01CD01", 21, 4.2),
    _r("Carboplatine-paclitaxel-bévacizumab", CHEMO, "L01XA02 L01CD01 L01FG01", 21, 4.2),
    _r("Olaparib maintenance", TARGETED, "L01XK01", None, 24),
    _r("Niraparib maintenance", TARGETED, "L01XK02", None, 30),
    _r("Bévacizumab maintenance", TARGETED, "L01FG01", 21, 11),
    _r("Carboplatine-doxorubicine liposomale", CHEMO, "L01XA02 L01DB01", 28, 8),
    _r("Doxorubicine liposomale", CHEMO, "L01DB01", 28, 4),
    _r("Gemcitabine", CHEMO, "L01BC05", 7, 3.5),
)

_BY_NAME = {regimen.name: i for i, regimen in enumerate(REGIMENS)}


def rid(name: str) -> int:
    """Index of a regimen in `REGIMENS`, by its name."""
    return _BY_NAME[name]


SURGERY_ID = rid("")

#: Per-regimen arrays, indexable by a regimen-id array (vectorised lookups).
NAMES = np.array([r.name for r in REGIMENS], dtype=object)
KINDS = np.array([r.kind for r in REGIMENS], dtype=object)
DRUGS = np.array(["|".join(r.drugs) for r in REGIMENS], dtype=object)
SESSION_DAYS = np.array([r.session_days or 0 for r in REGIMENS], dtype=np.int32)
MONTHS = np.array([r.months for r in REGIMENS], dtype=np.float64)


def draw(rng: np.random.Generator, n: int, options: tuple[tuple[str, float], ...]) -> np.ndarray:
    """`n` regimen ids drawn from (name, weight) options."""
    ids = np.array([rid(name) for name, _ in options])
    weights = np.array([w for _, w in options], dtype=np.float64)
    cumulative = np.cumsum(weights / weights.sum())
    return ids[np.minimum(np.searchsorted(cumulative, rng.random(n), side="right"), len(ids) - 1)]
