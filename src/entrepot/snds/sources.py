"""The native tables the import reads, and which of their columns it needs.

An extract carries only the columns that were requested (decision 0004): a table's file
must hold its *required* columns, may hold its *optional* ones (used when present, empty
otherwise) and any other column of its HDH schema (ignored), and nothing else. In
`required_one_of`, each group needs at least one of its columns (older PMSI years name
some columns differently).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from entrepot.vocab.hdh import HdhField, HdhTable, hdh_table

#: The key of a DCIR prestation line: ER_PHA_F and ER_UCD_F lines join their ER_PRS_F line
#: on it.
DCIR_KEY = (
    "DCT_ORD_NUM",
    "FLX_DIS_DTD",
    "FLX_EMT_NUM",
    "FLX_EMT_ORD",
    "FLX_EMT_TYP",
    "FLX_TRT_DTD",
    "ORG_CLE_NUM",
    "PRS_ORD_NUM",
    "REM_TYP_AFF",
)
#: A PMSI stay within a year's files.
PMSI_KEY = ("ETA_NUM", "RSA_NUM")
RETURN_CODES = ("NIR_RET", "NAI_RET", "SEX_RET", "SEJ_RET", "FHO_RET", "PMS_RET", "DAT_RET")
#: Return codes that exist only from 2013: applied when delivered.
LATER_RETURN_CODES = ("COH_NAI_RET", "COH_SEX_RET")
TTP_FILE = "TTP_CORRESPONDANCE.csv"
PMSI_YEARS = range(2008, 2026)


@dataclass(frozen=True)
class Source:
    """One native table of the extract."""

    table: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    required_one_of: tuple[tuple[str, ...], ...] = ()
    #: PMSI tables come once per year of discharge: T_MCO19B.csv.
    yearly: bool = False
    #: Not every extract has it (the TTP correspondence): a missing file is no error.
    optional_file: bool = False

    @property
    def used(self) -> tuple[str, ...]:
        grouped = tuple(c for group in self.required_one_of for c in group)
        return tuple(dict.fromkeys((*self.required, *grouped, *self.optional)))

    def schema(self) -> HdhTable:
        if self.table == "TTP_CORRESPONDANCE":
            return _TTP_SCHEMA
        return hdh_table(self.table)

    def file_name(self, year: int | None = None) -> str:
        if not self.yearly:
            return f"{self.table}.csv"
        assert year is not None
        return f"{self.table.replace('aa', f'{year % 100:02d}')}.csv"


def _ttp_schema() -> HdhTable:
    # Not an SNDS table: the trusted third party's correspondence (decision 0004).
    def field(name: str, length: int, description: str) -> HdhField:
        return HdhField(name, "string", length, None, None, description)

    fields = (
        field("SNDS_TOKEN", 64, "SNDS linkage token (HMAC-SHA256, hexadecimal)"),
        field("BEN_NIR_PSA", 17, "Pseudonym of the beneficiary"),
        HdhField("BEN_RNG_GEM", "integer", 2, None, None, "Twin rank"),
    )
    return HdhTable("TTP_CORRESPONDANCE", "TTP correspondence", {f.name: f for f in fields}, ())


_TTP_SCHEMA = _ttp_schema()

BENEFICIARIES = Source(
    "IR_BEN_R",
    required=(
        "BEN_NIR_PSA",
        "BEN_RNG_GEM",
        "BEN_IDT_ANO",
        "BEN_SEX_COD",
        "BEN_NAI_ANN",
        "BEN_NAI_MOI",
        "BEN_RES_DPT",
        "BEN_DCD_DTE",
    ),
    optional=("BEN_DTE_MAJ",),
)
TOKENS = Source(
    "TTP_CORRESPONDANCE", required=("SNDS_TOKEN", "BEN_NIR_PSA", "BEN_RNG_GEM"), optional_file=True
)
PRESTATIONS = Source(
    "ER_PRS_F",
    required=(
        *DCIR_KEY,
        "BEN_NIR_PSA",
        "BEN_RNG_GEM",
        "EXE_SOI_DTD",
        "PRS_NAT_REF",
        "DPN_QLF",
        "PRS_PAI_MNT",
        "BSE_REM_MNT",
    ),
    optional=("EXE_SOI_DTF", "PRS_ACT_QTE", "BSE_REM_BSE", "PSP_SPE_COD", "PRS_DPN_QLP"),
)
PHARMACY = Source(
    "ER_PHA_F",
    required=(*DCIR_KEY, "PHA_ACT_QSN"),
    required_one_of=(("PHA_PRS_C13", "PHA_PRS_IDE"),),
)
RETROCESSION = Source("ER_UCD_F", required=(*DCIR_KEY, "UCD_UCD_COD"), optional=("UCD_DLV_NBR",))
CONDITIONS = Source(
    "IR_IMB_R",
    required=("BEN_NIR_PSA", "BEN_RNG_GEM", "IMB_ALD_NUM", "MED_MTF_COD", "IMB_ALD_DTD"),
    optional=("IMB_ALD_DTF", "IMB_ETM_NAT"),
)
DEATH_CERTIFICATES = Source("KI_CCI_R", required=("BEN_IDT_ANO", "BEN_DCD_DTE", "DCD_CIM_COD"))
DEATH_CAUSES = Source(
    "KI_ECD_R", required=("BEN_IDT_ANO", "BEN_DCD_DTE", "ECD_CIM_COD"), optional=("ECD_CAU_RNG",)
)
STAYS = Source(
    "T_MCOaaB",
    required=(*PMSI_KEY, "GRG_GHM", "DGN_PAL"),
    optional=("DGN_REL", "SEJ_NBJ", "ENT_MOD", "SOR_MOD", "GHS_NUM"),
    yearly=True,
)
STAY_CHAINING = Source(
    "T_MCOaaC",
    required=(*PMSI_KEY, "NIR_ANO_17", *RETURN_CODES),
    optional=LATER_RETURN_CODES,
    required_one_of=(("ENT_DAT", "EXE_SOI_DTD"), ("SOR_DAT", "EXE_SOI_DTF")),
    yearly=True,
)
STAY_DIAGNOSES = Source("T_MCOaaD", required=(*PMSI_KEY, "ASS_DGN"), yearly=True)
STAY_PROCEDURES = Source(
    "T_MCOaaA",
    required=(*PMSI_KEY, "CDC_ACT"),
    optional=("ENT_DAT_DEL", "NBR_EXE_ACT", "ACV_ACT"),
    yearly=True,
)
STAY_DRUGS = Source(
    "T_MCOaaMED",
    required=PMSI_KEY,
    optional=("ADM_NBR", "DELAI", "ADM_NBR_PRI"),
    required_one_of=(("UCD_UCD_COD", "UCD_COD"),),
    yearly=True,
)

SOURCES: tuple[Source, ...] = (
    BENEFICIARIES,
    TOKENS,
    PRESTATIONS,
    PHARMACY,
    RETROCESSION,
    CONDITIONS,
    DEATH_CERTIFICATES,
    DEATH_CAUSES,
    STAYS,
    STAY_CHAINING,
    STAY_DIAGNOSES,
    STAY_PROCEDURES,
    STAY_DRUGS,
)

_YEARLY_NAME = re.compile(r"T_MCO(\d{2})(B|C|D|A|MED)\.csv", re.IGNORECASE)


def yearly_source(file_name: str) -> tuple[Source, int] | None:
    """The PMSI source and year of discharge a file name designates (T_MCO19B.csv)."""
    match = _YEARLY_NAME.fullmatch(file_name)
    if match is None:
        return None
    year = 2000 + int(match[1])
    source = next(s for s in SOURCES if s.table == f"T_MCOaa{match[2].upper()}")
    return (source, year) if year in PMSI_YEARS else None
