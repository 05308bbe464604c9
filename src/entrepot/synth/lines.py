"""Which regimen a metastatic line gets, by cancer, subtype or driver, line and year.

Breast: [S11] (HR+/HER2−: endocrine therapy + CDK4/6 inhibitor, ~0.9 % before 2016 and
~50 % from 2017 [S9]), [S42] (HER2+: trastuzumab–pertuzumab–taxane, then trastuzumab
deruxtecan or emtansine), [S41] (triple negative: chemotherapy ± pembrolizumab,
sacituzumab govitecan, olaparib if gBRCA). Lung (sheet §3): pembrolizumab alone if PD-L1
≥ 50 %, else platinum–pemetrexed ± pembrolizumab; osimertinib for EGFR, alectinib for ALK.
Ovary: platinum rechallenge when platinum-sensitive, with PARP-inhibitor maintenance [S43].

A chooser receives the tumour arrays restricted to the tumours starting a line (`c`), the
line number, the calendar year of the line start, and `used` (regimens already given, a
boolean matrix over `REGIMENS`); it returns the regimen ids and, for ovary, a maintenance
regimen id (−1 for none).
"""

from __future__ import annotations

import numpy as np

from entrepot.synth import calibration as cal
from entrepot.synth.cohort import Arrays
from entrepot.synth.regimens import DRUGS, draw, rid

_CDK46 = [
    rid(n)
    for n in ("Létrozole + palbociclib", "Fulvestrant + ribociclib", "Anastrozole + abémaciclib")
]
_IMMUNO = [i for i, drugs in enumerate(DRUGS) if "L01FF" in drugs]
_PARP = [rid(n) for n in ("Olaparib", "Olaparib maintenance", "Niraparib maintenance")]
_FIRST_GEN_EGFR = [rid(n) for n in ("Géfitinib", "Erlotinib", "Afatinib")]
_LATE_CHEMO = (("Capécitabine", 0.35), ("Éribuline", 0.35), ("Vinorelbine", 0.30))
#: Late-line single agents replacing a regimen already given, per cancer.
_FALLBACK = {
    "breast": (*_LATE_CHEMO, ("Paclitaxel hebdomadaire", 0.2)),
    "lung": (
        ("Docétaxel", 0.3),
        ("Paclitaxel hebdomadaire", 0.25),
        ("Vinorelbine", 0.25),
        ("Gemcitabine", 0.2),
    ),
    "ovary": (
        ("Paclitaxel hebdomadaire", 0.35),
        ("Doxorubicine liposomale", 0.35),
        ("Gemcitabine", 0.3),
    ),
}


def _avoid_repeats(
    rng: np.random.Generator, regimen: np.ndarray, used: np.ndarray, cancer: str
) -> np.ndarray:
    """A regimen already given is replaced by a late-line single agent not yet given."""
    repeat = used[np.arange(len(regimen)), regimen]
    for _ in range(4):
        if not repeat.any():
            break
        regimen = np.where(repeat, draw(rng, len(regimen), _FALLBACK[cancer]), regimen)
        repeat = used[np.arange(len(regimen)), regimen]
    return regimen


def breast(
    rng: np.random.Generator, c: Arrays, line: np.ndarray, year: np.ndarray, used: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = len(line)
    subtype = c["subtype"]
    her2 = (subtype == "HR+/HER2+") | (subtype == "HR-/HER2+")
    luminal = subtype == "HR+/HER2-"
    tn = subtype == "TN"
    her2_low = c["her2"] == "low"
    late_chemo = draw(rng, n, _LATE_CHEMO)
    had_cdk = used[:, _CDK46].any(axis=1)

    # HR+/HER2−
    p_cdk = np.select(
        [year >= 2017, year == 2016],
        [cal.CDK46_FIRST_LINE["from_2017"], cal.CDK46_FIRST_LINE["2016"]],
        cal.CDK46_FIRST_LINE["before_2016"],
    )
    lum1 = np.where(
        rng.random(n) < p_cdk,
        draw(
            rng,
            n,
            (
                ("Létrozole + palbociclib", 0.5),
                ("Fulvestrant + ribociclib", 0.25),
                ("Anastrozole + abémaciclib", 0.25),
            ),
        ),
        np.where(
            rng.random(n) < 0.65,
            draw(rng, n, (("Létrozole 1re ligne", 0.6), ("Fulvestrant", 0.4))),
            draw(rng, n, (("Paclitaxel hebdomadaire", 0.6), ("Capécitabine", 0.4))),
        ),
    )
    lum2 = np.select(
        [had_cdk & (year >= 2020), had_cdk, year >= 2017],
        [
            draw(
                rng,
                n,
                (
                    ("Fulvestrant + alpélisib", 0.3),
                    ("Exémestane + évérolimus", 0.35),
                    ("Paclitaxel hebdomadaire", 0.35),
                ),
            ),
            draw(rng, n, (("Exémestane + évérolimus", 0.5), ("Paclitaxel hebdomadaire", 0.5))),
            draw(
                rng,
                n,
                (
                    ("Fulvestrant + ribociclib", 0.4),
                    ("Exémestane + évérolimus", 0.3),
                    ("Capécitabine", 0.3),
                ),
            ),
        ],
        draw(
            rng,
            n,
            (
                ("Exémestane + évérolimus", 0.4),
                ("Fulvestrant", 0.3),
                ("Paclitaxel hebdomadaire", 0.3),
            ),
        ),
    )
    lum_late = np.select(
        [
            her2_low & (year >= 2022) & (rng.random(n) < 0.35),
            (year >= 2023) & (rng.random(n) < 0.2),
        ],
        [rid("Trastuzumab déruxtécan"), rid("Sacituzumab govitécan")],
        np.where(rng.random(n) < 0.3, rid("Paclitaxel hebdomadaire"), late_chemo),
    )
    luminal_regimen = np.select([line == 1, line == 2], [lum1, lum2], lum_late)

    # HER2+
    had_tdxd = used[:, rid("T-DXd 2e ligne")]
    her2_regimen = np.select(
        [
            (line == 1) & (year >= 2013),
            line == 1,
            (line == 2) & (year >= 2021),
            (line == 2) & (year >= 2013),
            line == 2,
            (line == 3) & (year >= 2021) & had_tdxd,
            (line == 3) & (year >= 2021),
            line == 3,
        ],
        [
            rid("Trastuzumab, pertuzumab, docétaxel"),
            rid("Trastuzumab + docétaxel"),
            rid("T-DXd 2e ligne"),
            rid("T-DM1"),
            rid("Lapatinib + capécitabine"),
            draw(rng, n, (("T-DM1", 0.5), ("Tucatinib, trastuzumab, capécitabine", 0.5))),
            rid("T-DXd 2e ligne"),
            draw(rng, n, (("Lapatinib + capécitabine", 0.5), ("Trastuzumab + vinorelbine", 0.5))),
        ],
        np.where(rng.random(n) < 0.4, rid("Trastuzumab + vinorelbine"), late_chemo),
    )

    # Triple negative
    tn1 = np.select(
        [
            c["gbrca"] & (year >= 2019) & (rng.random(n) < 0.4),
            (year >= 2021) & (rng.random(n) < cal.TN_PDL1_POSITIVE),  # pembrolizumab if PD-L1+
            (year < 2017) & (rng.random(n) < 0.3),
        ],
        [rid("Olaparib"), rid("Paclitaxel + pembrolizumab"), rid("Paclitaxel + bévacizumab")],
        draw(rng, n, (("Paclitaxel hebdomadaire", 0.5), ("Carboplatine, gemcitabine", 0.5))),
    )
    tn2 = np.where(
        (year >= 2021) & (rng.random(n) < 0.6),
        rid("Sacituzumab govitécan"),
        draw(
            rng,
            n,
            (("Éribuline", 0.35), ("Capécitabine", 0.35), ("Carboplatine, gemcitabine", 0.30)),
        ),
    )
    tn_regimen = np.select([line == 1, line == 2], [tn1, tn2], late_chemo)
    other = np.where(line == 1, rid("Paclitaxel hebdomadaire"), late_chemo)
    regimen = np.select([luminal, her2, tn], [luminal_regimen, her2_regimen, tn_regimen], other)
    return _avoid_repeats(rng, regimen, used, "breast"), np.full(n, -1)


def lung(
    rng: np.random.Generator, c: Arrays, line: np.ndarray, year: np.ndarray, used: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = len(line)
    driver = c["driver"]
    sclc = c["histology"] == "small_cell"
    squamous = c["histology"] == "squamous"
    had_io = used[:, _IMMUNO].any(axis=1)
    had_first_gen = used[:, _FIRST_GEN_EGFR].any(axis=1)
    had_platinum_pem = used[:, [rid("Carboplatine-pémétrexed"), rid("Cisplatine-pémétrexed")]].any(
        axis=1
    )
    later = np.where(rng.random(n) < 0.7, rid("Docétaxel"), rid("Paclitaxel hebdomadaire"))
    platinum_pem = np.where(had_platinum_pem, later, rid("Carboplatine-pémétrexed"))

    small_cell = np.select(
        [(line == 1) & (year >= 2020) & (rng.random(n) < 0.8), line == 1, line == 2],
        [
            rid("Carboplatine-étoposide-atézolizumab"),
            rid("Carboplatine-étoposide"),
            draw(rng, n, (("Topotécan", 0.6), ("Carboplatine-étoposide", 0.4))),
        ],
        np.where(used[:, rid("Topotécan")], rid("Paclitaxel hebdomadaire"), rid("Topotécan")),
    )
    egfr = np.select(
        [
            (line == 1) & (year >= 2018),
            line == 1,
            (line == 2) & had_first_gen & (year >= 2016) & (rng.random(n) < 0.5),
            line == 2,
        ],
        [
            rid("Osimertinib"),
            draw(rng, n, (("Géfitinib", 0.45), ("Erlotinib", 0.35), ("Afatinib", 0.20))),
            rid("Osimertinib"),
            platinum_pem,
        ],
        np.where(had_platinum_pem, later, platinum_pem),
    )
    alk = np.select(
        [
            (line == 1) & (year >= 2018),
            line == 1,
            (line == 2) & used[:, rid("Alectinib")] & (year >= 2019) & (rng.random(n) < 0.7),
            (line == 2) & used[:, rid("Crizotinib")] & (year >= 2017) & (rng.random(n) < 0.7),
        ],
        [
            rid("Alectinib"),
            rid("Crizotinib"),
            rid("Lorlatinib"),
            draw(rng, n, (("Alectinib", 0.7), ("Brigatinib", 0.3))),
        ],
        platinum_pem,
    )
    ros1 = np.where((line == 1) & (year >= 2016), rid("Crizotinib"), platinum_pem)
    first_line = np.select(
        [
            (year >= 2017) & (c["pdl1"] >= 50) & (rng.random(n) < 0.85),
            (year >= 2019) & (rng.random(n) < 0.85) & squamous,
            (year >= 2019) & (rng.random(n) < 0.85),
            squamous,
        ],
        [
            rid("Pembrolizumab"),
            rid("Carboplatine-paclitaxel-pembrolizumab"),
            rid("Carboplatine-pémétrexed-pembrolizumab"),
            draw(rng, n, (("Carboplatine-gemcitabine", 0.6), ("Cisplatine-vinorelbine", 0.4))),
        ],
        draw(
            rng,
            n,
            (
                ("Cisplatine-pémétrexed", 0.5),
                ("Carboplatine, paclitaxel, bévacizumab", 0.2),
                ("Carboplatine-pémétrexed", 0.3),
            ),
        ),
    )
    second_line = np.select(
        [
            (driver == "KRAS") & (year >= 2022) & (rng.random(n) < 0.3),
            used[:, rid("Pembrolizumab")] & ~had_platinum_pem & ~squamous,
            ~had_io & (year >= 2015) & (rng.random(n) < 0.8),
        ],
        [rid("Sotorasib"), rid("Carboplatine-pémétrexed"), rid("Nivolumab")],
        rid("Docétaxel"),
    )
    no_driver = np.select([line == 1, line == 2], [first_line, second_line], later)
    regimen = np.select(
        [sclc, driver == "EGFR", driver == "ALK", driver == "ROS1"],
        [small_cell, egfr, alk, ros1],
        no_driver,
    )
    return _avoid_repeats(rng, regimen, used, "lung"), np.full(n, -1)


def ovary(
    rng: np.random.Generator, c: Arrays, line: np.ndarray, year: np.ndarray, used: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Platinum-sensitive relapse (first relapse more than a year after diagnosis, later ones
    at random): platinum doublet then PARP maintenance if none was given; resistant:
    single-agent chemotherapy."""
    n = len(line)
    first_relapse = line == c["first_line"]
    sensitive = np.where(first_relapse, c["platinum_free_days"] > 365, rng.random(n) < 0.3)
    platinum = draw(
        rng,
        n,
        (
            ("Carboplatine-doxorubicine liposomale", 0.5),
            ("Carboplatine-paclitaxel", 0.25),
            ("Carboplatine, gemcitabine", 0.25),
        ),
    )
    single = draw(
        rng,
        n,
        (
            ("Paclitaxel hebdomadaire", 0.4),
            ("Doxorubicine liposomale", 0.35),
            ("Paclitaxel + bévacizumab", 0.25),
        ),
    )
    regimen = _avoid_repeats(rng, np.where(sensitive, platinum, single), used, "ovary")
    had_parp = used[:, _PARP].any(axis=1)
    maintenance = np.select(
        [
            sensitive & ~had_parp & c["brca"] & (year >= 2015),
            sensitive & ~had_parp & (year >= 2017) & (rng.random(n) < 0.6),
        ],
        [rid("Olaparib maintenance"), rid("Niraparib maintenance")],
        -1,
    )
    return regimen, maintenance
