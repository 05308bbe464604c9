"""Which anticancer drugs reach which SNDS table, under which code, at what price.

A regimen's drugs (ATC [S40], `synth.regimens`) take one of three paths:

- **Liste en sus** (expensive hospital drugs paid on top of the stay tariff): one
  `T_MCOaaMED` row per session in a public or not-for-profit hospital, under the drug's UCD;
  in a private clinic the same drug is billed through the DCIR (`ER_PRS_F` + `ER_UCD_F`).
  UCD codes are real entries of `NU_UCD_R` (the Health Data Hub copy in
  `reference/snds/schema-snds/nomenclatures/ORAREF`); trastuzumab deruxtecan and
  sacituzumab govitecan came after that 2020 list, so they leave no drug row.
- **Community pharmacy** (oral drugs, fulvestrant injections): `ER_PRS_F` + `ER_PHA_F`
  dispensings under a CIP13. The nomenclature copy (`ORAVAL/IR_CIP_V`) gives only a CIP7
  and its ATC class at three characters (L01, L02), no product name: each drug gets a CIP7
  of its own class, so the class is right but the pack behind the code is not the drug
  named (synthetic data). CIP13 = `34009` + CIP7 + EAN-13 check digit.
- **Inside the stay tariff** (generic IV chemotherapy: carboplatin, paclitaxel...):
  nothing beyond the session's PMSI stay.

Doses are for a 70 kg, 1.8 m² adult (assumption); prices: UCD prices from `IR_UCD_V` [S32]
where it has them, pembrolizumab from [S31], the rest and every pharmacy pack are
assumptions of the order of French list prices (no source in the reference sheet).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from entrepot.synth.regimens import REGIMENS


@dataclass(frozen=True)
class ListedDrug:
    """A liste-en-sus drug: its UCD, units per administration, price per unit (€)."""

    ucd: str
    units: float
    price: float


@dataclass(frozen=True)
class PharmacyDrug:
    """A community-pharmacy drug: CIP7, days between dispensings, packs per dispensing,
    price per pack (€)."""

    cip7: str
    every_days: int
    packs: int
    price: float


LISTED: dict[str, ListedDrug] = {
    "L01FD01": ListedDrug("0000009220097", 2.8, 548.14),  # HERCEPTIN 150 mg [S32]
    "L01FD02": ListedDrug("0000009395106", 1.0, 2921.29),  # PERJETA 420 mg [S32]
    "L01FD03": ListedDrug("0000009400066", 1.6, 2500.0),  # KADCYLA 160 mg (price: assumption)
    "L01FF02": ListedDrug("0000009419723", 2.0, 3167.0),  # KEYTRUDA 100 mg: 2 × 1,583.50 [S31]
    "L01FF01": ListedDrug("0000009409452", 2.4, 1200.0),  # OPDIVO 100 mg (assumption)
    "L01FF03": ListedDrug("0000009440545", 1.4, 2500.0),  # IMFINZI 500 mg (assumption)
    "L01FF05": ListedDrug("0000009431262", 1.0, 4000.0),  # TECENTRIQ 1200 mg (assumption)
    "L01FG01": ListedDrug("0000009261110", 2.6, 1044.96),  # AVASTIN 400 mg [S32]
    "L01XX41": ListedDrug("0000009368954", 2.5, 326.72),  # HALAVEN 0.88 mg [S32]
    "L01BA04": ListedDrug("0000009261771", 1.8, 1047.55),  # ALIMTA 500 mg [S32]
}

PHARMACY: dict[str, PharmacyDrug] = {
    # Endocrine therapy (class L02): three 30-day packs a quarter.
    "L02BA01": PharmacyDrug("3265733", 84, 3, 6.0),  # tamoxifen
    "L02BG04": PharmacyDrug("3205932", 84, 3, 12.0),  # letrozole
    "L02BG03": PharmacyDrug("3285026", 84, 3, 10.0),  # anastrozole
    "L02BG06": PharmacyDrug("3285055", 84, 3, 20.0),  # exemestane
    "L02BA03": PharmacyDrug("3285061", 28, 2, 175.0),  # fulvestrant, monthly injection
    # Oral targeted therapy and chemotherapy (class L01): one pack every 4 weeks.
    "L01EF01": PharmacyDrug("3238274", 28, 1, 2600.0),  # palbociclib
    "L01EF02": PharmacyDrug("3035890", 28, 1, 2600.0),  # ribociclib
    "L01EF03": PharmacyDrug("3035909", 28, 1, 2200.0),  # abemaciclib
    "L01EG02": PharmacyDrug("3264998", 28, 1, 2500.0),  # everolimus
    "L01EM03": PharmacyDrug("3070248", 28, 1, 3800.0),  # alpelisib
    "L01BC06": PharmacyDrug("3179755", 21, 1, 60.0),  # capecitabine
    "L01EH01": PharmacyDrug("3313403", 28, 1, 1600.0),  # lapatinib
    "L01EH03": PharmacyDrug("3150125", 28, 1, 5000.0),  # tucatinib
    "L01XK01": PharmacyDrug("3150148", 28, 1, 4000.0),  # olaparib
    "L01XK02": PharmacyDrug("3067080", 28, 1, 5000.0),  # niraparib
    "L01EB04": PharmacyDrug("3067097", 28, 1, 5600.0),  # osimertinib
    "L01EB01": PharmacyDrug("3317022", 28, 1, 1800.0),  # gefitinib
    "L01EB02": PharmacyDrug("3332814", 28, 1, 1200.0),  # erlotinib
    "L01EB03": PharmacyDrug("3332837", 28, 1, 1900.0),  # afatinib
    "L01ED01": PharmacyDrug("3224740", 28, 1, 4600.0),  # crizotinib
    "L01ED03": PharmacyDrug("3191319", 28, 1, 5000.0),  # alectinib
    "L01ED04": PharmacyDrug("3218432", 28, 1, 4500.0),  # brigatinib
    "L01ED05": PharmacyDrug("3358771", 28, 1, 5000.0),  # lorlatinib
    "L01XX73": PharmacyDrug("3358788", 28, 1, 5000.0),  # sotorasib
}

#: Everyday drugs of people without cancer (statin, sartan, metformin, paracetamol,
#: salbutamol: CIP7 of classes C10, C09, A10, N02, R03), price per pack (assumption).
EVERYDAY: tuple[tuple[str, float], ...] = (
    ("3237642", 8.5),
    ("3315201", 9.0),
    ("3239658", 4.5),
    ("3246121", 2.2),
    ("3107796", 5.0),
)


def cip13(cip7: str) -> str:
    """CIP13 of a CIP7: `34009` + CIP7 + EAN-13 check digit."""
    body = "34009" + cip7
    if len(body) != 12 or not body.isdigit():
        raise ValueError("a CIP7 is seven digits")
    total = sum(int(d) * (3 if k % 2 else 1) for k, d in enumerate(body))
    return body + str(-total % 10)


def _drug_table(kind: str) -> list[tuple[int, str]]:
    """(regimen id, ATC) for every drug of every regimen taking the path `kind`."""
    table = LISTED if kind == "listed" else PHARMACY
    return [(r, atc) for r, regimen in enumerate(REGIMENS) for atc in regimen.drugs if atc in table]


def regimen_drugs(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(regimen ids, ATC codes) pairs, one per drug of path `kind` ("listed" or
    "pharmacy") in each regimen: the join table from a treatment to its drug rows."""
    pairs = _drug_table(kind)
    return (
        np.array([r for r, _ in pairs], dtype=np.int64),
        np.array([atc for _, atc in pairs], dtype=object),
    )
