"""Code systems: validation, normalisation and labels of the codes the warehouse stores.

>>> from entrepot.vocab import code_system
>>> code_system("icd10").normalise("c50.9 ")
'C509'

Lists are loaded on first use of a system, not on import. NIR utilities live in
``entrepot.vocab.nir``: the NIR is an identifier, never a warehouse code. The schemas of the
SNDS tables (HDH Table Schema) are read by ``entrepot.vocab.hdh``.
"""

from collections.abc import Mapping
from types import MappingProxyType

from entrepot.vocab.atc import ATC
from entrepot.vocab.base import CodeSystem
from entrepot.vocab.ccam import CCAM
from entrepot.vocab.drugs import CIP13, UCD, cip13_atc_class, ucd_atc
from entrepot.vocab.finess import FINESS, finess_with_check_digit
from entrepot.vocab.geography import DEPARTEMENT, SNDS_DEPARTEMENT, departement_from_postcode
from entrepot.vocab.icd10 import ICD10
from entrepot.vocab.icdo3 import ICDO3_MORPHOLOGY, ICDO3_TOPOGRAPHY
from entrepot.vocab.snds_lists import (
    ALD,
    GHM,
    MEDICAL_SPECIALTY,
    PMSI_MODE,
    PRESTATION,
    SndsValueList,
)
from entrepot.vocab.stages import FIGO_STAGE, STAGE_GROUP, is_metastatic_stage
from entrepot.vocab.tnm import TNM_M, TNM_N, TNM_T, is_metastatic_m

CODE_SYSTEMS: Mapping[str, CodeSystem] = MappingProxyType(
    {
        system.name: system
        for system in (
            ICD10,
            ICDO3_TOPOGRAPHY,
            ICDO3_MORPHOLOGY,
            ATC,
            CCAM,
            FINESS,
            DEPARTEMENT,
            TNM_T,
            TNM_N,
            TNM_M,
            STAGE_GROUP,
            FIGO_STAGE,
            UCD,
            CIP13,
            SNDS_DEPARTEMENT,
            PRESTATION,
            ALD,
            MEDICAL_SPECIALTY,
            PMSI_MODE,
            GHM,
        )
    }
)


def code_system(name: str) -> CodeSystem:
    """Return the code system called ``name`` (``"icd10"``, ``"atc"``, ...).

    Raises KeyError, naming the known systems, for an unknown name.
    """
    try:
        return CODE_SYSTEMS[name]
    except KeyError:
        known = ", ".join(sorted(CODE_SYSTEMS))
        raise KeyError(f"unknown code system {name!r}; known code systems: {known}") from None


__all__ = [
    "CODE_SYSTEMS",
    "CodeSystem",
    "SndsValueList",
    "cip13_atc_class",
    "code_system",
    "departement_from_postcode",
    "finess_with_check_digit",
    "is_metastatic_m",
    "is_metastatic_stage",
    "ucd_atc",
]
