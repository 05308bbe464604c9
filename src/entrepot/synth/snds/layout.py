"""The columns each file of the extract carries: HDH names, in the order written.

An extract carries only the columns requested (decision 0004): these lists are that
request. Every name is a column of the table's HDH schema (`schema-snds`; a unit test
checks them against the JSON schemas). Types are those the values are built with: dates
and codes are text (leading zeros, SAS datetimes), counts integers, amounts and
fractional quantities decimals.
"""

from __future__ import annotations

import pyarrow as pa

_S, _I, _F = pa.string(), pa.int64(), pa.float64()

DCIR_KEYS = (
    ("FLX_DIS_DTD", _S),
    ("FLX_TRT_DTD", _S),
    ("FLX_EMT_TYP", _I),
    ("FLX_EMT_NUM", _I),
    ("FLX_EMT_ORD", _I),
    ("ORG_CLE_NUM", _S),
    ("DCT_ORD_NUM", _I),
    ("PRS_ORD_NUM", _I),
    ("REM_TYP_AFF", _I),
)
RETURN_CODES = (
    "NIR_RET",
    "NAI_RET",
    "SEX_RET",
    "SEJ_RET",
    "FHO_RET",
    "PMS_RET",
    "DAT_RET",
    "COH_NAI_RET",
    "COH_SEX_RET",
)

COLUMNS: dict[str, tuple[tuple[str, pa.DataType], ...]] = {
    "IR_BEN_R": (
        ("BEN_NIR_PSA", _S),
        ("BEN_RNG_GEM", _I),
        ("BEN_IDT_ANO", _S),
        ("BEN_NAI_ANN", _S),
        ("BEN_NAI_MOI", _S),
        ("BEN_SEX_COD", _I),
        ("BEN_DCD_DTE", _S),
        ("BEN_RES_DPT", _S),
        ("BEN_DTE_INS", _S),
        ("BEN_DTE_MAJ", _S),
    ),
    "ER_PRS_F": (
        *DCIR_KEYS,
        ("BEN_NIR_PSA", _S),
        ("BEN_RNG_GEM", _I),
        ("EXE_SOI_DTD", _S),
        ("EXE_SOI_DTF", _S),
        ("PRS_NAT_REF", _I),
        ("PRS_ACT_QTE", _F),
        ("PRS_PAI_MNT", _F),
        ("BSE_REM_MNT", _F),
        ("DPN_QLF", _I),
        ("PSE_SPE_COD", _I),
    ),
    "ER_PHA_F": (*DCIR_KEYS, ("PHA_PRS_C13", _S), ("PHA_ACT_QSN", _I)),
    "ER_UCD_F": (*DCIR_KEYS, ("UCD_UCD_COD", _S), ("UCD_DLV_NBR", _I)),
    "IR_IMB_R": (
        ("BEN_NIR_PSA", _S),
        ("BEN_RNG_GEM", _I),
        ("IMB_ALD_NUM", _I),
        ("IMB_ALD_DTD", _S),
        ("IMB_ALD_DTF", _S),
        ("IMB_ETM_NAT", _I),
        ("MED_MTF_COD", _S),
    ),
    "KI_CCI_R": (
        ("BEN_IDT_ANO", _S),
        ("BEN_DCD_DTE", _S),
        ("DCD_CIM_COD", _S),
        ("BEN_NAI_ANN", _S),
        ("BEN_SEX_COD", _I),
        ("BEN_RES_DPT", _S),
    ),
    "KI_ECD_R": (
        ("BEN_IDT_ANO", _S),
        ("ECD_CAU_RNG", _I),
        ("ECD_CIM_COD", _S),
        ("BEN_DCD_DTE", _S),
    ),
    "T_MCOaaB": (
        ("ETA_NUM", _S),
        ("RSA_NUM", _I),
        ("GRG_GHM", _S),
        ("DGN_PAL", _S),
        ("DGN_REL", _S),
        ("SEJ_NBJ", _I),
        ("SOR_ANN", _S),
        ("SOR_MOI", _S),
        ("COD_SEX", _S),
        ("AGE_ANN", _I),
        ("BDI_DEP", _S),
        ("ENT_MOD", _S),
        ("SOR_MOD", _S),
        ("GHS_NUM", _I),
    ),
    "T_MCOaaC": (
        ("ETA_NUM", _S),
        ("RSA_NUM", _I),
        ("NIR_ANO_17", _S),
        ("ENT_DAT", _S),
        ("SOR_DAT", _S),
        ("EXE_SOI_DTD", _S),
        ("EXE_SOI_DTF", _S),
        *((name, _S) for name in RETURN_CODES),
    ),
    "T_MCOaaD": (("ETA_NUM", _S), ("RSA_NUM", _I), ("ASS_DGN", _S)),
    "T_MCOaaA": (
        ("ETA_NUM", _S),
        ("RSA_NUM", _I),
        ("CDC_ACT", _S),
        ("ENT_DAT_DEL", _I),
        ("NBR_EXE_ACT", _I),
    ),
    "T_MCOaaMED": (
        ("ETA_NUM", _S),
        ("RSA_NUM", _I),
        ("UCD_UCD_COD", _S),
        ("ADM_NBR", _F),
        ("DELAI", _I),
    ),
}
PMSI_TABLES = ("T_MCOaaB", "T_MCOaaC", "T_MCOaaD", "T_MCOaaA", "T_MCOaaMED")
PMSI_YEARS = tuple(range(2008, 2026))
TTP_FILE = "TTP_CORRESPONDANCE"
TTP_COLUMNS = (("SNDS_TOKEN", _S), ("BEN_NIR_PSA", _S), ("BEN_RNG_GEM", _I))


def file_stem(table: str, year: int | None = None) -> str:
    """`T_MCOaaB` of 2019 → `T_MCO19B`; other tables keep their name."""
    if year is None:
        return table
    return table.replace("aa", f"{year % 100:02d}")


def schema(columns: tuple[tuple[str, pa.DataType], ...]) -> pa.Schema:
    return pa.schema([pa.field(name, kind) for name, kind in columns])
