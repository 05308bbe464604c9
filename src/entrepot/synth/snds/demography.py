"""Who the rest of the insured population is: sex, birth, residence, death and its cause.

The SNDS holds everyone, not only the hospitals' cancer patients; linkage is tested against
a realistic crowd. Shapes are calibrated loosely on published figures (`[Sn]` keys of the
reference sheet) and the rest is named as an assumption:

- Sex: 51.6 % women [S37], more among the oldest (assumption: 50 % for those born after
  1945, rising to 70 % for those born in 1920).
- Birth year 1920–2005, weights read off the shape of the French age pyramid (flat for the
  post-war generations, thinning towards the oldest; assumption, cf. [S37] [S38]).
- Residence: département weights proportional to their population (Insee, rounded to the
  thousand inhabitants, as an order of magnitude; overseas ≈ 3 % of the total [S36]).
- Death: a Gompertz hazard, yearly rate exp(−11.2 + 0.1 × age) × 1.4 for men and × 0.75 for
  women (assumption), giving about 1 % of deaths a year overall, as in 2022 (673,190 deaths
  for ≈ 68 M people [S39] [S36]).
- Cause of death: tumours 25.5 % [S39] (lung 30,896 and breast 12,963 of 171,630 [S39];
  the split of the other sites is an assumption), the rest among frequent non-cancer causes
  (assumption).
"""

from __future__ import annotations

import numpy as np

from entrepot.synth.follow_up import END
from entrepot.synth.places import DEPARTEMENTS
from entrepot.synth.sampling import DAYS_PER_YEAR, NEVER, categorical, day, years_of

WINDOW_START = day("2008-01-01")
WINDOW_END = END
OVERSEAS = ("971", "972", "973", "974", "976")
ALL_DEPARTEMENTS: tuple[str, ...] = (*DEPARTEMENTS, *OVERSEAS)
DEPARTEMENT_INDEX = {d: i for i, d in enumerate(ALL_DEPARTEMENTS)}

#: Inhabitants, thousands (Insee legal populations, rounded: an order of magnitude).
DEPARTEMENT_POPULATION: dict[str, int] = {
    "01": 652, "02": 531, "03": 335, "04": 164, "05": 141, "06": 1094, "07": 328, "08": 270,
    "09": 153, "10": 310, "11": 374, "12": 279, "13": 2043, "14": 694, "15": 144, "16": 352,
    "17": 651, "18": 302, "19": 240, "21": 534, "22": 600, "23": 116, "24": 413, "25": 543,
    "26": 516, "27": 599, "28": 432, "29": 915, "2A": 158, "2B": 182, "30": 748, "31": 1415,
    "32": 191, "33": 1636, "34": 1176, "35": 1094, "36": 219, "37": 610, "38": 1271,
    "39": 259, "40": 413, "41": 329, "42": 765, "43": 228, "44": 1437, "45": 680, "46": 174,
    "47": 331, "48": 76, "49": 818, "50": 495, "51": 566, "52": 172, "53": 307, "54": 733,
    "55": 184, "56": 759, "57": 1047, "58": 204, "59": 2608, "60": 829, "61": 280,
    "62": 1461, "63": 662, "64": 682, "65": 229, "66": 479, "67": 1141, "68": 767, "69": 1883,
    "70": 235, "71": 551, "72": 566, "73": 436, "74": 826, "75": 2133, "76": 1255, "77": 1421,
    "78": 1448, "79": 374, "80": 570, "81": 389, "82": 262, "83": 1076, "84": 561, "85": 685,
    "86": 438, "87": 372, "88": 364, "89": 335, "90": 141, "91": 1306, "92": 1624, "93": 1655,
    "94": 1407, "95": 1249, "971": 384, "972": 361, "973": 286, "974": 868, "976": 279,
}  # fmt: skip

FIRST_BIRTH_YEAR, LAST_BIRTH_YEAR = 1920, 2005
WOMEN_SHARE = 0.516  # [S37]
_GOMPERTZ = (-11.2, 0.1)
_SEX_FACTOR = {1: 1.4, 2: 0.75}
CANCER_DEATH_SHARE = 0.255  # [S39]

#: Underlying causes of cancer deaths outside the hospital cohorts (ICD-10, weight): lung
#: and breast from [S39], the rest an assumption. Sex-specific sites are handled by sex.
CANCER_CAUSES = (
    ("C349", 30.9), ("C189", 12.0), ("C259", 11.0), ("C509", 13.0), ("C61", 8.0),
    ("C220", 6.0), ("C169", 4.0), ("C679", 5.0), ("C719", 3.0), ("C56", 3.0),
    ("C159", 3.0), ("C64", 3.0), ("C900", 3.0), ("C439", 1.5), ("C80", 8.0),
)  # fmt: skip
_MALE_ONLY = {"C61"}
_FEMALE_ONLY = {"C509", "C56"}
#: Frequent non-cancer underlying causes (ICD-10, weight; assumption).
OTHER_CAUSES = (
    ("I219", 8.0), ("I639", 7.0), ("I500", 8.0), ("G309", 6.0), ("F03", 5.0), ("J449", 5.0),
    ("J189", 5.0), ("E149", 3.0), ("N185", 2.0), ("I249", 4.0), ("I480", 2.0), ("W19", 2.0),
    ("X599", 2.0), ("K746", 1.5), ("A419", 2.5), ("R99", 2.0), ("I709", 2.0), ("X70", 1.0),
)  # fmt: skip
#: Causes written on the certificate beside a cancer (metastases, terminal failure).
CANCER_COMPANIONS = ("C780", "C795", "C787", "C793", "J960", "R092", "R53")
#: Causes written beside another underlying cause (comorbidities, terminal events).
OTHER_COMPANIONS = ("I10", "E119", "N189", "J960", "I469", "E43", "R092", "I48")


def departement_weights() -> np.ndarray:
    return np.array([DEPARTEMENT_POPULATION[d] for d in ALL_DEPARTEMENTS], dtype=np.float64)


def draw_people(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Sex (1 man, 2 woman), birth day and residence (index in `ALL_DEPARTEMENTS`)."""
    years = np.arange(FIRST_BIRTH_YEAR, LAST_BIRTH_YEAR + 1)
    weights = np.where(years >= 1946, 1.0, 0.2 + 0.6 * (years - FIRST_BIRTH_YEAR) / 26)
    year = years[categorical(rng, weights, n)]
    women = np.where(
        year >= 1946, 0.5, 0.7 - 0.2 * (year - FIRST_BIRTH_YEAR) / (1946 - FIRST_BIRTH_YEAR)
    )
    sex = np.where(rng.random(n) < women, 2, 1).astype(np.int8)
    first = (np.datetime64("1970-01-01", "Y") + (year - 1970)).astype("datetime64[D]")
    birth = first.astype(np.int64) + np.floor(rng.random(n) * 365).astype(np.int64)
    residence = categorical(rng, departement_weights(), n).astype(np.int16)
    return {"sex": sex, "birth": birth, "residence": residence}


def draw_deaths(rng: np.random.Generator, sex: np.ndarray, birth: np.ndarray) -> np.ndarray:
    """Death day within the window (`NEVER` if alive at its end), drawn year by year."""
    n = len(sex)
    death = np.full(n, NEVER, dtype=np.int64)
    factor = np.where(sex == 1, _SEX_FACTOR[1], _SEX_FACTOR[2])
    first_year, last_year = (int(y) for y in years_of(np.array([WINDOW_START, WINDOW_END])))
    for year in range(first_year, last_year + 1):
        jan1 = day(f"{year}-01-01")
        age = (jan1 - birth) / DAYS_PER_YEAR
        rate = np.exp(_GOMPERTZ[0] + _GOMPERTZ[1] * age) * factor
        when = jan1 + np.floor(rng.random(n) * 365).astype(np.int64)
        dies = (death == NEVER) & (rng.random(n) < 1 - np.exp(-rate)) & (when > birth)
        death[dies] = when[dies]
    return death


def _pick(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    codes = np.array([c for c, _ in options], dtype=object)
    return codes[categorical(rng, [w for _, w in options], n)]


def draw_causes(rng: np.random.Generator, sex: np.ndarray, cancer: np.ndarray) -> np.ndarray:
    """Underlying cause (ICD-10) of deaths: `cancer` says which are cancer deaths."""
    n = len(sex)
    causes = np.where(cancer, _pick(rng, CANCER_CAUSES, n), _pick(rng, OTHER_CAUSES, n))
    wrong_sex = (np.isin(causes, list(_MALE_ONLY)) & (sex == 2)) | (
        np.isin(causes, list(_FEMALE_ONLY)) & (sex == 1)
    )
    causes[wrong_sex] = "C349"
    return causes


def draw_cancer_codes(rng: np.random.Generator, sex: np.ndarray) -> np.ndarray:
    """ICD-10 of a cancer of someone outside the hospital cohorts (same site mix as deaths)."""
    return draw_causes(rng, sex, np.ones(len(sex), dtype=bool))
