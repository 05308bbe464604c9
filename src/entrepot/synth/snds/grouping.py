"""The PMSI's view of a stay: main and related diagnoses, GHM and GHS, by kind of stay.

The real grouping (ATIH's GENRSA) is not reproduced. What matters downstream is kept: a
chemotherapy session is GHM 28Z07Z (GHS 9606) and a radiotherapy preparation 28Z19Z (GHS
9626), as in the 2021 public tariffs [S30]; a session's main diagnosis is Z51.1 (Z51.0 for
radiotherapy) with the tumour as related diagnosis, while a surgical or medical stay has the
tumour as main diagnosis (the PMSI coding rules, which a linkage comparing diagnoses must
expect). Other roots (surgical `C`, medical `M`) are plausible GHM roots of the right major
diagnostic category, and their GHS numbers synthetic: assumption. The last character is the
severity: `J` day-case surgery, `T` very short stay (0–2 nights), then 1–4 by length.
Error groups `90*` are the grouper's rejections (a few stays, by design).
"""

from __future__ import annotations

import numpy as np

SESSION = ("28Z07Z", 9606)  # chemotherapy session [S30]
RADIOTHERAPY_PREPARATION = ("28Z19Z", 9626)  # [S30]
PALLIATIVE = ("23Z02Z", 7992)
SESSION_DIAGNOSIS = "Z511"
RADIOTHERAPY_DIAGNOSIS = "Z510"
ERROR_GHMS = ("90Z00Z", "90Z01Z", "90Z03Z")

#: ICD-10 three-character cancer site → (surgical root, medical root, base GHS).
CANCER_ROOTS = {
    "C50": ("09C05", "09M10", 2100),
    "C34": ("04C02", "04M09", 1100),
    "C56": ("13C03", "13M03", 3100),
}
_DEFAULT_CANCER_ROOTS = ("17C02", "17M06", 5100)

#: Main diagnoses of the wider population's stays: (ICD-10, GHM root, base GHS, surgical
#: CCAM act or "", shortest and longest stay in nights, weight). Assumption.
OTHER_STAYS = (
    ("J189", "04M05", 1200, "", 2, 10, 10.0),
    ("I500", "05M09", 1300, "", 3, 12, 9.0),
    ("I480", "05M12", 1320, "", 1, 5, 6.0),
    ("I214", "05M04", 1340, "", 2, 8, 5.0),
    ("I639", "01M30", 1400, "", 4, 15, 5.0),
    ("N390", "11M04", 1500, "", 1, 6, 5.0),
    ("R074", "05M19", 1360, "", 0, 2, 6.0),
    ("K358", "06C09", 1600, "HHFA016", 1, 4, 4.0),
    ("K802", "07C14", 1700, "HMFC004", 0, 3, 6.0),
    ("K409", "06C12", 1620, "LMMC003", 0, 2, 6.0),
    ("S720", "08C47", 1800, "NBCA010", 5, 14, 4.0),
    ("M170", "08C24", 1820, "NFKA007", 3, 8, 5.0),
    ("H251", "02C05", 1900, "BFGA003", 0, 0, 8.0),
)
OTHER_CODES = np.array([row[0] for row in OTHER_STAYS], dtype=object)
OTHER_ROOTS = np.array([row[1] for row in OTHER_STAYS], dtype=object)
OTHER_GHS = np.array([row[2] for row in OTHER_STAYS], dtype=np.int64)
OTHER_ACTS = np.array([row[3] for row in OTHER_STAYS], dtype=object)
OTHER_NIGHTS = np.array([(row[4], row[5]) for row in OTHER_STAYS], dtype=np.int64)
OTHER_WEIGHTS = np.array([row[6] for row in OTHER_STAYS])


def severity(nights: np.ndarray, surgical: np.ndarray) -> np.ndarray:
    """Last GHM character from the length of stay (see the module docstring)."""
    nights = np.asarray(nights)
    level = np.select(
        [nights <= 2, nights <= 6, nights <= 13, nights <= 20], ["T", "1", "2", "3"], "4"
    ).astype(object)
    level[(nights <= 0) & np.asarray(surgical, dtype=bool)] = "J"
    return level


def cancer_roots(diagnosis: np.ndarray, surgical: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GHM root and GHS of a surgical or medical stay for a cancer (by its ICD-10 site)."""
    distinct, inverse = np.unique(
        np.asarray(diagnosis, dtype=object).astype(str), return_inverse=True
    )
    rows = [CANCER_ROOTS.get(code[:3], _DEFAULT_CANCER_ROOTS) for code in distinct]
    surgical = np.asarray(surgical, dtype=bool)
    root = np.where(
        surgical,
        np.array([r[0] for r in rows], dtype=object)[inverse],
        np.array([r[1] for r in rows], dtype=object)[inverse],
    )
    base = np.array([r[2] for r in rows], dtype=np.int64)[inverse]
    return root, base + np.where(surgical, 0, 50)


def ghm(root: np.ndarray, nights: np.ndarray, surgical: np.ndarray) -> np.ndarray:
    """Full GHM code: root + severity."""
    return np.char.add(root.astype(str), severity(nights, surgical).astype(str)).astype(object)
