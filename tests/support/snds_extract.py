"""A tiny, hand-written SNDS extract following decision 0004, whose every row is usable.

Five persons: Anne (two pseudonyms, a TTP token, breast cancer: stays, drugs, an ALD),
Bruno (dead of lung cancer: certificate, an associated cause), the twins Claire and Cécile
(same pseudonym, told apart by their rank in the DCIR) and Denise. Some rows are there for
the SNDS cleaning rules to exclude (an error stay, a return code, a legal-entity copy, a line
for information, a work-accident exemption, a repeated diagnosis): the extract loads with
exit 0 and every rule has something to count.

Rows are dicts keyed by HDH column names; tests change one cell or one line to show one rule
at a time. `write_extract` writes the files as the HDH delivers them.
"""

from __future__ import annotations

import copy
from pathlib import Path

from entrepot.vocab.drugs import cip13_from_cip7

Rows = list[dict[str, str]]

ANNE, BRUNO, CLAIRE, CECILE, DENISE = (f"IDT{n:014d}" for n in range(1, 6))
ANNE_PSA, ANNE_OLD_PSA = "PSA00000000000011", "PSA00000000000012"
BRUNO_PSA, TWINS_PSA, DENISE_PSA = "PSA00000000000021", "PSA00000000000031", "PSA00000000000041"
ANNE_TOKEN, BRUNO_TOKEN = "a" * 64, "b" * 64
PITIE = "750100125"  # a site of AP-HP
APHP = "750712184"  # AP-HP, the legal entity
CENTRE = "690000880"  # a hospital outside the three groups (valid Luhn)
LETROZOLE_CIP13 = cip13_from_cip7("3265733")  # IR_CIP_V: class L02
CARBOPLATIN_UCD = "0000009239145"  # NU_UCD_R: CARBOPLATINE WINTHROP 10 MG/ML


def _ben(psa, rank, person, sex, year, month, dpt, death="", updated="01JAN2020:00:00:00"):
    return {
        "BEN_NIR_PSA": psa,
        "BEN_RNG_GEM": rank,
        "BEN_IDT_ANO": person,
        "BEN_SEX_COD": sex,
        "BEN_NAI_ANN": year,
        "BEN_NAI_MOI": month,
        "BEN_RES_DPT": dpt,
        "BEN_DCD_DTE": death,
        "BEN_DTE_MAJ": updated,
    }


def _key(order: int, day: str = "05APR2019:00:00:00") -> dict[str, str]:
    return {
        "DCT_ORD_NUM": str(1000 + order),
        "FLX_DIS_DTD": day,
        "FLX_EMT_NUM": "1",
        "FLX_EMT_ORD": str(order),
        "FLX_EMT_TYP": "1",
        "FLX_TRT_DTD": day,
        "ORG_CLE_NUM": "01C751000",
        "PRS_ORD_NUM": "1",
        "REM_TYP_AFF": "1",
    }


def _prs(order, psa, rank, nature, date, paid, *, qualifier="0", specialty="1"):
    return {
        **_key(order),
        "BEN_NIR_PSA": psa,
        "BEN_RNG_GEM": rank,
        "EXE_SOI_DTD": date,
        "EXE_SOI_DTF": date,
        "PRS_NAT_REF": nature,
        "DPN_QLF": qualifier,
        "PRS_PAI_MNT": paid,
        "BSE_REM_MNT": paid,
        "BSE_REM_BSE": paid,
        "PRS_ACT_QTE": "1",
        "PSP_SPE_COD": specialty,
    }


def _stay_b(finess, rsa, ghm, dp, dr="", los="2"):
    return {
        "ETA_NUM": finess,
        "RSA_NUM": rsa,
        "GRG_GHM": ghm,
        "DGN_PAL": dp,
        "DGN_REL": dr,
        "SEJ_NBJ": los,
        "ENT_MOD": "8",
        "SOR_MOD": "8",
        "GHS_NUM": "1234",
    }


_RETURN_CODES = ("NIR_RET", "NAI_RET", "SEX_RET", "SEJ_RET", "FHO_RET", "PMS_RET", "DAT_RET")


def _stay_c(finess, rsa, psa, admission, discharge, **return_codes):
    return {
        "ETA_NUM": finess,
        "RSA_NUM": rsa,
        "NIR_ANO_17": psa,
        **{code: return_codes.get(code, "0") for code in _RETURN_CODES},
        "ENT_DAT": admission,
        "SOR_DAT": discharge,
    }


def valid_extract() -> dict[str, Rows]:
    """File name -> rows. A fresh copy each call."""
    return copy.deepcopy(_EXTRACT)


_EXTRACT: dict[str, Rows] = {
    "IR_BEN_R.csv": [
        _ben(ANNE_PSA, "1", ANNE, "2", "1960", "05", "075"),
        _ben(ANNE_OLD_PSA, "1", ANNE, "2", "1960", "05", "092", updated="01JAN2012:00:00:00"),
        _ben(BRUNO_PSA, "1", BRUNO, "1", "1950", "02", "069", death="04MAR2021:00:00:00"),
        _ben(TWINS_PSA, "1", CLAIRE, "2", "1975", "11", "02A"),
        _ben(TWINS_PSA, "2", CECILE, "2", "1975", "11", "971"),
        _ben(DENISE_PSA, "1", DENISE, "2", "1948", "07", "999", death="01JAN1600:00:00:00"),
    ],
    "TTP_CORRESPONDANCE.csv": [
        {"SNDS_TOKEN": ANNE_TOKEN, "BEN_NIR_PSA": ANNE_PSA, "BEN_RNG_GEM": "1"},
        {"SNDS_TOKEN": BRUNO_TOKEN, "BEN_NIR_PSA": BRUNO_PSA, "BEN_RNG_GEM": "1"},
    ],
    "ER_PRS_F.csv": [
        _prs(1, ANNE_PSA, "1", "1111", "02APR2019:00:00:00", "25.00"),
        _prs(2, ANNE_PSA, "1", "3311", "03APR2019:00:00:00", "112,40"),
        _prs(3, ANNE_OLD_PSA, "1", "3317", "04APR2019:00:00:00", "310.15"),
        _prs(4, TWINS_PSA, "1", "1111", "02MAY2019:00:00:00", "25.00"),
        _prs(5, TWINS_PSA, "2", "1112", "03MAY2019:00:00:00", "30.00", specialty="7"),
        _prs(6, BRUNO_PSA, "1", "1111", "06JUN2019:00:00:00", "25.00", qualifier="71"),
    ],
    "ER_PHA_F.csv": [{**_key(2), "PHA_PRS_C13": LETROZOLE_CIP13, "PHA_ACT_QSN": "3"}],
    "ER_UCD_F.csv": [{**_key(3), "UCD_UCD_COD": CARBOPLATIN_UCD, "UCD_DLV_NBR": "2"}],
    "IR_IMB_R.csv": [
        {
            "BEN_NIR_PSA": ANNE_PSA,
            "BEN_RNG_GEM": "1",
            "IMB_ALD_NUM": "30",
            "MED_MTF_COD": "C509",
            "IMB_ALD_DTD": "01MAR2019:00:00:00",
            "IMB_ALD_DTF": "01JAN1600:00:00:00",
            "IMB_ETM_NAT": "41",
        },
        {
            "BEN_NIR_PSA": BRUNO_PSA,
            "BEN_RNG_GEM": "1",
            "IMB_ALD_NUM": "0",
            "MED_MTF_COD": "",
            "IMB_ALD_DTD": "12/01/2015",
            "IMB_ALD_DTF": "",
            "IMB_ETM_NAT": "11",
        },
    ],
    "KI_CCI_R.csv": [
        {"BEN_IDT_ANO": BRUNO, "BEN_DCD_DTE": "04MAR2021:00:00:00", "DCD_CIM_COD": "C349"}
    ],
    "KI_ECD_R.csv": [
        {
            "BEN_IDT_ANO": BRUNO,
            "BEN_DCD_DTE": "04MAR2021:00:00:00",
            "ECD_CIM_COD": "J189",
            "ECD_CAU_RNG": "2",
        }
    ],
    "T_MCO16B.csv": [
        _stay_b(PITIE, "0000000101", "09C051", "C509"),
        _stay_b(APHP, "0000000901", "09C051", "C509"),
    ],
    "T_MCO16C.csv": [
        _stay_c(PITIE, "0000000101", ANNE_OLD_PSA, "10032016", "12032016"),
        _stay_c(APHP, "0000000901", ANNE_OLD_PSA, "10032016", "12032016"),
    ],
    "T_MCO16D.csv": [{"ETA_NUM": PITIE, "RSA_NUM": "0000000101", "ASS_DGN": "Z511"}],
    "T_MCO16A.csv": [
        {
            "ETA_NUM": APHP,
            "RSA_NUM": "0000000901",
            "CDC_ACT": "QEFA003",
            "ENT_DAT_DEL": "0",
            "NBR_EXE_ACT": "1",
            "ACV_ACT": "1",
        }
    ],
    "T_MCO16MED.csv": [],
    "T_MCO19B.csv": [
        _stay_b(PITIE, "0000000001", "28Z07Z", "Z511", dr="C509", los="0"),
        _stay_b(CENTRE, "0000000002", "04M051", "C349"),
        _stay_b(CENTRE, "0000000003", "90Z00Z", "C56"),
    ],
    "T_MCO19C.csv": [
        _stay_c(PITIE, "0000000001", ANNE_PSA, "15042019", "15042019"),
        _stay_c(CENTRE, "0000000002", BRUNO_PSA, "20052019", "22052019", NIR_RET="1"),
        _stay_c(CENTRE, "0000000003", DENISE_PSA, "01062019", "03062019"),
    ],
    "T_MCO19D.csv": [
        {"ETA_NUM": PITIE, "RSA_NUM": "0000000001", "ASS_DGN": "C773"},
        {"ETA_NUM": PITIE, "RSA_NUM": "0000000001", "ASS_DGN": "C773"},
        {"ETA_NUM": PITIE, "RSA_NUM": "0000000001", "ASS_DGN": "Z922"},
    ],
    "T_MCO19A.csv": [
        {
            "ETA_NUM": PITIE,
            "RSA_NUM": "0000000001",
            "CDC_ACT": "ZZLF900",
            "ENT_DAT_DEL": "0",
            "NBR_EXE_ACT": "1",
            "ACV_ACT": "1",
        }
    ],
    "T_MCO19MED.csv": [
        {
            "ETA_NUM": PITIE,
            "RSA_NUM": "0000000001",
            "UCD_UCD_COD": CARBOPLATIN_UCD,
            "ADM_NBR": "1,5",
            "DELAI": "0",
            "ADM_NBR_PRI": "45.10",
        }
    ],
}

#: The header of each file when it has no row to take it from.
_HEADERS = {
    "T_MCO16MED.csv": ["ETA_NUM", "RSA_NUM", "UCD_UCD_COD", "ADM_NBR", "DELAI", "ADM_NBR_PRI"],
}


def header(name: str, rows: Rows) -> list[str]:
    if rows:
        return list(rows[0])
    return _HEADERS.get(name) or list(_EXTRACT[name][0])


def write_extract(
    folder: Path,
    tables: dict[str, Rows] | None = None,
    encoding: str = "utf-8",
    headers: dict[str, list[str]] | None = None,
) -> Path:
    """Write the extract's files into `folder` (created), `;`-separated as delivered."""
    tables = valid_extract() if tables is None else tables
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        columns = (headers or {}).get(name) or header(name, rows)
        lines = [";".join(columns)]
        lines += [";".join(row.get(column, "") for column in columns) for row in rows]
        (folder / name).write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return folder
